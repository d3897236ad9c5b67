import { describe, expect, it } from 'vitest';
import { AddressPool, POOL_PAGE_BYTES, srcAt } from './address-pool.js';

const ENTRIES_PER_PAGE = POOL_PAGE_BYTES / 32;

describe('AddressPool', () => {
  it('numbers entries in order, reuses released ones first, and keeps neighbours apart', () => {
    const pool = new AddressPool();
    const [a, b, c] = [pool.allocate(), pool.allocate(), pool.allocate()];
    expect([a, b, c]).toEqual([0, 1, 2]);
    pool.words(b).fill(-1, srcAt(b), srcAt(b) + 8);
    expect(Array.from(pool.words(a).subarray(srcAt(a), srcAt(a) + 8))).toEqual(Array(8).fill(0));
    expect(Array.from(pool.words(c).subarray(srcAt(c), srcAt(c) + 8))).toEqual(Array(8).fill(0));
    pool.release(b);
    expect(pool.allocate()).toBe(b);
    expect(pool.allocate()).toBe(3);
  });

  it('lets an emptied page go only when asked, and makes it again, zeroed, for a reused entry', () => {
    const pool = new AddressPool();
    const entries = Array.from({ length: ENTRIES_PER_PAGE + 1 }, () => pool.allocate());
    const last = entries.at(-1)!;
    pool.words(last)[srcAt(last) + 3] = 42;
    // The first page still holds live entries; the second holds only `last`.
    pool.release(entries[0]!);
    expect(pool.dropIfEmpty(entries[0]!)).toBe(false);
    pool.release(last);
    expect(pool.words(last)[srcAt(last) + 3]).toBe(42);
    expect(pool.dropIfEmpty(last)).toBe(true);
    expect(pool.dropIfEmpty(last)).toBe(false);
    expect(pool.allocate()).toBe(last);
    expect(pool.words(last)[srcAt(last) + 3]).toBe(0);
    expect(pool.allocate()).toBe(entries[0]);
  });
});
