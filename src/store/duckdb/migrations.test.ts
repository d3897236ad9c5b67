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
      'flow_rollup_dirty',
      'flow_rollup_dirty_days',
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
