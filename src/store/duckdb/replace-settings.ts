import { VARCHAR, type DuckDBConnection } from '@duckdb/node-api';

/**
 * Deletes the settings under `prefix` and writes `values`. Runs inside the caller's transaction.
 * Throws when a key lies outside the prefix, so one stage cannot overwrite another's settings.
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
}
