import { describe, expect, it } from 'vitest';
import { dedupKey } from './dedup-key.js';

describe('dedupKey', () => {
  it('is the dedup columns in rule order, ignoring other columns', () => {
    expect(dedupKey(['device_addr', 'remote_addr'], { remote_addr: 'r', device_addr: 'd', flows: 3 })).toBe(
      '["d","r"]',
    );
    expect(dedupKey(['device_addr', 'remote_addr'], { remote_addr: 'r', device_addr: 'd', flows: 4 })).toBe(
      '["d","r"]',
    );
  });

  it('tells values apart that would join to the same text', () => {
    expect(dedupKey(['a', 'b'], { a: 'x,y', b: 'z' })).not.toBe(dedupKey(['a', 'b'], { a: 'x', b: 'y,z' }));
    expect(dedupKey(['a'], { a: 1 })).not.toBe(dedupKey(['a'], { a: '1' }));
  });

  it('treats a list in any order as the same key, and a missing column as null', () => {
    expect(dedupKey(['ids'], { ids: ['b', 'a'] })).toBe(dedupKey(['ids'], { ids: ['a', 'b'] }));
    expect(dedupKey(['gone'], {})).toBe('[null]');
  });
});
