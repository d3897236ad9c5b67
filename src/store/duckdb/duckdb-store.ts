import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, TIMESTAMPTZ, type DuckDBAppender, type DuckDBConnection } from './duckdb-api.js';
import type { StoreConfig } from '../../config/index.js';
import { isYamoriError, YamoriError } from '../../errors/index.js';
import type {
  Alert,
  AlertWrite,
  Device,
  DeviceObservation,
  DnsRecord,
  EpochMicros,
  FlowBatchSlice,
  FlowRecord,
  Indicator,
  IndicatorDraft,
  RuleState,
  RuleStateUpdate,
  StoredFlow,
} from '../../records/index.js';
import { loadOuiVendorLookup } from '../oui-vendor.js';
import type {
  AlertFilter,
  AlertRouting,
  AlertStatusChange,
  AlertWriteResult,
  AllowlistEntry,
  Delivery,
  DeliveryAttempt,
  DeliveryDraft,
  DeliveryFilter,
  DbInfo,
  DeviceFilter,
  DeviceRef,
  DnsFilter,
  DraftBatches,
  FeedIndicatorStats,
  FeedRun,
  FeedSnapshotResult,
  FeedState,
  FlowFilter,
  IndicatorFilter,
  IndicatorMatch,
  MigrationResult,
  QueryParam,
  QueryResult,
  ResolvedDevice,
  RuleQueryLimits,
  RuleQueryParams,
  RuleQueryResult,
  RuleQueryShape,
  Store,
  WriteBatch,
  StoredDnsRecord,
} from '../store.js';
import { readAlerts, resolveDevices, writeAlerts } from './alerts.js';
import {
  changeStatus,
  insertRouting,
  readAlertById,
  readAlertEvents,
  readDeliveries,
  readNotifiedThrottleKeys,
  readRoutings,
  readUnroutedAlerts,
  updateDelivery,
} from './outbox.js';
import { appendBatchStream } from './append-batch-stream.js';
import { DnsAppender } from './append-dns.js';
import { FlowAppender } from './append-flows.js';
import {
  buildFlowRollups,
  dirtyEndedHours,
  markFlowHoursDirty,
  markSliceHoursDirty,
  pruneFlowRollups,
} from './flow-rollups.js';
import type { TopRemoteHints } from './top-remotes.js';
import type {
  AlertPageFilter,
  DashboardOverview,
  DevicePeer,
  FlowPage,
  FlowPageFilter,
  OverviewRange,
} from '../dashboard.js';
import {
  readAlertPage,
  readDevicePeers,
  readFlowPage,
  readOverview,
  readSettings,
} from './dashboard-queries.js';
import { readDbInfo } from './db-info.js';
import { readDevices } from './device-reader.js';
import { readDns } from './dns-reader.js';
import { errorMessage, timestampTz } from './duckdb-values.js';
import {
  insertFeedRun,
  readFeedRuns,
  readFeedState,
  readLatestFeedRuns,
  saveFeedState,
} from './feed-runs.js';
import { countFlows, readFlows } from './flow-reader.js';
import { replaceAllowlist, saveGracePeriod } from './indicator-allowlist.js';
import { replaceSettings } from './replace-settings.js';
import { countIndicators, lookupIndicators, readIndicators, readIndicatorStats } from './indicator-reader.js';
import { applyIndicatorSnapshot } from './indicator-snapshot.js';
import { mergeDevices } from './merge-devices.js';
import { runMigrations } from './migrations.js';
import { runReadOnlyQuery } from './read-only-query.js';
import { describeRuleQuery, runRuleQuery } from './rule-query.js';
import { readRuleStates, saveRuleState } from './rule-state.js';
import { SnapshotDrafts } from './snapshot-drafts.js';

export interface DuckDbStoreDeps {
  /** The clock stamped on `ingested_at` and `schema_migrations.applied_at`. */
  now?: () => EpochMicros;
}

// DuckDB's file lock keeps other processes out, but not a second open in this process, which would
// corrupt the file. This set, keyed by absolute path, is the one piece of module state, and it exists
// only because the engine cannot see that case itself.
const openInThisProcess = new Set<string>();

/**
 * Opens (creating it and its folder if needed) the DuckDB file at `config.database.path`, or an
 * in-memory database for ":memory:", and brings its schema up to date.
 * Throws STORE_OPEN_FAILED (locked by another process, not a DuckDB file, no permission),
 * STORE_TOO_NEW or STORE_MIGRATION_FAILED.
 */
