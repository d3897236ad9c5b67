import type { BigQueryConfig } from '../../config/index.js';
import { isYamoriError, YamoriError } from '../../errors/index.js';
import type { DeviceObservation, DnsRecord, EpochMicros, FlowRecord } from '../../records/index.js';
import { loadOuiVendorLookup } from '../oui-vendor.js';
import type { MigrationResult, Store } from '../store.js';
import { bq } from './bigquery-values.js';
import { bigQueryMessage, createBigQueryConnection, type BigQueryConnection } from './connection.js';
import type { BigQueryContext } from './context.js';
import { readBigQueryInfo } from './db-info.js';
import { readDevices } from './device-reader.js';
import { countFlows, readDns, readFlows } from './flow-reader.js';
import { dnsRow, flowRow, insertAllRow } from './flow-rows.js';
import { ensureIntelFunctions, INTEL_VIEW_SPECS } from './intel-schema.js';
import { createBigQueryIntel } from './intel.js';
import { mergeDevices } from './merge-devices.js';
import { runBigQueryReadOnlyQuery } from './read-only-query.js';
import { createBigQueryRules } from './rules.js';
import {
  BIGQUERY_MIGRATIONS,
  BIGQUERY_SCHEMA_VERSION,
  CORE_VIEWS,
  ensureTables,
  ensureViews,
  readBigQuerySchemaVersion,
  TABLES,
  type ViewSpec,
} from './schema.js';
import { num } from './sql-conditions.js';
import { EMULATOR_MAX_REQUEST_ROW_BYTES, StorageWriter, type StorageWriteRow } from './storage-write.js';

export interface BigQueryStoreDeps {
  /** The clock stamped on `ingested_at` and `schema_migrations.applied_at`. */
  now?: () => EpochMicros;
}

/** Every view of the dataset, in the order they are created (each reads only tables and views before it). */
export const BIGQUERY_VIEWS: readonly ViewSpec[] = [...CORE_VIEWS, ...INTEL_VIEW_SPECS];
const VIEWS = BIGQUERY_VIEWS;

/**
 * Opens the BigQuery dataset `config.project`.`config.dataset` as a Store: creates the dataset, its
 * tables and views when missing and records the schema version. Nothing is kept locally: flows and
 * DNS answers are written with the Storage Write API (a batch committed whole) or, with
 * `write_method: insert_all`, streamed in; every other write is a DML transaction.
 * Throws STORE_BIGQUERY_NOT_CONFIGURED without project or dataset, STORE_BIGQUERY_FAILED when BigQuery
 * cannot be reached or refuses (credentials, permissions), STORE_TOO_NEW, STORE_MIGRATION_FAILED.
 */
export async function openBigQueryStore(
  config: BigQueryConfig,
  deps: BigQueryStoreDeps = {},
): Promise<Store> {
  const connection = createBigQueryConnection(config);
  const now = deps.now ?? ((): EpochMicros => Date.now() * 1000);
  const ctx: BigQueryContext = { connection, now, config };
  const core = createCore(ctx);
  await core.migrate();
  const store: Store = {
    engine: 'bigquery',
    ...core,
    ...createBigQueryIntel(ctx),
    ...createBigQueryRules(ctx),
  };
  return guarded(store, connection.description);
}

type Core = Pick<
  Store,
  | 'migrate'
  | 'writeFlows'
  | 'writeDns'
  | 'observeDevices'
  | 'listFlows'
  | 'countFlows'
  | 'pruneFlows'
  | 'listDevices'
  | 'listDns'
  | 'query'
  | 'info'
  | 'currentIngestTime'
  | 'checkpoint'
  | 'close'
>;

