import {
  BIGINT,
  LIST,
  TIMESTAMPTZ,
  VARCHAR,
  listValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from './duckdb-api.js';
import type { EpochMicros } from '../../records/index.js';
import type { FeedSnapshotResult, FeedState } from '../store.js';
import { timestampTz, toNumber } from './duckdb-values.js';
import { saveFeedState } from './feed-runs.js';
import {
  addFeedMatches,
  refreshTouchedMatches,
  startTouched,
  TOUCHED_TABLE,
} from './indicator-match-periods.js';
import type { SnapshotDrafts } from './snapshot-drafts.js';
import { SnapshotEncoder, type RepeatSuspect } from './snapshot-encoder.js';

/*
 * How a snapshot is applied, and why. Drafts cross into DuckDB as text (snapshot-encoder.ts), a run
 * of lines per appended row of `indicator_docs`, SLICE_ROWS lines at a time; SQL splits the text into
 * rows, and only added and changed rows are split into all their columns. Crossing per value would
 * cost more: a million drafts carry twenty million values.
 *
 * A feed's first load inserts each slice straight into `indicators` (a slice is one DuckDB row group,
 * which the insert writes to the file as it goes) and opens the listings once at the end. Later
 * snapshots join each slice to the feed's stored rows by key, which gives every draft an id and a
 * change, kept in `indicator_seen` (ord, id, change, revoked: a few dozen bytes a draft; the key and
 * fields text too for a draft that is not unchanged, so no slice is split twice); added rows are
 * written slice by slice, changed ones by one UPDATE at the end (an UPDATE ... FROM scans the whole
 * table, so one UPDATE a slice meant one scan a slice), and the end also moves the last-listed time
 * of the unchanged rows, opens and closes listing periods, and retires what a complete snapshot no
 * longer lists.
 * Last, the indicators it added, changed or retired get their rows of `indicator_allowlist` and
 * `indicator_match_periods` computed again (indicator-match-periods.ts); after a first load, where
 * every indicator of the feed is new, both are one INSERT … SELECT each from `indicators`.
 *
 * Memory: JavaScript holds one batch of drafts and one slice of text at most. DuckDB keeps what a
 * transaction wrote to any table, temporary ones too, until it commits, so each slice's text stays
 * (about 300 bytes a draft) while the typed rows go to the file, and `indicator_seen` holds the text
 * a second time for the drafts that are not unchanged; no table holds the whole snapshot typed in
 * memory. For a database file, the memory limit of limitResources lets DuckDB spill that text to its
 * temporary directory and evict the written row groups instead of holding them to the commit.
 * Binding each slice as a statement parameter instead keeps no text, and a list of
 * a few hundred documents splits as fast, but an insert from a bound list no longer writes whole row
 * groups to the file as it runs: the typed rows stayed in memory until the commit (measured on half a
 * million Feodo rows: 260 MB held, and a ten-second commit), which costs more than the text.
 *
 * The next slice is encoded while DuckDB works on the last one, on one thread fewer than it has.
 * Everything runs on the writer connection inside the caller's transaction: a failure anywhere, or a
 * rollback, leaves the stored indicators as they were, and the temporary tables go at the end or with
 * the rollback.
 */
/** A DuckDB row group: an insert of whole row groups goes to the file as it runs, not at commit. */
const SLICE_ROWS = 122_880;
/** DuckDB's memory limit while a snapshot's slices go into a database file (see limitResources). */
export const SNAPSHOT_MEMORY_LIMIT = '256MB';
/** SNAPSHOT_MEMORY_LIMIT in bytes (DuckDB's MB is 10^6 bytes). */
const SNAPSHOT_MEMORY_BYTES = 256_000_000;
/** Lines in one appended row; between two, the event loop runs, so the last slice's statements move on. */
const DOC_ROWS = 256;

const SETUP = `CREATE OR REPLACE TEMP TABLE indicator_docs (first INTEGER NOT NULL, doc BLOB NOT NULL);
  CREATE OR REPLACE TEMP TABLE indicator_seen
    (ord INTEGER NOT NULL, id UUID NOT NULL, change VARCHAR NOT NULL, revoked BOOLEAN NOT NULL,
     type VARCHAR, value VARCHAR, port INTEGER, fields VARCHAR, fields_hash UBIGINT)`;

/** The slice's lines as rows: position, key columns, revoked, the fields text and its hash. */
export const SLICE_ROWS_SQL = `SELECT ord, h[1] AS type, h[2] AS value, CAST(nullif(h[3], '') AS INTEGER) AS port,
    h[4] = '1' AS revoked, parts[2] AS fields, hash(parts[2]) AS fields_hash
  FROM (
    SELECT ord, parts, string_split(parts[1], chr(30)) AS h
    FROM (
      SELECT ord, string_split(line, chr(28)) AS parts
      FROM (
        SELECT unnest(lines) AS line, first + generate_subscripts(lines, 1) - 1 AS ord
        FROM (SELECT first, string_split(decode(doc), chr(29)) AS lines FROM indicator_docs)
      )
    )
  )`;

const instant = (field: number): string => `make_timestamptz(CAST(nullif(f[${field}], '') AS BIGINT))`;

/**
 * Rows of `source` (with id, change, the key, revoked, fields, fields_hash) in `indicators`' columns.
 * range_start_addr and range_end_addr are a network's first and last address, and null for a single
 * address, whose value is both (migration 13): writing a million copies of the values cost about 1.4
 * CPU s of a Feodo first load.
 */
function splitFields(source: string): string {
  return `SELECT id, change, type, value, port,
      CAST(nullif(f[12], '') AS UHUGEINT) AS range_start,
      CAST(nullif(f[13], '') AS UHUGEINT) AS range_end,
      nullif(f[14], '') AS range_start_addr,
      nullif(f[15], '') AS range_end_addr,
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
      fields_hash
    FROM (SELECT *, string_split(fields, chr(30)) AS f FROM (${source}))`;
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

function insertRows(source: string): string {
  return `INSERT INTO indicators (id, source, ${INSERTED_COLUMNS}, first_listed_at, last_listed_at, removed_at)
    SELECT id, $feed, ${INSERTED_COLUMNS}, $at, $at, CASE WHEN revoked THEN $at END
    FROM (${splitFields(source)})`;
}

/** A first load: every draft is new. */
export const INSERT_FIRST_SLICE = insertRows(
  `SELECT gen_random_uuid() AS id, 'added' AS change, * FROM (${SLICE_ROWS_SQL})`,
);

/**
 * Every draft of the slice with its change: `added` (key not stored), `reactivated` (stored, retired,
 * and the draft is not revoked), `removed` (listed, and the draft is revoked), `updated` (a source
 * field differs) or `unchanged`. New keys get their id here.
 */
const SEE_SLICE = `INSERT INTO indicator_seen
  SELECT ord, id, change, revoked, ${['type', 'value', 'port', 'fields', 'fields_hash']
    .map((c) => `CASE WHEN change <> 'unchanged' THEN ${c} END`)
    .join(', ')}
  FROM (
    SELECT s.ord, s.type, s.value, s.port, s.revoked, s.fields, s.fields_hash,
      coalesce(i.id, gen_random_uuid()) AS id,
      CASE
        WHEN i.id IS NULL THEN 'added'
        WHEN i.removed_at IS NULL AND s.revoked THEN 'removed'
        WHEN i.removed_at IS NOT NULL AND NOT s.revoked THEN 'reactivated'
        WHEN i.fields_hash <> s.fields_hash THEN 'updated'
        ELSE 'unchanged'
      END AS change
    FROM (${SLICE_ROWS_SQL}) s
    LEFT JOIN (SELECT id, type, value, port, removed_at, fields_hash FROM indicators WHERE source = $feed) i
      ON i.type = s.type AND i.value = s.value AND i.port IS NOT DISTINCT FROM s.port
  )`;

const COUNT_SLICE = `SELECT count(*) FILTER (WHERE change = 'added'),
    count(*) FILTER (WHERE change IN ('updated', 'reactivated', 'removed'))
  FROM indicator_seen WHERE ord >= $base`;

/**
 * The seen drafts whose change is in `changes` (SEE_SLICE kept their key and fields), of the slice
 * from `$base` on when `where` says so.
 */
function seenWithChange(changes: string, where = 'true'): string {
  return `SELECT id, change, type, value, port, revoked, fields, fields_hash
    FROM indicator_seen WHERE ${where} AND change IN (${changes})`;
}

const INSERT_ADDED = insertRows(seenWithChange("'added'", 'ord >= $base'));

/**
 * Every changed row of the snapshot in one statement: an UPDATE ... FROM scans all of `indicators`
 * to find its rows, so one UPDATE a slice scanned the table once a slice for a handful of rows.
 */
const UPDATE_CHANGED = `UPDATE indicators SET
    ${SOURCE_COLUMNS.map((c) => `${c} = t.${c}`).join(', ')},
    last_listed_at = $at,
    removed_at = CASE t.change WHEN 'reactivated' THEN NULL WHEN 'removed' THEN $at ELSE indicators.removed_at END
  FROM (${splitFields(seenWithChange("'updated', 'reactivated', 'removed'"))}) t
  WHERE indicators.id = t.id`;

/** After a first load: a listing period for each indicator not revoked (the feed had no others). */
const OPEN_FIRST_LISTINGS = `INSERT INTO indicator_listings (indicator_id, listed_from)
  SELECT id, $at FROM indicators WHERE source = $feed AND NOT revoked`;

const FINISH_SEEN = [
  `INSERT INTO indicator_listings (indicator_id, listed_from)
    SELECT id, $at FROM indicator_seen WHERE change = 'reactivated' OR (change = 'added' AND NOT revoked)`,
  `UPDATE indicator_listings SET listed_until = $at
    FROM (SELECT id FROM indicator_seen WHERE change = 'removed') s
    WHERE indicator_listings.indicator_id = s.id AND listed_until IS NULL`,
  `UPDATE indicators SET last_listed_at = $at
    FROM (SELECT id FROM indicator_seen WHERE change = 'unchanged') s WHERE indicators.id = s.id`,
];

const COUNT_SEEN = `SELECT count(*) FILTER (WHERE change = 'added'), count(*) FILTER (WHERE change = 'updated'),
    count(*) FILTER (WHERE change = 'removed'), count(*) FILTER (WHERE change = 'reactivated'),
    count(*) FILTER (WHERE change = 'unchanged')
  FROM indicator_seen`;

/** What indicator_match_periods must see again: every draft but the unchanged ones. */
const TOUCH_SEEN = `INSERT INTO ${TOUCHED_TABLE} SELECT id FROM indicator_seen WHERE change <> 'unchanged'`;

const FIND_GONE = `CREATE OR REPLACE TEMP TABLE indicator_gone AS
  SELECT i.id FROM (SELECT id FROM indicators WHERE source = $feed AND removed_at IS NULL) i
  ANTI JOIN indicator_seen s ON s.id = i.id`;

const RETIRE_GONE = [
  `INSERT INTO ${TOUCHED_TABLE} SELECT id FROM indicator_gone`,
  `UPDATE indicator_listings SET listed_until = $at
    FROM indicator_gone g WHERE indicator_listings.indicator_id = g.id AND listed_until IS NULL`,
  'UPDATE indicators SET removed_at = $at FROM indicator_gone g WHERE indicators.id = g.id',
];

/** Keys among `$values` stored twice: given twice in one snapshot, both added. */
const FIND_TWICE_STORED = `SELECT type, value, port FROM indicators
  WHERE source = $feed AND list_contains($values, value)
  GROUP BY type, value, port HAVING count(*) > 1 LIMIT 1`;

/** Stored rows with a value among `$values` that two drafts of one snapshot matched. */
const FIND_TWICE_SEEN = `SELECT any_value(i.type), any_value(i.value), any_value(i.port)
  FROM indicator_seen s JOIN (SELECT * FROM indicators WHERE source = $feed AND list_contains($values, value)) i
    ON i.id = s.id
  GROUP BY i.id HAVING count(*) > 1 LIMIT 1`;

/**
 * Brings one feed's stored indicators in line with `drafts` (Store.applyFeedSnapshot). Runs inside the
 * caller's transaction; throws on any failure and leaves undoing to the caller's rollback.
 */
export async function applyIndicatorSnapshot(
  connection: DuckDBConnection,
  feed: string,
  drafts: SnapshotDrafts,
  run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
): Promise<FeedSnapshotResult> {
  const exec: Exec = async (sql, more = {}) =>
    (
      await connection.runAndReadAll(sql, ...params(sql, { feed, at: timestampTz(run.startedAt), ...more }))
    ).getRows();
  const isFirstLoad = !(await feedHasIndicators(connection, feed));
  await connection.run(SETUP);
  await startTouched(connection);
  const encoder = new SnapshotEncoder(drafts);
  const appender = await connection.createAppender('indicator_docs', 'main', 'temp');
  let applying: Promise<void> | null = null;
  let changedRows = 0;
  const settings = await limitResources(connection);
  try {
    for (;;) {
      const base = encoder.count;
      // The next slice is encoded while DuckDB applies the last. Appending only fills the
      // appender's own buffer (it flushes by itself only past 204,800 rows, and a slice is a few
      // hundred), so it leaves the busy connection alone; flushSync, after the wait, does not.
      const rows = await appendSlice(encoder, appender);
      if (applying !== null) await applying;
      if (rows === 0) break;
      appender.flushSync();
      applying = isFirstLoad
        ? applyFirstSlice(exec)
        : applySlice(exec, base).then((changed) => {
            changedRows += changed;
          });
      // Awaited before the next slice or in the catch below; until then a failure must not go unhandled.
      applying.catch(() => undefined);
    }
  } catch (error) {
    // The rollback must not start while a statement still runs on the connection.
    await applying?.catch(() => undefined);
    appender.clear();
    throw error;
  } finally {
    appender.closeSync();
    await restoreResources(connection, settings);
  }
  if (encoder.suspects.length > 0) await refuseRepeats(exec, encoder.suspects);
  let result: FeedSnapshotResult;
  if (isFirstLoad) {
    await exec(OPEN_FIRST_LISTINGS);
    await addFeedMatches(connection, feed, timestampTz(run.startedAt));
    result = { added: encoder.count, updated: 0, removed: 0, reactivated: 0, unchanged: 0 };
  } else {
    if (changedRows > 0) await exec(UPDATE_CHANGED);
    for (const sql of FINISH_SEEN) await exec(sql);
    await exec(TOUCH_SEEN);
    result = await readCounts(exec);
    if (run.complete) result.removed += await retireGone(exec);
  }
  await refreshTouchedMatches(connection);
  await connection.run('DROP TABLE indicator_docs; DROP TABLE indicator_seen');
  if (run.state !== undefined) await saveFeedState(connection, feed, run.state, run.startedAt);
  return result;
}

type Exec = (sql: string, more?: Record<string, DuckDBValue>) => Promise<unknown[][]>;

async function applyFirstSlice(exec: Exec): Promise<void> {
  await exec(INSERT_FIRST_SLICE);
  await exec('DELETE FROM indicator_docs');
}

/**
 * Sees every draft of the slice and writes the added ones; returns how many changed (UPDATE_CHANGED
 * writes those at the end).
 */
async function applySlice(exec: Exec, base: number): Promise<number> {
  await exec(SEE_SLICE);
  const [added = 0, changed = 0] = ((await exec(COUNT_SLICE, { base }))[0] ?? []).map(toNumber);
  if (added > 0) await exec(INSERT_ADDED, { base });
  await exec('DELETE FROM indicator_docs');
  return changed;
}

/**
 * Appends the next SLICE_ROWS drafts, DOC_ROWS lines a row, without flushing; returns how many (0
 * after the last). The event loop runs between rows, so the statements of the slice before move on.
 */
async function appendSlice(encoder: SnapshotEncoder, appender: DuckDBAppender): Promise<number> {
  const start = encoder.count;
  const end = start + SLICE_ROWS;
  while (encoder.count < end) {
    const first = encoder.count;
    const doc = encoder.encode(Math.min(DOC_ROWS, end - first));
    if (doc === null) break;
    appender.appendInteger(first);
    appender.appendBlob(doc);
    appender.endRow();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return encoder.count - start;
}

/** What limitResources changed, for restoreResources. */
interface LimitedSettings {
  threads: boolean;
  memory: boolean;
}

/**
 * While the slices are encoded and inserted: DuckDB's threads one fewer than it has (the encoder
 * runs beside them on a core of its own; on two cores, two DuckDB threads and the encoder spent about
 * a third more CPU than one thread and the encoder), and for a database file a memory limit of
 * SNAPSHOT_MEMORY_LIMIT, under which DuckDB evicts the row groups it has written to the file and
 * spills the staged text to its temporary directory instead of keeping them in memory until the
 * commit (a million Feodo rows: peak RSS 1,431 MB at the default limit, 865 MB at 256 MB). An
 * in-memory database keeps the default: its tables cannot be evicted. So does a database whose
 * memory in use is already over half the limit (other readers' queries, say): a limit DuckDB cannot
 * free enough memory for fails the statement and so aborts the caller's transaction. Both are
 * instance-wide settings; they go back to their defaults (`RESET`, as append-batch-stream.ts does: no
 * other part of the store sets them) before the listings and match periods, which DuckDB runs on all
 * its threads.
 */
async function limitResources(connection: DuckDBConnection): Promise<LimitedSettings> {
  const reader = await connection.runAndReadAll(
    `SELECT current_setting('threads'),
       (SELECT path FROM duckdb_databases() WHERE database_name = current_database()) IS NOT NULL
       AND (SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()) < ${SNAPSHOT_MEMORY_BYTES / 2}`,
  );
  const [threads, canLimitMemory] = reader.getRows()[0] ?? [1, false];
  const limited = { threads: toNumber(threads ?? 1) > 1, memory: canLimitMemory === true };
  if (limited.threads) await connection.run(`SET threads = ${toNumber(threads ?? 1) - 1}`);
  if (limited.memory) await connection.run(`SET memory_limit = '${SNAPSHOT_MEMORY_LIMIT}'`);
  return limited;
}

async function restoreResources(connection: DuckDBConnection, limited: LimitedSettings): Promise<void> {
  if (limited.threads) await connection.run('RESET threads');
  if (limited.memory) await connection.run('RESET memory_limit');
}

async function feedHasIndicators(connection: DuckDBConnection, feed: string): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    'SELECT count(*) FROM (SELECT 1 FROM indicators WHERE source = $feed LIMIT 1)',
    { feed },
    { feed: VARCHAR },
  );
  return toNumber(reader.getRows()[0]?.[0] ?? 0) > 0;
}

async function readCounts(exec: Exec): Promise<FeedSnapshotResult> {
  const [added = 0, updated = 0, removed = 0, reactivated = 0, unchanged = 0] = (
    (await exec(COUNT_SEEN))[0] ?? []
  ).map(toNumber);
  return { added, updated, removed, reactivated, unchanged };
}

/** Retires the feed's listed rows no draft matched (a complete snapshot); returns how many. */
async function retireGone(exec: Exec): Promise<number> {
  await exec(FIND_GONE);
  const gone = toNumber((await exec('SELECT count(*) FROM indicator_gone'))[0]?.[0] ?? 0);
  if (gone > 0) for (const sql of RETIRE_GONE) await exec(sql);
  await exec('DROP TABLE indicator_gone');
  return gone;
}

/** Throws, naming the key, when a key whose hash came twice really was given twice. */
async function refuseRepeats(exec: Exec, suspects: readonly RepeatSuspect[]): Promise<void> {
  const values = listValue([...new Set(suspects.map((suspect) => suspect.value))]);
  for (const sql of [FIND_TWICE_STORED, FIND_TWICE_SEEN]) {
    const [row] = await exec(sql, { values });
    if (row === undefined) continue;
    const [type, value, port] = row as [string, string, number | null];
    throw new Error(
      `the snapshot gives ${type} "${value}"${port === null ? '' : ` port ${port}`} twice; batches must give each key once`,
    );
  }
}

/** The parameters `sql` uses (DuckDB refuses unused ones), with their types. */
function params(
  sql: string,
  values: Record<string, DuckDBValue>,
): [Record<string, DuckDBValue>, Record<string, DuckDBType>] {
  const used: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!sql.includes(`$${name}`)) continue;
    used[name] = value;
    types[name] = PARAM_TYPES[name] ?? VARCHAR;
  }
  return [used, types];
}

const PARAM_TYPES: Readonly<Record<string, DuckDBType>> = {
  feed: VARCHAR,
  at: TIMESTAMPTZ,
  base: BIGINT,
  values: LIST(VARCHAR),
};
