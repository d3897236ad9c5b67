import { createReadStream } from 'node:fs';
import { YamoriError } from '../errors/index.js';

/** Large reads: one system call and one chunk per megabyte keeps per-chunk overhead out of the profile. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The bytes of a capture file, or of standard input for "-", for `readCapture`. Opening happens on
 * the first read; a file that cannot be read then fails with INPUT_NOT_FOUND.
 */
export function openCaptureFile(path: string): AsyncIterable<Uint8Array> {
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
    throw new YamoriError(
      'INPUT_NOT_FOUND',
      { path, reason: describeFsError(cause) },
      { source: path, cause },
    );
  } finally {
    stream.destroy();
  }
}

function describeFsError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return cause instanceof Error ? cause.message : String(cause);
}
