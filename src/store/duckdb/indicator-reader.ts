import { DuckDBListValue, DuckDBStructValue, type DuckDBConnection, type DuckDBValue } from './duckdb-api.js';
import type { EpochMicros, Indicator, IndicatorType } from '../../records/index.js';
import type { FeedIndicatorStats, IndicatorFilter, IndicatorMatch, ListingPeriod } from '../store.js';
import { toNumber, toNumberOrNull, toStringOrNull, toText } from './duckdb-values.js';
import { indicatorLookupConditions } from './indicator-lookup.js';
import { limitOf, SqlConditions } from './sql-conditions.js';

const DEFAULT_LIMIT = 100;
const LOOKUP_LIMIT = 1000;

// A single address is its own range: its first and last address are not stored (migration 13).
const INDICATOR_COLUMNS = `CAST(p.id AS VARCHAR) AS id, p.source, p.type, p.value, p.port,
  CASE WHEN p.range_start IS NOT NULL THEN coalesce(p.range_start_addr, p.value) END AS range_start_addr,
  CASE WHEN p.range_start IS NOT NULL THEN coalesce(p.range_end_addr, p.value) END AS range_end_addr, p.threat, p.malware_family, p.confidence, p.tags, p.reference,
  epoch_us(p.source_first_seen_at) AS source_first_seen_at, epoch_us(p.source_last_seen_at) AS source_last_seen_at,
  epoch_us(p.valid_from) AS valid_from, epoch_us(p.valid_until) AS valid_until, p.revoked,
  CAST(p.raw AS VARCHAR) AS raw, epoch_us(p.first_listed_at) AS first_listed_at,
  epoch_us(p.last_listed_at) AS last_listed_at, epoch_us(p.removed_at) AS removed_at,
  r.allowlist_reason`;

/**
 * The allow-list reason of each indicator in `relation`: the same rules as the `indicator_allowlist`
 * view (migrations.ts), applied to a page of indicators rather than to all of them, so a read costs
 * what its page costs. A change to the rules belongs in both places (a test compares them).
 */
function allowlistReasons(relation: string): string {
  return `SELECT indicator_id, arg_min(reason, position) AS allowlist_reason
    FROM (
      SELECT i.id AS indicator_id, a.position, a.reason
      FROM ${relation} i JOIN allowlist a ON i.range_start >= a.range_start AND i.range_end <= a.range_end
      UNION ALL
      SELECT i.id, a.position, a.reason
      FROM ${relation} i JOIN (FROM allowlist WHERE match_overlapping) a
        ON i.range_start <= a.range_end AND i.range_end >= a.range_start
      UNION ALL
      SELECT i.id, a.position, a.reason FROM ${relation} i JOIN allowlist a ON i.type = a.type AND i.value = a.value
      UNION ALL
      SELECT i.id, a.position, a.reason
      FROM (FROM ${relation} WHERE type = 'domain') i
      JOIN (FROM allowlist WHERE type = 'domain') a ON ends_with(i.value, '.' || a.value)
    )
    GROUP BY indicator_id`;
}

/**
 * The ids in `relation` active at `at`: the rule of the `indicator_validity` view (migrations.ts), over
 * a page's listings only. A change to the rule belongs in both places (a test compares them).
 */
function activeAmong(relation: string, at: string): string {
  return `SELECT DISTINCT p.id AS indicator_id
    FROM ${relation} p
    JOIN indicator_listings l ON l.indicator_id = p.id
    CROSS JOIN (
      SELECT to_microseconds(CAST(round(coalesce(max(TRY_CAST(value AS DOUBLE)), 0) * 3600000000) AS BIGINT)) AS grace
      FROM settings WHERE key = 'intel.grace_period_h'
    ) g
    WHERE greatest(l.listed_from, p.valid_from) <= ${at}
      AND (least(l.listed_until + g.grace, p.valid_until) IS NULL OR ${at} < least(l.listed_until + g.grace, p.valid_until))`;
}

export async function readIndicators(
  connection: DuckDBConnection,
  filter: IndicatorFilter,
): Promise<Indicator[]> {
  const c = filterConditions(filter);
  const reader = await connection.runAndReadAll(
    `WITH page AS (
       FROM indicators ${c.where()}
       ORDER BY first_listed_at DESC, source, type, value, port NULLS FIRST
       LIMIT ${limitOf(filter.limit, DEFAULT_LIMIT)}
     ), reasons AS (${allowlistReasons('page')})
     SELECT ${INDICATOR_COLUMNS}
     FROM page p LEFT JOIN reasons r ON r.indicator_id = p.id
     ORDER BY p.first_listed_at DESC, p.source, p.type, p.value, p.port NULLS FIRST`,
    c.values,
    c.types,
  );
  return reader.getRowObjects().map(indicatorFromRow);
}

export async function countIndicators(
  connection: DuckDBConnection,
  filter: IndicatorFilter,
): Promise<number> {
  const c = filterConditions(filter);
  const reader = await connection.runAndReadAll(
    `SELECT count(*) FROM indicators ${c.where()}`,
    c.values,
    c.types,
  );
  return toNumber(reader.getRows()[0]?.[0] ?? 0);
}