function createCore(ctx: BigQueryContext): Core {
  const { connection, now } = ctx;
  const path = `BigQuery dataset ${connection.description}`;
  const storage = usesStorageWrite(ctx.config)
    ? new StorageWriter({
        project: connection.target.project,
        dataset: connection.target.dataset,
        keyFile: connection.target.keyFile,
        storageEndpoint: ctx.config.storageEndpoint ?? null,
        timestampsAsText: connection.isEmulator,
        ...(connection.isEmulator ? { maxRequestBytes: EMULATOR_MAX_REQUEST_ROW_BYTES } : {}),
      })
    : null;
  const append = async (
    name: 'flows' | 'dns',
    rows: readonly StorageWriteRow[],
    insertIdOf?: (row: Record<string, unknown>) => string,
  ): Promise<void> => {
    const table = TABLES.find((spec) => spec.name === name)!;
    if (storage !== null) return storage.write(table, rows);
    return connection.insertRows(
      name,
      rows.map((row) => insertAllRow(table, row)),
      insertIdOf ? { insertIdOf } : {},
    );
  };
  // Streamed batches in flight, each stamped before it was sent: currentIngestTime waits for them.
  const inflight = new Set<Promise<unknown>>();
  const write = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    const running = body();
    const settled = running.catch(() => undefined);
    inflight.add(settled);
    try {
      return await running;
    } catch (cause) {
      // Its hint (enable the API, or write_method: insert_all) is the one the user needs.
      if (isYamoriError(cause) && cause.code === 'STORE_BIGQUERY_WRITE_API_REFUSED') throw cause;
      throw new YamoriError(
        'STORE_WRITE_FAILED',
        { what, path, detail: detailOf(cause) },
        { cause: asPlain(cause) },
      );
    } finally {
      inflight.delete(settled);
    }
  };
  return {
    migrate: () => migrate(connection, now, VIEWS),
    writeFlows: async (flows: readonly FlowRecord[]) => {
      if (flows.length === 0) return;
      await write(`${flows.length} flows`, async () => {
        const ingestedAt = now();
        const rows = flows.map((flow) => flowRow(flow, ingestedAt));
        await append('flows', rows, (row) => String(row['id']));
      });
    },
    writeDns: async (records: readonly DnsRecord[]) => {
      if (records.length === 0) return;
      await write(`${records.length} DNS answers`, async () => {
        const ingestedAt = now();
        await append(
          'dns',
          records.map((record) => dnsRow(record, ingestedAt)),
        );
      });
    },
    observeDevices: async (observations: readonly DeviceObservation[]) => {
      if (observations.length === 0) return;
      const vendorOf = await loadOuiVendorLookup();
      await write(`${observations.length} device observations`, () =>
        mergeDevices(connection, observations, vendorOf),
      );
    },
    listFlows: (filter = {}) => readFlows(connection, filter),
    countFlows: (filter = {}) => countFlows(connection, filter),
    pruneFlows: (before: EpochMicros) =>
      write('the pruning of old flows', async () => {
        // first_seen_at <= last_seen_at, so the extra condition changes nothing but lets BigQuery
        // read only the day partitions before the horizon.
        const where = 'WHERE last_seen_at < @before AND first_seen_at < @before';
        const params = { before: bq.timestamp(before) };
        const counted = await connection.query(`SELECT COUNT(*) AS n FROM flows ${where}`, params, {
          what: 'the count of flows to prune',
        });
        const deleted = await connection.query(`DELETE FROM flows ${where}`, params, {
          what: 'the pruning of old flows',
        });
        // The emulator does not report affected rows; BigQuery does, and that count is exact.
        return deleted.affectedRows ?? num(counted.rows[0]?.['n'] ?? 0);
      }),
    listDevices: (filter = {}) => readDevices(connection, filter),
    listDns: (filter = {}) => readDns(connection, filter),
    query: (sql, params) => runBigQueryReadOnlyQuery(connection, sql, params),
    info: () => readBigQueryInfo(connection, new Set(VIEWS.map((view) => view.name))),
    currentIngestTime: async () => {
      const at = now();
      await Promise.allSettled([...inflight]);
      return at;
    },
    // BigQuery has no write-ahead log to fold: every acknowledged write is already durable.
    checkpoint: () => Promise.resolve(),
    close: () => storage?.close() ?? Promise.resolve(),
  };
}

