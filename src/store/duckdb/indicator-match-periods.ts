import { TIMESTAMPTZ, VARCHAR, type DuckDBConnection, type DuckDBTimestampTZValue } from './duckdb-api.js';

/*
 * `indicator_allowlist` and `indicator_match_periods` are tables (migration 6) holding what the views
 * of migrations 2 and 3 computed, because every indicator rule reads them on every pass and computing
 * them cost 1 to 3 s a read over a million indicators. They derive from `indicators`,
 * `indicator_listings`, `allowlist` and the setting `intel.grace_period_h`, and each write to one of
 * those refreshes them in its own transaction:
 *
 * - a feed snapshot: the indicators it added, changed, removed or retired (`indicator_touched`);
 * - the allow-list and the grace period: everything, and only when the stored value really changed
 *   (`feeds update` writes both on every run).
 *
 * The SQL below is the views' SQL over a subset of indicators; migration 6 holds a frozen copy that
 * fills the tables once. A change to the rules belongs here, in a new migration that refills the
 * tables, and in indicator-reader.ts (a test compares the allow-list reasons of both).
 */

/**
 * The host a URL indicator names (`value` of type `url`), lowercase and without a final dot, or ''
 * when it names none; null for other types.
 */
function urlHostOf(type: string, value: string): string {
  return `CASE WHEN ${type} = 'url' THEN lower(rtrim(regexp_extract(${value},
    '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\\[[^\\]/]*\\]|[^:/?#\\[]+)', 1), '.')) END`;
}

/**
 * `indicator_match_periods.url_host` (migration 8) from the host column `host` (urlHostOf): the host a
 * URL indicator may be matched by, or null when it names none or an allow-listed domain covers it
 * (code hosting, file sharing: matching their host would flag every visit; the URL itself still
 * counts). intel-url-host-match joins flow and DNS names on it. Kept with the rows, since it derives
 * from the indicator and the allow-list alone, so rules no longer extract 85,000 hosts and check
 * them against the allow-list on every pass (0.5 s). Migration 8 holds a frozen copy.
 */
function matchableUrlHost(host: string): string {
  return `CASE WHEN ${host} <> '' AND NOT EXISTS (
      SELECT 1 FROM allowlist a
      WHERE a.type = 'domain' AND (${host} = a.value OR ends_with(${host}, '.' || a.value))
    ) THEN ${host} END`;
}

/** Temp table of indicator ids a snapshot touched; created by `startTouched`. */
export const TOUCHED_TABLE = 'indicator_touched';

/** The allow-list entries covering each indicator of the table `relation`. */
function allowlistOf(relation: string): string {
  return `SELECT indicator_id, arg_min(reason, position) AS allowlist_reason,
         arg_min(source, position) AS allowlist_source
    FROM (
      SELECT i.id AS indicator_id, a.position, a.reason, a.source
      FROM ${relation} i JOIN allowlist a
        ON i.range_start >= a.range_start AND i.range_end <= a.range_end
      UNION ALL
      SELECT i.id, a.position, a.reason, a.source
      FROM ${relation} i JOIN (FROM allowlist WHERE match_overlapping) a
        ON i.range_start <= a.range_end AND i.range_end >= a.range_start
      UNION ALL
      SELECT i.id, a.position, a.reason, a.source
      FROM ${relation} i JOIN allowlist a ON i.type = a.type AND i.value = a.value
      UNION ALL
      SELECT i.id, a.position, a.reason, a.source
      FROM (SELECT * FROM ${relation} WHERE type = 'domain') i
      JOIN (FROM allowlist WHERE type = 'domain') a ON ends_with(i.value, '.' || a.value)
    )
    GROUP BY indicator_id`;
}

/**
 * The listing periods of each indicator of `relation` that no allow-list entry covers, in listing
 * order (retro-hunt filters on listed_at, so DuckDB's zonemaps skip the older row groups) unless
 * `ordered` is false (every period starts at the same instant, and sorting would hold them all).
 * `listings` is where the periods come from: `indicator_listings`, or, for a feed's first load, the one
 * period OPEN_FIRST_LISTINGS opens for each of its indicators not revoked (from `$at`, still open),
 * written out here so that no join of a million listings to a million indicators is needed.
 *
 * URL indicators and the others are two branches: only a URL has a host (urlHostOf is null for the
 * rest, and so is url_host), and the allow-list check of the host is a correlated subquery, which
 * DuckDB runs by first holding every row of its input in memory (about 300 MB for a million Feodo
 * rows), so only the URL rows go through it.
 */
