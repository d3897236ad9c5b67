import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { YamoriError } from '../errors/index.js';
import type { CapturedPacket } from './captured-packet.js';
import { FrameBatch } from './frame-batch.js';
import { isPcapMagic, PcapParser } from './pcap-parser.js';
import { PCAPNG_SECTION_HEADER, PcapngParser } from './pcapng-parser.js';
import { FillResult, RecordFramer } from './record-framer.js';
import type { CaptureFormat, RecordParser } from './record-parser.js';

export interface ReadCaptureOptions {
  /** Names the input in errors: a path, "stdin", "tcpdump on eth0". */
  sourceName: string;
  /** Most packets in one batch; default 1024. */
  maxBatch?: number;
}

export interface CaptureReadStats {
  /** Null until the first bytes have been read. */
  format: CaptureFormat | null;
  isGzip: boolean;
  packets: number;
  /** Captured bytes of those packets. */
  bytes: number;
  /** Offset in the (decompressed) capture where the last complete record ends. */
  bytesRead: number;
  /** Bytes taken from the input as given (compressed, for gzip): compare with the file size for progress. */
  inputBytes: number;
}

/** The batches of one capture, plus counters that a progress display may read at any time. */
export interface CaptureReader extends AsyncGenerator<CapturedPacket[], void, undefined> {
  stats(): CaptureReadStats;
}

/**
 * `CaptureReader` with batches as `FrameBatch`: one object, refilled for every batch, so reading
 * allocates nothing per packet. The import path reads this way.
 */
export interface FrameReader extends AsyncGenerator<FrameBatch, void, undefined> {
  stats(): CaptureReadStats;
}

export type CaptureInput = NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

const GZIP_MAGIC = 0x1f8b;
const MAGIC_BYTES = 4;
const GZIP_CHUNK_BYTES = 256 * 1024;

/**
 * Reads a pcap, pcapng or gzip-compressed capture as a stream of packet batches, in bounded memory.
 * The format is detected from the first bytes. A batch ends at most `maxBatch` packets or where the
 * input chunk ends, so a slow live source is never held back waiting for a full batch.
 *
 * Throws (after yielding every complete packet before the problem): PCAP_EMPTY, PCAP_UNKNOWN_FORMAT,
 * PCAP_TRUNCATED (the input ends inside a record), PCAP_CORRUPT (a record's lengths are impossible).
 * Errors of the input stream itself pass through unchanged.
 */
export function readCapture(input: CaptureInput, options: ReadCaptureOptions): CaptureReader {
  const frames = readCaptureFrames(input, options);
  return Object.assign(packetBatches(frames), { stats: () => frames.stats() });
}

/**
 * `readCapture` yielding `FrameBatch`es: the same packets, batches and errors, without an object per
 * packet. The batch object and the bytes it points into are reused: each batch is valid until the
 * next is requested.
 */
export function readCaptureFrames(input: CaptureInput, options: ReadCaptureOptions): FrameReader {
  const stats: CaptureReadStats = {
    format: null,
    isGzip: false,
    packets: 0,
    bytes: 0,
    bytesRead: 0,
    inputBytes: 0,
  };
  const batches = readBatches(input, options, stats);
  return Object.assign(batches, { stats: (): CaptureReadStats => ({ ...stats }) });
}

async function* packetBatches(frames: FrameReader): AsyncGenerator<CapturedPacket[], void, undefined> {
  for await (const batch of frames) {
    const packets: CapturedPacket[] = new Array<CapturedPacket>(batch.count);
    for (let i = 0; i < batch.count; i++) packets[i] = batch.packet(i);
    yield packets;
  }
}

