import { VARCHAR, type DuckDBConnection } from './duckdb-api.js';
import { GRACE_FINGERPRINT, readFingerprint, refreshAllMatches } from './indicator-match-periods.js';

/**
 * Deletes the settings under `prefix` and writes `values`, unless they are exactly what is stored. Runs
 * inside the caller's transaction.
 * Throws when a key lies outside the prefix, so one stage cannot overwrite another's settings. A
 * prefix that covers `intel.grace_period_h` and changes it recomputes `indicator_match_periods`.
 */
export async function replaceSettings(
  connection: DuckDBConnection,
  prefix: string,
  values: Readonly<Record<string, string>>,
): Promise<void> {
  if (prefix === '') throw new Error('a settings prefix must not be empty');
  for (const key of Object.keys(values)) {
    if (!key.startsWith(prefix)) throw new Error(`the setting "${key}" is not under "${prefix}"`);
  }
  // The same keys and values stored already (`feeds update` writes its settings on every run):
  // nothing to write.
  const stored = await connection.runAndReadAll(
    'SELECT key, value FROM settings WHERE starts_with(key, $prefix) ORDER BY key',
    { prefix },
    { prefix: VARCHAR },
  );
  const wanted = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const storedRows = stored.getRows();
  if (
    storedRows.length === wanted.length &&
    storedRows.every(([key, value], i) => key === wanted[i]![0] && value === wanted[i]![1])
  ) {
    return;
  }
  const isGraceCovered = 'intel.grace_period_h'.startsWith(prefix);
  const graceBefore = isGraceCovered ? await readFingerprint(connection, GRACE_FINGERPRINT) : '';
  await connection.run(
    'DELETE FROM settings WHERE starts_with(key, $prefix)',
    { prefix },
    { prefix: VARCHAR },
  );
  for (const [key, value] of Object.entries(values)) {
    await connection.run(
      'INSERT INTO settings (key, value) VALUES ($key, $value)',
      { key, value },
      { key: VARCHAR, value: VARCHAR },
    );
  }
  if (isGraceCovered && (await readFingerprint(connection, GRACE_FINGERPRINT)) !== graceBefore) {
    await refreshAllMatches(connection, { allowlist: false });
  }
}
