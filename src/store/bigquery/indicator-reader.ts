import type { EpochMicros, Indicator, IndicatorType } from '../../records/index.js';
import type { FeedIndicatorStats, IndicatorFilter, IndicatorMatch, ListingPeriod } from '../store.js';
import { bq, type BqValue } from './bigquery-values.js';
import { limitOf, numberOrNull, text, textOrNull } from './feed-runs.js';
import type { IntelDb } from './intel-db.js';
import { BqConditions, indicatorLookupConditions } from './indicator-lookup.js';
import { allowlistMatches, graceRelation, leastOf, greatestOf } from './intel-schema.js';

const DEFAULT_LIMIT = 100;
const LOOKUP_LIMIT = 1000;

const ORDER_BY_KEY = 'source, type, value, port';

/**
 * The allow-list reason of each indicator in the CTE `relation`: the rules of the
 * `indicator_allowlist` view applied to a page of indicators only, so a read costs what its page costs.
 */
function allowlistReasons(db: IntelDb, relation: string): string {
  return `SELECT indicator_id, ARRAY_AGG(reason ORDER BY position LIMIT 1)[OFFSET(0)] AS allowlist_reason
    FROM (${allowlistMatches((name) => db.table(name), relation)})
    GROUP BY indicator_id`;
}

/** Ids in the CTE `relation` active at `at` (a placeholder): the rule of `indicator_validity`. */
function activeAmong(db: IntelDb, relation: string, at: string): string {
  const from = greatestOf('l.listed_from', 'i.valid_from');
  const until = leastOf('TIMESTAMP_ADD(l.listed_until, INTERVAL g.grace_us MICROSECOND)', 'i.valid_until');
  return `SELECT DISTINCT i.id AS indicator_id
    FROM ${relation} i
    JOIN ${db.table('indicator_listings')} l ON l.indicator_id = i.id
    CROSS JOIN ${graceRelation((name) => db.table(name))}
    WHERE ${from} <= ${at} AND (${until} IS NULL OR ${at} < ${until})`;
}

export async function readIndicators(db: IntelDb, filter: IndicatorFilter): Promise<Indicator[]> {
  const c = filterConditions(db, filter);
  const limit = c.param(bq.int64(limitOf(filter.limit, DEFAULT_LIMIT)));
  const rows = await db.query(
    `WITH page AS (
       SELECT * FROM ${db.table('indicators')} ${c.where()}
       ORDER BY first_listed_at DESC, ${ORDER_BY_KEY}
       LIMIT ${limit}
     ), reasons AS (${allowlistReasons(db, 'page')})
     SELECT p.*, r.allowlist_reason
     FROM page p LEFT JOIN reasons r ON r.indicator_id = p.id
     ORDER BY p.first_listed_at DESC, p.source, p.type, p.value, p.port`,
    c.params,
  );
  return rows.map(indicatorFromRow);
}

export async function countIndicators(db: IntelDb, filter: IndicatorFilter): Promise<number> {
  const c = filterConditions(db, filter);
  const [row] = await db.query(`SELECT COUNT(*) AS n FROM ${db.table('indicators')} ${c.where()}`, c.params);
  return Number(row?.n ?? 0);
}

function filterConditions(db: IntelDb, filter: IndicatorFilter): BqConditions {
  const c = new BqConditions();
  if (filter.source !== undefined) c.add(`source = ${c.param(filter.source)}`);
  if (filter.type !== undefined) c.add(`type = ${c.param(filter.type)}`);
  if (filter.activeAt !== undefined) {
    const at = c.param(bq.timestamp(filter.activeAt));
    c.add(`id IN (SELECT indicator_id FROM ${db.table('indicator_validity')}
      WHERE active_from <= ${at} AND (active_until IS NULL OR ${at} < active_until))`);
  }
  return c;
}

