import { describe, expect, it } from 'vitest';
import { YamoriError } from '../errors/index.js';
import { parsePositiveInteger, parseTimeFlag } from './parse-time.js';

describe('parseTimeFlag', () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  it.each([
    ['15m', now - 15 * 60_000],
    ['-2h', now - 2 * 3_600_000],
    ['7d', now - 7 * 86_400_000],
    ['2026-11-28T10:00Z', Date.UTC(2026, 10, 28, 10, 0)],
    ['2026-11-28T10:00:30+01:00', Date.UTC(2026, 10, 28, 9, 0, 30)],
  ])('reads %s', (text, expectedMs) => {
    expect(parseTimeFlag('--since', text, now)).toBe(expectedMs * 1000);
  });

  it('reads a bare date as local midnight', () => {
    expect(parseTimeFlag('--since', '2026-11-28', now)).toBe(new Date(2026, 10, 28).getTime() * 1000);
  });

  it('rejects text that is no time, with an example', () => {
    expect(() => parseTimeFlag('--since', 'yesterday-ish', now)).toThrow(YamoriError);
    expect(() => parseTimeFlag('--since', '2026-13-45', now)).toThrow(/not a time/);
  });
});

describe('parsePositiveInteger', () => {
  it('accepts whole numbers in range and refuses the rest', () => {
    expect(parsePositiveInteger('--limit', '25')).toBe(25);
    expect(() => parsePositiveInteger('--limit', '0')).toThrow(YamoriError);
    expect(() => parsePositiveInteger('--limit', '1.5')).toThrow(YamoriError);
  });
});
