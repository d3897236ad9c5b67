import { randomUUID } from 'node:crypto';
import type { BigQueryConfig } from '../../config/index.js';
import type { EpochMicros } from '../../records/index.js';
import type { Store } from '../store.js';
import { openBigQueryStore } from './bigquery-store.js';
import { createBigQueryConnection } from './connection.js';

/**
 * A store on a new dataset of `config.project` (named after `config.dataset`, or "yamori", with
 * "_test_" and a random suffix), deleted with its tables when the store is closed: what
 * `yamori rules test --engine bigquery` runs each case on, as DuckDB's cases run in memory.
 */
export async function openThrowawayBigQueryStore(
  config: BigQueryConfig,
  deps: { now?: () => EpochMicros } = {},
): Promise<Store> {
  const dataset = `${config.dataset ?? 'yamori'}_test_${randomUUID().replaceAll('-', '')}`;
  const target: BigQueryConfig = { ...config, dataset };
  const drop = async (): Promise<void> => {
    const connection = createBigQueryConnection(target);
    // The emulator (v0.6.6) cannot delete a dataset whose tables were made through the API ("failed
    // to find table spec"), and is left broken by trying ("sql: connection is already closed"). Its
    // data lives in memory and goes when it stops, so there the dataset is left behind.
    if (connection.isEmulator) return;
    try {
      await connection.client.dataset(dataset).delete({ force: true });
    } catch (cause) {
      if ((cause as { code?: unknown }).code === 404) return;
      throw connection.wrap(cause, 'the deletion of a test dataset', false);
    }
  };
  let store: Store;
  try {
    store = await openBigQueryStore(target, deps);
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'close') {
        return async () => {
          try {
            await target.close();
          } finally {
            await drop();
          }
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
