import type {
  Device,
  DeviceObservation,
  DnsRecord,
  EpochMicros,
  FlowDirection,
  FlowRecord,
  StoredFlow,
} from '../records/index.js';

/**
 * Which flows to read. Every field narrows the result; none given means the newest flows.
 * Results are ordered newest first (by `first_seen_at`, then `id`).
 */
export interface FlowFilter {
  /** An address on either side; a CIDR ("10.0.0.0/8", "2001:db8::/32") matches a range. */
  addr?: string;
  srcAddr?: string;
  dstAddr?: string;
  /** A port on either side. */
  port?: number;
  /** Protocol name ("tcp") or IANA number as text ("6"). */
  protocol?: string;
  /** A device: its MAC, one of its addresses, or its hostname. */
  device?: string;
  sensor?: string;
  direction?: FlowDirection;
  /** Flows still active at or after this instant (`last_seen_at >= since`). */
  since?: EpochMicros;
  /** Flows that started at or before this instant (`first_seen_at <= until`). */
  until?: EpochMicros;
  /** At most this many flows; 100 when left out. */
  limit?: number;
}

/** Which DNS answers to read, newest first. */
export interface DnsFilter {
  clientAddr?: string;
  /** Text contained in the query name or the answer's owner name (case-insensitive; a final dot is ignored). */
  name?: string;
  /** The answer value: an address for A/AAAA, a name for CNAME. */
  answer?: string;
  sensor?: string;
  since?: EpochMicros;
  until?: EpochMicros;
  /** At most this many answers; 100 when left out. */
  limit?: number;
}

/** Which devices to read, most recently seen first. */
export interface DeviceFilter {
  mac?: string;
  /** A device that has had this address. */
  addr?: string;
  hostname?: string;
  /** Devices seen at or after this instant. */
  since?: EpochMicros;
  /** At most this many devices; 1000 when left out. */
  limit?: number;
}

/** A value bound to a `$1`/`?` or `$name` placeholder of a read-only query. */
export type QueryParam = string | number | boolean | bigint | null;

export interface QueryColumn {
  name: string;
  /** The engine's type name, e.g. "VARCHAR", "TIMESTAMP WITH TIME ZONE", "BIGINT". */
  type: string;
}

/**
 * Rows as JSON-friendly values: integers become numbers when they fit a double exactly and strings
 * otherwise; timestamps are ISO 8601 strings in UTC; nested values become arrays and objects.
 */
export interface QueryResult {
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
}

export interface TableInfo {
  name: string;
  kind: 'table' | 'view';
  /** Row count; null for views. */
  rows: number | null;
  columns: QueryColumn[];
}

export interface DbInfo {
  backend: 'duckdb';
  /** Engine version, e.g. "v1.5.6". */
  engineVersion: string;
  path: string;
  /** Size of the database file; null for an in-memory database. */
  fileSizeBytes: number | null;
  /** Size of the write-ahead log beside it (0 when there is none); null in memory. */
  walSizeBytes: number | null;
  schemaVersion: number;
  tables: TableInfo[];
  /** The earliest `first_seen_at` and latest `last_seen_at` of stored flows; null when there are none. */
  flowTimeRange: { firstSeenAt: EpochMicros; lastSeenAt: EpochMicros } | null;
}

export interface MigrationResult {
  fromVersion: number;
  toVersion: number;
  /** Names of the migrations applied, in order; empty when the schema was current. */
  applied: string[];
}

/**
 * The database every stage reads and writes through. One implementation per engine (DuckDB now,
 * BigQuery later); `store.contract.ts` holds the behaviour each must show.
 *
 * Writes are batches: when a write promise resolves, the whole batch is durable and survives a crash
 * of the process; when it rejects (STORE_WRITE_FAILED), none of it was stored.
 */
export interface Store {
  /** Brings the schema up to date; opening already does this, so a second call applies nothing. */
  migrate(): Promise<MigrationResult>;
  /** Stores flows as one batch, stamping `ingestedAt` with the store's clock. */
  writeFlows(flows: readonly FlowRecord[]): Promise<void>;
  /** Stores passive-DNS answers as one batch. */
  writeDns(records: readonly DnsRecord[]): Promise<void>;
  /**
   * Merges what packet sources learned about home hosts into the device tables: first seen is the
   * earliest, last seen the latest, hostname and vendor class the most recently observed non-null.
   */
  observeDevices(observations: readonly DeviceObservation[]): Promise<void>;
  listFlows(filter?: FlowFilter): Promise<StoredFlow[]>;
  /** How many flows match, ignoring `limit`. */
  countFlows(filter?: FlowFilter): Promise<number>;
  listDevices(filter?: DeviceFilter): Promise<Device[]>;
  listDns(filter?: DnsFilter): Promise<StoredDnsRecord[]>;
  /**
   * Runs one read-only statement (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT,
   * EXPLAIN). Throws QUERY_NOT_READ_ONLY for anything else, QUERY_MULTIPLE_STATEMENTS for more than
   * one statement, and QUERY_INVALID with the engine's message when the SQL fails.
   */
  query(
    sql: string,
    params?: readonly QueryParam[] | Readonly<Record<string, QueryParam>>,
  ): Promise<QueryResult>;
  info(): Promise<DbInfo>;
  /** Folds the write-ahead log into the database file. */
  checkpoint(): Promise<void>;
  /** Waits for pending writes, then releases the database. Later calls fail. */
  close(): Promise<void>;
}

/** A DNS answer as read back from the store. */
export interface StoredDnsRecord extends DnsRecord {
  ingestedAt: EpochMicros;
}