function matchPeriodsOf(
  relation: string,
  { ordered = true, listings = 'stored' }: { ordered?: boolean; listings?: 'stored' | 'firstLoad' } = {},
): string {
  const branch = (types: string, urlHost: string): string => {
    const rows = `(SELECT * FROM ${relation} WHERE ${types})`;
    const periods =
      listings === 'stored'
        ? `FROM indicator_listings l
      JOIN (
        SELECT *, ${urlHostOf('type', 'value')} AS host
        FROM ${rows} ANTI JOIN indicator_allowlist x ON x.indicator_id = id
      ) i
        ON i.id = l.indicator_id`
        : `FROM (
        SELECT *, ${urlHostOf('type', 'value')} AS host
        FROM (SELECT * FROM ${rows} WHERE NOT revoked) ANTI JOIN indicator_allowlist x ON x.indicator_id = id
      ) i`;
    const [from, until] =
      listings === 'stored'
        ? ['l.listed_from', 'l.listed_until']
        : ['CAST($at AS TIMESTAMPTZ)', 'CAST(NULL AS TIMESTAMPTZ)'];
    return `SELECT indicator_id, source, type, value, port, range_start, range_end, threat, malware_family,
         confidence, reference, listed_at, active_from, active_until, url_host
    FROM (
      SELECT i.id AS indicator_id, i.source, i.type, i.value, i.port, i.range_start, i.range_end,
             i.threat, i.malware_family, i.confidence, i.reference,
             ${from} AS listed_at,
             CASE WHEN ${from} <= i.first_listed_at THEN i.valid_from
                  ELSE greatest(${from}, i.valid_from) END AS active_from,
             least(${until} + g.grace, i.valid_until) AS active_until,
             ${urlHost} AS url_host
      ${periods}
      CROSS JOIN (
        SELECT to_microseconds(CAST(round(coalesce(max(TRY_CAST(value AS DOUBLE)), 0) * 3600000000) AS BIGINT)) AS grace
        FROM settings WHERE key = 'intel.grace_period_h'
      ) g
    )
    WHERE active_until IS NULL OR active_from IS NULL OR active_from < active_until`;
  };
  return `SELECT * FROM (
    ${branch("type <> 'url'", 'CAST(NULL AS VARCHAR)')}
    UNION ALL
    ${branch("type = 'url'", matchableUrlHost('i.host'))}
  ) ${ordered ? 'ORDER BY listed_at' : ''}`;
}

/** The touched indicators' rows, copied once: the queries below read them five times. */
const COPY_TOUCHED = `CREATE OR REPLACE TEMP TABLE indicator_touched_rows AS
  SELECT id, source, type, value, port, range_start, range_end, threat, malware_family, confidence,
         reference, valid_from, valid_until, first_listed_at
  FROM indicators SEMI JOIN ${TOUCHED_TABLE} t ON t.id = indicators.id`;

/** Creates the (empty) temp table of touched ids, replacing one a failed run left. */
export async function startTouched(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${TOUCHED_TABLE} (id UUID NOT NULL)`);
}

/**
 * Writes both tables' rows for every indicator of `feed`, after a first load at `at` whose listings
 * are open: its indicators are all new, so neither table holds a row of theirs and both are one
 * INSERT … SELECT straight from `indicators`, with no copy of the touched rows, no deletes, no sort
 * (every listing opened at the load's instant) and no join to the listings (each indicator not
 * revoked has the one period from `at`). Runs inside the caller's transaction.
 */
export async function addFeedMatches(
  connection: DuckDBConnection,
  feed: string,
  at: DuckDBTimestampTZValue,
): Promise<void> {
  const ofFeed = '(SELECT * FROM indicators WHERE source = $feed)';
  await connection.run(`INSERT INTO indicator_allowlist ${allowlistOf(ofFeed)}`, { feed }, { feed: VARCHAR });
  await connection.run(
    `INSERT INTO indicator_match_periods ${matchPeriodsOf(ofFeed, { ordered: false, listings: 'firstLoad' })}`,
    { feed, at },
    { feed: VARCHAR, at: TIMESTAMPTZ },
  );
}

/**
 * Recomputes both tables' rows for the indicators in the touched table, then drops it. Runs inside
 * the caller's transaction.
 */
export async function refreshTouchedMatches(connection: DuckDBConnection): Promise<void> {
  const touched = await connection.runAndReadAll(`SELECT count(*) FROM ${TOUCHED_TABLE}`);
  if (Number(touched.getRows()[0]?.[0] ?? 0) > 0) {
    const among = `IN (SELECT id FROM ${TOUCHED_TABLE})`;
    await connection.run(COPY_TOUCHED);
    await connection.run(`DELETE FROM indicator_allowlist WHERE indicator_id ${among}`);
    await connection.run(`INSERT INTO indicator_allowlist ${allowlistOf('indicator_touched_rows')}`);
    await connection.run(`DELETE FROM indicator_match_periods WHERE indicator_id ${among}`);
    await connection.run(`INSERT INTO indicator_match_periods ${matchPeriodsOf('indicator_touched_rows')}`);
    await connection.run('DROP TABLE indicator_touched_rows');
  }
  await connection.run(`DROP TABLE ${TOUCHED_TABLE}`);
}

/**
 * Recomputes `indicator_match_periods` for every indicator, and first `indicator_allowlist` too when
 * `allowlist` is set. Runs inside the caller's transaction.
 */
export async function refreshAllMatches(
  connection: DuckDBConnection,
  options: { allowlist: boolean },
): Promise<void> {
  if (options.allowlist) {
    await connection.run('DELETE FROM indicator_allowlist');
    await connection.run(`INSERT INTO indicator_allowlist ${allowlistOf('indicators')}`);
  }
  await connection.run('DELETE FROM indicator_match_periods');
  await connection.run(`INSERT INTO indicator_match_periods ${matchPeriodsOf('indicators')}`);
}

/** The text of `sql`'s result, to tell whether a write changed what it wrote. */
export async function readFingerprint(connection: DuckDBConnection, sql: string): Promise<string> {
  const reader = await connection.runAndReadAll(sql);
  return JSON.stringify(reader.getRows().map((row) => row.map((value) => String(value))));
}

/** What `indicator_allowlist` derives from the allow-list: every column, in order. */
export const ALLOWLIST_FINGERPRINT = 'SELECT allowlist FROM allowlist ORDER BY position';

/** The grace period as `indicator_match_periods` reads it. */
export const GRACE_FINGERPRINT = `SELECT coalesce(max(TRY_CAST(value AS DOUBLE)), 0)
  FROM settings WHERE key = 'intel.grace_period_h'`;
