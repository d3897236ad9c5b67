import type { BigQueryConfig } from '../../config/index.js';
import type { EpochMicros } from '../../records/index.js';
import type { BigQueryConnection } from './connection.js';

/**
 * What every area of the BigQuery store (bigquery-store.ts and its core files, intel.ts, rules.ts)
 * is built from. bigquery-store.ts wraps every method of every area: a call after close() fails
 * (INTERNAL), and close() waits for the calls in flight, so areas need not track either.
 */
export interface BigQueryContext {
  /** The one client of the dataset: queries, transactions, insertAll (connection.ts). */
  connection: BigQueryConnection;
  /** The store clock: stamped on `ingested_at` and every `…_at` the store writes itself. */
  now: () => EpochMicros;
  config: BigQueryConfig;
}
