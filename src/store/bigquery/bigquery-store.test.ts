import { describe, expect, it } from 'vitest';
import type { EpochMicros } from '../../records/index.js';
import { describeStoreContract } from '../store.contract.js';
import { buildDeviceObservation, buildFlow, TEST_EPOCH } from '../testing.js';
import { openBigQueryStore } from './bigquery-store.js';
import { BIGQUERY_MIGRATIONS, BIGQUERY_SCHEMA_VERSION, TABLES } from './schema.js';
import {
  emptiedEmulatorStores,
  emulatorBigQueryConfig,
  openEmulatorStore,
  useBigQueryEmulator,
} from './testing.js';

const emulator = useBigQueryEmulator();

describe.skipIf(emulator.skipReason !== null)('BigQuery store on the emulator', { timeout: 120_000 }, () => {
  // One dataset for the contract's cases and the other cases that start empty, emptied before each.
  const openEmptied = emptiedEmulatorStores(() => emulator.get());
  describeStoreContract('BigQuery emulator', openEmptied, { parts: ['core'] });

  const clock = (micros: EpochMicros) => ({ now: () => micros });

  it('creates the dataset, every table of the schema and the views, and records the schema version', async () => {
    const store = await openEmulatorStore(emulator.get(), clock(TEST_EPOCH));
    try {
      const info = await store.info();
      expect(info).toMatchObject({
        backend: 'bigquery',
        engineVersion: 'BigQuery emulator',
        schemaVersion: BIGQUERY_SCHEMA_VERSION,
      });
      const names = new Set(info.tables.map((t) => t.name));
      for (const table of TABLES) expect(names.has(table.name), table.name).toBe(true);
      const flows = info.tables.find((t) => t.name === 'flows');
      expect(flows?.columns.map((c) => c.name)).toEqual(
        TABLES.find((t) => t.name === 'flows')?.columns.map((c) => c.name),
      );
      expect(info.tables.find((t) => t.name === 'abusech_feodo')?.kind).toBe('view');
      const applied = await store.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
      expect(applied.rows).toEqual(
        BIGQUERY_MIGRATIONS.map((m) => ({ version: m.version, applied_at: '2024-01-15T12:00:00.000Z' })),
      );
    } finally {
      await store.close();
    }
  });

  it('opens an existing dataset again without changing it, keeping its data', async () => {
    const config = emulatorBigQueryConfig(emulator.get());
    const first = await openBigQueryStore(config, clock(TEST_EPOCH));
    await first.writeFlows([buildFlow({ id: 'survives' })]);
    await first.close();
    const second = await openBigQueryStore(config, clock(TEST_EPOCH + 1_000_000));
    try {
      expect(await second.migrate()).toEqual({
        fromVersion: BIGQUERY_SCHEMA_VERSION,
        toVersion: BIGQUERY_SCHEMA_VERSION,
        applied: [],
      });
      expect((await second.listFlows()).map((f) => f.id)).toEqual(['survives']);
      expect((await second.query('SELECT COUNT(*) AS n FROM schema_migrations')).rows).toEqual([
        { n: BIGQUERY_MIGRATIONS.length },
      ]);
    } finally {
      await second.close();
    }
  });

  it('refuses a dataset written by a newer Yamori', async () => {
    const config = emulatorBigQueryConfig(emulator.get());
    const store = await openBigQueryStore(config, clock(TEST_EPOCH));
    await store.close();
    const { createBigQueryConnection } = await import('./connection.js');
    await createBigQueryConnection(config).query(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', CURRENT_TIMESTAMP())",
    );
    await expect(openBigQueryStore(config, clock(TEST_EPOCH))).rejects.toMatchObject({
      code: 'STORE_TOO_NEW',
      message: expect.stringContaining('schema version 99') as unknown,
    });
  });

  it('writes address numbers as 32 hex digits that CIDR filters match', async () => {
    const store = await openEmptied(clock(TEST_EPOCH));
    try {
      await store.writeFlows([
        buildFlow({ id: 'v4', dstAddr: '198.51.100.7' }),
        buildFlow({ id: 'v6', srcAddr: '2001:db8::20', dstAddr: '2001:db8:1::9', ipVersion: 6 }),
      ]);
      const numbers = await store.query('SELECT id, dst_addr_num FROM flows ORDER BY id');
      expect(numbers.rows).toEqual([
        { id: 'v4', dst_addr_num: '00000000000000000000ffffc6336407' },
        { id: 'v6', dst_addr_num: '20010db8000100000000000000000009' },
      ]);
      expect((await store.listFlows({ dstAddr: '198.51.100.0/24' })).map((f) => f.id)).toEqual(['v4']);
      expect((await store.listFlows({ addr: '2001:db8::/32' })).map((f) => f.id)).toEqual(['v6']);
    } finally {
      await store.close();
    }
  });

  it('merges a device seen by two batches into one row with the widest times', async () => {
    const store = await openEmptied(clock(TEST_EPOCH));
    try {
      const mac = '3c:5a:b4:01:02:03';
      await store.observeDevices([buildDeviceObservation({ mac, seenAt: TEST_EPOCH + 10, hostname: 'tv' })]);
      await store.observeDevices([
        buildDeviceObservation({ mac, seenAt: TEST_EPOCH + 5, hostname: 'old-name' }),
        buildDeviceObservation({ mac, seenAt: TEST_EPOCH + 20, hostname: null }),
      ]);
      const rows = await store.query('SELECT mac, hostname FROM devices');
      expect(rows.rows).toEqual([{ mac, hostname: 'tv' }]);
      const [device] = await store.listDevices({ mac });
      expect(device).toMatchObject({
        firstSeenAt: TEST_EPOCH + 5,
        lastSeenAt: TEST_EPOCH + 20,
        hostname: 'tv',
      });
    } finally {
      await store.close();
    }
  });
});
