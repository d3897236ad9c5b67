/**
 * Classic libpcap files: a 24-byte file header, then records of a 16-byte header and the packet.
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html
 */
import type { FrameBatch } from './frame-batch.js';
import { MAX_RECORD_BYTES, type RecordParser } from './record-parser.js';

const FILE_HEADER_BYTES = 24;

/** The magic numbers as read big-endian from the first four bytes. */
const MAGIC_MICROS = 0xa1b2c3d4;
const MAGIC_MICROS_SWAPPED = 0xd4c3b2a1;
const MAGIC_NANOS = 0xa1b23c4d;
const MAGIC_NANOS_SWAPPED = 0x4d3cb2a1;
// Alexey Kuznetsov's "modified" pcap: microseconds, and 8 more bytes (ifindex, protocol, type) per record.
const MAGIC_MODIFIED = 0xa1b2cd34;
const MAGIC_MODIFIED_SWAPPED = 0x34cdb2a1;

/** libpcap's LT_LINKTYPE: the upper bits of the header's link-type field carry FCS information. */
const LINKTYPE_MASK = 0x03ffffff;

export function isPcapMagic(magic: number): boolean {
  return (
    magic === MAGIC_MICROS ||
    magic === MAGIC_MICROS_SWAPPED ||
    magic === MAGIC_NANOS ||
    magic === MAGIC_NANOS_SWAPPED ||
    magic === MAGIC_MODIFIED ||
    magic === MAGIC_MODIFIED_SWAPPED
  );
}

export class PcapParser implements RecordParser {
  readonly format = 'pcap';
  headerLength = FILE_HEADER_BYTES;
  failure = '';
  /** File-header fields, exposed for tests and `yamori import` summaries. */
  linkType = -1;
  snaplen = 0;
  private readonly isLittleEndian: boolean;
  private readonly isNanos: boolean;
  private readonly recordHeaderBytes: number;
  private hasFileHeader = false;

  /** `magic` is the first four bytes read big-endian; check it with `isPcapMagic` first. */
  constructor(magic: number) {
    this.isLittleEndian =
      magic === MAGIC_MICROS_SWAPPED || magic === MAGIC_NANOS_SWAPPED || magic === MAGIC_MODIFIED_SWAPPED;
    this.isNanos = magic === MAGIC_NANOS || magic === MAGIC_NANOS_SWAPPED;
    this.recordHeaderBytes = magic === MAGIC_MODIFIED || magic === MAGIC_MODIFIED_SWAPPED ? 24 : 16;
  }

  recordLength(view: DataView, pos: number): number {
    if (!this.hasFileHeader) return FILE_HEADER_BYTES;
    const capturedLength = view.getUint32(pos + 8, this.isLittleEndian);
    if (capturedLength > MAX_RECORD_BYTES) {
      this.failure = `the record claims ${capturedLength} captured bytes, more than any capture holds`;
      return -1;
    }
    return this.recordHeaderBytes + capturedLength;
  }

  parseRecord(bytes: Uint8Array, view: DataView, pos: number, length: number, batch: FrameBatch): boolean {
    const le = this.isLittleEndian;
    if (!this.hasFileHeader) {
      this.snaplen = view.getUint32(pos + 16, le);
      this.linkType = view.getUint32(pos + 20, le) & LINKTYPE_MASK;
      this.hasFileHeader = true;
      this.headerLength = this.recordHeaderBytes;
      return true;
    }
    const seconds = view.getUint32(pos, le);
    const fraction = view.getUint32(pos + 4, le);
    batch.push(
      bytes,
      pos + this.recordHeaderBytes,
      length - this.recordHeaderBytes,
      view.getUint32(pos + 12, le),
      seconds * 1_000_000 + (this.isNanos ? Math.floor(fraction / 1000) : fraction),
      this.linkType,
      0,
      null,
    );
    return true;
  }
}
