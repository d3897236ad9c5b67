import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFeedTime, timeFromBanner } from './feed-time.js';

const at = (iso: string): number => Date.parse(iso) * 1000;

describe('parseFeedTime', () => {
  const cases: Array<[string, number | null]> = [
    ['2024-04-04 07:03:03', at('2024-04-04T07:03:03Z')],
    ['2024-04-04', at('2024-04-04T00:00:00Z')],
    ['2024-04-04 07:03', at('2024-04-04T07:03:00Z')],
    ['2024-04-04T07:03:03Z', at('2024-04-04T07:03:03Z')],
    ['2019-05-15T19:26:26+00:00', at('2019-05-15T19:26:26Z')],
    ['2024-04-04 09:03:03+0200', at('2024-04-04T07:03:03Z')],
    ['2024-04-04 07:03:03 UTC', at('2024-04-04T07:03:03Z')],
    ['2020-04-14 17:47:03 (UTC)', at('2020-04-14T17:47:03Z')],
    ['2015-09-02T09:21:53.093000', at('2015-09-02T09:21:53Z') + 93_000],
    ['2024-02-29', at('2024-02-29T00:00:00Z')],
    ['Fri, 17 Jan 2025 17:03:47 GMT', at('2025-01-17T17:03:47Z')],
    ['Sat, 22 Aug 2026 03:00:29 +0200', at('2026-08-22T01:00:29Z')],
    ['Mon Dec 12 01:52:05 UTC 2016', at('2016-12-12T01:52:05Z')],
    ['Mon Dec 12 01:52:05 2016', null], // no zone: would be local time
    ['2023-02-29', null],
    ['2024-13-01', null],
    ['2024-04-04 25:00:00', null],
    ['2024-04-04 07:03:03 nonsense', null],
    ['', null],
    ['soon', null],
  ];
  it.each(cases)('reads %j', (text, expected) => {
    expect(parseFeedTime(text)).toBe(expected);
  });
});

describe('parseFeedTime against Date.UTC', () => {
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  it('gives the instant Date.UTC gives for every valid date and time, years 0000–9999 included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 60 }),
        (year, month, day, hour, minute, second) => {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
          const parsed = parseFeedTime(text);
          // Days 29–31 exist only in some months (those the parser refuses); every day to 28 exists.
          if (day <= 28) expect(parsed).not.toBeNull();
          if (parsed !== null)
            expect(parsed).toBe(Date.UTC(year, month - 1, day, hour, minute, second) * 1000);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('timeFromBanner', () => {
  const cases: Array<[string, number | null]> = [
    [' Last updated: 2024-04-04 07:03:03 UTC                        #', at('2024-04-04T07:03:03Z')],
    [' Last update: Sat, 22 Aug 2026 03:00:29 +0200', at('2026-08-22T01:00:29Z')],
    [' Last-Modified: Fri, 17 Jan 2025 17:03:47 GMT', at('2025-01-17T17:03:47Z')],
    [' This File Date  : Mon Dec 12 01:52:05 UTC 2016', at('2016-12-12T01:52:05Z')],
    [' Source File Date: Mon Dec 12 01:40:03 UTC 2016', null],
    [' Expires: Fri, 17 Jan 2025 18:07:54 GMT', null],
    [' END 28 entries', null],
  ];
  it.each(cases)('reads the banner %j', (comment, expected) => {
    expect(timeFromBanner(comment)).toBe(expected);
  });
});