function filterConditions(filter: IndicatorFilter): SqlConditions {
  const c = new SqlConditions();
  if (filter.source !== undefined) c.add(`source = ${c.param(filter.source)}`);
  if (filter.type !== undefined) c.add(`type = ${c.param(filter.type)}`);
  if (filter.activeAt !== undefined) {
    c.add(`id IN (SELECT indicator_id FROM indicators_active_at(${c.time(filter.activeAt)}))`);
  }
  return c;
}

/** Store.lookupIndicators: matches of one value, with listing periods and activity at `at`. */
export async function lookupIndicators(
  connection: DuckDBConnection,
  value: string,
  at: EpochMicros,
): Promise<IndicatorMatch[]> {
  const c = new SqlConditions();
  const matches = indicatorLookupConditions(c, value)
    .map((condition) => `SELECT * FROM indicators WHERE ${condition}`)
    .join(' UNION ');
  const atParam = c.time(at);
  const reader = await connection.runAndReadAll(
    `WITH page AS (
       FROM (${matches})
       ORDER BY source, type, value, port NULLS FIRST
       LIMIT ${LOOKUP_LIMIT}
     ), reasons AS (${allowlistReasons('page')}),
     listings AS (
       SELECT l.indicator_id,
              list({'listed_from': epoch_us(l.listed_from), 'listed_until': epoch_us(l.listed_until)}
                   ORDER BY l.listed_from) AS periods
       FROM indicator_listings l SEMI JOIN page ON page.id = l.indicator_id
       GROUP BY l.indicator_id
     ), active AS (${activeAmong('page', atParam)})
     SELECT ${INDICATOR_COLUMNS}, l.periods, a.indicator_id IS NOT NULL AS is_active
     FROM page p
     LEFT JOIN reasons r ON r.indicator_id = p.id
     LEFT JOIN listings l ON l.indicator_id = p.id
     LEFT JOIN active a ON a.indicator_id = p.id
     ORDER BY p.source, p.type, p.value, p.port NULLS FIRST`,
    c.values,
    c.types,
  );
  return reader.getRowObjects().map((row) => ({
    ...indicatorFromRow(row),
    listings: listingsFromValue(row.periods ?? null),
    isActive: row.is_active === true,
  }));
}

export async function readIndicatorStats(connection: DuckDBConnection): Promise<FeedIndicatorStats[]> {
  const reader = await connection.runAndReadAll(
    `SELECT source, type,
       count(*) FILTER (WHERE removed_at IS NULL) AS active,
       count(*) FILTER (WHERE removed_at IS NOT NULL) AS removed,
       epoch_us(max(last_listed_at)) AS last_listed_at
     FROM indicators GROUP BY source, type ORDER BY source, type`,
  );
  const bySource = new Map<string, FeedIndicatorStats>();
  for (const row of reader.getRowObjects()) {
    const source = toText(row.source);
    let stats = bySource.get(source);
    if (stats === undefined) {
      stats = { source, active: 0, removed: 0, byType: {}, lastListedAt: 0 };
      bySource.set(source, stats);
    }
    const active = toNumber(row.active);
    stats.active += active;
    stats.removed += toNumber(row.removed);
    if (active > 0) stats.byType[toText(row.type) as IndicatorType] = active;
    stats.lastListedAt = Math.max(stats.lastListedAt, toNumber(row.last_listed_at));
  }
  return [...bySource.values()];
}

function indicatorFromRow(row: Record<string, DuckDBValue>): Indicator {
  const raw = toStringOrNull(row.raw);
  return {
    id: toText(row.id),
    source: toText(row.source),
    type: toText(row.type) as IndicatorType,
    value: toText(row.value),
    port: toNumberOrNull(row.port),
    rangeStart: toStringOrNull(row.range_start_addr),
    rangeEnd: toStringOrNull(row.range_end_addr),
    threat: toStringOrNull(row.threat),
    malwareFamily: toStringOrNull(row.malware_family),
    confidence: toNumberOrNull(row.confidence),
    tags: row.tags instanceof DuckDBListValue ? row.tags.items.map(toText) : [],
    reference: toStringOrNull(row.reference),
    sourceFirstSeenAt: toNumberOrNull(row.source_first_seen_at),
    sourceLastSeenAt: toNumberOrNull(row.source_last_seen_at),
    validFrom: toNumberOrNull(row.valid_from),
    validUntil: toNumberOrNull(row.valid_until),
    revoked: row.revoked === true,
    raw: raw === null ? null : (JSON.parse(raw) as unknown),
    firstListedAt: toNumber(row.first_listed_at),
    lastListedAt: toNumber(row.last_listed_at),
    removedAt: toNumberOrNull(row.removed_at),
    allowlistReason: toStringOrNull(row.allowlist_reason ?? null),
  };
}

function listingsFromValue(value: DuckDBValue): ListingPeriod[] {
  if (!(value instanceof DuckDBListValue)) return [];
  return value.items.map((item) => {
    const entries = item instanceof DuckDBStructValue ? item.entries : {};
    return {
      listedFrom: toNumber(entries.listed_from),
      listedUntil: toNumberOrNull(entries.listed_until ?? null),
    };
  });
}
