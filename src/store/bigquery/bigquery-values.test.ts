import { describe, expect, it } from 'vitest';
import { bq, columnType, microsToIso, rowFromApi, toApiParameters } from './bigquery-values.js';

describe('microsToIso', () => {
  it('writes all six fractional digits, before and after the epoch', () => {
    expect(microsToIso(1_705_320_000_123_456)).toBe('2024-01-15T12:00:00.123456Z');
    expect(microsToIso(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(microsToIso(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });
});

describe('toApiParameters', () => {
  it('types plain and typed values as the API takes them', () => {
    expect(
      toApiParameters({
        s: 'x',
        n: 3,
        f: 0.25,
        b: false,
        big: 2n ** 62n,
        t: bq.timestamp(1_705_320_000_000_001),
        tags: bq.array('STRING', ['a', 'b']),
      }),
    ).toEqual([
      { name: 's', parameterType: { type: 'STRING' }, parameterValue: { value: 'x' } },
      { name: 'n', parameterType: { type: 'INT64' }, parameterValue: { value: '3' } },
      { name: 'f', parameterType: { type: 'FLOAT64' }, parameterValue: { value: '0.25' } },
      { name: 'b', parameterType: { type: 'BOOL' }, parameterValue: { value: 'false' } },
      { name: 'big', parameterType: { type: 'INT64' }, parameterValue: { value: '4611686018427387904' } },
      {
        name: 't',
        parameterType: { type: 'TIMESTAMP' },
        parameterValue: { value: '2024-01-15T12:00:00.000001Z' },
      },
      {
        name: 'tags',
        parameterType: { type: 'ARRAY', arrayType: { type: 'STRING' } },
        parameterValue: { arrayValues: [{ value: 'a' }, { value: 'b' }] },
      },
    ]);
  });

  it('refuses a fraction where an integer type is asked for', () => {
    expect(() => toApiParameters({ n: bq.int64(1.5) })).toThrow(/integer/);
  });
});

describe('rowFromApi', () => {
  it('reads cells in the project types by the schema', () => {
    const fields = [
      { name: 'n', type: 'INTEGER' },
      { name: 'big', type: 'INTEGER' },
      { name: 'at', type: 'TIMESTAMP' },
      { name: 'ok', type: 'BOOLEAN' },
      { name: 'x', type: 'FLOAT' },
      { name: 'num', type: 'BIGNUMERIC' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'st', type: 'RECORD', fields: [{ name: 'a', type: 'INTEGER' }] },
      { name: 'gone', type: 'STRING' },
    ];
    const row = rowFromApi(fields, {
      f: [
        { v: '42' },
        { v: '9007199254740993' },
        { v: '1705320000123456' },
        { v: 'true' },
        { v: '0.5' },
        { v: '1.25' },
        { v: [{ v: 'a' }, { v: 'b' }] },
        { v: { f: [{ v: '7' }] } },
        { v: null },
      ],
    });
    expect(row).toEqual({
      n: 42,
      big: 9007199254740993n,
      at: 1_705_320_000_123_456,
      ok: true,
      x: 0.5,
      num: '1.25',
      tags: ['a', 'b'],
      st: { a: 7 },
      gone: null,
    });
  });

  it('reads timestamps given as float seconds too', () => {
    expect(rowFromApi([{ name: 't', type: 'TIMESTAMP' }], { f: [{ v: '1.705320000123456E9' }] })).toEqual({
      t: 1_705_320_000_123_456,
    });
  });

  it('names column types as GoogleSQL does', () => {
    expect(columnType({ name: 'a', type: 'INTEGER', mode: 'REPEATED' })).toBe('ARRAY<INT64>');
    expect(columnType({ name: 'a', type: 'RECORD' })).toBe('STRUCT');
  });
});
