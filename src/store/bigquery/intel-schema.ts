/**
 * The threat-intelligence views on BigQuery (their tables are in schema.ts): the same names and
 * columns as the DuckDB views (duckdb/migrations.ts, versions 2 and 3), so rule SQL reads them the same
 * way. Differences: address ranges are 32-hex-digit text (address-hex.ts); `raw` is JSON text in a
 * STRING column, read with JSON_VALUE; views name their tables in full, as BigQuery views must;
 * `indicators_active_at(T)` is a table function, which the emulator cannot create (it is skipped there).
 */
import type { BigQueryConnection } from './connection.js';
import type { ViewSpec } from './schema.js';

/** A column as the BigQuery API takes it. */
export interface IntelField {
  name: string;
  type: 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP';
  mode?: 'REQUIRED' | 'NULLABLE' | 'REPEATED';
}

/** A view or table function, created after the tables, in this order. */
interface IntelView extends ViewSpec {
  kind: 'view' | 'table-function';
}

/** The grace period (settings 'intel.grace_period_h') in microseconds, as a one-row relation `g`. */
export const graceRelation = (t: (name: string) => string): string => `(
    SELECT CAST(ROUND(COALESCE(MAX(SAFE_CAST(value AS FLOAT64)), 0) * 3600000000) AS INT64) AS grace_us
    FROM ${t('settings')} WHERE key = 'intel.grace_period_h'
  ) g`;

/**
 * A field of the raw record when it is a JSON object, else null (BigQuery's JSON_VALUE gives null for
 * a scalar anyway; the emulator fails the query on a JSON string such as a text line).
 */
const rawField = (name: string): string =>
  `CASE WHEN STARTS_WITH(raw, '{') THEN JSON_VALUE(raw, '$.${name}') END`;

/** DuckDB's greatest()/least() skip nulls; BigQuery's return null. These skip them. */
export const greatestOf = (a: string, b: string): string => `GREATEST(${a}, COALESCE(${b}, ${a}))`;
export const leastOf = (a: string, b: string): string =>
  `CASE WHEN ${a} IS NULL THEN ${b} WHEN ${b} IS NULL THEN ${a} ELSE LEAST(${a}, ${b}) END`;
const LISTING_END = leastOf(
  'TIMESTAMP_ADD(l.listed_until, INTERVAL g.grace_us MICROSECOND)',
  'i.valid_until',
);

/** The host a URL indicator names (`i.value`), lowercase and without a final dot, or ''. */
const URL_HOST = `LOWER(RTRIM(COALESCE(REGEXP_EXTRACT(i.value,
  r'^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\\[[^\\]/]*\\]|[^:/?#\\[]+)'), ''), '.'))`;

/**
 * indicator_match_periods.url_host as DuckDB keeps it (indicator-match-periods.ts): the host of a URL
 * indicator, or null when it names none or an allow-listed domain covers it.
 */
const matchableUrlHost = (t: (name: string) => string): string => `CASE WHEN i.type = 'url' THEN (
          SELECT CASE WHEN h.host <> '' AND NOT EXISTS (
                   SELECT 1 FROM ${t('allowlist')} a
                   WHERE a.type = 'domain' AND (h.host = a.value OR ENDS_WITH(h.host, CONCAT('.', a.value)))
                 ) THEN h.host END
          FROM (SELECT ${URL_HOST} AS host) h
        ) END`;

/** The allow-list reasons of the indicators in `relation` (rules as DuckDB's indicator_allowlist). */
export function allowlistMatches(t: (name: string) => string, relation: string): string {
  const allowlist = t('allowlist');
  return `SELECT i.id AS indicator_id, a.position, a.reason, a.source
      FROM ${relation} i JOIN ${allowlist} a
        ON i.range_start >= a.range_start AND i.range_end <= a.range_end
      UNION ALL
      SELECT i.id, a.position, a.reason, a.source
      FROM ${relation} i JOIN (SELECT * FROM ${allowlist} WHERE match_overlapping) a
        ON i.range_start <= a.range_end AND i.range_end >= a.range_start
      UNION ALL
      SELECT i.id, a.position, a.reason, a.source
      FROM ${relation} i JOIN ${allowlist} a ON i.type = a.type AND i.value = a.value
      UNION ALL
      SELECT i.id, a.position, a.reason, a.source
      FROM (SELECT * FROM ${relation} WHERE type = 'domain') i
      JOIN (SELECT * FROM ${allowlist} WHERE type = 'domain') a ON ENDS_WITH(i.value, CONCAT('.', a.value))`;
}

