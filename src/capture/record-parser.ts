import type { FrameBatch } from './frame-batch.js';

/** The capture formats `readCapture` understands. */
export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * Largest record accepted. libpcap caps snap lengths at 256 KiB; anything near this bound is a
 * damaged length field, and refusing it keeps a hostile file from making the reader buffer gigabytes.
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/**
 * One capture format, seen as a sequence of self-delimiting records (a pcap file header and packet
 * records, or pcapng blocks). `RecordFramer` cuts the byte stream into records and hands each
 * complete one to `parseRecord`; the parser never sees a record split across chunks.
 *
 * Failures are reported by return value plus `failure` rather than by throwing, so that the
 * reader can yield the packets before the damage and then throw with the right offset.
 */
export interface RecordParser {
  readonly format: CaptureFormat;
  /** Bytes `recordLength` needs to see; may change after a record is parsed. */
  readonly headerLength: number;
  /** Why the last call returned -1 or false. */
  readonly failure: string;
  /** Total length of the record at `pos` (at least `headerLength`), or -1 when it is impossible. */
  recordLength(view: DataView, pos: number): number;
  /** Parses the complete record at `pos`, adding any packet to `batch`; false when it is corrupt. */
  parseRecord(bytes: Uint8Array, view: DataView, pos: number, length: number, batch: FrameBatch): boolean;
}
