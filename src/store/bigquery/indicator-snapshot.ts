import { randomUUID } from 'node:crypto';
import type { EpochMicros } from '../../records/index.js';
import type { SnapshotDrafts } from '../duckdb/snapshot-drafts.js';
import type { FeedSnapshotResult, FeedState } from '../store.js';
import { bq } from './bigquery-values.js';
import { feedStateParams, feedStateStatements, text } from './feed-runs.js';
import { stagedIndicatorRow, type StagedIndicatorRow } from './indicator-rows.js';
import type { IntelDb } from './intel-db.js';
import type { IntelField } from './intel-schema.js';

/*
 * How a snapshot is applied on BigQuery. The drafts go, one batch at a time, into a staging table of
 * their own (named for the snapshot, dropped at the end, and set to expire within a day should the
 * process die first), checked and normalised on the way (indicator-rows.ts), so JavaScript holds one
 * batch and the store's own validation fails before anything stored is touched. Then one script
 * diffs the staging table against the feed's stored rows and writes the result in ONE multi-statement
 * transaction: a failure there leaves indicators, listings and the feed state as they were.
 *
 * The script uses only statements BigQuery and the emulator (goccy/bigquery-emulator) both accept:
 * no MERGE and no UPDATE ... FROM (the emulator refuses joins in UPDATE and fails MERGE), so changed
 * rows are deleted and inserted again with the same id, and other updates filter by `id IN (...)`.
 * The emulator neither rolls back nor reports a runtime error inside a script: there, atomicity rests
 * on the checks made while staging, which is why they are made before the script runs. New ids are
 * made while staging too (the emulator's GENERATE_UUID() gives every row of a statement the same one).
 */

/** Drafts sent to the staging table per request (a few hundred bytes each, well under 10 MB). */
const STAGE_BATCH_ROWS = 2_000;
/** How long a staging table left behind by a crash lives. */
const STAGE_EXPIRY_MS = 24 * 3_600_000;