export async function openDuckDbStore(config: StoreConfig, deps: DuckDbStoreDeps = {}): Promise<Store> {
  const path = config.database.path;
  const now = deps.now ?? ((): EpochMicros => Date.now() * 1000);
  const key = path === ':memory:' ? null : resolve(path);
  if (key !== null) {
    if (openInThisProcess.has(key)) {
      throw new YamoriError('STORE_OPEN_FAILED', {
        path,
        detail: 'this process already has it open; a database file may be opened only once.',
      });
    }
    try {
      mkdirSync(dirname(key), { recursive: true });
    } catch (cause) {
      throw new YamoriError('STORE_OPEN_FAILED', { path, detail: errorMessage(cause) }, { cause });
    }
  }
  let instance: DuckDBInstance;
  try {
    // External access off: no statement may read or write files or attach other databases, which
    // makes `query()` safe to expose (read-only-query.ts). The store itself needs none of it.
    // A new file is written in DuckDB 1.5's storage format (a file made earlier keeps its own, and a
    // DuckDB older than 1.5 cannot open it). Its dictionary compression of strings (DICT_FSST) is read
    // cheaply where a filter keeps a few rows of a vector; the 1.0 format's decodes all 2,048, which
    // made most of a retro-hunt that reads the TLS and MAC columns of a few thousand flows spread
    // over the history (README.md, "Detection rules").
    instance = await DuckDBInstance.create(path, {
      enable_external_access: 'false',
      storage_compatibility_version: 'v1.5.0',
    });
  } catch (cause) {
    throw new YamoriError('STORE_OPEN_FAILED', { path, detail: describeOpenError(cause) }, { cause });
  }
  if (key !== null) openInThisProcess.add(key);
  const connections: DuckDBConnection[] = [];
  try {
    const writer = await instance.connect();
    connections.push(writer);
    const reader = await instance.connect();
    connections.push(reader);
    await runMigrations(writer, { path, now });
    const flowAppender = await writer.createAppender('flows');
    const dnsAppender = await writer.createAppender('dns');
    return new DuckDbStore({
      path,
      key,
      now,
      instance,
      writer,
      reader,
      flowAppender,
      dnsAppender,
      flowColumns: new FlowAppender(flowAppender),
      dnsColumns: new DnsAppender(dnsAppender),
    });
  } catch (cause) {
    for (const connection of connections) connection.closeSync();
    instance.closeSync();
    if (key !== null) openInThisProcess.delete(key);
    if (isYamoriError(cause)) throw cause;
    throw new YamoriError('STORE_OPEN_FAILED', { path, detail: describeOpenError(cause) }, { cause });
  }
}

function describeOpenError(cause: unknown): string {
  const message = errorMessage(cause);
  const lock = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
  if (lock) {
    return `another process (PID ${lock[2]}, ${lock[1]}) has it open, and DuckDB lets one process at a time use a database file.`;
  }
  if (message.includes('not a valid DuckDB database file'))
    return 'the file exists but is not a DuckDB database.';
  return message;
}

interface Parts {
  path: string;
  key: string | null;
  now: () => EpochMicros;
  instance: DuckDBInstance;
  writer: DuckDBConnection;
  reader: DuckDBConnection;
  flowAppender: DuckDBAppender;
  dnsAppender: DuckDBAppender;
  /** Column-wise writers into the two appenders above (chunk-writer.ts). */
  flowColumns: FlowAppender;
  dnsColumns: DnsAppender;
}

/**
 * Two connections: writes go through one, one at a time (each is a transaction, and an explicit
 * transaction cannot interleave with another on the same connection); reads go through the other,
 * so they never see a batch half written. `query()` gets a connection of its own per call.
 */
class DuckDbStore implements Store {
  readonly engine = 'duckdb' as const;
  /** DuckDB's row group (its default size, which Yamori's files keep). */
  readonly bulkFlowRows = 122_880;
  private writes: Promise<unknown> = Promise.resolve();
  private reads: Promise<unknown> = Promise.resolve();
  private readonly queries = new Set<Promise<QueryResult>>();
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  /** Thresholds of earlier top-remote rankings (top-remotes.ts), checked before each use. */
  private readonly topRemoteHints: TopRemoteHints = new Map();

  constructor(private readonly parts: Parts) {}

  async migrate(): Promise<MigrationResult> {
    return this.write(() => runMigrations(this.parts.writer, { path: this.parts.path, now: this.parts.now }));
  }

