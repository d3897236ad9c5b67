import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatagramSpool, type DatagramBatch } from './collect-spool.js';

/** `count` datagrams of distinct lengths and contents, numbered from `first`. */
function batch(first: number, count: number): DatagramBatch {
  const parts = Array.from({ length: count }, (_, i) =>
    Uint8Array.from({ length: 20 + ((first + i) % 7) }, (_, j) => (first + i + j) & 0xff),
  );
  const data = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  const ends = new Uint32Array(count);
  let at = 0;
  parts.forEach((part, i) => {
    data.set(part, at);
    at += part.length;
    ends[i] = at;
  });
  return {
    data,
    ends,
    times: Float64Array.from(parts, (_, i) => 1_700_000_000_000 + first + i + 0.25),
    exporters: parts.map((_, i) => ((first + i) % 2 === 0 ? '192.0.2.1' : '2001:db8::7')),
  };
}

function plain(b: DatagramBatch): unknown {
  return { data: [...b.data], ends: [...b.ends], times: [...b.times], exporters: b.exporters };
}

describe('DatagramSpool', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-spool-'));
    path = join(dir, 'sub', 'collect.spool');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives back what was appended, in order, byte for byte, with times and exporters', () => {
    const { spool, recovered } = DatagramSpool.open(path, 1 << 20);
    expect(recovered).toEqual({ records: 0, datagrams: 0, bytes: 0, tornBytes: 0 });
    const written = [batch(0, 3), batch(3, 1), batch(4, 5)];
    for (const b of written) spool.append(b);
    expect(spool.unreadDatagrams).toBe(9);
    const read = [spool.readNext(), spool.readNext(), spool.readNext()];
    expect(spool.readNext()).toBeNull();
    expect(read.map((b) => plain(b!))).toEqual(written.map(plain));
    expect(spool.hasUnread).toBe(false);
    expect(spool.unreadDatagrams).toBe(0);
    spool.close(true);
    // Nothing was left: the file is gone.
    expect(existsSync(path)).toBe(false);
  });

  it('empties the file once every record is read and stored, and not before', () => {
    const { spool } = DatagramSpool.open(path, 1 << 20);
    spool.append(batch(0, 2));
    spool.append(batch(2, 2));
    const first = spool.readNext()!;
    const second = spool.readNext()!;
    spool.commit(first.endOffset);
    expect(statSync(path).size).toBe(spool.fileBytes);
    expect(spool.fileBytes).toBeGreaterThan(24);
    spool.commit(second.endOffset);
    expect(statSync(path).size).toBe(24);
    spool.close(true);
  });

  it('after a crash reads back from the first record whose flows were not stored', () => {
    const first = DatagramSpool.open(path, 1 << 20).spool;
    const written = [batch(0, 2), batch(2, 3), batch(5, 4)];
    for (const b of written) first.append(b);
    const a = first.readNext()!;
    first.readNext();
    first.commit(a.endOffset);
    // No close: the process died with the second record read but its flows not stored.
    const { spool, recovered } = DatagramSpool.open(path, 1 << 20);
    expect(recovered).toMatchObject({ records: 2, datagrams: 7, tornBytes: 0 });
    expect(plain(spool.readNext()!)).toEqual(plain(written[1]!));
    expect(plain(spool.readNext()!)).toEqual(plain(written[2]!));
    expect(spool.readNext()).toBeNull();
    spool.close(true);
  });

  it('after a clean stop keeps only what was never read, for the next start', () => {
    const first = DatagramSpool.open(path, 1 << 20).spool;
    const written = [batch(0, 2), batch(2, 3), batch(5, 4)];
    for (const b of written) first.append(b);
    first.readNext();
    first.close(true);
    const { spool, recovered } = DatagramSpool.open(path, 1 << 20);
    expect(recovered).toMatchObject({ records: 2, datagrams: 7 });
    expect([plain(spool.readNext()!), plain(spool.readNext()!)]).toEqual([
      plain(written[1]!),
      plain(written[2]!),
    ]);
    expect(existsSync(path)).toBe(true);
    spool.close(true);
    // Everything was read back by a clean run: nothing is left for a third.
    expect(existsSync(path)).toBe(false);
  });

  it('drops a record cut short at the end of the file and keeps the whole ones', () => {
    const first = DatagramSpool.open(path, 1 << 20).spool;
    const written = [batch(0, 2), batch(2, 3)];
    for (const b of written) first.append(b);
    const size = first.fileBytes;
    truncateSync(path, size - 5);
    const { spool, recovered } = DatagramSpool.open(path, 1 << 20);
    expect(recovered.records).toBe(1);
    expect(recovered.tornBytes).toBeGreaterThan(0);
    expect(plain(spool.readNext()!)).toEqual(plain(written[0]!));
    expect(spool.readNext()).toBeNull();
    // Appends go where the torn record was.
    spool.append(written[1]!);
    expect(plain(spool.readNext()!)).toEqual(plain(written[1]!));
    spool.close(true);
  });

  it('says whether a record fits under its size limit', () => {
    const { spool } = DatagramSpool.open(path, 24 + 16 + 100 + 12 + 20);
    expect(spool.fits(1, 100, 20)).toBe(true);
    expect(spool.fits(1, 101, 20)).toBe(false);
    spool.close(true);
  });

  it('makes its own folder, one level, and names what is missing above it', () => {
    expect(() => DatagramSpool.open(join(dir, 'a', 'b', 'collect.spool'), 1 << 20)).toThrow(
      /ENOENT.*mkdir '.*\/a\/b'/,
    );
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('refuses a file that is not a spool and leaves it as it was', () => {
    const other = join(dir, 'yamori.duckdb');
    writeFileSync(other, 'DUCK this is not a spool, and must survive');
    expect(() => DatagramSpool.open(other, 1 << 20)).toThrow(/not a Yamori collector spool/);
    expect(readFileSync(other, 'utf8')).toBe('DUCK this is not a spool, and must survive');
    writeFileSync(other, 'DUCK');
    expect(() => DatagramSpool.open(other, 1 << 20)).toThrow(/not a Yamori collector spool/);
    expect(readFileSync(other, 'utf8')).toBe('DUCK');
  });
});
