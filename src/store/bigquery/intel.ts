/**
 * The threat-intelligence part of the BigQuery store: feed snapshots and runs, feed state, the
 * allow-list, settings, and indicator reads, with the semantics of the DuckDB store (store.ts says
 * what each method promises). Writes go one at a time; each is one statement or one transaction.
 */
import { YamoriError } from '../../errors/index.js';
import type { EpochMicros, Indicator, IndicatorDraft } from '../../records/index.js';
import { SnapshotDrafts } from '../duckdb/snapshot-drafts.js';
import type {
  AllowlistEntry,
  DraftBatches,
  FeedIndicatorStats,
  FeedRun,
  FeedSnapshotResult,
  FeedState,
  IndicatorFilter,
  IndicatorMatch,
  Store,
} from '../store.js';
import { bq } from './bigquery-values.js';
import type { BigQueryContext } from './context.js';
import {
  feedStateParams,
  feedStateStatements,
  insertFeedRun,
  readFeedRuns,
  readFeedState,
  readLatestFeedRuns,
} from './feed-runs.js';
import { readSettings, replaceAllowlist, replaceSettings, saveGracePeriod } from './indicator-allowlist.js';
import { countIndicators, lookupIndicators, readIndicatorStats, readIndicators } from './indicator-reader.js';
import { applyIndicatorSnapshot } from './indicator-snapshot.js';
import { createIntelDb, type IntelDb } from './intel-db.js';

export type BigQueryIntel = Pick<
  Store,
  | 'applyFeedSnapshot'
  | 'recordFeedRun'
  | 'listFeedRuns'
  | 'listLatestFeedRuns'
  | 'getFeedState'
  | 'setFeedState'
  | 'setAllowlist'
  | 'setIndicatorGracePeriod'
  | 'replaceSettings'
  | 'readSettings'
  | 'lookupIndicators'
  | 'listIndicators'
  | 'countIndicators'
  | 'indicatorStats'
>;

export function createBigQueryIntel(ctx: BigQueryContext): BigQueryIntel {
  const db: IntelDb = createIntelDb(ctx.connection);
  let writes: Promise<unknown> = Promise.resolve();
  /** One write at a time; a failure is STORE_WRITE_FAILED naming `what`, with nothing stored. */
  const write = <T>(what: string, body: () => Promise<T>): Promise<T> => {
    const result = writes.then(async () => {
      try {
        return await body();
      } catch (cause) {
        throw new YamoriError(
          'STORE_WRITE_FAILED',
          { what, path: `BigQuery dataset ${ctx.connection.description}`, detail: detailOf(cause) },
          { cause },
        );
      }
    });
    writes = result.catch(() => undefined);
    return result;
  };

  return {
    async applyFeedSnapshot(
      feed: string,
      drafts: readonly IndicatorDraft[] | DraftBatches,
      run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
    ): Promise<FeedSnapshotResult> {
      const source = new SnapshotDrafts(drafts);
      try {
        return await write(`a snapshot of ${source.description} of feed "${feed}"`, () =>
          applyIndicatorSnapshot(db, feed, source, run),
        );
      } catch (error) {
        // What the batches threw (a parser's FEED_PARSE_FAILED) is the caller's error, not the store's.
        if (source.failure !== null) throw source.failure.error;
        throw error;
      }
    },
    recordFeedRun: (run: FeedRun) => write(`a run of feed "${run.feed}"`, () => insertFeedRun(db, run)),
    listFeedRuns: (feed?: string, limit?: number) => readFeedRuns(db, feed, limit),
    listLatestFeedRuns: (perFeed: number) => readLatestFeedRuns(db, perFeed),
    getFeedState: (feed: string) => readFeedState(db, feed),
    setFeedState: (feed: string, state: FeedState) =>
      write(`the state of feed "${feed}"`, () =>
        db.transaction(feedStateStatements(db), {
          feed,
          at: bq.timestamp(ctx.now()),
          ...feedStateParams(state),
        }),
      ),
    setAllowlist: (entries: readonly AllowlistEntry[]) =>
      write(`an allow-list of ${entries.length} entries`, () => replaceAllowlist(db, entries)),
    setIndicatorGracePeriod: (hours: number) =>
      write('the indicator grace period', () => saveGracePeriod(db, hours)),
    replaceSettings: (prefix: string, values: Readonly<Record<string, string>>) =>
      write(`the settings under "${prefix}"`, () => replaceSettings(db, prefix, values)),
    readSettings: (prefix: string) => readSettings(db, prefix),
    lookupIndicators: (value: string, at?: EpochMicros): Promise<IndicatorMatch[]> =>
      lookupIndicators(db, value, at ?? ctx.now()),
    listIndicators: (filter: IndicatorFilter = {}): Promise<Indicator[]> => readIndicators(db, filter),
    countIndicators: (filter: IndicatorFilter = {}): Promise<number> => countIndicators(db, filter),
    indicatorStats: (): Promise<FeedIndicatorStats[]> => readIndicatorStats(db),
  };
}

function detailOf(cause: unknown): string {
  if (cause instanceof YamoriError) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}
