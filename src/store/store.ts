import type {
  Device,
  DeviceObservation,
  DnsRecord,
  EpochMicros,
  FlowDirection,
  FlowRecord,
  Indicator,
  IndicatorDraft,
  IndicatorType,
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
  /**
   * Makes the stored indicators of `feed` match one fetched document, in one transaction (a failure,
   * STORE_WRITE_FAILED, leaves the previous state whole). Drafts are deduplicated by `indicatorKey`,
   * the last one winning. New keys are added; listed keys get `lastListedAt = run.startedAt` and are
   * `updated` when a source field (threat, family, confidence, tags, reference, source first/last seen,
   * validity, revoked, raw) changed; keys that had left the feed are reactivated with a new listing
   * period. A revoked draft retires its indicator (counted as removed). Only when `run.complete` are
   * listed keys missing from `drafts` retired (`removedAt = run.startedAt`): incremental sources
   * (TAXII, OTX, MISP) pass false and retire through revoked and valid_until. `run.state`, when
   * given, is saved as the feed's state in the same transaction, so a cursor never runs ahead of
   * the indicators it covers. An empty text field is stored as null; confidence is rounded and must
   * lie in 0–100, a port must be an integer, and raw must be JSON-serialisable, or the whole snapshot
   * fails. The same drafts as the feed's previous snapshot cost one UPDATE (feeds whose banner time
   * changes while their entries do not).
   */
  applyFeedSnapshot(
    feed: string,
    drafts: readonly IndicatorDraft[],
    run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
  ): Promise<FeedSnapshotResult>;
  /** Records one fetch of a feed, successful or not. */
  recordFeedRun(run: FeedRun): Promise<void>;
  /** Recorded runs, newest first; of every feed when `feed` is left out; 100 when `limit` is. */
  listFeedRuns(feed?: string, limit?: number): Promise<FeedRun[]>;
  /** What the last good run of `feed` left for the next (validators, cursor); null before the first. */
  getFeedState(feed: string): Promise<FeedState | null>;
  setFeedState(feed: string, state: FeedState): Promise<void>;
  /**
   * Replaces the allow-list. Indicators it covers keep being stored and listed, with `allowlistReason`
   * set to the reason of the first entry (in the given order) that covers them.
   */
  setAllowlist(entries: readonly AllowlistEntry[]): Promise<void>;
  /**
   * How long (hours, may be fractional) an indicator stays active after its listing period ends;
   * `intel.grace_period_h`. Kept in the database, so SQL over `indicator_validity` sees it. 0 until set.
   */
  setIndicatorGracePeriod(hours: number): Promise<void>;
  /**
   * Every indicator (any feed, listed or not, at most 1000) that matches `value`: an address (equal,
   * or inside a network indicator), a network (overlapping), a domain (it or a parent domain), a URL
   * (exactly, and its host as a domain or address), anything else (hash, JA3, certificate SHA1, ASN,
   * email) exactly, ignoring case. `isActive` tells whether each was active at `at` (default: now).
   */
  lookupIndicators(value: string, at?: EpochMicros): Promise<IndicatorMatch[]>;
  /** Indicators, most recently first listed first; 100 when `limit` is left out. */
  listIndicators(filter?: IndicatorFilter): Promise<Indicator[]>;
  /** How many indicators match, ignoring `limit`. */
  countIndicators(filter?: IndicatorFilter): Promise<number>;
  /** Per feed: listed and retired indicators, and the listed ones by type. Ordered by feed name. */
  indicatorStats(): Promise<FeedIndicatorStats[]>;
  /** Folds the write-ahead log into the database file. */
  checkpoint(): Promise<void>;
  /** Waits for pending writes, then releases the database. Later calls fail. */
  close(): Promise<void>;
}

/** A DNS answer as read back from the store. */
export interface StoredDnsRecord extends DnsRecord {
  ingestedAt: EpochMicros;
}

/** What one `applyFeedSnapshot` changed. */
export interface FeedSnapshotResult {
  added: number;
  updated: number;
  /** Retired: missing from a complete snapshot, or revoked. */
  removed: number;
  reactivated: number;
  unchanged: number;
}

/** One fetch of a feed, as `feed_runs` keeps it. */
export interface FeedRun {
  feed: string;
  startedAt: EpochMicros;
  finishedAt: EpochMicros;
  /** `unchanged`: a 304, or the same content hash as the last good run; nothing was written. */
  status: 'ok' | 'unchanged' | 'error';
  /** Null when no response came (timeout, refused connection) or the feed is not fetched over HTTP. */
  httpStatus: number | null;
  bytes: number | null;
  contentHash: string | null;
  etag: string | null;
  /** The Last-Modified header as received. */
  lastModified: string | null;
  added: number;
  updated: number;
  removed: number;
  /** Listed indicators of the feed after the run. Null when recording: the store counts them. */
  indicatorCount: number | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** What a feed's next fetch needs from the last good one. */
export interface FeedState {
  etag: string | null;
  lastModified: string | null;
  contentHash: string | null;
  /** Incremental sources' position, as JSON (TAXII added_after, OTX modified_since, MISP event timestamps). */
  cursor: unknown;
}

/** An allow-list entry: indicators it covers never alert. */
export interface AllowlistEntry {
  /** Address types cover by range; "domain" covers the name and its subdomains; others match exactly. */
  type: IndicatorType;
  value: string;
  /** Shown beside every indicator it covers, e.g. "Google Public DNS", "private range (RFC 1918)". */
  reason: string;
  source: 'builtin' | 'user';
  /**
   * Address entries only: also cover indicator ranges that merely overlap this one (a feed's
   * 10.0.0.0/8 against a home 192.168.1.0/24 is covered only when the home entry sets this). Meant for
   * private and reserved ranges and the home networks; by default only ranges inside the entry are
   * covered. False when left out.
   */
  matchOverlapping?: boolean;
}

/** Which indicators to read. Every field narrows the result. */
export interface IndicatorFilter {
  /** Feed name. */
  source?: string;
  type?: IndicatorType;
  /** Active at this instant (a listing period, the grace after it and the source's validity). */
  activeAt?: EpochMicros;
  /** At most this many; 100 when left out. */
  limit?: number;
}

/** One period an indicator was on its feed; `listedUntil` is null while it still is. */
export interface ListingPeriod {
  listedFrom: EpochMicros;
  listedUntil: EpochMicros | null;
}

/** An indicator found by `lookupIndicators`, with its listing history. */
export interface IndicatorMatch extends Indicator {
  listings: ListingPeriod[];
  /** Active at the lookup's instant (listing periods plus grace, within the source's validity). */
  isActive: boolean;
}

export interface FeedIndicatorStats {
  source: string;
  /** Listed now (removedAt null). */
  active: number;
  removed: number;
  /** Listed now, by type. */
  byType: Partial<Record<IndicatorType, number>>;
  /** When the feed last listed anything. */
  lastListedAt: EpochMicros;
}
