import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { buildFlow, openMemoryStore } from '../testing.js';

/** Tables and views of the current schema (migrations.ts). */
const RELATIONS = 35;

describe('Store.query on DuckDB', () => {
  let store: Store;

  beforeAll(async () => {
    store = await openMemoryStore();
    await store.writeFlows([
      buildFlow({ id: 'a', dstPort: 443 }),
      buildFlow({ id: 'b', dstPort: 53, protocol: 'udp' }),
    ]);
  });

  afterAll(async () => {
    await store.close();
  });

  const allowed: { sql: string; rows: number }[] = [
    { sql: 'SELECT id FROM flows', rows: 2 },
    { sql: '  -- a comment first\n  select id from flows;  ', rows: 2 },
    { sql: 'WITH t AS (SELECT * FROM flows) SELECT count(*) AS n FROM t', rows: 1 },
    { sql: 'FROM flows SELECT id WHERE dst_port = 53', rows: 1 },
    { sql: 'VALUES (1, 2), (3, 4)', rows: 2 },
    { sql: 'DESCRIBE flows', rows: 40 },
    { sql: 'SHOW TABLES', rows: RELATIONS },
    { sql: 'SUMMARIZE flow_logs', rows: 13 },
    { sql: 'PIVOT (SELECT protocol FROM flows) ON protocol USING count(*)', rows: 1 },
    { sql: 'EXPLAIN SELECT * FROM flows', rows: 1 },
    { sql: 'EXPLAIN ANALYZE SELECT * FROM flows', rows: 1 },
    { sql: 'PRAGMA show_tables', rows: RELATIONS },
    { sql: 'SELECT \'a;b\' AS semicolon_in_string, "dst_port" FROM flows LIMIT 1 /* ; */', rows: 1 },
  ];
  for (const { sql, rows } of allowed) {
    it(`runs the read-only statement ${JSON.stringify(sql)}`, async () => {
      expect((await store.query(sql)).rows).toHaveLength(rows);
    });
  }

  const refused: { sql: string; type: string }[] = [
    { sql: 'INSERT INTO flows SELECT * FROM flows', type: 'INSERT' },
    { sql: 'WITH t AS (SELECT * FROM flows) INSERT INTO flows SELECT * FROM t', type: 'INSERT' },
    { sql: "UPDATE flows SET status = 'reset'", type: 'UPDATE' },
    { sql: 'DELETE FROM flows', type: 'DELETE' },
    { sql: 'TRUNCATE flows', type: 'DELETE' },
    { sql: 'CREATE TABLE t AS SELECT 1', type: 'CREATE' },
    { sql: 'CREATE TEMP TABLE t (a INTEGER)', type: 'CREATE' },
    { sql: 'CREATE MACRO twice(a) AS a * 2', type: 'CREATE' },
    { sql: 'DROP VIEW flow_logs', type: 'DROP' },
    { sql: 'ALTER TABLE flows ADD COLUMN x INTEGER', type: 'ALTER' },
    { sql: "ATTACH '/tmp/other.duckdb' AS other", type: 'ATTACH' },
    { sql: 'DETACH other', type: 'DETACH' },
    { sql: "COPY flows TO '/tmp/flows.csv'", type: 'COPY' },
    { sql: "EXPORT DATABASE '/tmp/export'", type: 'EXPORT' },
    { sql: 'PRAGMA threads = 1', type: 'SET' },
    { sql: 'SET threads = 1', type: 'SET' },
    { sql: 'RESET threads', type: 'SET' },
    { sql: 'INSTALL httpfs', type: 'INSTALL or LOAD' },
    { sql: 'LOAD httpfs', type: 'INSTALL or LOAD' },
    { sql: "CALL pragma_table_info('flows')", type: 'CALL' },
    { sql: 'CHECKPOINT', type: 'CALL' },
    { sql: 'VACUUM', type: 'VACUUM or ANALYZE' },
    { sql: 'BEGIN TRANSACTION', type: 'TRANSACTION' },
    { sql: 'PREPARE p AS SELECT 1', type: 'PREPARE' },
    { sql: 'EXPLAIN ANALYZE DELETE FROM flows', type: 'EXPLAIN of DELETE' },
    { sql: 'EXPLAIN (FORMAT json) INSERT INTO flows SELECT * FROM flows', type: 'EXPLAIN of INSERT' },
    { sql: '/* SELECT */ -- SELECT\nDELETE FROM flows', type: 'DELETE' },
  ];
  for (const { sql, type } of refused) {
    it(`refuses ${JSON.stringify(sql)} as a ${type} statement and changes nothing`, async () => {
      await expect(store.query(sql)).rejects.toMatchObject({
        code: 'QUERY_NOT_READ_ONLY',
        message: expect.stringContaining(`statement of type ${type}.`) as unknown,
      });
      expect(await store.countFlows()).toBe(2);
      expect((await store.query('SHOW TABLES')).rows).toHaveLength(RELATIONS);
    });
  }

  const multiple = ['SELECT 1; SELECT 2', 'SELECT 1; DROP TABLE flows', "SELECT ';'; DELETE FROM flows --"];
  for (const sql of multiple) {
    it(`refuses the several statements in ${JSON.stringify(sql)}`, async () => {
      await expect(store.query(sql)).rejects.toMatchObject({ code: 'QUERY_MULTIPLE_STATEMENTS' });
      expect(await store.countFlows()).toBe(2);
    });
  }

  it('reads no files, even through a SELECT', async () => {
    await expect(store.query("SELECT * FROM read_text('/etc/hostname')")).rejects.toMatchObject({
      code: 'QUERY_INVALID',
      message: expect.stringContaining('disabled by configuration') as unknown,
    });
  });

  it('reports an empty query and a syntax error as QUERY_INVALID', async () => {
    await expect(store.query('  -- nothing\n ')).rejects.toMatchObject({ code: 'QUERY_INVALID' });
    await expect(store.query('SELEC 1')).rejects.toMatchObject({
      code: 'QUERY_INVALID',
      message: expect.stringContaining('syntax error') as unknown,
    });
  });

  it('binds named and positional parameters, and reports a missing one as QUERY_INVALID', async () => {
    expect((await store.query('SELECT id FROM flows WHERE dst_port = $port', { port: 53 })).rows).toEqual([
      { id: 'b' },
    ]);
    expect((await store.query('SELECT $1::INTEGER + $2 AS sum', [40, 2])).rows).toEqual([{ sum: 42 }]);
    await expect(store.query('SELECT $1 AS missing', [])).rejects.toMatchObject({ code: 'QUERY_INVALID' });
  });

  it('converts engine values to JSON-friendly ones', async () => {
    const result = await store.query(`SELECT
        9007199254740993::BIGINT AS big, 42::HUGEINT AS huge, 1.25::DECIMAL(5, 2) AS dec,
        TIMESTAMPTZ '2024-01-15 12:00:00.000001+00' AS tstz, TIMESTAMP '2024-01-15 12:00:00' AS ts,
        'infinity'::TIMESTAMP AS forever, DATE '2024-01-15' AS day, [1, 2] AS list,
        {'a': 1, 'b': [TIMESTAMPTZ '2024-01-15 00:00:00+00']} AS struct, 'NaN'::DOUBLE AS nan,
        1 AS dup, 2 AS dup`);
    expect(result.columns.map((c) => c.name)).toEqual([
      'big',
      'huge',
      'dec',
      'tstz',
      'ts',
      'forever',
      'day',
      'list',
      'struct',
      'nan',
      'dup',
      'dup:1',
    ]);
    expect(result.columns[3]?.type).toBe('TIMESTAMP WITH TIME ZONE');
    expect(result.rows).toEqual([
      {
        big: '9007199254740993',
        huge: 42,
        dec: 1.25,
        tstz: '2024-01-15T12:00:00.000001Z',
        ts: '2024-01-15T12:00:00.000Z',
        forever: 'infinity',
        day: '2024-01-15',
        list: [1, 2],
        struct: { a: 1, b: ['2024-01-15T00:00:00.000Z'] },
        nan: 'NaN',
        dup: 1,
        'dup:1': 2,
      },
    ]);
  });
});