  async writeFlows(flows: readonly FlowRecord[]): Promise<void> {
    if (flows.length === 0) return;
    const { flowAppender } = this.parts;
    await this.writeBatch(`${flows.length} flows`, flowAppender, () => {
      this.parts.flowColumns.append(flows, this.parts.now());
      flowAppender.flushSync();
      return markFlowHoursDirty(this.parts.writer, flows);
    });
  }

  async writeFlowSlices(slices: readonly FlowBatchSlice[]): Promise<void> {
    let count = 0;
    for (const slice of slices) count += slice.to - slice.from;
    if (count === 0) return;
    const { flowAppender } = this.parts;
    await this.writeBatch(`${count} flows`, flowAppender, () => {
      this.parts.flowColumns.appendSlices(slices, this.parts.now());
      flowAppender.flushSync();
      return markSliceHoursDirty(this.parts.writer, slices);
    });
  }

  async writeDns(records: readonly DnsRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { dnsAppender } = this.parts;
    await this.writeBatch(`${records.length} DNS answers`, dnsAppender, () => {
      this.parts.dnsColumns.append(records, this.parts.now());
      dnsAppender.flushSync();
      return Promise.resolve();
    });
  }

  async observeDevices(observations: readonly DeviceObservation[]): Promise<void> {
    if (observations.length === 0) return;
    const vendorOf = await loadOuiVendorLookup();
    await this.writeBatch(`${observations.length} device observations`, null, () =>
      mergeDevices(this.parts.writer, observations, vendorOf),
    );
  }

  async writeBatchStream(batches: Iterable<WriteBatch> | AsyncIterable<WriteBatch>): Promise<void> {
    const { path } = this.parts;
    await this.write(async () => {
      try {
        await appendBatchStream(this.parts, batches, loadOuiVendorLookup);
      } catch (cause) {
        const what = 'a stream of batches';
        throw new YamoriError('STORE_WRITE_FAILED', { what, path, detail: errorMessage(cause) }, { cause });
      }
    });
  }

  async listFlows(filter: FlowFilter = {}): Promise<StoredFlow[]> {
    return this.read(() => readFlows(this.parts.reader, filter));
  }

  async countFlows(filter: FlowFilter = {}): Promise<number> {
    return this.read(() => countFlows(this.parts.reader, filter));
  }

  async pruneFlows(before: EpochMicros): Promise<number> {
    return this.writeBatch('the pruning of old flows', null, async () => {
      const result = await this.parts.writer.run(
        'DELETE FROM flows WHERE last_seen_at < $before',
        { before: timestampTz(before) },
        { before: TIMESTAMPTZ },
      );
      await pruneFlowRollups(this.parts.writer, before);
      return result.rowsChanged;
    });
  }

  async listDevices(filter: DeviceFilter = {}): Promise<Device[]> {
    return this.read(() => readDevices(this.parts.reader, filter));
  }

  async listDns(filter: DnsFilter = {}): Promise<StoredDnsRecord[]> {
    return this.read(() => readDns(this.parts.reader, filter));
  }

  async applyFeedSnapshot(
    feed: string,
    drafts: readonly IndicatorDraft[] | DraftBatches,
    run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
  ): Promise<FeedSnapshotResult> {
    const source = new SnapshotDrafts(drafts);
    try {
      return await this.writeBatch(`a snapshot of ${source.description} of feed "${feed}"`, null, () =>
        applyIndicatorSnapshot(this.parts.writer, feed, source, run),
      );
    } catch (error) {
      // What the batches threw (a parser's FEED_PARSE_FAILED) is the caller's error, not the store's.
      if (source.failure !== null) throw source.failure.error;
      throw error;
    }
  }

  async recordFeedRun(run: FeedRun): Promise<void> {
    await this.writeBatch(`a run of feed "${run.feed}"`, null, () => insertFeedRun(this.parts.writer, run));
  }

  async listFeedRuns(feed?: string, limit?: number): Promise<FeedRun[]> {
    return this.read(() => readFeedRuns(this.parts.reader, feed, limit));
  }

  async listLatestFeedRuns(perFeed: number): Promise<Map<string, FeedRun[]>> {
    return this.read(() => readLatestFeedRuns(this.parts.reader, perFeed));
  }

  async getFeedState(feed: string): Promise<FeedState | null> {
    return this.read(() => readFeedState(this.parts.reader, feed));
  }

  async setFeedState(feed: string, state: FeedState): Promise<void> {
    await this.writeBatch(`the state of feed "${feed}"`, null, () =>
      saveFeedState(this.parts.writer, feed, state, this.parts.now()),
    );
  }

