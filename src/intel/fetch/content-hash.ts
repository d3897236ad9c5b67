import { createHash } from 'node:crypto';

/**
 * SHA-256 of a feed body, as lowercase hex. A run whose body hashes the same as the last good run's
 * changed nothing, even when the server ignores conditional requests.
 */
export function contentHash(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}
