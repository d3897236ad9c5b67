import { describe, expect, it } from 'vitest';
import { createDnsNameCache } from './dns-name-cache.js';

describe('createDnsNameCache', () => {
  it('names an address for the client that resolved it, within the maximum age', () => {
    const cache = createDnsNameCache(100);
    cache.remember('c1', 'a1', 'one.example', 1000);
    expect(cache.lookup('c1', 'a1', 1100)).toBe('one.example');
    expect(cache.lookup('c1', 'a1', 1101)).toBeNull();
    expect(cache.lookup('c1', 'a1', 999)).toBeNull();
    expect(cache.lookup('c2', 'a1', 1050)).toBeNull();
  });

  it('keeps the latest name for an address', () => {
    const cache = createDnsNameCache(100);
    cache.remember('c1', 'a1', 'old.example', 1000);
    cache.remember('c1', 'a1', 'new.example', 1010);
    expect(cache.lookup('c1', 'a1', 1020)).toBe('new.example');
    expect(cache.size).toBe(1);
  });

  it('drops expired answers and the oldest past its size cap', () => {
    const cache = createDnsNameCache(100, 2);
    cache.remember('c', 'a1', 'one', 0);
    cache.remember('c', 'a2', 'two', 50);
    cache.remember('c', 'a3', 'three', 60);
    expect(cache.lookup('c', 'a1', 60)).toBeNull();
    expect(cache.size).toBe(2);
    cache.expire(151);
    expect(cache.size).toBe(1);
    expect(cache.lookup('c', 'a3', 151)).toBe('three');
  });
});
