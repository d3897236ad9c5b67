import type {
  Alert,
  AlertSeverity,
  AlertStatus,
  AlertWrite,
  Device,
  DeviceObservation,
  DnsRecord,
  EpochMicros,
  FlowDirection,
  FlowBatchSlice,
  FlowRecord,
  Indicator,
  IndicatorDraft,
  IndicatorType,
  RuleState,
  RuleStateUpdate,
  StoredFlow,
} from '../records/index.js';
import type {
  AlertPageFilter,
  DashboardOverview,
  DevicePeer,
  FlowPage,
  FlowPageFilter,
  OverviewRange,
} from './dashboard.js';

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
  backend: 'duckdb' | 'bigquery';
  /** Engine version, e.g. "v1.5.6"; "BigQuery" or "BigQuery emulator". */
  engineVersion: string;
  /** The DuckDB file, or the BigQuery dataset as "project.dataset". */
  path: string;
  /** Size of the database file; null for an in-memory database and for BigQuery. */
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
 * The database every stage reads and writes through. One implementation per engine (DuckDB and
 * BigQuery: duckdb/, bigquery/); `store.contract.ts` holds the behaviour each must show.
 *
 * Writes are batches: when a write promise resolves, the whole batch is durable and survives a crash
 * of the process; when it rejects (STORE_WRITE_FAILED), none of it was stored.
 */
/** The engine behind a store, which is also the SQL dialect rules run in there. */
export type StoreEngine = 'duckdb' | 'bigquery';

/** One batch of `Store.writeBatchStream`. */
export interface WriteBatch {
  flows: readonly FlowRecord[];
  dns: readonly DnsRecord[];
  devices: readonly DeviceObservation[];
}