const STAGE_FIELDS: readonly IntelField[] = [
  { name: 'ord', type: 'INT64', mode: 'REQUIRED' },
  { name: 'new_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'type', type: 'STRING', mode: 'REQUIRED' },
  { name: 'value', type: 'STRING', mode: 'REQUIRED' },
  { name: 'port', type: 'INT64' },
  { name: 'range_start', type: 'STRING' },
  { name: 'range_end', type: 'STRING' },
  { name: 'range_start_addr', type: 'STRING' },
  { name: 'range_end_addr', type: 'STRING' },
  { name: 'threat', type: 'STRING' },
  { name: 'malware_family', type: 'STRING' },
  { name: 'confidence', type: 'INT64' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  { name: 'reference', type: 'STRING' },
  { name: 'source_first_seen_us', type: 'INT64' },
  { name: 'source_last_seen_us', type: 'INT64' },
  { name: 'valid_from_us', type: 'INT64' },
  { name: 'valid_until_us', type: 'INT64' },
  { name: 'revoked', type: 'BOOL', mode: 'REQUIRED' },
  { name: 'raw', type: 'STRING' },
  { name: 'fields_hash', type: 'STRING', mode: 'REQUIRED' },
];

/**
 * Brings one feed's stored indicators in line with `drafts` (Store.applyFeedSnapshot). Throws on any
 * failure, with nothing stored; what the drafts' batches throw is kept in `drafts.failure`.
 */
export async function applyIndicatorSnapshot(
  db: IntelDb,
  feed: string,
  drafts: SnapshotDrafts,
  run: { startedAt: EpochMicros; complete: boolean; state?: FeedState },
): Promise<FeedSnapshotResult> {
  const stage = `indicator_stage_${randomUUID().replaceAll('-', '')}`;
  await db.createTable(stage, STAGE_FIELDS, { expiresAt: Date.now() + STAGE_EXPIRY_MS });
  try {
    const staged = await stageDrafts(db, stage, drafts);
    await db.waitForRows(stage, staged);
    if (drafts.isBatches) await refuseRepeats(db, stage);
    const rows = await db.query(snapshotScript(db, stage, run.state !== undefined), {
      feed,
      at: bq.timestamp(run.startedAt),
      complete: run.complete,
      ...(run.state === undefined ? {} : feedStateParams(run.state)),
    });
    const counts = rows[0] ?? {};
    return {
      added: Number(counts.added ?? 0),
      updated: Number(counts.updated ?? 0),
      removed: Number(counts.removed ?? 0) + Number(counts.gone ?? 0),
      reactivated: Number(counts.reactivated ?? 0),
      unchanged: Number(counts.unchanged ?? 0),
    };
  } finally {
    await db.dropTable(stage).catch(() => undefined);
  }
}

/** Sends the drafts to `stage`, STAGE_BATCH_ROWS at a time; returns how many. */
async function stageDrafts(db: IntelDb, stage: string, drafts: SnapshotDrafts): Promise<number> {
  let count = 0;
  let rows: StagedIndicatorRow[] = [];
  for (let batch = drafts.next(); batch !== null; batch = drafts.next()) {
    for (const draft of batch) {
      rows.push(stagedIndicatorRow(draft, count++));
      if (rows.length === STAGE_BATCH_ROWS) {
        await db.insertRows(stage, rows);
        rows = [];
      }
    }
  }
  if (rows.length > 0) await db.insertRows(stage, rows);
  return count;
}

/** Throws, naming the key, when batches gave one key twice (the contract forbids it). */
async function refuseRepeats(db: IntelDb, stage: string): Promise<void> {
  const [row] = await db.query(
    `SELECT type, value, port FROM ${db.table(stage)} GROUP BY type, value, port HAVING COUNT(*) > 1 LIMIT 1`,
  );
  if (row === undefined) return;
  const port = row.port === null || row.port === undefined ? '' : ` port ${text(row.port)}`;
  throw new Error(
    `the snapshot gives ${text(row.type)} "${text(row.value)}"${port} twice; batches must give each key once`,
  );
}

/** The snapshot's start; cast because the emulator types parameters by their use, not their declaration. */
const AT = 'CAST(@at AS TIMESTAMP)';

const COPIED_COLUMNS = `type, value, port, range_start, range_end, range_start_addr, range_end_addr, threat,
  malware_family, confidence, tags, reference`;

/**
 * The diff and its writes, as DuckDB's indicator-snapshot.ts makes them, in one transaction; the
 * last statement reads the counts. Parameters: @feed, @at, @complete, and the feed state's when
 * `withState`.
 */
function snapshotScript(db: IntelDb, stage: string, withState: boolean): string {
  const indicators = db.table('indicators');
  const listings = db.table('indicator_listings');
  return `BEGIN TRANSACTION;
CREATE TEMP TABLE indicator_seen AS
  SELECT s.ord, COALESCE(i.id, s.new_id) AS id,
    CASE
      WHEN i.id IS NULL THEN 'added'
      WHEN i.removed_at IS NULL AND s.revoked THEN 'removed'
      WHEN i.removed_at IS NOT NULL AND NOT s.revoked THEN 'reactivated'
      WHEN i.fields_hash <> s.fields_hash THEN 'updated'
      ELSE 'unchanged'
    END AS change,
    s.revoked, i.first_listed_at, i.removed_at
  FROM ${db.table(stage)} s
  LEFT JOIN (
    SELECT id, type, value, port, removed_at, fields_hash, first_listed_at FROM ${indicators} WHERE source = @feed
  ) i ON i.type = s.type AND i.value = s.value AND (i.port = s.port OR (i.port IS NULL AND s.port IS NULL));
CREATE TEMP TABLE indicator_gone AS
  SELECT id FROM ${indicators}
  WHERE CAST(@complete AS BOOL) AND source = @feed AND removed_at IS NULL AND id NOT IN (SELECT id FROM indicator_seen);
DELETE FROM ${indicators}
  WHERE source = @feed AND id IN (SELECT id FROM indicator_seen WHERE change IN ('updated', 'reactivated', 'removed'));
INSERT INTO ${indicators} (id, source, ${COPIED_COLUMNS}, source_first_seen_at, source_last_seen_at, valid_from,
    valid_until, revoked, raw, first_listed_at, last_listed_at, removed_at, fields_hash)
  SELECT d.id, CAST(@feed AS STRING), ${COPIED_COLUMNS.split(',')
    .map((c) => `s.${c.trim()}`)
    .join(', ')},
    TIMESTAMP_MICROS(s.source_first_seen_us), TIMESTAMP_MICROS(s.source_last_seen_us),
    TIMESTAMP_MICROS(s.valid_from_us), TIMESTAMP_MICROS(s.valid_until_us), s.revoked, s.raw,
    COALESCE(d.first_listed_at, ${AT}), ${AT},
    CASE d.change
      WHEN 'added' THEN IF(s.revoked, ${AT}, NULL)
      WHEN 'reactivated' THEN NULL
      WHEN 'removed' THEN ${AT}
      ELSE d.removed_at
    END,
    s.fields_hash
  FROM ${db.table(stage)} s JOIN indicator_seen d ON d.ord = s.ord
  WHERE d.change IN ('added', 'updated', 'reactivated', 'removed');
UPDATE ${indicators} SET last_listed_at = ${AT}
  WHERE source = @feed AND id IN (SELECT id FROM indicator_seen WHERE change = 'unchanged');
INSERT INTO ${listings} (indicator_id, listed_from)
  SELECT id, ${AT} FROM indicator_seen WHERE change = 'reactivated' OR (change = 'added' AND NOT revoked);
UPDATE ${listings} SET listed_until = ${AT}
  WHERE listed_until IS NULL AND indicator_id IN (
    SELECT id FROM indicator_seen WHERE change = 'removed' UNION ALL SELECT id FROM indicator_gone
  );
UPDATE ${indicators} SET removed_at = ${AT}
  WHERE source = @feed AND id IN (SELECT id FROM indicator_gone);
${withState ? feedStateStatements(db).join(';\n') + ';' : ''}
COMMIT TRANSACTION;
SELECT
  (SELECT COUNTIF(change = 'added') FROM indicator_seen) AS added,
  (SELECT COUNTIF(change = 'updated') FROM indicator_seen) AS updated,
  (SELECT COUNTIF(change = 'removed') FROM indicator_seen) AS removed,
  (SELECT COUNTIF(change = 'reactivated') FROM indicator_seen) AS reactivated,
  (SELECT COUNTIF(change = 'unchanged') FROM indicator_seen) AS unchanged,
  (SELECT COUNT(*) FROM indicator_gone) AS gone`;
}