async function* readBatches(
  input: CaptureInput,
  options: ReadCaptureOptions,
  stats: CaptureReadStats,
): AsyncGenerator<FrameBatch, void, undefined> {
  const { sourceName } = options;
  const batch = new FrameBatch(Math.max(1, options.maxBatch ?? 1024));
  let chunks: AsyncIterator<Uint8Array> = byteChunks(input, sourceName, stats);
  try {
    let head = await readHead(chunks);
    if (head.length >= 2 && head[0] === GZIP_MAGIC >> 8 && head[1] === (GZIP_MAGIC & 0xff)) {
      stats.isGzip = true;
      // The stream machinery may hold a chunk after asking for the next, so it gets copies.
      chunks = gunzip(copied(prepend(head, chunks)));
      head = await readHead(chunks);
    }
    const parser = createParser(head, sourceName);
    stats.format = parser.format;
    const framer = new RecordFramer(parser);
    let pending: Uint8Array | null = head;
    for (;;) {
      let chunk: Uint8Array;
      if (pending !== null) {
        chunk = pending;
        pending = null;
      } else {
        const next = await nextChunk(chunks, framer.offset);
        if (next === null) break;
        chunk = next;
      }
      framer.feed(chunk);
      for (;;) {
        batch.clear();
        const result = framer.fill(batch);
        stats.bytesRead = framer.offset;
        if (batch.count > 0) {
          stats.packets += batch.count;
          stats.bytes += batch.capturedBytes();
          yield batch;
        }
        if (result === FillResult.CORRUPT) throw corrupt(sourceName, framer.offset, framer.failure, stats);
        if (result === FillResult.NEED_INPUT) break;
      }
    }
    if (framer.hasPartialRecord) throw truncated(sourceName, framer.offset, stats);
  } finally {
    await chunks.return?.();
  }

  /** The input's next chunk, with a damaged or cut gzip stream reported as capture errors. */
  async function nextChunk(iterator: AsyncIterator<Uint8Array>, offset: number): Promise<Uint8Array | null> {
    try {
      const next = await iterator.next();
      return next.done === true ? null : next.value;
    } catch (error) {
      throw mapGzipError(error, sourceName, offset, stats);
    }
  }

  /**
   * Reads until at least the magic number is there; the first chunk(s), joined. A chunk is valid only
   * until the next is requested (see `openCaptureFile`), so one that is kept while reading on is copied.
   */
  async function readHead(iterator: AsyncIterator<Uint8Array>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < MAGIC_BYTES) {
      const chunk = await nextChunk(iterator, 0);
      if (chunk === null) break;
      if (parts.length === 0 && chunk.length >= MAGIC_BYTES) return chunk;
      parts.push(Uint8Array.from(chunk));
      total += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}

function createParser(head: Uint8Array, sourceName: string): RecordParser {
  if (head.length === 0) throw new YamoriError('PCAP_EMPTY', { source: sourceName }, { source: sourceName });
  if (head.length < MAGIC_BYTES) {
    // Too short to tell; call it cut off when it could be the start of a capture.
    if (isMagicPrefix(head)) throw truncated(sourceName, 0, { packets: 0 });
    throw unknownFormat(head, sourceName);
  }
  const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  if (isPcapMagic(magic)) return new PcapParser(magic);
  if (magic === PCAPNG_SECTION_HEADER) return new PcapngParser();
  throw unknownFormat(head, sourceName);
}

const KNOWN_MAGICS = [
  0xa1b2c3d4,
  0xd4c3b2a1,
  0xa1b23c4d,
  0x4d3cb2a1,
  0xa1b2cd34,
  0x34cdb2a1,
  PCAPNG_SECTION_HEADER,
];

function isMagicPrefix(head: Uint8Array): boolean {
  return KNOWN_MAGICS.some((magic) => head.every((byte, i) => byte === (magic >>> (24 - 8 * i)) % 256));
}

function unknownFormat(head: Uint8Array, sourceName: string): YamoriError {
  const magic = Array.from(head.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return new YamoriError('PCAP_UNKNOWN_FORMAT', { source: sourceName, magic }, { source: sourceName });
}

function truncated(sourceName: string, offset: number, stats: { packets: number }): YamoriError {
  return new YamoriError(
    'PCAP_TRUNCATED',
    { source: sourceName, offset, packets: stats.packets },
    { source: sourceName },
  );
}

function corrupt(
  sourceName: string,
  offset: number,
  detail: string,
  stats: { packets: number },
): YamoriError {
  return new YamoriError(
    'PCAP_CORRUPT',
    { source: sourceName, offset, detail, packets: stats.packets },
    { source: sourceName },
  );
}

function mapGzipError(error: unknown, sourceName: string, offset: number, stats: CaptureReadStats): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (!stats.isGzip || typeof code !== 'string' || !code.startsWith('Z_')) return error;
  const mapped =
    code === 'Z_BUF_ERROR'
      ? truncated(sourceName, offset, stats)
      : corrupt(sourceName, offset, `the gzip compression is damaged (${(error as Error).message})`, stats);
  return Object.assign(mapped, { cause: error });
}

async function* byteChunks(
  input: CaptureInput,
  sourceName: string,
  stats: CaptureReadStats,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of input as AsyncIterable<unknown>) {
    if (!(chunk instanceof Uint8Array)) {
      throw new YamoriError('INTERNAL', { detail: `${sourceName} delivered text instead of bytes` });
    }
    stats.inputBytes += chunk.length;
    yield chunk;
  }
}

async function* copied(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of chunks) yield Uint8Array.from(chunk);
}

async function* prepend(
  head: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    if (head.length > 0) yield head;
    for (;;) {
      const next = await rest.next();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}

/** Decompresses; destroying the returned iterator (early return) closes the input too. */
function gunzip(compressed: AsyncIterable<Uint8Array>): AsyncIterator<Uint8Array> {
  const inflater = createGunzip({ chunkSize: GZIP_CHUNK_BYTES });
  // Errors of either stream reach the consumer through the inflater's iterator.
  pipeline(Readable.from(compressed, { objectMode: false }), inflater, () => {});
  return inflater[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
}
