import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash, fileContentHash } from './content-hash.js';

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

describe('fileContentHash', () => {
  it('gives the hash and size of the whole file across chunk boundaries, and rejects a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yamori-hash-'));
    try {
      // Three chunks and a part: the hash must cover every byte, in order, once.
      const body = Buffer.alloc(3 * 128 * 1024 + 4321);
      for (let i = 0; i < body.length; i++) body[i] = (i * 7919) % 251;
      const path = join(dir, 'feed.csv');
      writeFileSync(path, body);
      expect(await fileContentHash(path)).toEqual({ hash: contentHash(body), bytes: body.length });
      writeFileSync(path, '');
      expect(await fileContentHash(path)).toEqual({ hash: contentHash(''), bytes: 0 });
      await expect(fileContentHash(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
