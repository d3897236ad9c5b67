import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLOW_LOG_COLUMNS } from '../../records/index.js';
import {
  MIGRATIONS,
  readSchemaVersion,
  runMigrations,
  SCHEMA_VERSION,
  type Migration,
} from './migrations.js';

const now = () => 1_700_000_000_000_000;

describe('runMigrations', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeEach(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });

  afterEach(() => {
    connection.closeSync();
    instance.closeSync();
  });

  const tableNames = async (): Promise<string[]> =>
    (await connection.runAndReadAll('SELECT table_name FROM duckdb_tables() ORDER BY table_name'))
      .getRows()
      .map((row) => String(row[0]));

  it('takes an empty database to the current version, recording each migration', async () => {
    const result = await runMigrations(connection, { path: ':memory:', now });
    expect(result).toEqual({
      fromVersion: 0,
      toVersion: SCHEMA_VERSION,
      applied: MIGRATIONS.map((m) => m.name),
    });
    expect(await readSchemaVersion(connection)).toBe(SCHEMA_VERSION);
    expect(await tableNames()).toEqual([
      'alert_events',
      'alert_routing',
      'alerts',
      'allowlist',
      'deliveries',
      'device_addresses',
      'device_services',
      'devices',
      'dns',
      'feed_runs',
      'feed_snapshots',
      'feed_state',
      'flow_device_day_rollups',
      'flow_peer_rollups',
      'flow_remote_day_rollups',
      'flow_remote_week_rollups',
      'flow_rollup_dirty',
      'flow_rollup_dirty_blocks',
      'flow_rollup_dirty_days',
      'flow_rollup_generation',
      'flow_traffic_rollups',
      'flows',
      'indicator_allowlist',
      'indicator_listings',
      'indicator_match_periods',
      'indicators',
      'rule_state',
      'schema_migrations',
      'settings',
    ]);
  });

  it('applies nothing the second time', async () => {
    await runMigrations(connection, { path: ':memory:', now });
    const again = await runMigrations(connection, { path: ':memory:', now });
    expect(again).toEqual({ fromVersion: SCHEMA_VERSION, toVersion: SCHEMA_VERSION, applied: [] });
    const rows = await connection.runAndReadAll('SELECT count(*)::INTEGER FROM schema_migrations');
    expect(rows.getRows()).toEqual([[MIGRATIONS.length]]);
  });

  it('starts flows with the 13 original flow-log columns, in order, and flow_logs shows exactly those', async () => {
    await runMigrations(connection, { path: ':memory:', now });
    const columns = async (table: string): Promise<string[]> =>
      (
        await connection.runAndReadAll(
          `SELECT column_name FROM duckdb_columns() WHERE table_name = '${table}' ORDER BY column_index`,
        )
      )
        .getRows()
        .map((row) => String(row[0]));
    expect((await columns('flows')).slice(0, 13)).toEqual([...FLOW_LOG_COLUMNS]);
    expect(await columns('flow_logs')).toEqual([...FLOW_LOG_COLUMNS]);
  });

  it('rolls a failing migration back whole, keeping the versions before it (STORE_MIGRATION_FAILED)', async () => {
    const migrations: Migration[] = [
      ...MIGRATIONS,
      {
        version: SCHEMA_VERSION + 1,
        name: 'half done',
        steps: [
          'CREATE TABLE half_done (a INTEGER)',
          'ALTER TABLE flows ADD COLUMN extra INTEGER',
          'SELECT * FROM no_such_table',
        ],
      },
    ];
    await expect(runMigrations(connection, { path: 'test.duckdb', now, migrations })).rejects.toMatchObject({
      code: 'STORE_MIGRATION_FAILED',
      message: expect.stringMatching(
        new RegExp(
          `to schema version ${SCHEMA_VERSION + 1} failed: .*no_such_table.*unchanged at version ${SCHEMA_VERSION}\\.`,
          's',
        ),
      ) as unknown,
    });
    expect(await readSchemaVersion(connection)).toBe(SCHEMA_VERSION);
    expect(await tableNames()).not.toContain('half_done');
    const flowColumns = await connection.runAndReadAll(
      "SELECT count(*)::INTEGER FROM duckdb_columns() WHERE table_name = 'flows' AND column_name = 'extra'",
    );
    expect(flowColumns.getRows()).toEqual([[0]]);
  });

  it('refuses a database newer than the migrations it knows (STORE_TOO_NEW)', async () => {
    await runMigrations(connection, { path: ':memory:', now });
    await expect(
      runMigrations(connection, { path: 'old-build.duckdb', now, migrations: MIGRATIONS.slice(0, 0) }),
    ).rejects.toMatchObject({
      code: 'STORE_TOO_NEW',
      message: expect.stringContaining('newer than this Yamori knows (0)') as unknown,
    });
  });

  it('numbers migrations 1, 2, 3 … without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});

describe('migration 10', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'yamori-migration-10-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** How DuckDB stored each VARCHAR column of `table` at its last checkpoint. */
  const stringStorage = async (
    connection: DuckDBConnection,
    table: string,
  ): Promise<Record<string, string[]>> => {
    const reader = await connection.runAndReadAll(
      `SELECT column_name, list(DISTINCT compression ORDER BY compression) FROM pragma_storage_info('${table}')
       WHERE column_name IN ('remote_addr', 'name') AND segment_type = 'VARCHAR' GROUP BY 1 ORDER BY 1`,
    );
    return Object.fromEntries(
      reader
        .getRows()
        .map(([column, methods]) => [String(column), (methods as { items: unknown[] }).items.map(String)]),
    );
  };

  it('keeps the daily rollups row for row, ordered by day (and bytes), with addresses and names no longer FSST-compressed', async () => {
    // A file, as DuckDB compresses nothing in memory; 5,000 remote addresses seen once each, as most are.
    const instance = await DuckDBInstance.create(path.join(dir, 'm.duckdb'));
    const connection = await instance.connect();
    try {
      const upTo9 = MIGRATIONS.filter((m) => m.version <= 9);
      await runMigrations(connection, { path: 'm.duckdb', now, migrations: upTo9 });
      await connection.run(`INSERT INTO flow_remote_day_rollups
        SELECT make_timestamptz((i % 3) * 86400000000), '100.' || (i // 256 % 256) || '.' || (i % 256) || '.' || (i % 7),
               1000 + hash(i) % 100000, 1 + i % 5, CASE WHEN i % 4 > 0 THEN 'host-' || i || '.example.net' END,
               CASE WHEN i % 4 > 0 THEN make_timestamptz(i) END, ['192.168.1.' || (i % 9)]
        FROM range(5000) t(i) ORDER BY 1, 3 DESC`);
      await connection.run(`INSERT INTO flow_device_day_rollups
        SELECT make_timestamptz((i % 3) * 86400000000), CASE WHEN i % 5 > 0 THEN 'f4:f5:d8:00:00:0' || (i % 9) END,
               '192.168.1.' || (i % 9), '100.' || (i // 256 % 256) || '.' || (i % 256) || '.' || (i % 7),
               1000 + hash(i) % 100000, 1 + i % 5, CASE WHEN i % 4 > 0 THEN 'host-' || i || '.example.net' END,
               CASE WHEN i % 4 > 0 THEN make_timestamptz(i) END, make_timestamptz(i + 1),
               [{'port': 443, 'flows': 1 + i % 5}]
        FROM range(5000) t(i) ORDER BY 1, 2, 3`);
      // The state before migration 10: FSST for these strings, which DuckDB picks on its own for most
      // files but not every time (it samples, and a loaded machine splits the insert differently).
      await connection.run(`SET force_compression = 'fsst'`);
      await connection.run('CHECKPOINT');
      await connection.run(`SET force_compression = 'auto'`);
      const rows = async (table: string): Promise<string> =>
        JSON.stringify(
          (await connection.runAndReadAll(`SELECT * FROM ${table} ORDER BY ALL`)).getRows(),
          (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
        );
      // Rows out of the order the readers rely on: by day, and by bytes, most first, within a day.
      const misordered = async (table: string, within: string): Promise<number> =>
        Number(
          (
            await connection.runAndReadAll(
              `SELECT count(*) FROM (
                 SELECT day_at, ${within} AS v, lag(day_at) OVER (ORDER BY rowid) AS pd, lag(${within}) OVER (ORDER BY rowid) AS pv
                 FROM ${table}
               ) WHERE pd > day_at OR (pd = day_at AND pv < v)`,
            )
          ).getRows()[0]?.[0],
        );
      const remoteBefore = await rows('flow_remote_day_rollups');
      const deviceBefore = await rows('flow_device_day_rollups');
      expect(await stringStorage(connection, 'flow_remote_day_rollups')).toEqual({
        name: ['FSST'],
        remote_addr: ['FSST'],
      });

      const result = await runMigrations(connection, { path: 'm.duckdb', now });
      expect(result.fromVersion).toBe(9);
      expect(result.applied).toContain(
        'dashboard: daily rollups keep remote addresses and names uncompressed',
      );
      await connection.run('CHECKPOINT');
      expect(await rows('flow_remote_day_rollups')).toBe(remoteBefore);
      expect(await rows('flow_device_day_rollups')).toBe(deviceBefore);
      expect(await misordered('flow_remote_day_rollups', 'bytes')).toBe(0);
      expect(await misordered('flow_device_day_rollups', '0')).toBe(0);
      for (const table of ['flow_remote_day_rollups', 'flow_device_day_rollups']) {
        expect(await stringStorage(connection, table)).toEqual({
          name: ['Uncompressed'],
          remote_addr: ['Uncompressed'],
        });
      }
      // Rows written later (flow-rollups.ts rebuilds days with INSERT … SELECT) are stored the same way.
      await connection.run(`INSERT INTO flow_remote_day_rollups
        SELECT make_timestamptz(5 * 86400000000), '101.0.' || (i // 256) || '.' || (i % 256), 10, 1, 'later-' || i || '.example.org', NULL, []
        FROM range(5000) t(i)`);
      await connection.run('CHECKPOINT');
      expect(await stringStorage(connection, 'flow_remote_day_rollups')).toEqual({
        name: ['Uncompressed'],
        remote_addr: ['Uncompressed'],
      });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('migration 11', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'yamori-migration-11-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('sums the daily remote rows per block of 7 days, ordered by block and bytes, addresses and names uncompressed', async () => {
    const instance = await DuckDBInstance.create(path.join(dir, 'm.duckdb'));
    const connection = await instance.connect();
    try {
      const upTo10 = MIGRATIONS.filter((m) => m.version <= 10);
      await runMigrations(connection, { path: 'm.duckdb', now, migrations: upTo10 });
      // 20 days from a day inside a block; 300 hosts seen on many days, from several home addresses,
      // named on some days only, and 3,000 hosts seen once.
      await connection.run(`INSERT INTO flow_remote_day_rollups
        SELECT make_timestamptz((19_733 + 3 + i % 20) * 86400000000),
               CASE WHEN i < 6000 THEN '198.51.' || (i % 300 // 256) || '.' || (i % 300 % 256) ELSE '10.0.' || (i // 256 % 256) || '.' || (i % 256) END,
               1000 + hash(i) % 100000, 1 + i % 5,
               CASE WHEN i % 3 > 0 THEN 'host-' || (i % 7) || '.example.net' END,
               CASE WHEN i % 3 > 0 THEN make_timestamptz(i * 1000) END,
               ['192.168.1.' || (i % 4), '192.168.1.' || (i % 6)]
        FROM range(9000) t(i) ORDER BY 1, 3 DESC`);
      const upTo11 = MIGRATIONS.filter((m) => m.version <= 11);
      const result = await runMigrations(connection, { path: 'm.duckdb', now, migrations: upTo11 });
      expect(result).toMatchObject({
        fromVersion: 10,
        applied: ['dashboard: remote hosts summed per block of 7 days'],
      });
      await connection.run('CHECKPOINT');
      const read = async (sql: string): Promise<unknown[][]> =>
        (await connection.runAndReadAll(sql)).getRows();
      // Every host and block: the sums of its days, in code rather than SQL.
      const days = await read(
        `SELECT epoch_us(day_at), remote_addr, bytes, flows, name, epoch_us(name_seen_at), local_addrs
         FROM flow_remote_day_rollups`,
      );
      const expected = new Map<
        string,
        { bytes: bigint; flows: bigint; name: unknown; seen: bigint | null; locals: Set<string> }
      >();
      for (const [day, addr, bytes, flows, name, seen, locals] of days) {
        const block = (BigInt(day as bigint) / 604_800_000_000n) * 604_800_000_000n;
        const key = `${block} ${String(addr)}`;
        const row = expected.get(key) ?? {
          bytes: 0n,
          flows: 0n,
          name: null,
          seen: null,
          locals: new Set<string>(),
        };
        row.bytes += bytes as bigint;
        row.flows += flows as bigint;
        if (name !== null && (row.seen === null || (seen as bigint) > row.seen)) {
          row.name = name;
          row.seen = seen as bigint;
        }
        for (const local of (locals as { items: unknown[] }).items) row.locals.add(String(local));
        expected.set(key, row);
      }
      const blocks = await read(
        `SELECT epoch_us(block_at), remote_addr, bytes, flows, name, epoch_us(name_seen_at), local_addrs
         FROM flow_remote_week_rollups`,
      );
      expect(blocks.length).toBe(expected.size);
      expect(new Set(blocks.map(([block]) => String(block))).size).toBe(4);
      for (const [block, addr, bytes, flows, name, seen, locals] of blocks) {
        const row = expected.get(`${String(block)} ${String(addr)}`);
        expect(row).toBeDefined();
        expect({ bytes, flows, name, seen }).toEqual({
          bytes: row!.bytes,
          flows: row!.flows,
          name: row!.name,
          seen: row!.seen,
        });
        const list = (locals as { items: unknown[] }).items.map(String);
        expect(list.length).toBe(row!.locals.size);
        expect(new Set(list)).toEqual(row!.locals);
      }
      // In the order the readers rely on: by block, and by bytes, most first, within a block.
      const misordered = await read(
        `SELECT count(*)::INTEGER FROM (
           SELECT block_at, bytes, lag(block_at) OVER (ORDER BY rowid) AS pb, lag(bytes) OVER (ORDER BY rowid) AS pv
           FROM flow_remote_week_rollups
         ) WHERE pb > block_at OR (pb = block_at AND pv < bytes)`,
      );
      expect(misordered).toEqual([[0]]);
      const storage = await read(
        `SELECT DISTINCT column_name, compression FROM pragma_storage_info('flow_remote_week_rollups')
         WHERE column_name IN ('remote_addr', 'name') AND segment_type = 'VARCHAR' ORDER BY ALL`,
      );
      expect(storage).toEqual([
        ['name', 'Uncompressed'],
        ['remote_addr', 'Uncompressed'],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
