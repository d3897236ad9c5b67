/**
 * Writes classic pcap (the libpcap format tcpdump writes, little-endian, version 2.4). pcapng is not
 * written: every reader that takes pcapng also takes pcap.
 */
import { createWriteStream } from 'node:fs';
import { YamoriError } from '../../errors/index.js';

const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const MAGIC_NANOSECONDS = 0xa1b23c4d;
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const DEFAULT_SNAPLEN = 262144;
/** Large enough that a write to disk carries thousands of packets; small enough to stay out of the way. */
const CHUNK_BYTES = 1 << 20;

export interface PcapWriterOptions {
  /** LINKTYPE_* value (decode's LinkType.ETHERNET is 1). */
  linkType: number;
  /** Longest frame kept; longer frames are cut and keep their original length. Default 262144. */
  snaplen?: number;
  /** Write nanosecond timestamps (magic a1b23c4d). Default false. */
  nanosecond?: boolean;
}

export interface PcapWriter {
  /** The 24-byte global header. */
  header(): Buffer;
  /**
   * One record: the 16-byte record header, then the frame cut to the snap length.
   * `originalLength` defaults to the frame's length.
   */
  record(timestampUs: number, frame: Uint8Array, originalLength?: number): Buffer;
  /** Writes one record into `target` at `offset` without allocating; returns the bytes written. */
  writeRecordInto(
    target: Buffer,
    offset: number,
    timestampUs: number,
    frame: Uint8Array,
    originalLength?: number,
  ): number;
  /** How many bytes `record` would return for a frame of this length. */
  recordLength(frameLength: number): number;
}

export interface TimedFrame {
  /** Microseconds since the Unix epoch. */
  timestampUs: number;
  frame: Uint8Array;
}

export function createPcapWriter(options: PcapWriterOptions): PcapWriter {
  const snaplen = options.snaplen ?? DEFAULT_SNAPLEN;
  const nanosecond = options.nanosecond ?? false;
  const recordLength = (frameLength: number): number => RECORD_HEADER_BYTES + Math.min(frameLength, snaplen);

  const writeRecordInto = (
    target: Buffer,
    offset: number,
    timestampUs: number,
    frame: Uint8Array,
    originalLength = frame.length,
  ): number => {
    const seconds = Math.floor(timestampUs / 1_000_000);
    const micros = timestampUs - seconds * 1_000_000;
    const captured = Math.min(frame.length, snaplen);
    target.writeUInt32LE(seconds, offset);
    target.writeUInt32LE(nanosecond ? micros * 1000 : micros, offset + 4);
    target.writeUInt32LE(captured, offset + 8);
    target.writeUInt32LE(originalLength, offset + 12);
    target.set(captured === frame.length ? frame : frame.subarray(0, captured), offset + RECORD_HEADER_BYTES);
    return RECORD_HEADER_BYTES + captured;
  };

  return {
    header() {
      const header = Buffer.alloc(GLOBAL_HEADER_BYTES);
      header.writeUInt32LE(nanosecond ? MAGIC_NANOSECONDS : MAGIC_MICROSECONDS, 0);
      header.writeUInt16LE(2, 4);
      header.writeUInt16LE(4, 6);
      // Bytes 8–15 (thiszone, sigfigs) stay zero, as every writer leaves them.
      header.writeUInt32LE(snaplen, 16);
      header.writeUInt32LE(options.linkType, 20);
      return header;
    },
    record(timestampUs, frame, originalLength) {
      const out = Buffer.allocUnsafe(recordLength(frame.length));
      writeRecordInto(out, 0, timestampUs, frame, originalLength);
      return out;
    },
    writeRecordInto,
    recordLength,
  };
}

export interface WritePcapFileOptions {
  /** Default 1 (Ethernet). */
  linkType?: number;
  snaplen?: number;
  nanosecond?: boolean;
}

/**
 * Streams packets to a pcap file, batching records into 1 MiB writes and waiting for the disk when the
 * stream asks it to, so memory stays flat however many packets the iterable yields.
 * Throws CAPTURE_WRITE_FAILED when the file cannot be opened or written.
 */
export async function writePcapFile(
  path: string,
  packets: Iterable<TimedFrame>,
  options: WritePcapFileOptions = {},
): Promise<{ packets: number; bytes: number }> {
  const writer = createPcapWriter({ ...options, linkType: options.linkType ?? 1 });
  const stream = createWriteStream(path);
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  stream.on('error', (error) => {
    failure = error;
    wake?.();
  });
  /** Resolves on 'drain', or at once when the stream has failed (the caller checks `failure`). */
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      stream.once('drain', resolve);
    });
  const fail = (error: Error): YamoriError =>
    new YamoriError('CAPTURE_WRITE_FAILED', { path, detail: error.message }, { cause: error });
  const throwIfFailed = (): void => {
    if (failure) throw fail(failure);
  };

  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  let count = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (used === 0) return;
    const full = stream.write(chunk.subarray(0, used));
    total += used;
    // The stream keeps a reference to the written bytes until they reach the disk, so never reuse them.
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
    if (!full && failure === null) await drained();
  };

  try {
    const header = writer.header();
    header.copy(chunk, 0);
    used = header.length;
    for (const { timestampUs, frame } of packets) {
      const length = writer.recordLength(frame.length);
      if (used + length > chunk.length) {
        await flush();
        throwIfFailed();
        if (length > chunk.length) chunk = Buffer.allocUnsafe(length);
      }
      used += writer.writeRecordInto(chunk, used, timestampUs, frame);
      count++;
    }
    await flush();
    throwIfFailed();
    await new Promise<void>((resolve) => stream.end(resolve));
  } catch (error) {
    stream.destroy();
    // A failure of the iterable itself is the caller's to see as it was; only disk failures are ours.
    throwIfFailed();
    throw error;
  }
  throwIfFailed();
  return { packets: count, bytes: total };
}
