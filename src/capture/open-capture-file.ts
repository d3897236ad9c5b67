import { open, type FileHandle } from 'node:fs/promises';
import { YamoriError } from '../errors/index.js';

/**
 * Large reads into two buffers that take turns: while the reader parses one, the next read fills the
 * other on libuv's thread pool. Reusing the buffers keeps the kernel from handing out (and the
 * garbage collector from reclaiming) fresh memory for every megabyte of a multi-gigabyte capture.
 */
const READ_CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * The bytes of a capture file, or of standard input for "-", for `readCapture`. Opening happens on
 * the first read; a file that cannot be read then fails with INPUT_NOT_FOUND.
 *
 * A file's chunks are views of the reader's own buffers, each valid only until the next chunk is
 * requested: a consumer that keeps bytes past that copies them (`readCapture` does).
 */
export function openCaptureFile(path: string): AsyncIterable<Uint8Array> {
  if (path === '-') return process.stdin;
  return readFileChunks(path);
}

async function* readFileChunks(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw inputError(path, cause);
  }
  const buffers = [Buffer.allocUnsafe(READ_CHUNK_BYTES), Buffer.allocUnsafe(READ_CHUNK_BYTES)];
  let turn = 0;
  let position = 0;
  let pending: Promise<number> | null = null;
  const readInto = (buffer: Buffer): Promise<number> => {
    const read = handle.read(buffer, 0, buffer.length, position).then(({ bytesRead }) => {
      position += bytesRead;
      return bytesRead;
    });
    // Awaited later, possibly after other work: mark it handled so a failure is not reported as
    // an unhandled rejection in the meantime. The await below still throws it.
    read.catch(() => undefined);
    return read;
  };
  try {
    pending = readInto(buffers[0]!);
    for (;;) {
      let bytesRead: number;
      try {
        bytesRead = await pending;
      } catch (cause) {
        pending = null;
        throw inputError(path, cause);
      }
      if (bytesRead === 0) {
        pending = null;
        return;
      }
      const current = buffers[turn]!;
      turn ^= 1;
      pending = readInto(buffers[turn]!);
      yield current.subarray(0, bytesRead);
    }
  } finally {
    // A read may still be filling a buffer when the consumer stops early; let it land first.
    await pending?.catch(() => undefined);
    await handle.close();
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