/** Store.lookupIndicators: matches of one value, with listing periods and activity at `at`. */
export async function lookupIndicators(
  db: IntelDb,
  value: string,
  at: EpochMicros,
): Promise<IndicatorMatch[]> {
  const c = new BqConditions();
  const matches = indicatorLookupConditions(c, value)
    .map((condition) => `(${condition})`)
    .join(' OR ');
  const atParam = c.param(bq.timestamp(at));
  const rows = await db.query(
    `WITH page AS (
       SELECT * FROM ${db.table('indicators')} WHERE ${matches}
       ORDER BY ${ORDER_BY_KEY}
       LIMIT ${LOOKUP_LIMIT}
     ), reasons AS (${allowlistReasons(db, 'page')}),
     listings AS (
       SELECT l.indicator_id,
              ARRAY_AGG(STRUCT(UNIX_MICROS(l.listed_from) AS listed_from, UNIX_MICROS(l.listed_until) AS listed_until)
                        ORDER BY l.listed_from) AS periods
       FROM ${db.table('indicator_listings')} l
       WHERE l.indicator_id IN (SELECT id FROM page)
       GROUP BY l.indicator_id
     ), active AS (${activeAmong(db, 'page', atParam)})
     SELECT p.*, r.allowlist_reason, l.periods, a.indicator_id IS NOT NULL AS is_active
     FROM page p
     LEFT JOIN reasons r ON r.indicator_id = p.id
     LEFT JOIN listings l ON l.indicator_id = p.id
     LEFT JOIN active a ON a.indicator_id = p.id
     ORDER BY p.source, p.type, p.value, p.port`,
    c.params,
  );
  return rows.map((row) => ({
    ...indicatorFromRow(row),
    listings: listingsFromValue(row.periods),
    isActive: row.is_active === true,
  }));
}

export async function readIndicatorStats(db: IntelDb): Promise<FeedIndicatorStats[]> {
  const rows = await db.query(
    `SELECT source, type, COUNTIF(removed_at IS NULL) AS active, COUNTIF(removed_at IS NOT NULL) AS removed,
       MAX(last_listed_at) AS last_listed_at
     FROM ${db.table('indicators')} GROUP BY source, type ORDER BY source, type`,
  );
  const bySource = new Map<string, FeedIndicatorStats>();
  for (const row of rows) {
    const source = text(row.source);
    let stats = bySource.get(source);
    if (stats === undefined) {
      stats = { source, active: 0, removed: 0, byType: {}, lastListedAt: 0 };
      bySource.set(source, stats);
    }
    const active = Number(row.active);
    stats.active += active;
    stats.removed += Number(row.removed);
    if (active > 0) stats.byType[text(row.type) as IndicatorType] = active;
    stats.lastListedAt = Math.max(stats.lastListedAt, Number(row.last_listed_at));
  }
  return [...bySource.values()];
}

function indicatorFromRow(row: Record<string, BqValue>): Indicator {
  const raw = textOrNull(row.raw);
  return {
    id: text(row.id),
    source: text(row.source),
    type: text(row.type) as IndicatorType,
    value: text(row.value),
    port: numberOrNull(row.port),
    // A single address is its own range: its first and last address are not stored (as in DuckDB).
    rangeStart: textOrNull(row.range_start_addr) ?? (isNullish(row.range_start) ? null : text(row.value)),
    rangeEnd: textOrNull(row.range_end_addr) ?? (isNullish(row.range_start) ? null : text(row.value)),
    threat: textOrNull(row.threat),
    malwareFamily: textOrNull(row.malware_family),
    confidence: numberOrNull(row.confidence),
    tags: Array.isArray(row.tags) ? row.tags.map(String) : [],
    reference: textOrNull(row.reference),
    sourceFirstSeenAt: numberOrNull(row.source_first_seen_at),
    sourceLastSeenAt: numberOrNull(row.source_last_seen_at),
    validFrom: numberOrNull(row.valid_from),
    validUntil: numberOrNull(row.valid_until),
    revoked: row.revoked === true,
    raw: raw === null ? null : (JSON.parse(raw) as unknown),
    firstListedAt: Number(row.first_listed_at),
    lastListedAt: Number(row.last_listed_at),
    removedAt: numberOrNull(row.removed_at),
    allowlistReason: textOrNull(row.allowlist_reason),
  };
}

function listingsFromValue(value: BqValue | undefined): ListingPeriod[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => {
    const period = (item ?? {}) as Record<string, BqValue>;
    return { listedFrom: Number(period.listed_from), listedUntil: numberOrNull(period.listed_until) };
  });
}

function isNullish(value: BqValue | undefined): boolean {
  return value === null || value === undefined;
}
