import { DuckDBTimestampTZValue, listValue } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { isoFromMicros, toJsonValue } from './json-value.js';

describe('isoFromMicros', () => {
  const cases: { micros: bigint; expected: string }[] = [
    { micros: 0n, expected: '1970-01-01T00:00:00.000Z' },
    { micros: 1_705_320_000_000_000n, expected: '2024-01-15T12:00:00.000Z' },
    { micros: 1_705_320_000_000_001n, expected: '2024-01-15T12:00:00.000001Z' },
    { micros: 1_705_320_000_123_450n, expected: '2024-01-15T12:00:00.123450Z' },
    { micros: -1n, expected: '1969-12-31T23:59:59.999999Z' },
    { micros: -1_000n, expected: '1969-12-31T23:59:59.999Z' },
    { micros: 9_223_372_036_854_775_807n, expected: 'infinity' },
    { micros: -9_223_372_036_854_775_807n, expected: '-infinity' },
  ];
  for (const { micros, expected } of cases) {
    it(`writes ${micros} µs as ${expected}`, () => {
      expect(isoFromMicros(micros)).toBe(expected);
    });
  }
});

describe('toJsonValue', () => {
  const cases: { description: string; value: Parameters<typeof toJsonValue>[0]; expected: unknown }[] = [
    {
      description: 'a safe bigint as a number',
      value: -9_007_199_254_740_991n,
      expected: -9_007_199_254_740_991,
    },
    { description: 'an unsafe bigint as text', value: 9_007_199_254_740_992n, expected: '9007199254740992' },
    { description: 'infinity as text', value: Number.POSITIVE_INFINITY, expected: 'Infinity' },
    { description: 'null', value: null, expected: null },
    {
      description: 'a list of instants',
      value: listValue([new DuckDBTimestampTZValue(0n), null]),
      expected: ['1970-01-01T00:00:00.000Z', null],
    },
  ];
  for (const { description, value, expected } of cases) {
    it(`converts ${description}`, () => {
      expect(toJsonValue(value)).toEqual(expected);
    });
  }
});
