import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isYamoriError } from '../../errors/index.js';
import { decodeBody } from './body-decoder.js';

async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield Buffer.from(bytes.subarray(i, i + size));
  }
}

const GZIP = [0x1f, 0x8b];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

describe('decodeBody', () => {
  it('returns a body it does not recognise as compressed unchanged, split at any chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.integer({ min: 1, max: 64 }),
        async (bytes, size) => {
          fc.pre(!(bytes[0] === 0x1f && bytes[1] === 0x8b) && !(bytes[0] === 0x50 && bytes[1] === 0x4b));
          const body = await decodeBody(chunksOf(bytes, size), {
            contentEncoding: null,
            maxBytes: 4096,
            url: 'u',
          });
          expect(body.equals(Buffer.from(bytes))).toBe(true);
        },
      ),
    );
  });

  it('either decodes hostile bytes or fails with a YamoriError, never anything else', async () => {
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 600 }).map((b) => Uint8Array.from([...GZIP, ...b])),
      fc.uint8Array({ maxLength: 600 }).map((b) => Uint8Array.from([...ZIP, ...b])),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.nat()).map(([b, cut]) => {
        const gz = gzipSync(b);
        return gz.subarray(0, cut % gz.length);
      }),
    );
    const encoding = fc.constantFrom(null, 'gzip', 'deflate', 'br', 'gzip, br', 'identity');
    await fc.assert(
      fc.asyncProperty(
        hostile,
        encoding,
        fc.integer({ min: 1, max: 97 }),
        async (bytes, contentEncoding, size) => {
          try {
            const body = await decodeBody(chunksOf(bytes, size), {
              contentEncoding,
              maxBytes: 2048,
              url: 'u',
            });
            expect(body.length).toBeLessThanOrEqual(2048);
          } catch (error) {
            expect(isYamoriError(error), String(error)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('passes the source error through when the source fails', async () => {
    async function* failing(): AsyncIterable<Buffer> {
      yield Buffer.from([0x1f, 0x8b, 8, 0]);
      await Promise.resolve();
      throw new Error('socket gone');
    }
    await expect(decodeBody(failing(), { contentEncoding: null, maxBytes: 100, url: 'u' })).rejects.toThrow(
      'socket gone',
    );
  });
});
