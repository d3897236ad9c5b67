/**
 * Response body → feed bytes: undoes Content-Encoding (gzip, deflate, br), then unpacks a body that is
 * itself a .gz or .zip file, counting decompressed bytes as they stream so that an endless body or a
 * compression bomb stops at the limit instead of filling memory.
 */
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { YamoriError } from '../../errors/index.js';

export interface DecodeBodyOptions {
  /** The Content-Encoding header, or null. */
  contentEncoding: string | null;
  maxBytes: number;
  /** The redacted URL, for messages. */
  url: string;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const ZIP_LOCAL_HEADER = 0x04034b50;

type Stage = (source: AsyncIterable<Buffer>) => AsyncIterable<Buffer>;

/**
 * Reads `source` through the decoders and returns the feed's bytes. Rejects with FEED_TOO_LARGE past
 * `maxBytes` of output, FEED_FETCH_FAILED for a truncated or corrupt compressed body, and with the
 * source's own error when the source fails.
 */
export async function decodeBody(source: AsyncIterable<Buffer>, options: DecodeBodyOptions): Promise<Buffer> {
  const { maxBytes, url } = options;
  const stages: Stage[] = [];
  // Encodings are listed in the order they were applied, so they are undone from the last.
  const encodings = (options.contentEncoding ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity')
    .reverse();
  for (const encoding of encodings) stages.push(contentDecoder(encoding, url));
  stages.push((input) => unpackFile(input, options));

  const chunks: Buffer[] = [];
  let total = 0;
  // Each stage pulls from the one before, so nothing is decompressed faster than it is counted here;
  // leaving the loop early (limit, error) returns every iterator down to the response, closing it.
  let output = source;
  for (const stage of stages) output = stage(output);
  try {
    for await (const chunk of output) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(url, maxBytes, 'after decompression');
      chunks.push(chunk);
    }
  } catch (error) {
    throw asFetchError(error, url);
  }
  return Buffer.concat(chunks, total);
}

function contentDecoder(encoding: string, url: string): Stage {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return (input) => through(input, createGunzip());
    case 'br':
      return (input) => through(input, createBrotliDecompress());
    case 'deflate':
      // Some servers send raw deflate under this name instead of the zlib format RFC 9110 asks for.
      return (input) =>
        withHead(input, 2, (head, rest) =>
          through(rest, isZlibHeader(head) ? createInflate() : createInflateRaw()),
        );
    default:
      throw new YamoriError(
        'FEED_FETCH_FAILED',
        {
          url,
          detail: `the server used Content-Encoding "${encoding}", which Yamori cannot decode`,
          advice: 'Report the feed URL; Yamori asks only for gzip, deflate and br.',
        },
        { source: url },
      );
  }
}

/** A body that is itself a .gz or .zip file (not a Content-Encoding) is unpacked; others pass. */
function unpackFile(input: AsyncIterable<Buffer>, options: DecodeBodyOptions): AsyncIterable<Buffer> {
  return withHead(input, 4, (head, rest) => {
    if (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
      return through(rest, createGunzip());
    }
    if (head.length >= 4 && head.readUInt32LE(0) === ZIP_LOCAL_HEADER) return unzipFirstFile(rest, options);
    return rest;
  });
}

/**
 * A zip's directory sits at its end, so the archive is collected (within the limit) before the first
 * file entry is inflated. The output buffer is sized from the entry's declared size, which is refused
 * past the limit, so a lying header cannot make it grow.
 */
async function* unzipFirstFile(
  input: AsyncIterable<Buffer>,
  options: DecodeBodyOptions,
): AsyncIterable<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    total += chunk.length;
    if (total > options.maxBytes) throw tooLarge(options.url, options.maxBytes, 'zip archive');
    chunks.push(chunk);
  }
  // The filter runs inside unzipSync; an object keeps what it picked visible to TypeScript here.
  const pick: { name: string | null; declared: number } = { name: null, declared: 0 };
  let files: Record<string, Uint8Array>;
  // Loaded here, not at the top: only a zipped feed needs it, and every intel verb loads this file.
  const { unzipSync } = await import('fflate');
  try {
    files = unzipSync(Buffer.concat(chunks, total), {
      filter(entry) {
        if (pick.name !== null || entry.name.endsWith('/')) return false;
        pick.name = entry.name;
        pick.declared = entry.originalSize;
        return entry.originalSize <= options.maxBytes;
      },
    });
  } catch (error) {
    throw fetchFailed(options.url, `the zip archive is damaged (${messageOf(error)})`);
  }
  if (pick.name === null) throw fetchFailed(options.url, 'the zip archive holds no file');
  if (pick.declared > options.maxBytes) {
    throw tooLarge(options.url, options.maxBytes, `zip entry "${pick.name}" declares ${pick.declared} bytes`);
  }
  const data = files[pick.name];
  if (data !== undefined) yield Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Reads at least `n` bytes (fewer at the end), then continues with what `next` builds from them. */
async function* withHead(
  input: AsyncIterable<Buffer>,
  n: number,
  next: (head: Buffer, rest: AsyncIterable<Buffer>) => AsyncIterable<Buffer>,
): AsyncIterable<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const step = await iterator.next();
    if (step.done === true) {
      done = true;
      break;
    }
    seen.push(step.value);
    length += step.value.length;
  }
  const head = Buffer.concat(seen, length);
  async function* rest(): AsyncIterable<Buffer> {
    if (length > 0) yield head;
    if (done) return;
    for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) yield step.value;
  }
  try {
    yield* next(head, rest());
  } finally {
    // A consumer that stops early must still close the source (the HTTP response).
    await iterator.return?.();
  }
}

/** Runs `input` through a zlib transform with backpressure, so output is made only as it is read. */
function through(input: AsyncIterable<Buffer>, transform: Transform): AsyncIterable<Buffer> {
  // Errors of either side end the iteration below: pipeline destroys the transform with them.
  pipeline(Readable.from(input, { objectMode: false }), transform).catch(() => undefined);
  return transform;
}

function isZlibHeader(head: Buffer): boolean {
  const cmf = head[0];
  const flg = head[1];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
}

function asFetchError(error: unknown, url: string): unknown {
  if (error instanceof YamoriError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR') return fetchFailed(url, 'truncated compressed body');
  if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR'))) {
    return fetchFailed(url, `corrupt compressed body (${messageOf(error)})`);
  }
  return error;
}

function fetchFailed(url: string, detail: string): YamoriError {
  return new YamoriError(
    'FEED_FETCH_FAILED',
    { url, detail, advice: 'The server sent a damaged file; the next scheduled run tries again.' },
    { source: url },
  );
}

function tooLarge(url: string, maxBytes: number, what: string): YamoriError {
  return new YamoriError('FEED_TOO_LARGE', { url, limit: formatBytes(maxBytes), what }, { source: url });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} bytes`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