/**
 * The Storage Write API unless `write_method: insert_all`, or an emulator is given by its REST
 * endpoint alone (the Storage API is served on its gRPC port, `storage_endpoint`).
 */
export function usesStorageWrite(config: BigQueryConfig): boolean {
  if (config.writeMethod === 'insert_all') return false;
  return config.endpoint === null || (config.storageEndpoint ?? null) !== null;
}

/**
 * Makes the dataset's missing tables, columns and views (schema.ts); when versions are pending,
 * remakes every view and table function and records the versions.
 * Throws STORE_TOO_NEW when the dataset was written by a newer Yamori.
 */
async function migrate(
  connection: BigQueryConnection,
  now: () => EpochMicros,
  views: readonly ViewSpec[],
): Promise<MigrationResult> {
  const path = `BigQuery dataset ${connection.description}`;
  let from: number | 'unknown' = 'unknown';
  try {
    const existing = await ensureTables(connection);
    from = await readBigQuerySchemaVersion(connection);
    if (from > BIGQUERY_SCHEMA_VERSION) {
      throw new YamoriError('STORE_TOO_NEW', { path, version: from, known: BIGQUERY_SCHEMA_VERSION });
    }
    const pending = BIGQUERY_MIGRATIONS.filter((m) => m.version > (from as number));
    // Views and table functions are (re)made only by a migration, or when one is missing, so opening
    // a current dataset needs no more than the sensor's rights.
    await ensureViews(connection, views, existing, pending.length > 0);
    if (pending.length > 0) {
      await ensureIntelFunctions(connection);
      const params: Record<string, ReturnType<typeof bq.int64>> = {};
      const values = pending.map((m, i) => {
        params[`v${i}`] = bq.int64(m.version);
        params[`n${i}`] = bq.string(m.name);
        params[`t${i}`] = bq.timestamp(now());
        return `(CAST(@v${i} AS INT64), CAST(@n${i} AS STRING), CAST(@t${i} AS TIMESTAMP))`;
      });
      await connection.query(
        `INSERT INTO schema_migrations (version, name, applied_at) VALUES ${values.join(', ')}`,
        params,
        {
          what: 'the record of the schema version',
        },
      );
    }
    return { fromVersion: from, toVersion: BIGQUERY_SCHEMA_VERSION, applied: pending.map((m) => m.name) };
  } catch (cause) {
    if (isYamoriError(cause) && cause.code !== 'STORE_BIGQUERY_FAILED') throw cause;
    if (from === 'unknown') throw cause;
    throw new YamoriError(
      'STORE_MIGRATION_FAILED',
      { path, version: BIGQUERY_SCHEMA_VERSION, detail: detailOf(cause), from },
      { cause: asPlain(cause) },
    );
  }
}

/**
 * The store with every method guarded: a call after close() fails with INTERNAL, and close() waits
 * for the calls in flight before it resolves.
 */
function guarded(store: Store, description: string): Store {
  const inflight = new Set<Promise<unknown>>();
  let closed = false;
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]): Promise<unknown> => {
      if (name === 'close') {
        if (closed) return;
        closed = true;
        await Promise.allSettled([...inflight]);
        return method(...args);
      }
      if (closed) {
        throw new YamoriError('INTERNAL', { detail: `the store for ${description} was used after close().` });
      }
      const running = method(...args);
      const settled = running.catch(() => undefined);
      inflight.add(settled);
      try {
        return await running;
      } finally {
        inflight.delete(settled);
      }
    };
  }
  return wrapped as unknown as Store;
}

function detailOf(cause: unknown): string {
  if (isYamoriError(cause)) return cause.message;
  return bigQueryMessage(cause);
}

/** A cause without the client's request (which carries headers): its message only. */
function asPlain(cause: unknown): unknown {
  return isYamoriError(cause) ? cause : new Error(detailOf(cause));
}