  async setAllowlist(entries: readonly AllowlistEntry[]): Promise<void> {
    await this.writeBatch(`an allow-list of ${entries.length} entries`, null, () =>
      replaceAllowlist(this.parts.writer, entries),
    );
  }

  async setIndicatorGracePeriod(hours: number): Promise<void> {
    await this.writeBatch('the indicator grace period', null, () =>
      saveGracePeriod(this.parts.writer, hours),
    );
  }

  async replaceSettings(prefix: string, values: Readonly<Record<string, string>>): Promise<void> {
    await this.writeBatch(`the settings under "${prefix}"`, null, () =>
      replaceSettings(this.parts.writer, prefix, values),
    );
  }

  async lookupIndicators(value: string, at?: EpochMicros): Promise<IndicatorMatch[]> {
    const when = at ?? this.parts.now();
    return this.read(() => lookupIndicators(this.parts.reader, value, when));
  }

  async listIndicators(filter: IndicatorFilter = {}): Promise<Indicator[]> {
    return this.read(() => readIndicators(this.parts.reader, filter));
  }

  async countIndicators(filter: IndicatorFilter = {}): Promise<number> {
    return this.read(() => countIndicators(this.parts.reader, filter));
  }

  async indicatorStats(): Promise<FeedIndicatorStats[]> {
    return this.read(() => readIndicatorStats(this.parts.reader));
  }

  async query(
    sql: string,
    params?: readonly QueryParam[] | Readonly<Record<string, QueryParam>>,
  ): Promise<QueryResult> {
    this.assertOpen();
    const running = runReadOnlyQuery(this.parts.instance, sql, params);
    this.queries.add(running);
    try {
      return await running;
    } finally {
      this.queries.delete(running);
    }
  }

  async currentIngestTime(): Promise<EpochMicros> {
    return this.write(() => Promise.resolve(this.parts.now()));
  }

  async runRuleQuery(
    sql: string,
    params: RuleQueryParams,
    limits: RuleQueryLimits,
  ): Promise<RuleQueryResult> {
    return this.track(() => runRuleQuery(this.parts.instance, sql, params, limits));
  }

  async describeRuleQuery(sql: string, probeAt: EpochMicros): Promise<RuleQueryShape> {
    return this.track(() => describeRuleQuery(this.parts.instance, sql, probeAt));
  }

  async listRuleStates(): Promise<RuleState[]> {
    return this.read(() => readRuleStates(this.parts.reader));
  }

  async recordRuleFailure(update: RuleStateUpdate): Promise<void> {
    await this.writeBatch(`the state of rule "${update.ruleId}"`, null, () =>
      saveRuleState(this.parts.writer, { ...update, flowWatermark: null, indicatorWatermark: null }),
    );
  }

  async commitRuleRun(alerts: readonly AlertWrite[], state: RuleStateUpdate): Promise<AlertWriteResult> {
    return this.writeBatch(`${alerts.length} alerts of rule "${state.ruleId}"`, null, async () => {
      const result = await writeAlerts(this.parts.writer, alerts, state.runAt);
      await saveRuleState(this.parts.writer, state);
      return result;
    });
  }

  async listAlerts(filter: AlertFilter = {}): Promise<Alert[]> {
    return this.read(() => readAlerts(this.parts.reader, filter));
  }

  async resolveDevices(refs: readonly DeviceRef[]): Promise<ResolvedDevice[]> {
    return this.read(() => resolveDevices(this.parts.reader, refs));
  }

  async writeAlerts(alerts: readonly AlertWrite[]): Promise<AlertWriteResult> {
    return this.writeBatch(`${alerts.length} alerts`, null, () =>
      writeAlerts(this.parts.writer, alerts, this.parts.now()),
    );
  }

  async getAlert(id: string): Promise<Alert | null> {
    return this.read(() => readAlertById(this.parts.reader, id));
  }

  async changeAlertStatus(change: AlertStatusChange): Promise<boolean> {
    return this.writeBatch(`the status of alert ${change.alertId}`, null, () =>
      changeStatus(this.parts.writer, change),
    );
  }

  async listAlertEvents(alertId: string): Promise<AlertStatusChange[]> {
    return this.read(() => readAlertEvents(this.parts.reader, alertId));
  }

  async listUnroutedAlerts(limit?: number): Promise<Alert[]> {
    return this.read(() => readUnroutedAlerts(this.parts.reader, limit));
  }

