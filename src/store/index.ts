/**
 * The database: schema and migrations, batched durable writes, typed readers and read-only queries.
 * One backend per engine behind the `Store` interface: DuckDB (embedded, the default) and BigQuery
 * (`store.engine: bigquery`, a dataset shared by many sensors).
 *
 * In: flow, DNS and device records from the pipelines; indicator snapshots, feed runs and the
 * allow-list from intel/; filters and SQL from readers; rule runs from detect/ and alert/. Out: stored
 * rows, indicator lookups and the tables and views detection reads (`flow_logs`, `indicator_match_periods`, …);
 * rule queries with a time limit and a row cap; rule watermarks and alerts, written together.
 * A write resolves only once its whole batch is durable; a failed batch stores nothing.
 * Called by every stage that keeps or reads data; imports config/ and the leaves.
 */
export type {
  Store,
  StoreEngine,
  WriteBatch,
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
  DraftBatches,
  RawJsonText,
  JsonTextWriter,
  FeedRun,
  FeedState,
  AllowlistEntry,
  IndicatorFilter,
  ListingPeriod,
  IndicatorMatch,
  FeedIndicatorStats,
  RuleQueryParams,
  RuleQueryLimits,
  RuleQueryResult,
  RuleQueryShape,
  AlertWriteResult,
  AlertFilter,
  DeviceRef,
  ResolvedDevice,
  AlertStatusChange,
  AlertRouting,
  DeliveryKind,
  DeliveryState,
  DeliveryDraft,
  Delivery,
  DeliveryFilter,
  DeliveryAttempt,
} from './store.js';
export type {
  OverviewRange,
  TrafficBucket,
  TopDevice,
  TopRemote,
  DashboardOverview,
  FlowCursor,
  FlowPageFilter,
  FlowRow,
  FlowPage,
  AlertPageFilter,
  DevicePeer,
} from './dashboard.js';
export { openDuckDbStore, type DuckDbStoreDeps } from './duckdb/duckdb-store.js';
export type { BigQueryStoreDeps } from './bigquery/bigquery-store.js';
export {
  findBigQueryEmulator,
  startBigQueryEmulator,
  BIGQUERY_EMULATOR_VERSION,
  type BigQueryEmulator,
} from './bigquery/emulator.js';
export { SCHEMA_VERSION } from './duckdb/migrations.js';
export { addressToNumber, cidrToRange } from './address-number.js';
export { normaliseMac, isRandomisedMac } from './mac-address.js';
export { loadOuiVendorLookup, type OuiVendorLookup } from './oui-vendor.js';
export { inspectBigQueryRuleQuery } from './bigquery/rule-query.js';
export { openStore, openThrowawayBigQueryStore } from './open-store.js';
