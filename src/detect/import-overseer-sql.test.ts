import { describe, expect, it } from 'vitest';
import { toBigQuery, toDuckDb, windowOverseerQuery } from './import-overseer-sql.js';

describe('toDuckDb', () => {
  it.each([
    {
      what: 'qualified table names, quoted or not, as the store tables',
      sql: 'SELECT * FROM `proj-1.netlogs.flow_logs` f JOIN netlogs.abusech_feodo c ON f.dst_addr = c.ip_address',
      want: 'SELECT * FROM flow_logs f JOIN abusech_feodo c ON f.dst_addr = c.ip_address',
    },
    {
      what: 'other back-quoted names as quoted identifiers',
      sql: 'SELECT `src_addr` FROM `flow_logs`',
      want: 'SELECT "src_addr" FROM flow_logs',
    },
    {
      what: 'the clock as the end of the window, and TIMESTAMP_SUB/ADD as interval arithmetic',
      sql: 'WHERE t >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR) AND u < timestamp_add(t, INTERVAL 5 MINUTE)',
      want: 'WHERE t >= ($window_end - INTERVAL 1 HOUR) AND u < (t + INTERVAL 5 MINUTE)',
    },
    {
      what: 'TIMESTAMP_DIFF as whole units, truncated as BigQuery does',
      sql: 'SELECT TIMESTAMP_DIFF(MAX(b), MIN(a), MINUTE) AS m',
      want: 'SELECT CAST(trunc((epoch_us(MAX(b)) - epoch_us(MIN(a))) / 60000000) AS BIGINT) AS m',
    },
    {
      what: 'SAFE_CAST, LOGICAL_OR and FLOAT64',
      sql: 'SELECT SAFE_CAST(x AS FLOAT64), LOGICAL_OR(y), logical_and(z)',
      want: 'SELECT TRY_CAST(x AS DOUBLE), bool_or(y), bool_and(z)',
    },
    {
      what: 'nested calls',
      sql: 'SELECT TIMESTAMP_SUB(TIMESTAMP_SUB(CURRENT_TIMESTAMP, INTERVAL 1 DAY), INTERVAL 1 HOUR)',
      want: 'SELECT (($window_end - INTERVAL 1 DAY) - INTERVAL 1 HOUR)',
    },
    {
      what: 'nothing inside strings and comments, and the final semicolon',
      sql: "SELECT 'CURRENT_TIMESTAMP() x.flow_logs' AS s -- SAFE_CAST(\nFROM flow_logs;",
      want: "SELECT 'CURRENT_TIMESTAMP() x.flow_logs' AS s -- SAFE_CAST(\nFROM flow_logs",
    },
  ])('rewrites $what', ({ sql, want }) => {
    expect(toDuckDb(sql)).toBe(want);
  });
});

describe('toBigQuery', () => {
  it('keeps BigQuery functions and binds the clock as @window_end', () => {
    expect(
      toBigQuery('SELECT TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR) FROM `p.d.flow_logs`;'),
    ).toBe('SELECT TIMESTAMP_SUB(@window_end, INTERVAL 1 HOUR) FROM flow_logs');
  });
});

describe('windowOverseerQuery', () => {
  it('reads flow_logs from the window of flows, and adds the window as the times a query lacks', () => {
    const sql = windowOverseerQuery('SELECT DISTINCT src_addr FROM flow_logs', 'duckdb', 'a.sql', [
      'first_seen_at',
      'last_seen_at',
    ]);
    expect(sql).toContain('WHERE ingested_at >= $window_start AND ingested_at < $window_end');
    expect(sql).toContain(
      'SELECT *, $window_start AS first_seen_at, $window_end AS last_seen_at FROM (\nSELECT DISTINCT src_addr FROM flow_logs\n) AS overseer_rule',
    );
    expect(windowOverseerQuery('SELECT 1', 'bigquery', 'a.sql')).toContain('ingested_at < @window_end');
  });
});
