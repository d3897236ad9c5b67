import type { FeedRun, FeedState } from '../store.js';
import { bq, type BqValue } from './bigquery-values.js';
import type { IntelDb } from './intel-db.js';

const DEFAULT_LIMIT = 100;

/** Appends one run; a null indicator count becomes the feed's listed indicators now. */
export async function insertFeedRun(db: IntelDb, run: FeedRun): Promise<void> {
  await db.query(
    `INSERT INTO ${db.table('feed_runs')} (feed, started_at, finished_at, status, http_status, bytes, content_hash,
       etag, last_modified, added, updated, removed, indicator_count, error_code, error_message)
     SELECT CAST(@feed AS STRING), CAST(@started AS TIMESTAMP), CAST(@finished AS TIMESTAMP),
       CAST(@status AS STRING), CAST(@http AS INT64), CAST(@bytes AS INT64), CAST(@hash AS STRING),
       CAST(@etag AS STRING), CAST(@modified AS STRING), CAST(@added AS INT64), CAST(@updated AS INT64),
       CAST(@removed AS INT64),
       COALESCE(CAST(@count AS INT64),
         (SELECT COUNT(*) FROM ${db.table('indicators')} WHERE source = @feed AND removed_at IS NULL)),
       CAST(@code AS STRING), CAST(@message AS STRING)`,
    {
      feed: run.feed,
      started: bq.timestamp(run.startedAt),
      finished: bq.timestamp(run.finishedAt),
      status: run.status,
      http: bq.int64(run.httpStatus),
      bytes: bq.int64(run.bytes),
      hash: bq.string(run.contentHash),
      etag: bq.string(run.etag),
      modified: bq.string(run.lastModified),
      added: bq.int64(run.added),
      updated: bq.int64(run.updated),
      removed: bq.int64(run.removed),
      count: bq.int64(run.indicatorCount),
      code: bq.string(run.errorCode),
      message: bq.string(run.errorMessage),
    },
  );
}

const FEED_RUN_COLUMNS = `feed, started_at, finished_at, status, http_status, bytes, content_hash, etag,
  last_modified, added, updated, removed, indicator_count, error_code, error_message`;

/** The order of runs, newest first; readFeedRuns and readLatestFeedRuns break ties alike. */
const NEWEST_FIRST = 'started_at DESC, finished_at DESC';

export async function readFeedRuns(
  db: IntelDb,
  feed: string | undefined,
  limit: number | undefined,
): Promise<FeedRun[]> {
  const rows = await db.query(
    `SELECT ${FEED_RUN_COLUMNS}
     FROM ${db.table('feed_runs')} ${feed === undefined ? '' : 'WHERE feed = @feed'}
     ORDER BY ${NEWEST_FIRST}, feed
     LIMIT @limit`,
    { ...(feed === undefined ? {} : { feed }), limit: bq.int64(limitOf(limit, DEFAULT_LIMIT)) },
  );
  return rows.map(feedRunOf);
}

/**
 * The latest `perFeed` runs of every feed, in one query: feeds by name, each feed's runs newest first.
 * row_number() in a subquery, as BigQuery takes QUALIFY only beside a WHERE, GROUP BY or HAVING.
 */
export async function readLatestFeedRuns(db: IntelDb, perFeed: number): Promise<Map<string, FeedRun[]>> {
  const rows = await db.query(
    `SELECT ${FEED_RUN_COLUMNS}
     FROM (
       SELECT ${FEED_RUN_COLUMNS},
         ROW_NUMBER() OVER (PARTITION BY feed ORDER BY ${NEWEST_FIRST}) AS position
       FROM ${db.table('feed_runs')}
     )
     WHERE position <= @per_feed
     ORDER BY feed, ${NEWEST_FIRST}`,
    { per_feed: bq.int64(limitOf(perFeed, 0)) },
  );
  const byFeed = new Map<string, FeedRun[]>();
  for (const run of rows.map(feedRunOf)) {
    const list = byFeed.get(run.feed);
    if (list === undefined) byFeed.set(run.feed, [run]);
    else list.push(run);
  }
  return byFeed;
}

function feedRunOf(row: Record<string, BqValue>): FeedRun {
  return {
    feed: text(row.feed),
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
    status: text(row.status) as FeedRun['status'],
    httpStatus: numberOrNull(row.http_status),
    bytes: numberOrNull(row.bytes),
    contentHash: textOrNull(row.content_hash),
    etag: textOrNull(row.etag),
    lastModified: textOrNull(row.last_modified),
    added: Number(row.added),
    updated: Number(row.updated),
    removed: Number(row.removed),
    indicatorCount: numberOrNull(row.indicator_count),
    errorCode: textOrNull(row.error_code),
    errorMessage: textOrNull(row.error_message),
  };
}

export async function readFeedState(db: IntelDb, feed: string): Promise<FeedState | null> {
  const [row] = await db.query(
    `SELECT etag, last_modified, content_hash, cursor FROM ${db.table('feed_state')} WHERE feed = @feed`,
    { feed },
  );
  if (row === undefined) return null;
  const cursor = textOrNull(row.cursor);
  return {
    etag: textOrNull(row.etag),
    lastModified: textOrNull(row.last_modified),
    contentHash: textOrNull(row.content_hash),
    cursor: cursor === null ? null : (JSON.parse(cursor) as unknown),
  };
}

/**
 * The statements that replace a feed's state, for a transaction (a table without MERGE in the
 * emulator: delete, then insert). Parameters: @feed, @at (updated_at), @state_etag, @state_modified,
 * @state_hash, @state_cursor (JSON text).
 */
export function feedStateStatements(db: IntelDb): string[] {
  const table = db.table('feed_state');
  return [
    `DELETE FROM ${table} WHERE feed = @feed`,
    `INSERT INTO ${table} (feed, etag, last_modified, content_hash, cursor, updated_at)
     VALUES (CAST(@feed AS STRING), CAST(@state_etag AS STRING), CAST(@state_modified AS STRING),
       CAST(@state_hash AS STRING), CAST(@state_cursor AS STRING), CAST(@at AS TIMESTAMP))`,
  ];
}

/** The parameters feedStateStatements() reads besides @feed and @at. A null cursor is stored as NULL. */
export function feedStateParams(state: FeedState): Record<string, ReturnType<typeof bq.string>> {
  const cursor = state.cursor === undefined || state.cursor === null ? null : JSON.stringify(state.cursor);
  return {
    state_etag: bq.string(state.etag),
    state_modified: bq.string(state.lastModified),
    state_hash: bq.string(state.contentHash),
    state_cursor: bq.string(cursor),
  };
}

/** A caller's limit as a safe integer. */
export function limitOf(limit: number | undefined, fallback: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(0, Math.floor(limit));
}

export function textOrNull(value: BqValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}

/** A column that is never null, as text. */
export function text(value: BqValue | undefined): string {
  return textOrNull(value) ?? '';
}

export function numberOrNull(value: BqValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
