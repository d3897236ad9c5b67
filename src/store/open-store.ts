import type { BigQueryConfig, StoreConfig } from '../config/index.js';
import { YamoriError } from '../errors/index.js';
import type { EpochMicros } from '../records/index.js';
import { openDuckDbStore } from './duckdb/duckdb-store.js';
import type { Store } from './store.js';

/**
 * Opens the store `config.engine` names: the DuckDB file (the default) or the BigQuery dataset of
 * `config.bigquery`. Throws as openDuckDbStore or openBigQueryStore does.
 */
export async function openStore(config: StoreConfig, deps: { now?: () => EpochMicros } = {}): Promise<Store> {
  if (config.engine !== 'bigquery') return openDuckDbStore(config, deps);
  if (config.bigquery === undefined) {
    throw new YamoriError('STORE_BIGQUERY_NOT_CONFIGURED', { key: 'bigquery.project' });
  }
  // Loaded only here: the Google client costs every other verb's start-up (DuckDB users most of all).
  const { openBigQueryStore } = await import('./bigquery/bigquery-store.js');
  return openBigQueryStore(config.bigquery, deps);
}

/**
 * A BigQuery store on a new dataset of `config`, deleted again on close (`yamori rules test` runs each
 * case on one). Loads the Google client only when called.
 */
export async function openThrowawayBigQueryStore(
  config: BigQueryConfig,
  deps: { now?: () => EpochMicros } = {},
): Promise<Store> {
  const { openThrowawayBigQueryStore: open } = await import('./bigquery/throwaway-store.js');
  return open(config, deps);
}
