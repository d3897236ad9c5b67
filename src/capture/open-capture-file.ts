import { closeSync, openSync, readSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { YamoriError } from '../errors/index.js';

/**
 * Reads of 128 KB into one reused buffer, on the calling thread. The size is measured: the kernel's
 * copy from the page cache into a buffer that stays in the CPU's cache costs a quarter of the same
 * copy into a larger one (a 1.5 GB capture: 0.2 against 0.8 CPU s for 128 KB against 256 KB to 8 MB
 * reads, on this project's 2-core benchmark machine; a 2 MB buffer filled 128 KB at a time costs as
 * much as the large reads), and the parser then reads bytes still in the cache. A read from the page
 * cache takes tens of microseconds, so reading on the calling thread costs less than handing each
 * read to libuv's thread pool and back.
 */
const READ_CHUNK_BYTES = 128 * 1024;
/**
 * Reads between two turns of the event loop (1 MB). Reading from the page cache never waits, so
 * without a turn now and then the callbacks of work running elsewhere (a store write committing on
 * DuckDB's threads, the database being opened) would wait for the whole file.
 */
const READS_PER_TURN = 8;

/**
 * The bytes of a capture file, or of standard input for "-", for `readCapture`. Opening happens on
 * the first read; a file that cannot be read then fails with INPUT_NOT_FOUND.
 *
 * A file's chunks are views of the reader's one buffer, each valid only until the next chunk is
 * requested: a consumer that keeps bytes past that copies them (`readCapture` does).
 */
export function openCaptureFile(path: string): AsyncIterable<Uint8Array> {
  if (path === '-') return process.stdin;
  return readFileChunks(path);
}

async function* readFileChunks(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw inputError(path, cause);
  }
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let position = 0;
  let reads = 0;
  try {
    for (;;) {
      if (++reads % READS_PER_TURN === 0) await nextTurn();
      let bytesRead: number;
      try {
        bytesRead = readSync(fd, buffer, 0, READ_CHUNK_BYTES, position);
      } catch (cause) {
        throw inputError(path, cause);
      }
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}

function inputError(path: string, cause: unknown): unknown {
  const code = (cause as NodeJS.ErrnoException).code;
  if (typeof code !== 'string' || !code.startsWith('E')) return cause;
  return new YamoriError(
    'INPUT_NOT_FOUND',
    { path, reason: describeFsError(cause) },
    { source: path, cause },
  );
}

function describeFsError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return cause instanceof Error ? cause.message : String(cause);
}
