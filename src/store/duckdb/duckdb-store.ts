import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { StoreConfig } from '../../config/index.js';
import { isYamoriError, YamoriError } from '../../errors/index.js';
import type {
  Device,
  DeviceObservation,
  DnsRecord,
  EpochMicros,
  FlowRecord,
  Indicator,
  IndicatorDraft,
  StoredFlow,
} from '../../records/index.js';
import { loadOuiVendorLookup } from '../oui-vendor.js';
import type {
  AllowlistEntry,
  DbInfo,
  DeviceFilter,
  DnsFilter,
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
  Store,
  StoredDnsRecord,
} from '../store.js';
import { appendDns } from './append-dns.js';
import { appendFlows } from './append-flows.js';
import { readDbInfo } from './db-info.js';
import { readDevices } from './device-reader.js';
import { readDns } from './dns-reader.js';
import { errorMessage } from './duckdb-values.js';
import { insertFeedRun, readFeedRuns, readFeedState, saveFeedState } from './feed-runs.js';
import { countFlows, readFlows } from './flow-reader.js';
import { replaceAllowlist, saveGracePeriod } from './indicator-allowlist.js';
import { countIndicators, lookupIndicators, readIndicators, readIndicatorStats } from './indicator-reader.js';
import { applyIndicatorSnapshot } from './indicator-snapshot.js';
import { mergeDevices } from './merge-devices.js';
import { runMigrations } from './migrations.js';
import { runReadOnlyQuery } from './read-only-query.js';

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
    instance = await DuckDBInstance.create(path, { enable_external_access: 'false' });
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
    return new DuckDbStore({ path, key, now, instance, writer, reader, flowAppender, dnsAppender });
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
}

/**
 * Two connections: writes go through one, one at a time (each is a transaction, and an explicit
 * transaction cannot interleave with another on the same connection); reads go through the other,
 * so they never see a batch half written. `query()` gets a connection of its own per call.
 */
class DuckDbStore implements Store {
  private writes: Promise<unknown> = Promise.resolve();
  private reads: Promise<unknown> = Promise.resolve();
  private readonly queries = new Set<Promise<QueryResult>>();
  private closed = false;

  constructor(private readonly parts: Parts) {}

  async migrate(): Promise<MigrationResult> {
    return this.write(() => runMigrations(this.parts.writer, { path: this.parts.path, now: this.parts.now }));
  }

  async writeFlows(flows: readonly FlowRecord[]): Promise<void> {
    if (flows.length === 0) return;
    const { flowAppender } = this.parts;
    await this.writeBatch(`${flows.length} flows`, flowAppender, () => {
      appendFlows(flowAppender, flows, this.parts.now());
      flowAppender.flushSync();
      return Promise.resolve();
    });
  }

  async writeDns(records: readonly DnsRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { dnsAppender } = this.parts;
    await this.writeBatch(`${records.length} DNS answers`, dnsAppender, () => {
      appendDns(dnsAppender, records, this.parts.now());
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

  async listFlows(filter: FlowFilter = {}): Promise<StoredFlow[]> {
    return this.read(() => readFlows(this.parts.reader, filter));
  }

  async countFlows(filter: FlowFilter = {}): Promise<number> {
    return this.read(() => countFlows(this.parts.reader, filter));
  }

  async listDevices(filter: DeviceFilter = {}): Promise<Device[]> {
    return this.read(() => readDevices(this.parts.reader, filter));
  }

  async listDns(filter: DnsFilter = {}): Promise<StoredDnsRecord[]> {
    return this.read(() => readDns(this.parts.reader, filter));
  }

  async applyFeedSnapshot(
    feed: string,
    drafts: readonly IndicatorDraft[],
    run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
  ): Promise<FeedSnapshotResult> {
    return this.writeBatch(`a snapshot of ${drafts.length} indicators of feed "${feed}"`, null, () =>
      applyIndicatorSnapshot(this.parts.writer, feed, drafts, run),
    );
  }

  async recordFeedRun(run: FeedRun): Promise<void> {
    await this.writeBatch(`a run of feed "${run.feed}"`, null, () => insertFeedRun(this.parts.writer, run));
  }

  async listFeedRuns(feed?: string, limit?: number): Promise<FeedRun[]> {
    return this.read(() => readFeedRuns(this.parts.reader, feed, limit));
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

  async info(): Promise<DbInfo> {
    return this.read(() => readDbInfo(this.parts.reader, this.parts.path, this.parts.key, statSize));
  }

  async checkpoint(): Promise<void> {
    await this.write(() => this.parts.writer.run('CHECKPOINT'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.writes, this.reads, ...this.queries]);
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
