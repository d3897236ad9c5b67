import { describe, expect, it } from 'vitest';
import { cursorParam, encodeCursor, integerParam, timeParam } from './api-params.js';

const query = (text: string): URLSearchParams => new URLSearchParams(text);
const NOW_MS = Date.UTC(2026, 11, 1, 12);

describe('the API parameters', () => {
  it('reads times as ISO 8601 (UTC without a zone) or as an age before now', () => {
    expect(timeParam(query('since=24h'), 'since', NOW_MS)).toBe((NOW_MS - 86_400_000) * 1000);
    expect(timeParam(query('since=2026-12-01T08:00'), 'since', NOW_MS)).toBe(Date.UTC(2026, 11, 1, 8) * 1000);
    expect(timeParam(query('since=2026-12-01T08:00%2B02:00'), 'since', NOW_MS)).toBe(
      Date.UTC(2026, 11, 1, 6) * 1000,
    );
    expect(() => timeParam(query("since=now()' OR 1=1"), 'since', NOW_MS)).toThrow(/ISO 8601/);
  });

  it('refuses a number with anything else in it', () => {
    expect(integerParam(query('port=443'), 'port', 0, 65535)).toBe(443);
    for (const bad of ['443 OR 1=1', '-1', '70000', '4e2']) {
      expect(() => integerParam(query(`port=${encodeURIComponent(bad)}`), 'port', 0, 65535)).toThrow(
        /whole number/,
      );
    }
  });

  it('gives page positions back as they were, and refuses made-up ones', () => {
    const cursor = { firstSeenAt: 1_796_540_241_212_345, id: "a'b" };
    expect(cursorParam(query(`before=${encodeCursor(cursor)}`), 'before')).toEqual(cursor);
    expect(() => cursorParam(query('before=bm90IGpzb24'), 'before')).toThrow(/page position/);
  });
});
