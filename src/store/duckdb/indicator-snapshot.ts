import { createHash, type Hash } from 'node:crypto';
import {
  INTEGER,
  TIMESTAMPTZ,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { EpochMicros, IndicatorDraft } from '../../records/index.js';
import type { FeedSnapshotResult, FeedState } from '../store.js';
import { timestampTz, toNumber } from './duckdb-values.js';
import { saveFeedState } from './feed-runs.js';
import { indicatorRange, type IndicatorRange } from './indicator-range.js';

/*
 * How a snapshot is staged, and why. Crossing from JavaScript into DuckDB costs per value, and a
 * million drafts carry twenty million values, so the drafts travel as text: one line per draft,
 * lines separated by U+001D, CHUNK_ROWS lines in one appended value of a temporary table. A line is
 * the key (type, value, port) and revoked, separated by U+001E, then U+001C, then everything else as
 * one text, `fields`: threat, family, confidence, tags joined by U+001F, reference, four instants as
 * epoch microseconds, revoked, raw as JSON, and for an address or network its range as two numbers
 * and, for a network, its first and last address; null is the empty string. SQL splits the chunks
 * into rows in document order, so a row's rowid is its draft's position. The diff compares
 * hash(fields) with the stored `fields_hash`, so only added and changed rows are ever split into
 * columns. JSON escapes every control character, and the separators are replaced in the other texts,
 * so no value can shift the ones after it. The temporary tables live on the writer connection inside
 * the caller's transaction: a rollback takes them away with everything else.
 */
const LINE = '\u001d';
const PART = '\u001c';
const FIELD = '\u001e';
const TAG = '\u001f';
// The four separators, as a class: the characters themselves are what the expression must match.
// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\u001c-\u001f]/g;
// Small chunks keep the lines of a chunk young: V8 frees them in a scavenge instead of promoting them.
const CHUNK_ROWS = 128;
/** Part of every snapshot digest: bump it when the line format changes, so old digests never match. */
const LINE_FORMAT = 1;

const CREATE_CHUNKS = 'CREATE OR REPLACE TEMP TABLE indicator_chunks (doc VARCHAR NOT NULL)';

// Insertion order is kept (DuckDB's preserve_insertion_order, on by default), so rowid is the order.
const EXPLODE_CHUNKS = `CREATE OR REPLACE TEMP TABLE indicator_staging AS
  SELECT h[1] AS type, h[2] AS value, CAST(nullif(h[3], '') AS INTEGER) AS port, h[4] = '1' AS revoked,
    parts[2] AS fields
  FROM (
    SELECT parts, string_split(parts[1], chr(30)) AS h
    FROM (
      SELECT string_split(line, chr(28)) AS parts
      FROM (SELECT unnest(string_split(doc, chr(29))) AS line FROM indicator_chunks)
    )
  )`;

const instant = (field: number): string => `make_timestamptz(CAST(nullif(f[${field}], '') AS BIGINT))`;

/**
 * The drafts of diff rows matching `where`, joined to their staged row and split into the columns of
 * `indicators`. The join comes first, so only the rows kept pay for the split and the casts.
 */
function changedRows(where: string): string {
  return `SELECT id, change, type, value, port,
      CAST(nullif(f[12], '') AS UHUGEINT) AS range_start,
      CAST(nullif(f[13], '') AS UHUGEINT) AS range_end,
      CASE WHEN f[12] <> '' THEN coalesce(nullif(f[14], ''), value) END AS range_start_addr,
      CASE WHEN f[12] <> '' THEN coalesce(nullif(f[15], ''), value) END AS range_end_addr,
      nullif(f[1], '') AS threat,
      nullif(f[2], '') AS malware_family,
      CAST(nullif(f[3], '') AS INTEGER) AS confidence,
      CASE WHEN f[4] = '' THEN []::VARCHAR[] ELSE string_split(f[4], chr(31)) END AS tags,
      nullif(f[5], '') AS reference,
      ${instant(6)} AS source_first_seen_at,
      ${instant(7)} AS source_last_seen_at,
      ${instant(8)} AS valid_from,
      ${instant(9)} AS valid_until,
      revoked,
      CAST(nullif(f[11], '') AS JSON) AS raw,
      hash(fields) AS fields_hash
    FROM (
      SELECT d.id, d.change, s.type, s.value, s.port, s.revoked, s.fields, string_split(s.fields, chr(30)) AS f
      FROM indicator_diff d JOIN indicator_staging s ON s.rowid = d.ord
      WHERE ${where}
    )`;
}

const SOURCE_COLUMNS = [
  'threat',
  'malware_family',
  'confidence',
  'tags',
  'reference',
  'source_first_seen_at',
  'source_last_seen_at',
  'valid_from',
  'valid_until',
  'revoked',
  'raw',
  'fields_hash',
];

const INSERTED_COLUMNS = `type, value, port, range_start, range_end, range_start_addr, range_end_addr,
  ${SOURCE_COLUMNS.join(', ')}`;

/**
 * Brings one feed's stored indicators in line with `drafts` (Store.applyFeedSnapshot). Runs inside the
 * caller's transaction; throws on any failure and leaves undoing to the caller's rollback.
 *
 * Each draft gets a change: `added` (key not stored), `reactivated` (stored, retired, and the draft is
 * not revoked), `removed` (listed, and the draft is revoked), `updated` (a source field differs) or
 * `unchanged`. New rows are inserted last, so a value the table refuses (a confidence past 100)
 * fails after every other step has run, and the rollback is exercised over all of them.
 */
export async function applyIndicatorSnapshot(
  connection: DuckDBConnection,
  feed: string,
  drafts: readonly IndicatorDraft[],
  run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
): Promise<FeedSnapshotResult> {
  await connection.run(CREATE_CHUNKS);
  const digest = createHash('sha256').update(`${LINE_FORMAT} ${run.complete}\n`);
  const appender = await connection.createAppender('indicator_chunks', 'main', 'temp');
  try {
    appendChunks(appender, drafts, digest);
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const snapshot = digest.digest('base64');
  const previous = await readPreviousSnapshot(connection, feed);
  if (previous !== null && previous.digest === snapshot && previous.isLatest) {
    // The same drafts as the feed's last snapshot: every key is unchanged, and none is missing that
    // was not already retired. The last snapshot's keys are exactly the rows it stamped, as no other
    // snapshot of the feed had its start time.
    await connection.run('DROP TABLE indicator_chunks');
    await connection.run(
      'UPDATE indicators SET last_listed_at = $at WHERE source = $feed AND last_listed_at = $previous',
      { at: timestampTz(run.startedAt), feed, previous: timestampTz(previous.startedAt) },
      { feed: VARCHAR },
    );
    await saveSnapshot(connection, feed, snapshot, previous.keys, run.startedAt, previous);
    if (run.state !== undefined) await saveFeedState(connection, feed, run.state, run.startedAt);
    return { added: 0, updated: 0, removed: 0, reactivated: 0, unchanged: previous.keys };
  }
  await connection.run(EXPLODE_CHUNKS);
  await connection.run('DROP TABLE indicator_chunks');
  const exec = (sql: string): Promise<unknown> => connection.run(sql, ...bind(sql, feed, run.startedAt));
  await keepLastOfEachKey(connection);
  await exec(`CREATE OR REPLACE TEMP TABLE indicator_diff AS
    SELECT s.rowid AS ord, coalesce(i.id, gen_random_uuid()) AS id,
      CASE
        WHEN i.id IS NULL THEN 'added'
        WHEN i.removed_at IS NULL AND s.revoked THEN 'removed'
        WHEN i.removed_at IS NOT NULL AND NOT s.revoked THEN 'reactivated'
        WHEN i.fields_hash <> hash(s.fields) THEN 'updated'
        ELSE 'unchanged'
      END AS change,
      s.revoked
    FROM indicator_staging s
    LEFT JOIN (SELECT id, type, value, port, removed_at, fields_hash FROM indicators WHERE source = $feed) i
      ON i.type = s.type AND i.value = s.value AND i.port IS NOT DISTINCT FROM s.port`);
  await exec(`CREATE OR REPLACE TEMP TABLE indicator_gone AS
    SELECT id FROM indicator_diff WHERE change = 'removed'
    ${
      run.complete
        ? `UNION ALL
           SELECT i.id FROM (SELECT id FROM indicators WHERE source = $feed AND removed_at IS NULL) i
           ANTI JOIN indicator_diff d ON d.id = i.id`
        : ''
    }`);
  const counts = await readCounts(connection);
  // Each statement below is skipped when it has no rows to touch: an empty join still costs a scan.
  if (counts.removed > 0) {
    await exec(`UPDATE indicator_listings SET listed_until = $at
      FROM indicator_gone g WHERE indicator_listings.indicator_id = g.id AND listed_until IS NULL`);
    await exec(`UPDATE indicators SET removed_at = $at
      FROM indicator_gone g WHERE indicators.id = g.id AND removed_at IS NULL`);
  }
  if (counts.added + counts.reactivated > 0) {
    await exec(`INSERT INTO indicator_listings (indicator_id, listed_from)
      SELECT id, $at FROM indicator_diff
      WHERE change = 'reactivated' OR (change = 'added' AND NOT revoked)`);
  }
  if (counts.unchanged > 0) {
    await exec(`UPDATE indicators SET last_listed_at = $at
      FROM indicator_diff d WHERE indicators.id = d.id AND d.change = 'unchanged'`);
  }
  if (counts.updated + counts.reactivated + counts.revoked > 0) {
    await exec(`UPDATE indicators SET
        ${SOURCE_COLUMNS.map((c) => `${c} = t.${c}`).join(', ')},
        last_listed_at = $at,
        removed_at = CASE WHEN t.change = 'reactivated' THEN NULL ELSE indicators.removed_at END
      FROM (${changedRows("d.change IN ('updated', 'reactivated', 'removed')")}) t
      WHERE indicators.id = t.id`);
  }
  if (counts.added > 0) {
    await exec(`INSERT INTO indicators
        (id, source, ${INSERTED_COLUMNS}, first_listed_at, last_listed_at, removed_at)
      SELECT id, $feed, ${INSERTED_COLUMNS}, $at, $at, CASE WHEN revoked THEN $at END
      FROM (${changedRows("d.change = 'added'")})`);
  }
  for (const table of ['indicator_staging', 'indicator_diff', 'indicator_gone'])
    await connection.run(`DROP TABLE ${table}`);
  await saveSnapshot(connection, feed, snapshot, counts.keys, run.startedAt, previous);
  if (run.state !== undefined) await saveFeedState(connection, feed, run.state, run.startedAt);
  const { revoked: _revoked, keys: _keys, ...result } = counts;
  return result;
}

interface PreviousSnapshot {
  digest: string;
  keys: number;
  startedAt: EpochMicros;
  maxStartedAt: EpochMicros;
  /** Its start was later than every earlier snapshot's, so only its keys carry that last-listed time. */
  isLatest: boolean;
}

async function readPreviousSnapshot(
  connection: DuckDBConnection,
  feed: string,
): Promise<PreviousSnapshot | null> {
  const reader = await connection.runAndReadAll(
    `SELECT digest, keys, epoch_us(started_at) AS started_at, epoch_us(max_started_at) AS max_started_at, is_latest
     FROM feed_snapshots WHERE feed = $feed`,
    { feed },
    { feed: VARCHAR },
  );
  const row = reader.getRowObjects()[0];
  if (row === undefined) return null;
  return {
    digest: String(row.digest),
    keys: toNumber(row.keys),
    startedAt: toNumber(row.started_at),
    maxStartedAt: toNumber(row.max_started_at),
    isLatest: row.is_latest === true,
  };
}

async function saveSnapshot(
  connection: DuckDBConnection,
  feed: string,
  digest: string,
  keys: number,
  startedAt: EpochMicros,
  previous: PreviousSnapshot | null,
): Promise<void> {
  const isLatest = previous === null || startedAt > previous.maxStartedAt;
  const maxStartedAt = previous === null ? startedAt : Math.max(startedAt, previous.maxStartedAt);
  await connection.run(
    'INSERT OR REPLACE INTO feed_snapshots VALUES ($feed, $digest, $keys, $started, $max, $latest)',
    {
      feed,
      digest,
      keys,
      started: timestampTz(startedAt),
      max: timestampTz(maxStartedAt),
      latest: isLatest,
    },
    { feed: VARCHAR, digest: VARCHAR, keys: INTEGER },
  );
}

async function readCounts(
  connection: DuckDBConnection,
): Promise<FeedSnapshotResult & { revoked: number; keys: number }> {
  const reader = await connection.runAndReadAll(`SELECT
      count(*) FILTER (WHERE change = 'added'),
      count(*) FILTER (WHERE change = 'updated'),
      (SELECT count(*) FROM indicator_gone),
      count(*) FILTER (WHERE change = 'reactivated'),
      count(*) FILTER (WHERE change = 'unchanged'),
      count(*) FILTER (WHERE change = 'removed'),
      count(*)
    FROM indicator_diff`);
  const [added = 0, updated = 0, removed = 0, reactivated = 0, unchanged = 0, revoked = 0, keys = 0] = (
    reader.getRows()[0] ?? []
  ).map(toNumber);
  return { added, updated, removed, reactivated, unchanged, revoked, keys };
}

/**
 * Drops all but the last staged draft of each key (type, value, port), as the document's later line
 * is its later word. Feeds rarely repeat a key, so a cheap check decides whether the delete is needed
 * (a delete leaves every later scan of the staging table checking row versions).
 */
async function keepLastOfEachKey(connection: DuckDBConnection): Promise<void> {
  const check = await connection.runAndReadAll(
    'SELECT count(*) FROM (SELECT 1 FROM indicator_staging GROUP BY type, value, port HAVING count(*) > 1)',
  );
  if (toNumber(check.getRows()[0]?.[0] ?? 0) === 0) return;
  await connection.run(`DELETE FROM indicator_staging WHERE rowid NOT IN
    (SELECT max(rowid) FROM indicator_staging GROUP BY type, value, port)`);
}

/** The values of the `$feed` and `$at` placeholders `sql` uses (DuckDB refuses unused ones). */
function bind(
  sql: string,
  feed: string,
  at: EpochMicros,
): [Record<string, DuckDBValue>, Record<string, DuckDBType>] {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  if (sql.includes('$feed')) {
    values.feed = feed;
    types.feed = VARCHAR;
  }
  if (sql.includes('$at')) {
    values.at = timestampTz(at);
    types.at = TIMESTAMPTZ;
  }
  return [values, types];
}

/**
 * Appends the drafts as chunks of text lines (see the top of this file). Throws on a port that is not
 * an integer, or a raw record JSON cannot express (a BigInt).
 */
function appendChunks(appender: DuckDBAppender, drafts: readonly IndicatorDraft[], digest: Hash): void {
  const lines: string[] = [];
  for (let start = 0; start < drafts.length; start += CHUNK_ROWS) {
    const end = Math.min(start + CHUNK_ROWS, drafts.length);
    lines.length = 0;
    for (let i = start; i < end; i++) lines.push(draftLine(drafts[i]!, i));
    const doc = lines.join(LINE);
    digest.update(doc).update(LINE);
    appender.appendVarchar(doc);
    appender.endRow();
  }
}

function draftLine(d: IndicatorDraft, index: number): string {
  if (d.port !== null && !Number.isInteger(d.port)) {
    throw new Error(`indicator ${index + 1} ("${d.value}") has port ${d.port}, not an integer`);
  }
  const range = indicatorRange(d.type, d.value);
  let tags = '';
  for (let t = 0; t < d.tags.length; t++) tags += (t === 0 ? '' : TAG) + text(d.tags[t]!);
  const raw = d.raw === undefined ? '' : (JSON.stringify(d.raw) ?? '');
  const revoked = d.revoked ? '1' : '0';
  return (
    text(d.type) +
    FIELD +
    text(d.value) +
    FIELD +
    (d.port === null ? '' : String(d.port)) +
    FIELD +
    revoked +
    PART +
    text(d.threat) +
    FIELD +
    text(d.malwareFamily) +
    FIELD +
    (d.confidence === null ? '' : String(Math.round(d.confidence))) +
    FIELD +
    tags +
    FIELD +
    text(d.reference) +
    FIELD +
    micros(d.sourceFirstSeenAt) +
    FIELD +
    micros(d.sourceLastSeenAt) +
    FIELD +
    micros(d.validFrom) +
    FIELD +
    micros(d.validUntil) +
    FIELD +
    revoked +
    FIELD +
    raw +
    (range === null ? '' : rangeText(range, d.value))
  );
}

/** The range's numbers, and its first and last address unless the value is that one address. */
function rangeText(range: IndicatorRange, value: string): string {
  const numbers = FIELD + range.start.toString() + FIELD + range.end.toString();
  return range.startText === value ? numbers : numbers + FIELD + range.startText + FIELD + range.endText;
}

function text(value: string | null): string {
  if (value === null) return '';
  SEPARATORS.lastIndex = 0;
  return SEPARATORS.test(value) ? value.replace(SEPARATORS, '\ufffd') : value;
}

/** Epoch microseconds as decimal text. */
function micros(value: number | null): string {
  return value === null ? '' : String(Math.trunc(value));
}