  async recordRouting(
    routings: readonly AlertRouting[],
    deliveries: readonly DeliveryDraft[],
  ): Promise<void> {
    await this.writeBatch(`the routing of ${routings.length} alerts`, null, () =>
      insertRouting(this.parts.writer, routings, deliveries),
    );
  }

  async listAlertRoutings(alertIds: readonly string[]): Promise<AlertRouting[]> {
    return this.read(() => readRoutings(this.parts.reader, alertIds));
  }

  async notifiedThrottleKeys(keys: readonly string[], since: EpochMicros): Promise<string[]> {
    return this.read(() => readNotifiedThrottleKeys(this.parts.reader, keys, since));
  }

  async listDeliveries(filter: DeliveryFilter = {}): Promise<Delivery[]> {
    return this.read(() => readDeliveries(this.parts.reader, filter));
  }

  async recordDeliveryAttempt(attempt: DeliveryAttempt): Promise<void> {
    await this.writeBatch(`delivery ${attempt.key}`, null, () => updateDelivery(this.parts.writer, attempt));
  }

  async info(): Promise<DbInfo> {
    return this.read(() => readDbInfo(this.parts.reader, this.parts.path, this.parts.key, statSize));
  }

  async dashboardOverview(range: OverviewRange): Promise<DashboardOverview> {
    return this.read(() => readOverview(this.parts.reader, range, this.topRemoteHints));
  }

  async pageFlows(filter: FlowPageFilter): Promise<FlowPage> {
    return this.read(() => readFlowPage(this.parts.reader, filter));
  }

  async pageAlerts(filter: AlertPageFilter): Promise<Alert[]> {
    return this.read(() => readAlertPage(this.parts.reader, filter));
  }

  async devicePeers(
    device: string,
    options: { since?: EpochMicros; limit?: number } = {},
  ): Promise<DevicePeer[]> {
    return this.read(() => readDevicePeers(this.parts.reader, device, options, this.topRemoteHints));
  }

  async readSettings(prefix: string): Promise<Record<string, string>> {
    return this.read(() => readSettings(this.parts.reader, prefix));
  }

  async checkpoint(): Promise<void> {
    // The dashboard's rollups of hours that ended since (flow-rollups.ts), a day of hours per transaction.
    for (;;) {
      const hours = await this.write(() => dirtyEndedHours(this.parts.writer, this.parts.now()));
      if (hours.length === 0) break;
      await this.writeBatch(`the rollups of ${hours.length} hours of flows`, null, () =>
        buildFlowRollups(this.parts.writer, hours),
      );
    }
    await this.write(() => this.parts.writer.run('CHECKPOINT'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.writes, this.reads, ...this.queries, ...this.pending]);
    const { instance, writer, reader, flowAppender, dnsAppender, key } = this.parts;
    try {
      flowAppender.closeSync();
      dnsAppender.closeSync();
      writer.closeSync();
      reader.closeSync();
      instance.closeSync();
    } finally {
      if (key !== null) openInThisProcess.delete(key);
    }
  }

  /**
   * One batch in one transaction: durable once COMMIT returns (DuckDB writes and syncs its WAL at
   * commit), and on any failure rolled back whole, with the appender's unflushed rows discarded.
   */
  private async writeBatch<T>(
    what: string,
    appender: DuckDBAppender | null,
    body: () => Promise<T>,
  ): Promise<T> {
    const { writer, path } = this.parts;
    return this.write(async () => {
      await writer.run('BEGIN TRANSACTION');
      try {
        const result = await body();
        await writer.run('COMMIT');
        return result;
      } catch (cause) {
        try {
          appender?.clear();
        } catch {
          // Nothing more to undo: the rollback below discards whatever reached the transaction.
        }
        await writer.run('ROLLBACK').catch(() => undefined);
        throw new YamoriError('STORE_WRITE_FAILED', { what, path, detail: errorMessage(cause) }, { cause });
      }
    });
  }

  /** Keeps a query on its own connection in `queries`, so close() waits for it. */
  private async track<T>(start: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const running = start();
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    try {
      return await running;
    } finally {
      this.pending.delete(settled);
    }
  }

  private write<T>(task: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const result = this.writes.then(task);
    this.writes = result.catch(() => undefined);
    return result;
  }

  private read<T>(task: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const result = this.reads.then(task);
    this.reads = result.catch(() => undefined);
    return result;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new YamoriError('INTERNAL', {
        detail: `the store for ${this.parts.path} was used after close().`,
      });
  }
}

function statSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
