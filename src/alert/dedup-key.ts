/**
 * The key that makes one alert of a rule: the dedup columns' values, as JSON, in the rule's column
 * order. Lists are sorted first, so a set of indicators returned in another order is the same key.
 */
export function dedupKey(columns: readonly string[], row: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(
    columns.map((column) => {
      const value = row[column] ?? null;
      return Array.isArray(value) ? (value as unknown[]).map((item) => JSON.stringify(item)).sort() : value;
    }),
  );
}
