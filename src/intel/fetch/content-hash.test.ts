import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.js';

describe('contentHash', () => {
  it('is the SHA-256 of the bytes in lowercase hex', () => {
    expect(contentHash(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('gives the same hash for the same text as string or bytes, and another for other text', () => {
    expect(contentHash('203.0.113.9\n')).toBe(contentHash(Buffer.from('203.0.113.9\n')));
    expect(contentHash('203.0.113.9\n')).not.toBe(contentHash('203.0.113.9\r\n'));
  });
});
