/**
 * Test helpers for the BigQuery store: the emulator started on loopback, and a fresh dataset per
 * store, or one dataset per file emptied between tests (`reusableEmulatorStores`, `emptiedEmulatorStores`:
 * much faster where the emulator would make dozens of datasets). Not shipped. Usage in a test file:
 *
 *   const emulator = useBigQueryEmulator();            // at the top level: beforeAll/afterAll
 *   describe.skipIf(emulator.skipReason !== null)('…', () => {
 *     it('…', async () => { const store = await openEmulatorStore(emulator.get(), { now }); … });
 *   });
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { BigQueryConfig } from '../../config/index.js';
import type { EpochMicros } from '../../records/index.js';
import type { Store } from '../store.js';
import { BIGQUERY_VIEWS, openBigQueryStore, type BigQueryStoreDeps } from './bigquery-store.js';
import { findBigQueryEmulator, startBigQueryEmulator, type BigQueryEmulator } from './emulator.js';
import { createBigQueryConnection } from './connection.js';
import { deleteDataset, TABLES } from './schema.js';

export const EMULATOR_PROJECT = 'yamori-test';

/**
 * Null when the emulator tests can run; otherwise why not (printed once). On CI (`CI=true`) a
 * missing emulator is not a reason to skip: the tests run and fail saying so, as CI always runs them.
 */
export function bigQueryEmulatorSkipReason(): string | null {
  const found = findBigQueryEmulator();
  if (found.path !== null || process.env['CI'] === 'true') return null;
  const reason =
    `BigQuery emulator tests skipped: no emulator at ${found.looked.join(' or ')}; ` +
    'run .ci/install-bigquery-emulator (needs Go and clang) or set YAMORI_BIGQUERY_EMULATOR.';
  console.warn(reason);
  return reason;
}

/** Starts one emulator for the test file (in beforeAll) and stops it after (afterAll). */
export function useBigQueryEmulator(): { skipReason: string | null; get: () => BigQueryEmulator } {
  const skipReason = bigQueryEmulatorSkipReason();
  let emulator: BigQueryEmulator | null = null;
  beforeAll(async () => {
    if (skipReason !== null) return;
    const found = findBigQueryEmulator();
    if (found.path === null) {
      throw new Error(
        `CI always runs the BigQuery tests, but there is no emulator at ${found.looked.join(' or ')}: ` +
          '.ci/install-bigquery-emulator should have built it.',
      );
    }
    emulator = await startBigQueryEmulator({ binary: found.path, project: EMULATOR_PROJECT });
  }, 60_000);
  afterAll(async () => {
    await emulator?.stop();
  });
  return {
    skipReason,
    get: () => {
      if (emulator === null) throw new Error('the BigQuery emulator is not running (beforeAll failed)');
      return emulator;
    },
  };
}

/** A config for a new, empty dataset on the emulator (each call a different dataset). */
export function emulatorBigQueryConfig(emulator: BigQueryEmulator, dataset?: string): BigQueryConfig {
  return {
    project: emulator.project,
    dataset: dataset ?? `t_${randomUUID().replaceAll('-', '')}`,
    location: 'US',
    keyFile: null,
    endpoint: emulator.endpoint,
    // The default write path, the Storage Write API, on the emulator's gRPC port.
    writeMethod: 'storage_write',
    storageEndpoint: emulator.storageEndpoint,
  };
}

/**
 * A store over a new, empty dataset on the emulator, deleted when the store is closed: the emulator
 * slows down as its catalogue grows, so a file that opens a store per test must not keep them. Pass
 * `dataset` to keep one (it is not deleted).
 */
export async function openEmulatorStore(
  emulator: BigQueryEmulator,
  deps: BigQueryStoreDeps = {},
  dataset?: string,
): Promise<Store> {
  const config = emulatorBigQueryConfig(emulator, dataset);
  const store = await openBigQueryStore(config, deps);
  if (dataset !== undefined) return store;
  const close = async (): Promise<void> => {
    await store.close();
    await deleteDataset(createBigQueryConnection(config), BIGQUERY_VIEWS);
  };
  return { ...store, close };
}

/**
 * Stores for a run of test cases on one dataset: the first `open` creates it, each later one empties
 * every table (the schema version stays) and hands back the same store, its clock now the caller's.
 * A case's `close` keeps it open; `dispose` closes it and deletes the dataset. Making a dataset per
 * case costs the emulator two dozen API calls and slows it as its catalogue grows; emptying the tables
 * is one script.
 */
export function reusableEmulatorStores(emulator: () => BigQueryEmulator): {
  open: (deps: BigQueryStoreDeps) => Promise<Store>;
  dispose: () => Promise<void>;
} {
  const dataset = `r_${randomUUID().replaceAll('-', '')}`;
  let store: Store | null = null;
  let now: (() => EpochMicros) | undefined;
  const config = () => emulatorBigQueryConfig(emulator(), dataset);
  return {
    async open(deps) {
      now = deps.now;
      if (store === null) {
        store = await openBigQueryStore(config(), { now: () => (now ?? (() => Date.now() * 1000))() });
      } else {
        await emptyTables(config());
      }
      const opened = store;
      return new Proxy(opened, {
        get(target, property, receiver) {
          if (property === 'close') return () => Promise.resolve();
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
      });
    },
    async dispose() {
      if (store === null) return;
      await store.close();
      store = null;
      await deleteDataset(createBigQueryConnection(config()), BIGQUERY_VIEWS);
    },
  };
}

/**
 * Stores for the tests of one file on one dataset, each test a store of its own: the first `open`
 * creates the dataset, each later one empties every table (the schema version stays) and opens the
 * dataset again, as a new store with the caller's clock. Making and deleting a dataset per test costs
 * the emulator two dozen API calls each way (seconds) and slows it as its catalogue grows; opening an
 * existing one is a few reads. `close` is the store's own. The dataset is left to the emulator, which
 * keeps it in memory until it stops at the end of the file.
 */
export function emptiedEmulatorStores(
  emulator: () => BigQueryEmulator,
): (deps: BigQueryStoreDeps) => Promise<Store> {
  const dataset = `e_${randomUUID().replaceAll('-', '')}`;
  let created = false;
  return async (deps) => {
    const config = emulatorBigQueryConfig(emulator(), dataset);
    if (created) await emptyTables(config);
    const store = await openBigQueryStore(config, deps);
    created = true;
    return store;
  };
}

/** Deletes every row of every table but schema_migrations, in one script. */
async function emptyTables(config: BigQueryConfig): Promise<void> {
  await createBigQueryConnection(config).transaction(
    TABLES.filter((table) => table.name !== 'schema_migrations').map(
      (table) => `DELETE FROM ${table.name} WHERE TRUE`,
    ),
  );
}
