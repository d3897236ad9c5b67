import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { YamoriError } from '../errors/index.js';

/** Lines handed out at once: enough to amortise the generator's await, small enough to stay in cache. */
const BATCH_LINES = 4096;
/** A line longer than this is hostile (no Zeek or eve record comes near it) and is skipped unread. */
const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Consecutive lines of a text log. `lines[i]` is line `firstLineNumber + i` without its line end, or
 * null when the line was longer than the limit (it is counted, never decoded).
 */
export interface LogLineBatch {
  lines: (string | null)[];
  firstLineNumber: number;
}

export interface ReadLogLinesOptions {
  /** Named in errors: the path, or "standard input". */
  sourceName: string;
  maxLineBytes?: number;
  /** Called with the size of each chunk read from the input (compressed bytes, for gzip), for progress. */
  onInputBytes?: (bytes: number) => void;
}

/**
 * The bytes of a log file, or of standard input for "-". Opening happens on the first read; a file that
 * cannot be read then fails with INPUT_NOT_FOUND.
 */
export function openLogFile(path: string): AsyncIterable<Uint8Array> {
  if (path === '-') return process.stdin;
  return readFileChunks(path);
}

async function* readFileChunks(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('E')) throw cause;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (cause as Error).message;
    throw new YamoriError('INPUT_NOT_FOUND', { path, reason }, { source: path, cause });
  } finally {
    stream.destroy();
  }
}

/**
 * Splits a byte stream into UTF-8 lines, in batches; gzip input (by its magic bytes) is decompressed on
 * the way. "\r\n" ends a line as "\n" does. Only the unfinished last line is buffered, and never more
 * than `maxLineBytes` of it. Damaged gzip throws INPUT_GZIP_CORRUPT after yielding every line before it.
 */
export async function* readLogLines(
  input: AsyncIterable<Uint8Array>,
  options: ReadLogLinesOptions,
): AsyncGenerator<LogLineBatch, void, undefined> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let carry: Buffer | null = null;
  let isSkipping = false;
  let lines: (string | null)[] = [];
  let lineNumber = 1;
  let firstLineNumber = 1;

  const emit = (bytes: Buffer, end: number): void => {
    if (isSkipping) {
      lines.push(null);
      isSkipping = false;
    } else {
      const stop = end > 0 && bytes[end - 1] === 0x0d ? end - 1 : end;
      lines.push(bytes.toString('utf8', 0, stop));
    }
    lineNumber++;
  };

  const source = await decompressIfGzip(input, options.onInputBytes);
  try {
    for await (const piece of source) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      let start = 0;
      for (;;) {
        const at = chunk.indexOf(NEWLINE, start);
        if (at === -1) break;
        if (carry !== null && carry.length + at - start <= maxLineBytes) {
          emit(Buffer.concat([carry, chunk.subarray(start, at)]), carry.length + at - start);
          carry = null;
        } else if (carry !== null) {
          carry = null;
          isSkipping = true;
          emit(chunk, 0);
        } else if (isSkipping || at - start > maxLineBytes) {
          isSkipping = true;
          emit(chunk, 0);
        } else {
          emit(chunk.subarray(start, at), at - start);
        }
        start = at + 1;
        if (lines.length >= BATCH_LINES) {
          yield { lines, firstLineNumber };
          lines = [];
          firstLineNumber = lineNumber;
        }
      }
      if (start < chunk.length && !isSkipping) {
        const rest = chunk.subarray(start);
        const length = (carry?.length ?? 0) + rest.length;
        if (length > maxLineBytes) {
          carry = null;
          isSkipping = true;
        } else {
          // Copied: the source may reuse its chunk buffer for the next read.
          carry = carry === null ? Buffer.from(rest) : Buffer.concat([carry, rest]);
        }
      }
    }
  } catch (cause) {
    if (isYamoriInputError(cause)) throw cause;
    if (lines.length > 0) yield { lines, firstLineNumber };
    throw new YamoriError(
      'INPUT_GZIP_CORRUPT',
      { source: options.sourceName, lines: lineNumber - 1, detail: (cause as Error).message },
      { source: options.sourceName, cause },
    );
  }
  if (carry !== null) emit(carry, carry.length);
  else if (isSkipping) emit(Buffer.alloc(0), 0);
  if (lines.length > 0) yield { lines, firstLineNumber };
}

function isYamoriInputError(error: unknown): boolean {
  return error instanceof YamoriError;
}

/** The input itself, or its decompression when it starts with gzip's magic bytes (1f 8b). */
async function decompressIfGzip(
  input: AsyncIterable<Uint8Array>,
  onInputBytes: ((bytes: number) => void) | undefined,
): Promise<AsyncIterable<Uint8Array>> {
  const iterator = input[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) return (async function* () {})();
  const head = first.value;
  onInputBytes?.(head.length);
  async function* replay(): AsyncGenerator<Uint8Array, void, undefined> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      onInputBytes?.(next.value.length);
      yield next.value;
    }
  }
  // A one-byte first chunk cannot show the magic; standard input may deliver one, files never do.
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return replay();
  const gunzip = createGunzip();
  // pipeline destroys the gunzip stream with the source's error too, so reading it then rejects.
  pipeline(Readable.from(replay()), gunzip, () => undefined);
  return gunzip;
}
