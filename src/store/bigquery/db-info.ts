import type { DbInfo, TableInfo } from '../store.js';
import type { BigQueryConnection } from './connection.js';
import { readBigQuerySchemaVersion } from './schema.js';
import { num, numOrNull, text } from './sql-conditions.js';

/**
 * What `yamori db info` shows for a dataset: every table and view with its columns (from a
 * `LIMIT 0` query, which BigQuery answers from the schema without reading or billing data), row
 * counts of tables, the schema version and the time range of flows. `views` names the relations that
 * are views: the emulator lists views made with SQL as tables.
 */
export async function readBigQueryInfo(
  connection: BigQueryConnection,
  views: ReadonlySet<string>,
): Promise<DbInfo> {
  let names: { name: string; isView: boolean }[];
  try {
    const [listed] = await connection.client.dataset(connection.target.dataset).getTables();
    names = listed
      .map((t) => ({
        name: t.id ?? '',
        isView: views.has(t.id ?? '') || (t.metadata as { type?: string } | undefined)?.type === 'VIEW',
      }))
      .filter((t) => t.name !== '')
      .sort((a, b) => Number(a.isView) - Number(b.isView) || a.name.localeCompare(b.name));
  } catch (cause) {
    throw connection.wrap(cause, 'the listing of tables', false);
  }
  const tables: TableInfo[] = [];
  for (const { name, isView } of names) {
    const shape = await connection.query(
      `SELECT * FROM \`${name}\` LIMIT 0`,
      {},
      { what: `the columns of ${name}` },
    );
    tables.push({ name, kind: isView ? 'view' : 'table', rows: null, columns: shape.columns });
  }
  const counted = tables.filter((t) => t.kind === 'table');
  if (counted.length > 0) {
    const counts = await connection.query(
      counted.map((t) => `SELECT '${t.name}' AS name, COUNT(*) AS n FROM \`${t.name}\``).join(' UNION ALL '),
      {},
      { what: 'the row counts of the tables' },
    );
    const byName = new Map(counts.rows.map((row) => [text(row['name']), num(row['n'])]));
    for (const table of counted) table.rows = byName.get(table.name) ?? 0;
  }
  const range = await connection.query(
    'SELECT MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at FROM flows',
    {},
    { what: 'the time range of flows' },
  );
  const first = numOrNull(range.rows[0]?.['first_seen_at']);
  const last = numOrNull(range.rows[0]?.['last_seen_at']);
  return {
    backend: 'bigquery',
    engineVersion: connection.isEmulator ? 'BigQuery emulator' : 'BigQuery',
    path: connection.description,
    fileSizeBytes: null,
    walSizeBytes: null,
    schemaVersion: await readBigQuerySchemaVersion(connection),
    tables,
    flowTimeRange: first === null || last === null ? null : { firstSeenAt: first, lastSeenAt: last },
  };
}
