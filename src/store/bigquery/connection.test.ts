import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bq } from './bigquery-values.js';
import { createBigQueryConnection, inlineNullParameters } from './connection.js';
import { emulatorBigQueryConfig, useBigQueryEmulator } from './testing.js';

describe('inlineNullParameters', () => {
  it('replaces each null parameter by a typed NULL and keeps the others', () => {
    const bound = inlineNullParameters('SELECT @a, @ab, @@project_id, @b, "x" WHERE c = @a', {
      a: bq.timestamp(null),
      ab: 'kept',
      b: bq.string(null),
    });
    expect(bound.sql).toBe(
      'SELECT CAST(NULL AS TIMESTAMP), @ab, @@project_id, CAST(NULL AS STRING), "x" WHERE c = CAST(NULL AS TIMESTAMP)',
    );
    expect(bound.params).toEqual({ ab: 'kept' });
  });
});

describe('createBigQueryConnection', () => {
  it('refuses a config without project or dataset, naming the key', () => {
    const config = { project: null, dataset: 'd', location: 'US', keyFile: null, endpoint: null };
    expect(() => createBigQueryConnection(config)).toThrow(
      expect.objectContaining({
        code: 'STORE_BIGQUERY_NOT_CONFIGURED',
        message: expect.stringContaining('bigquery.project') as unknown,
      }),
    );
    expect(() => createBigQueryConnection({ ...config, project: 'p', dataset: null })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('bigquery.dataset') as unknown }),
    );
  });
});

const emulator = useBigQueryEmulator();

describe.skipIf(emulator.skipReason !== null)(
  'BigQueryConnection on the emulator',
  { timeout: 120_000 },
  () => {
    const open = async () => {
      const connection = createBigQueryConnection(emulatorBigQueryConfig(emulator.get()));
      await connection.client.dataset(connection.target.dataset).create();
      return connection;
    };

    it('talks to the endpoint on loopback only: no credential lookup, no metadata server', async () => {
      const targets: string[] = [];
      const lookups: string[] = [];
      const onSocket = (message: unknown): void => {
        const socket = (message as { socket: Socket }).socket;
        socket.once('connect', () => targets.push(`${socket.remoteAddress}:${socket.remotePort}`));
        socket.once('lookup', (_error: unknown, _address: unknown, _family: unknown, host: string) =>
          lookups.push(host),
        );
      };
      subscribe('net.client.socket', onSocket);
      try {
        const connection = await open();
        await connection.query('CREATE TABLE t (a INT64, seen TIMESTAMP)');
        await connection.insertRows('t', [{ a: 1, seen: '2024-01-15T12:00:00.000001Z' }]);
        const result = await connection.query('SELECT a, seen FROM t WHERE a = @a', { a: 1 });
        expect(result.rows).toEqual([{ a: 1, seen: Date.UTC(2024, 0, 15, 12) * 1000 + 1 }]);
      } finally {
        unsubscribe('net.client.socket', onSocket);
      }
      const port = new URL(emulator.get().endpoint).port;
      expect(targets.length).toBeGreaterThan(0);
      expect(new Set(targets)).toEqual(new Set([`127.0.0.1:${port}`]));
      expect(lookups).toEqual([]);
    });

    it('binds typed parameters and reads values back in the project types', async () => {
      const connection = await open();
      await connection.query(
        'CREATE TABLE v (s STRING, n INT64, t TIMESTAMP, b BOOL, f FLOAT64, tags ARRAY<STRING>)',
      );
      await connection.query(
        'INSERT INTO v (s, n, t, b, f, tags) VALUES (@s, @n, @t, @b, @f, ["x", "y"]), (@none, 1, @never, NULL, NULL, [])',
        {
          s: "it's",
          n: bq.int64(2n ** 60n + 1n),
          t: bq.timestamp(1_705_320_000_123_456),
          b: true,
          f: 0.5,
          none: bq.string(null),
          never: bq.timestamp(null),
        },
      );
      const result = await connection.query('SELECT * FROM v ORDER BY n DESC');
      expect(result.columns).toEqual([
        { name: 's', type: 'STRING' },
        { name: 'n', type: 'INT64' },
        { name: 't', type: 'TIMESTAMP' },
        { name: 'b', type: 'BOOL' },
        { name: 'f', type: 'FLOAT64' },
        { name: 'tags', type: 'ARRAY<STRING>' },
      ]);
      expect(result.rows).toEqual([
        { s: "it's", n: 2n ** 60n + 1n, t: 1_705_320_000_123_456, b: true, f: 0.5, tags: ['x', 'y'] },
        { s: null, n: 1, t: null, b: null, f: null, tags: [] },
      ]);
      const found = await connection.query('SELECT s FROM v WHERE s IN UNNEST(@names)', {
        names: bq.array('STRING', ["it's", 'other']),
      });
      expect(found.rows).toEqual([{ s: "it's" }]);
    });

    it('cuts results at maxRows and says so', async () => {
      const connection = await open();
      const result = await connection.query(
        'SELECT x FROM UNNEST(GENERATE_ARRAY(1, 10)) AS x ORDER BY x',
        {},
        { maxRows: 3 },
      );
      expect(result.rows).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
      expect(result.truncated).toBe(true);
    });

    it("reports BigQuery's message, as QUERY_INVALID when asked, and never the token", async () => {
      const connection = await open();
      const failure = connection.query('SELECT no_such_column FROM UNNEST([1])', {}, { what: 'the probe' });
      await expect(failure).rejects.toMatchObject({
        code: 'STORE_BIGQUERY_FAILED',
        message: expect.stringMatching(/the probe .*no_such_column/) as unknown,
      });
      const error = (await failure.catch((e: unknown) => e)) as Error;
      expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toMatch(
        /yamori-emulator|Bearer/,
      );
      await expect(
        connection.query('SELECT no_such_column FROM UNNEST([1])', {}, { invalidAsQueryError: true }),
      ).rejects.toMatchObject({
        code: 'QUERY_INVALID',
        message: expect.stringContaining('no_such_column') as unknown,
      });
    });

    it('runs statements as one transaction', async () => {
      const connection = await open();
      await connection.query('CREATE TABLE k (a INT64)');
      await connection.transaction(
        ['INSERT INTO k (a) VALUES (1)', 'INSERT INTO k (a) VALUES (@two);', 'DELETE FROM k WHERE a = 1'],
        {
          two: 2,
        },
      );
      expect((await connection.query('SELECT a FROM k')).rows).toEqual([{ a: 2 }]);
    });

    // Last: the emulator goes on computing the query the client gave up on (ten million rows, many
    // seconds), and answers nothing else until it is done, so a case after this one would wait for it.
    it('stops waiting past timeoutMs with QUERY_TIMEOUT', async () => {
      const connection = await open();
      await expect(
        connection.query(
          'SELECT COUNT(*) FROM UNNEST(GENERATE_ARRAY(1, 100000)) a, UNNEST(GENERATE_ARRAY(1, 100)) b',
          {},
          { timeoutMs: 1 },
        ),
      ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT', message: expect.stringContaining('1 ms') as unknown });
    });
  },
);
