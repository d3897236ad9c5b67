import { INTEGER, VARCHAR, type DuckDBConnection, type DuckDBValue } from './duckdb-api.js';
import type { EpochMicros } from '../../records/index.js';
import type { FeedRun, FeedState } from '../store.js';
import { timestampTz, toNumber, toNumberOrNull, toStringOrNull, toText } from './duckdb-values.js';
import { limitOf } from './sql-conditions.js';

const DEFAULT_LIMIT = 100;

/** Appends one run; a null indicator count becomes the feed's listed indicators now. */
export async function insertFeedRun(connection: DuckDBConnection, run: FeedRun): Promise<void> {
  await connection.run(
    `INSERT INTO feed_runs VALUES ($feed, $started, $finished, $status, $http, $bytes, $hash, $etag,
       $modified, $added, $updated, $removed,
       coalesce($count, (SELECT count(*) FROM indicators WHERE source = $feed AND removed_at IS NULL)),
       $code, $message)`,
    {
      feed: run.feed,
      started: timestampTz(run.startedAt),
      finished: timestampTz(run.finishedAt),
      status: run.status,
      http: run.httpStatus,
      bytes: run.bytes === null ? null : BigInt(run.bytes),
      hash: run.contentHash,
      etag: run.etag,
      modified: run.lastModified,
      added: run.added,
      updated: run.updated,
      removed: run.removed,
      count: run.indicatorCount,
      code: run.errorCode,
      message: run.errorMessage,
    },
    {
      feed: VARCHAR,
      status: VARCHAR,
      http: INTEGER,
      hash: VARCHAR,
      etag: VARCHAR,
      modified: VARCHAR,
      added: INTEGER,
      updated: INTEGER,
      removed: INTEGER,
      count: INTEGER,
      code: VARCHAR,
      message: VARCHAR,
    },
  );
}

const FEED_RUN_COLUMNS = `feed, epoch_us(started_at) AS started_at, epoch_us(finished_at) AS finished_at, status,
  http_status, bytes, content_hash, etag, last_modified, added, updated, removed, indicator_count,
  error_code, error_message`;

/** The order of runs, newest first; readFeedRuns and readLatestFeedRuns break ties alike. */
const NEWEST_FIRST = 'started_at DESC, finished_at DESC';

export async function readFeedRuns(
  connection: DuckDBConnection,
  feed: string | undefined,
  limit: number | undefined,
): Promise<FeedRun[]> {
  const values: Record<string, DuckDBValue> = {};
  if (feed !== undefined) values.feed = feed;
  const reader = await connection.runAndReadAll(
    `SELECT ${FEED_RUN_COLUMNS}
     FROM feed_runs ${feed === undefined ? '' : 'WHERE feed = $feed'}
     ORDER BY ${NEWEST_FIRST}, feed
     LIMIT ${limitOf(limit, DEFAULT_LIMIT)}`,
    values,
  );
  return reader.getRowObjects().map(feedRunOf);
}

/** The latest `perFeed` runs of every feed, in one query: feeds by name, each feed's runs newest first. */
export async function readLatestFeedRuns(
  connection: DuckDBConnection,
  perFeed: number,
): Promise<Map<string, FeedRun[]>> {
  const reader = await connection.runAndReadAll(
    `SELECT ${FEED_RUN_COLUMNS}
     FROM feed_runs
     QUALIFY row_number() OVER (PARTITION BY feed ORDER BY ${NEWEST_FIRST}) <= ${limitOf(perFeed, 0)}
     ORDER BY feed, ${NEWEST_FIRST}`,
  );
  return groupByFeed(reader.getRowObjects().map(feedRunOf));
}

/** Runs in feed order, grouped by feed, keeping their order within each. */
function groupByFeed(runs: readonly FeedRun[]): Map<string, FeedRun[]> {
  const byFeed = new Map<string, FeedRun[]>();
  for (const run of runs) {
    const list = byFeed.get(run.feed);
    if (list === undefined) byFeed.set(run.feed, [run]);
    else list.push(run);
  }
  return byFeed;
}

function feedRunOf(row: Record<string, DuckDBValue>): FeedRun {
  return {
    feed: toText(row.feed),
    startedAt: toNumber(row.started_at),
    finishedAt: toNumber(row.finished_at),
    status: toText(row.status) as FeedRun['status'],
    httpStatus: toNumberOrNull(row.http_status),
    bytes: toNumberOrNull(row.bytes),
    contentHash: toStringOrNull(row.content_hash),
    etag: toStringOrNull(row.etag),
    lastModified: toStringOrNull(row.last_modified),
    added: toNumber(row.added),
    updated: toNumber(row.updated),
    removed: toNumber(row.removed),
    indicatorCount: toNumberOrNull(row.indicator_count),
    errorCode: toStringOrNull(row.error_code),
    errorMessage: toStringOrNull(row.error_message),
  };
}

export async function readFeedState(connection: DuckDBConnection, feed: string): Promise<FeedState | null> {
  const reader = await connection.runAndReadAll(
    'SELECT etag, last_modified, content_hash, CAST(cursor AS VARCHAR) AS cursor FROM feed_state WHERE feed = $feed',
    { feed },
  );
  const row = reader.getRowObjects()[0];
  if (row === undefined) return null;
  const cursor = toStringOrNull(row.cursor);
  return {
    etag: toStringOrNull(row.etag),
    lastModified: toStringOrNull(row.last_modified),
    contentHash: toStringOrNull(row.content_hash),
    cursor: cursor === null ? null : (JSON.parse(cursor) as unknown),
  };
}

/** Replaces the feed's state. A cursor of undefined or null is stored as SQL NULL. */
export async function saveFeedState(
  connection: DuckDBConnection,
  feed: string,
  state: FeedState,
  updatedAt: EpochMicros,
): Promise<void> {
  const cursor = state.cursor === undefined || state.cursor === null ? null : JSON.stringify(state.cursor);
  await connection.run(
    `INSERT OR REPLACE INTO feed_state (feed, etag, last_modified, content_hash, cursor, updated_at)
     VALUES ($feed, $etag, $modified, $hash, CAST($cursor AS JSON), $updated)`,
    {
      feed,
      etag: state.etag,
      modified: state.lastModified,
      hash: state.contentHash,
      cursor,
      updated: timestampTz(updatedAt),
    },
    { feed: VARCHAR, etag: VARCHAR, modified: VARCHAR, hash: VARCHAR, cursor: VARCHAR },
  );
}