export interface Store {
  /** Which engine this is: a rule runs its `rule.bigquery.sql` on BigQuery when it has one. */
  readonly engine: StoreEngine;
  /** Brings the schema up to date; opening already does this, so a second call applies nothing. */
  migrate(): Promise<MigrationResult>;
  /**
   * Optional: a batch of flows of this many rows is written most cheaply. DuckDB writes a full row
   * group (122,880 rows) straight into the file as the rows arrive, where a smaller batch goes through
   * the write-ahead log and then a checkpoint (half the CPU and a fifth of the commit time measured).
   * A writer with a backlog that large writes it in batches of this size.
   */
  readonly bulkFlowRows?: number;
  /** Stores flows as one batch, stamping `ingestedAt` with the store's clock. */
  writeFlows(flows: readonly FlowRecord[]): Promise<void>;
  /**
   * Optional (DuckDB has it): `writeFlows` for flows in their packed form (records/flow-batch.ts),
   * the rows of every slice as one batch, with no object per flow on the way.
   */
  writeFlowSlices?(slices: readonly FlowBatchSlice[]): Promise<void>;
  /** Stores passive-DNS answers as one batch. */
  writeDns(records: readonly DnsRecord[]): Promise<void>;
  /**
   * Merges what packet sources learned about home hosts into the device tables: first seen is the
   * earliest, last seen the latest, hostname and vendor class the most recently observed non-null.
   */
  observeDevices(observations: readonly DeviceObservation[]): Promise<void>;
  /**
   * Optional (DuckDB has it): stores every batch `batches` yields in one transaction, each batch's
   * devices, DNS answers and flows in that order; durable once it resolves, and on failure nothing of
   * it is stored. For a write far larger than a batch (the flows a capture still holds at its end):
   * the caller makes the records a batch at a time, and the engine need not hold them all in memory.
   */
  writeBatchStream?(batches: Iterable<WriteBatch> | AsyncIterable<WriteBatch>): Promise<void>;
  listFlows(filter?: FlowFilter): Promise<StoredFlow[]>;
  /** How many flows match, ignoring `limit`. */
  countFlows(filter?: FlowFilter): Promise<number>;
  /**
   * Retention: deletes flows whose `last_seen_at` is before `before` and returns how many went.
   * Alerts (with their evidence rows), indicators and devices are kept.
   */
  pruneFlows(before: EpochMicros): Promise<number>;
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
   * STORE_WRITE_FAILED, leaves the previous state whole; an error thrown while reading `drafts`
   * batches is rethrown as it is, after the same rollback). An array of drafts is deduplicated by
   * `indicatorKey`, the last one winning; batches (DraftBatches) must not repeat a key, and a repeat
   * fails the snapshot. New keys are added; listed keys get `lastListedAt = run.startedAt` and are
   * `updated` when a source field (threat, family, confidence, tags, reference, source first/last seen,
   * validity, revoked, raw) changed; keys that had left the feed are reactivated with a new listing
   * period. A revoked draft retires its indicator (counted as removed). Only when `run.complete` are
   * listed keys missing from `drafts` retired (`removedAt = run.startedAt`): incremental sources
   * (TAXII, OTX, MISP) pass false and retire through revoked and valid_until. `run.state`, when
   * given, is saved as the feed's state in the same transaction, so a cursor never runs ahead of
   * the indicators it covers. An empty text field is stored as null; confidence is rounded and must
   * lie in 0–100, a port must be an integer, and raw must be JSON-serialisable (see RawJsonText), or
   * the whole snapshot fails. Memory stays bounded by a slice of drafts, not the whole snapshot, when
   * they come as batches.
   */
  applyFeedSnapshot(
    feed: string,
    drafts: readonly IndicatorDraft[] | DraftBatches,
    run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
  ): Promise<FeedSnapshotResult>;
  /** Records one fetch of a feed, successful or not. */
  recordFeedRun(run: FeedRun): Promise<void>;
  /** Recorded runs, newest first; of every feed when `feed` is left out; 100 when `limit` is. */
  listFeedRuns(feed?: string, limit?: number): Promise<FeedRun[]>;
  /**
   * The latest `perFeed` runs of every feed that has any, in one query: keyed by feed in name order,
   * each list newest first as `listFeedRuns(feed, perFeed)` gives it.
   */
  listLatestFeedRuns(perFeed: number): Promise<Map<string, FeedRun[]>>;
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
   * Replaces every setting whose key starts with `prefix` by `values` (whose keys must all start with
   * it), in one transaction, so SQL sees either the old set or the new. Rules read these from the
   * `settings` table: `intel.domain_match.<feed>` (intel/), `detect.dns_resolvers` (detect/).
   */
  replaceSettings(prefix: string, values: Readonly<Record<string, string>>): Promise<void>;
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
  /**
   * The instant detection may treat as "now": waits for the writes already queued, then reads the
   * store clock. Every row stamped before it is committed, and every later write is stamped at or after
   * it, so a window ending here never misses a row that commits late.
   */
  currentIngestTime(): Promise<EpochMicros>;
  /**
   * Runs one rule query: a single read-only SELECT whose `$name` parameters are all instants given in
   * `params` (bound as TIMESTAMPTZ). Returns at most `limits.maxRows` rows, with `truncated` set when
   * there were more. Stops the query past `limits.timeoutMs` (QUERY_TIMEOUT). Throws QUERY_INVALID,
   * QUERY_NOT_READ_ONLY or QUERY_MULTIPLE_STATEMENTS as `query()` does, and QUERY_INVALID for a
   * parameter missing from `params`.
   */
  runRuleQuery(sql: string, params: RuleQueryParams, limits: RuleQueryLimits): Promise<RuleQueryResult>;
  /**
   * What a rule query needs and returns, found without reading data: its parameter names, the tables
   * and views it reads, the table functions it calls, and its result columns (from a run with every
   * parameter bound to `probeAt` and no rows). Throws like `runRuleQuery`.
   */
  describeRuleQuery(sql: string, probeAt: EpochMicros): Promise<RuleQueryShape>;
  /** Every rule's stored state, by rule id. */
  listRuleStates(): Promise<RuleState[]>;
  /** Records a run that failed: status, error and duration; the watermarks stay where they were. */
  recordRuleFailure(update: RuleStateUpdate): Promise<void>;
  /**
   * Writes a run's alerts and moves its watermarks in ONE transaction, so a crash repeats the window
   * without duplicating alerts. A write whose rule and dedup key match an alert that is not closed and
   * whose seen times lie within `suppressForUs` of the write's is merged into it (count added, seen
   * times widened, evidence and provenance appended up to `maxEvidenceRows`, indicators united);
   * otherwise it becomes a new open alert. Writes with the same key in one call merge in order.
   */
  commitRuleRun(alerts: readonly AlertWrite[], state: RuleStateUpdate): Promise<AlertWriteResult>;
  /** Alerts, most recently seen first; 100 when `limit` is left out. */
  listAlerts(filter?: AlertFilter): Promise<Alert[]>;
  /**
   * The device behind each reference, by MAC, else by the device that most recently had the address:
   * its MAC (null when unknown) and name (hostname, else vendor; null when the device is unknown).
   */
  resolveDevices(refs: readonly DeviceRef[]): Promise<ResolvedDevice[]>;
  /** Alerts written outside a rule run (feed health), merged into repeats as `commitRuleRun` does. */
  writeAlerts(alerts: readonly AlertWrite[]): Promise<AlertWriteResult>;
  /** One alert by id; null when there is none. */
  getAlert(id: string): Promise<Alert | null>;
  /**
   * Moves an alert from `change.from` to `change.to` and records the change with its comment; false
   * (nothing written) when the alert is no longer in `change.from`.
   */
  changeAlertStatus(change: AlertStatusChange): Promise<boolean>;
  /** Status changes of an alert, oldest first. */
  listAlertEvents(alertId: string): Promise<AlertStatusChange[]>;
  /** Alerts no routing decision was stored for yet, oldest first; 100 when `limit` is left out. */
  listUnroutedAlerts(limit?: number): Promise<Alert[]>;
  /**
   * Stores routing decisions and the deliveries they make in ONE transaction (the outbox): nothing is
   * sent before this resolves, and an alert whose decision is stored is never routed again. A draft
   * whose key already exists is left as it is, except a digest that was not yet attempted, which gains
   * the draft's alerts.
   */
  recordRouting(routings: readonly AlertRouting[], deliveries: readonly DeliveryDraft[]): Promise<void>;
  /** The stored routing decisions of these alerts. */
  listAlertRoutings(alertIds: readonly string[]): Promise<AlertRouting[]>;
  /** Which of `keys` had a notified alert routed at or after `since` (route `suppress: DURATION`). */
  notifiedThrottleKeys(keys: readonly string[], since: EpochMicros): Promise<string[]>;
  /** Deliveries, oldest first; 100 when `limit` is left out. */
  listDeliveries(filter?: DeliveryFilter): Promise<Delivery[]>;
  /** Stores the outcome of one attempt. */
  recordDeliveryAttempt(attempt: DeliveryAttempt): Promise<void>;
  /** The dashboard's figures over a range: traffic per bucket, top devices and remotes, alert counts. */
  dashboardOverview(range: OverviewRange): Promise<DashboardOverview>;
  /** One page of flows, newest first, starting after `filter.before`: keyset paging, no OFFSET. */
  pageFlows(filter: FlowPageFilter): Promise<FlowPage>;
  /** Alerts with the dashboard's filters (device, text), most recently seen first. */
  pageAlerts(filter: AlertPageFilter): Promise<Alert[]>;
  /** The remote hosts a device (MAC, address or hostname) talked to, most bytes first. */
  devicePeers(device: string, options?: { since?: EpochMicros; limit?: number }): Promise<DevicePeer[]>;
  /** Settings whose key starts with `prefix` (written with `replaceSettings`), by key. */
  readSettings(prefix: string): Promise<Record<string, string>>;
  /**
   * Brings derived tables up to date with the flows (the dashboard's hourly rollups of hours that
   * have ended) and folds the write-ahead log into the database file.
   */
  checkpoint(): Promise<void>;
  /** Waits for pending writes, then releases the database. Later calls fail. */
  close(): Promise<void>;
}