const INTEL_VIEWS: readonly IntelView[] = [
  {
    name: 'indicator_validity',
    kind: 'view',
    sql: (
      t,
    ) => `SELECT indicator_id, source, type, value, port, range_start, range_end, active_from, active_until
      FROM (
        SELECT i.id AS indicator_id, i.source, i.type, i.value, i.port, i.range_start, i.range_end,
               ${greatestOf('l.listed_from', 'i.valid_from')} AS active_from,
               ${LISTING_END} AS active_until
        FROM ${t('indicator_listings')} l
        JOIN ${t('indicators')} i ON i.id = l.indicator_id
        CROSS JOIN ${graceRelation(t)}
      )
      WHERE active_until IS NULL OR active_from < active_until`,
  },
  {
    name: 'indicators_active_at',
    kind: 'table-function',
    sql: (t) => `SELECT * FROM ${t('indicator_validity')}
      WHERE active_from <= at_time AND (active_until IS NULL OR at_time < active_until)`,
  },
  {
    name: 'indicator_allowlist',
    kind: 'view',
    sql: (t) => `SELECT indicator_id,
             ARRAY_AGG(reason ORDER BY position LIMIT 1)[OFFSET(0)] AS allowlist_reason,
             ARRAY_AGG(source ORDER BY position LIMIT 1)[OFFSET(0)] AS allowlist_source
      FROM (${allowlistMatches(t, t('indicators'))})
      GROUP BY indicator_id`,
  },
  {
    name: 'indicator_match_periods',
    kind: 'view',
    sql: (
      t,
    ) => `SELECT indicator_id, source, type, value, port, range_start, range_end, threat, malware_family,
             confidence, reference, listed_at, active_from, active_until, url_host
      FROM (
        SELECT i.id AS indicator_id, i.source, i.type, i.value, i.port, i.range_start, i.range_end,
               i.threat, i.malware_family, i.confidence, i.reference,
               l.listed_from AS listed_at,
               CASE WHEN l.listed_from <= i.first_listed_at THEN i.valid_from
                    ELSE ${greatestOf('l.listed_from', 'i.valid_from')} END AS active_from,
               ${LISTING_END} AS active_until,
               ${matchableUrlHost(t)} AS url_host
        FROM ${t('indicator_listings')} l
        JOIN ${t('indicators')} i ON i.id = l.indicator_id
        CROSS JOIN ${graceRelation(t)}
        WHERE i.id NOT IN (SELECT indicator_id FROM ${t('indicator_allowlist')})
      )
      WHERE active_until IS NULL OR active_from IS NULL OR active_from < active_until`,
  },
  {
    name: 'abusech_feodo',
    kind: 'view',
    sql: (t) => `SELECT value AS ip_address,
             port,
             COALESCE(${rawField('c2_status')}, ${rawField('status')}, 'online') AS status,
             ${rawField('hostname')} AS hostname,
             SAFE_CAST(${rawField('as_number')} AS INT64) AS as_number,
             ${rawField('as_name')} AS as_name,
             ${rawField('country')} AS country,
             source_first_seen_at AS first_seen,
             COALESCE(SAFE_CAST(${rawField('last_online')} AS DATE), DATE(source_last_seen_at)) AS last_online,
             malware_family AS malware
      FROM ${t('indicators')}
      WHERE STARTS_WITH(source, 'feodo') AND type = 'ipv4' AND removed_at IS NULL`,
  },
  {
    name: 'abusech_urlhaus',
    kind: 'view',
    sql: (t) => `SELECT SAFE_CAST(${rawField('id')} AS INT64) AS id,
             source_first_seen_at AS dateadded,
             value AS url,
             COALESCE(${rawField('url_status')}, 'online') AS url_status,
             threat,
             tags,
             COALESCE(${rawField('urlhaus_link')}, reference) AS urlhaus_link,
             ${rawField('reporter')} AS reporter
      FROM ${t('indicators')}
      WHERE STARTS_WITH(source, 'urlhaus') AND type = 'url' AND removed_at IS NULL`,
  },
  {
    name: 'spamhaus_drop',
    kind: 'view',
    sql: (t) => `SELECT value AS cidr,
             COALESCE(${rawField('sblid')}, REGEXP_EXTRACT(raw, r'SBL[0-9]+'),
                      REGEXP_EXTRACT(reference, r'SBL[0-9]+')) AS sbl_ref
      FROM ${t('indicators')}
      WHERE STARTS_WITH(source, 'spamhaus') AND type IN ('cidr', 'ipv4', 'ipv6') AND removed_at IS NULL`,
  },
];

/** The intel views, in the order they must be created (each reads only those before it). */
export const INTEL_VIEW_SPECS: readonly ViewSpec[] = INTEL_VIEWS.filter((view) => view.kind === 'view').map(
  ({ name, sql }) => ({ name, sql }),
);

/**
 * Creates or replaces the table functions (`indicators_active_at(at_time TIMESTAMP)`), after the views.
 * The emulator cannot create table functions, so there this does nothing.
 */
export async function ensureIntelFunctions(connection: BigQueryConnection): Promise<void> {
  if (connection.isEmulator) return;
  for (const fn of INTEL_VIEWS.filter((view) => view.kind === 'table-function')) {
    await connection.query(
      `CREATE OR REPLACE TABLE FUNCTION ${connection.table(fn.name)}(at_time TIMESTAMP) AS ${fn.sql((name) => connection.table(name))}`,
      {},
      { what: `the creation of the table function ${fn.name}` },
    );
  }
}
