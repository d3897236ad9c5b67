import {
  BOOLEAN,
  INTEGER,
  LIST,
  listValue,
  UHUGEINT,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from './duckdb-api.js';
import type { AllowlistEntry } from '../store.js';
import {
  ALLOWLIST_FINGERPRINT,
  GRACE_FINGERPRINT,
  readFingerprint,
  refreshAllMatches,
} from './indicator-match-periods.js';
import { indicatorRange } from './indicator-range.js';

const ADDRESS_TYPES = new Set(['ipv4', 'ipv6', 'cidr']);

/**
 * Replaces the allow-list with `entries`, their order kept as `position` (the first entry covering an
 * indicator gives its reason). Values are normalised as indicator values are: lowercase, and a domain
 * loses its final dot; URLs are kept as given. Throws on an address entry that is not an address or
 * network, as it would silently cover nothing. When the stored list changed, `indicator_allowlist`
 * and `indicator_match_periods` are computed again; when it is the stored one row for row (every
 * `feeds update` sets it), nothing is written, so a command that changes nothing else leaves the
 * database file without a write to checkpoint. Runs inside the caller's transaction.
 */
export async function replaceAllowlist(
  connection: DuckDBConnection,
  entries: readonly AllowlistEntry[],
): Promise<void> {
  const columns = allowlistColumns(entries);
  if (await isStoredAllowlist(connection, columns)) return;
  const before = await readFingerprint(connection, ALLOWLIST_FINGERPRINT);
  await writeAllowlist(connection, columns);
  if ((await readFingerprint(connection, ALLOWLIST_FINGERPRINT)) !== before) {
    await refreshAllMatches(connection, { allowlist: true });
  }
}

type AllowlistColumns = Record<string, [DuckDBType, DuckDBValue[]]>;

/** The rows of `entries` as the table's columns, in its order; throws on an address that is none. */
function allowlistColumns(entries: readonly AllowlistEntry[]): AllowlistColumns {
  const columns: AllowlistColumns = {
    position: [INTEGER, []],
    type: [VARCHAR, []],
    value: [VARCHAR, []],
    range_start: [UHUGEINT, []],
    range_end: [UHUGEINT, []],
    match_overlapping: [BOOLEAN, []],
    reason: [VARCHAR, []],
    source: [VARCHAR, []],
  };
  const push = (name: string, value: DuckDBValue): void => {
    columns[name]![1].push(value);
  };
  entries.forEach((entry, position) => {
    const value = normaliseAllowlistValue(entry.type, entry.value);
    const range = indicatorRange(entry.type, value);
    if (range === null && ADDRESS_TYPES.has(entry.type)) {
      throw new Error(`allow-list entry ${position + 1} (${entry.type} "${entry.value}") is not an address`);
    }
    push('position', position);
    push('type', entry.type);
    push('value', value);
    push('range_start', range?.start ?? null);
    push('range_end', range?.end ?? null);
    push('match_overlapping', entry.matchOverlapping === true && range !== null);
    push('reason', entry.reason);
    push('source', entry.source);
  });
  return columns;
}

/** Whether `allowlist` holds exactly the rows of `columns`, every column equal, in order. */
async function isStoredAllowlist(connection: DuckDBConnection, columns: AllowlistColumns): Promise<boolean> {
  const names = Object.keys(columns);
  const reader = await connection.runAndReadAll(
    `SELECT ${names.join(', ')} FROM allowlist ORDER BY position`,
  );
  const stored = reader.getRows();
  const count = columns.position![1].length;
  if (stored.length !== count) return false;
  const cell = (value: DuckDBValue | undefined): string =>
    value === null || value === undefined ? '\u0000null' : `${typeof value}:${String(value)}`;
  return stored.every((row, i) => names.every((name, c) => cell(row[c]) === cell(columns[name]![1][i])));
}

async function writeAllowlist(connection: DuckDBConnection, columns: AllowlistColumns): Promise<void> {
  await connection.run('DELETE FROM allowlist');
  if (columns.position![1].length === 0) return;
  const names = Object.keys(columns);
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of names) {
    const [type, items] = columns[name]!;
    values[name] = listValue(items);
    types[name] = LIST(type);
  }
  await connection.run(
    `INSERT INTO allowlist (${names.join(', ')}) SELECT ${names.map((n) => `unnest($${n})`).join(', ')}`,
    values,
    types,
  );
}

function normaliseAllowlistValue(type: string, value: string): string {
  const trimmed = value.trim();
  if (type === 'url') return trimmed;
  const lower = trimmed.toLowerCase();
  return type === 'domain' && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Stores intel.grace_period_h where `indicator_validity` reads it (unless that text is stored already),
 * and computes `indicator_match_periods` again when the value changed. Runs inside the caller's transaction.
 */
export async function saveGracePeriod(connection: DuckDBConnection, hours: number): Promise<void> {
  if (!Number.isFinite(hours) || hours < 0) {
    throw new Error(`the grace period must be a number of hours of 0 or more, not ${hours}`);
  }
  const stored = await connection.runAndReadAll(
    "SELECT value FROM settings WHERE key = 'intel.grace_period_h'",
  );
  // The same text stored already (every `feeds update` sets it): nothing to write.
  if (stored.getRows()[0]?.[0] === String(hours)) return;
  const before = await readFingerprint(connection, GRACE_FINGERPRINT);
  await connection.run(
    "INSERT OR REPLACE INTO settings (key, value) VALUES ('intel.grace_period_h', $hours)",
    { hours: String(hours) },
    { hours: VARCHAR },
  );
  if ((await readFingerprint(connection, GRACE_FINGERPRINT)) !== before) {
    await refreshAllMatches(connection, { allowlist: false });
  }
}