/** A DNS answer as read back from the store. */
export interface StoredDnsRecord extends DnsRecord {
  ingestedAt: EpochMicros;
}

/**
 * The drafts of one snapshot handed over batch by batch as a parser makes them
 * (FeedParser.parseBatches), so a feed of a million entries is never held whole. The store reads
 * `batches` once, in order, and may keep a batch's drafts only until it asks for the next batch.
 * Each indicatorKey may appear once in the whole snapshot.
 */
export interface DraftBatches {
  batches: Iterable<readonly IndicatorDraft[]>;
  /**
   * True when whoever made the batches dropped repeated keys already (a FeedParser's batches: its
   * contract test checks that it lists each key once), so the store skips its own check for repeats.
   */
  uniqueKeys?: boolean;
}

/**
 * A draft's `raw` may write its own JSON: the store then takes the pieces `writeJSON` hands to `out`,
 * in order, instead of calling JSON.stringify(raw), which builds the whole object and its text first.
 * The pieces joined must be exactly what JSON.stringify(raw) returns (CSV rows do this, and a million
 * of them load seconds sooner).
 */
export interface RawJsonText {
  writeJSON(out: JsonTextWriter): void;
}

/** Where RawJsonText writes its JSON, piece by piece. */
export interface JsonTextWriter {
  /** JSON text, written as it is. */
  text(json: string): void;
  /** JSON text already encoded as UTF-8 (a key encoded once per document), written as it is. */
  utf8(json: Uint8Array): void;
  /** `value` as a JSON string: exactly what JSON.stringify(value) returns. */
  string(value: string): void;
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

/** Instants bound to a rule query's `$name` parameters. */
export type RuleQueryParams = Readonly<Record<string, EpochMicros>>;

export interface RuleQueryLimits {
  timeoutMs: number;
  maxRows: number;
}

/** Rows as JSON values, like `QueryResult` (instants as ISO 8601 text with microseconds). */
export interface RuleQueryResult extends QueryResult {
  /** The query returned more than `maxRows` rows; the rest were not read. */
  truncated: boolean;
}

export interface RuleQueryShape {
  /** `$name` parameters, in order of first use. */
  parameters: string[];
  /** Tables and views read (common table expressions left out), lowercase. */
  relations: string[];
  /** Table functions and table macros called, lowercase. */
  tableFunctions: string[];
  columns: QueryColumn[];
}

/** What `commitRuleRun` did. */
export interface AlertWriteResult {
  created: number;
  updated: number;
}

/** Which alerts to read. Every field narrows the result. */
export interface AlertFilter {
  status?: AlertStatus;
  ruleId?: string;
  /** Alerts last seen at or after this instant. */
  since?: EpochMicros;
  /** This severity or worse. */
  minSeverity?: AlertSeverity;
  /** At most this many; 100 when left out. */
  limit?: number;
}

export interface DeviceRef {
  mac: string | null;
  addr: string | null;
}

export interface ResolvedDevice {
  mac: string | null;
  name: string | null;
}

/** A change of an alert's status by a person (`yamori alerts ack|close|reopen`). */
export interface AlertStatusChange {
  alertId: string;
  from: AlertStatus;
  to: AlertStatus;
  at: EpochMicros;
  comment: string | null;
}

/** What the routing policy decided for one alert, kept in `alert_routing`. */
export interface AlertRouting {
  alertId: string;
  routedAt: EpochMicros;
  /** Names of the routes that matched, in order. */
  routes: string[];
  /** Severity after the routes' raise/lower. */
  severity: AlertSeverity;
  /** Channels sent to at once (after suppression). */
  notified: string[];
  /** Channels that get it in a digest. */
  digested: string[];
  suppressed: boolean;
  blocked: boolean;
  /** Rule, device and remote, for `suppress: DURATION`; null when no route throttles. */
  throttleKey: string | null;
}

export type DeliveryKind = 'alert' | 'digest' | 'feed-health';
/** `failed`: the last attempt failed and another is due at `nextAttemptAt`; `given-up`: no more attempts. */
export type DeliveryState = 'pending' | 'failed' | 'sent' | 'given-up';

/** A delivery to add to the outbox. */
export interface DeliveryDraft {
  /** Idempotency key; unique. */
  key: string;
  kind: DeliveryKind;
  channel: string;
  route: string | null;
  alertIds: string[];
  /** First attempt (a digest: the end of its period). */
  nextAttemptAt: EpochMicros;
  createdAt: EpochMicros;
}

/** One (alert or digest, channel) of the outbox. */
export interface Delivery extends Omit<DeliveryDraft, 'nextAttemptAt'> {
  state: DeliveryState;
  attempts: number;
  /** Null once sent or given up. */
  nextAttemptAt: EpochMicros | null;
  lastError: string | null;
  updatedAt: EpochMicros;
  sentAt: EpochMicros | null;
}

export interface DeliveryFilter {
  /** Deliveries carrying this alert. */
  alertId?: string;
  /** Due: pending or failed, with the next attempt at or before this instant. */
  dueAt?: EpochMicros;
  states?: readonly DeliveryState[];
  limit?: number;
}

export interface DeliveryAttempt {
  key: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: EpochMicros | null;
  lastError: string | null;
  at: EpochMicros;
}
