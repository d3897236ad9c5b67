import { indicatorRange } from '../duckdb/indicator-range.js';
import type { AllowlistEntry } from '../store.js';
import { addressNumberHex } from './address-hex.js';
import { bq } from './bigquery-values.js';
import { text } from './feed-runs.js';
import type { IntelDb } from './intel-db.js';
import { BqConditions } from './indicator-lookup.js';

const ADDRESS_TYPES = new Set(['ipv4', 'ipv6', 'cidr']);

/**
 * Replaces the allow-list with `entries` in one transaction, their order kept as `position`. Values are
 * normalised as the DuckDB store does (lowercase; a domain loses its final dot; URLs kept as given).
 * Throws before writing on an address entry that is not an address or network.
 */
export async function replaceAllowlist(db: IntelDb, entries: readonly AllowlistEntry[]): Promise<void> {
  const c = new BqConditions();
  const rows = entries.map((entry, position) => {
    const value = normaliseAllowlistValue(entry.type, entry.value);
    const range = indicatorRange(entry.type, value);
    if (range === null && ADDRESS_TYPES.has(entry.type)) {
      throw new Error(`allow-list entry ${position + 1} (${entry.type} "${entry.value}") is not an address`);
    }
    return `(${[
      c.typed(bq.int64(position), 'INT64'),
      c.typed(entry.type, 'STRING'),
      c.typed(value, 'STRING'),
      c.typed(bq.string(range === null ? null : addressNumberHex(range.start)), 'STRING'),
      c.typed(bq.string(range === null ? null : addressNumberHex(range.end)), 'STRING'),
      c.typed(entry.matchOverlapping === true && range !== null, 'BOOL'),
      c.typed(entry.reason, 'STRING'),
      c.typed(entry.source, 'STRING'),
    ].join(', ')})`;
  });
  const table = db.table('allowlist');
  const statements = [`DELETE FROM ${table} WHERE TRUE`];
  if (rows.length > 0) {
    statements.push(
      `INSERT INTO ${table} (position, type, value, range_start, range_end, match_overlapping, reason, source)
       VALUES ${rows.join(',\n')}`,
    );
  }
  await db.transaction(statements, c.params);
}

function normaliseAllowlistValue(type: string, value: string): string {
  const trimmed = value.trim();
  if (type === 'url') return trimmed;
  const lower = trimmed.toLowerCase();
  return type === 'domain' && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Stores intel.grace_period_h where `indicator_validity` reads it. */
export async function saveGracePeriod(db: IntelDb, hours: number): Promise<void> {
  if (!Number.isFinite(hours) || hours < 0) {
    throw new Error(`the grace period must be a number of hours of 0 or more, not ${hours}`);
  }
  await replaceSettings(db, 'intel.grace_period_h', { 'intel.grace_period_h': String(hours) });
}

/**
 * Deletes the settings under `prefix` and writes `values`, in one transaction. Throws before writing
 * when a key lies outside the prefix, so one stage cannot overwrite another's settings.
 */
export async function replaceSettings(
  db: IntelDb,
  prefix: string,
  values: Readonly<Record<string, string>>,
): Promise<void> {
  if (prefix === '') throw new Error('a settings prefix must not be empty');
  for (const key of Object.keys(values)) {
    if (!key.startsWith(prefix)) throw new Error(`the setting "${key}" is not under "${prefix}"`);
  }
  const c = new BqConditions();
  const table = db.table('settings');
  const statements = [`DELETE FROM ${table} WHERE STARTS_WITH(key, ${c.param(prefix)})`];
  const rows = Object.entries(values).map(
    ([key, value]) => `(${c.typed(key, 'STRING')}, ${c.typed(value, 'STRING')})`,
  );
  if (rows.length > 0) statements.push(`INSERT INTO ${table} (key, value) VALUES ${rows.join(', ')}`);
  await db.transaction(statements, c.params);
}

/** Settings whose key starts with `prefix`, by key. */
export async function readSettings(db: IntelDb, prefix: string): Promise<Record<string, string>> {
  const rows = await db.query(
    `SELECT key, value FROM ${db.table('settings')} WHERE STARTS_WITH(key, @prefix) ORDER BY key`,
    { prefix },
  );
  return Object.fromEntries(rows.map((row) => [text(row.key), text(row.value)]));
}
