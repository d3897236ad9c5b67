import { describe, expect, it } from 'vitest';
import { compareRows, valueMatches } from './compare-rows.js';

const NOW = Date.UTC(2026, 0, 15, 12) * 1000;

describe('valueMatches', () => {
  const cases: { description: string; want: unknown; got: unknown; matches: boolean }[] = [
    { description: 'equal text', want: '203.0.113.9', got: '203.0.113.9', matches: true },
    { description: 'other text', want: '203.0.113.9', got: '203.0.113.10', matches: false },
    { description: 'a number and its text form', want: 443, got: '443', matches: true },
    {
      description: 'a relative time and the instant it names',
      want: '-3m',
      got: '2026-01-15T11:57:00.000Z',
      matches: true,
    },
    {
      description: 'a relative time a microsecond off',
      want: '-3m',
      got: '2026-01-15T11:57:00.000001Z',
      matches: false,
    },
    {
      description: 'an ISO time with microseconds',
      want: '2026-01-15T11:57:00.000001Z',
      got: '2026-01-15T11:57:00.000001Z',
      matches: true,
    },
    { description: 'lists in another order', want: ['b', 'a'], got: ['a', 'b'], matches: true },
    { description: 'lists of other lengths', want: ['a'], got: ['a', 'a'], matches: false },
    { description: 'a list against a scalar', want: ['a'], got: 'a', matches: false },
    { description: 'null against null', want: null, got: null, matches: true },
    { description: 'null against a value', want: null, got: 0, matches: false },
    { description: 'a value against null', want: 0, got: null, matches: false },
    { description: 'booleans', want: true, got: true, matches: true },
    { description: 'a boolean against its text', want: true, got: 'true', matches: false },
  ];
  for (const { description, want, got, matches } of cases) {
    it(`${matches ? 'matches' : 'does not match'} ${description}`, () => {
      expect(valueMatches(want, got, NOW)).toBe(matches);
    });
  }
});

describe('compareRows', () => {
  it('passes when each expected row matches a different returned row on the columns it names', () => {
    expect(
      compareRows(
        [{ remote_addr: 'a' }, { remote_addr: 'a', port: 2 }],
        [
          { remote_addr: 'a', port: 2, extra: 1 },
          { remote_addr: 'a', port: 1, extra: 1 },
        ],
        NOW,
      ),
    ).toEqual({ ok: true, diff: [] });
  });

  it('fails on a count mismatch, showing the rows on both sides', () => {
    const result = compareRows(
      [{ remote_addr: 'a' }],
      [{ remote_addr: 'a' }, { remote_addr: 'b', other: 1 }],
      NOW,
    );
    expect(result).toEqual({
      ok: false,
      diff: ['  expected 1 row, got 2', '  + { remote_addr: "b" }   (returned, not expected)'],
    });
  });

  it('fails when a quiet case gets rows, showing every column', () => {
    expect(compareRows([], [{ remote_addr: 'b', n: 1 }], NOW).diff).toEqual([
      '  expected 0 rows, got 1',
      '  + { remote_addr: "b", n: 1 }   (returned, not expected)',
    ]);
  });

  it('names an expected column the result does not have', () => {
    expect(compareRows([{ remote: 'a' }], [{ remote_addr: 'a' }], NOW).diff).toEqual([
      '  expected 1 row, got 1',
      '  column "remote" is not in the result (columns: remote_addr)',
      '  - { remote: "a" }   (expected, not returned)',
      '  + {  }   (returned, not expected)',
    ]);
  });
});
