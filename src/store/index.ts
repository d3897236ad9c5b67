/**
 * The database: schema and migrations, batched durable writes, typed readers and read-only queries.
 * One backend per engine behind the `Store` interface: DuckDB (embedded, the default) now.
 *
 * In: flow, DNS and device records from the pipelines; indicator snapshots, feed runs and the
 * allow-list from intel/; filters and SQL from readers. Out: stored rows, indicator lookups and the
 * views detection reads (`flow_logs`, `indicator_validity`, `abusech_feodo`, …).
 * A write resolves only once its whole batch is durable; a failed batch stores nothing.
 * Called by every stage that keeps or reads data; imports config/ and the leaves.
 */
export type {
  Store,
  FlowFilter,
  DnsFilter,
  DeviceFilter,
  QueryParam,
  QueryColumn,
  QueryResult,
  TableInfo,
  DbInfo,
  MigrationResult,
  StoredDnsRecord,
  FeedSnapshotResult,
  FeedRun,
  FeedState,
  AllowlistEntry,
  IndicatorFilter,
  ListingPeriod,
  IndicatorMatch,
  FeedIndicatorStats,
} from './store.js';
export {
  openDuckDbStore,
  openDuckDbStore as openStore,
  type DuckDbStoreDeps,
} from './duckdb/duckdb-store.js';
export { SCHEMA_VERSION } from './duckdb/migrations.js';
export { addressToNumber, cidrToRange } from './address-number.js';
export { normaliseMac, isRandomisedMac } from './mac-address.js';
export { loadOuiVendorLookup, type OuiVendorLookup } from './oui-vendor.js';
