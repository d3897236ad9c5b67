import type { DuckDBConnection } from './duckdb-api.js';
import type { DbInfo, TableInfo } from '../store.js';
import { toNumber, toText } from './duckdb-values.js';
import { readSchemaVersion } from './migrations.js';

/** What `yamori db info` shows: file, schema version, every table and view with its columns. */
export async function readDbInfo(
  connection: DuckDBConnection,
  path: string,
  absolutePath: string | null,
  fileSize: (path: string) => number,
): Promise<DbInfo> {
  const version = await connection.runAndReadAll('SELECT version()');
  const relations = await connection.runAndReadAll(
    `SELECT table_name AS name, 'table' AS kind FROM duckdb_tables()
       WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
     UNION ALL
     SELECT view_name, 'view' FROM duckdb_views()
       WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
     ORDER BY kind, name`,
  );
  const columns = await connection.runAndReadAll(
    `SELECT table_name, column_name, data_type FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = 'main'
     ORDER BY table_name, column_index`,
  );
  const tables = new Map<string, TableInfo>();
  for (const row of relations.getRowObjects()) {
    const name = toText(row.name);
    tables.set(name, { name, kind: row.kind === 'view' ? 'view' : 'table', rows: null, columns: [] });
  }
  for (const row of columns.getRowObjects()) {
    tables
      .get(toText(row.table_name))
      ?.columns.push({ name: toText(row.column_name), type: toText(row.data_type) });
  }
  for (const table of tables.values()) {
    if (table.kind !== 'table') continue;
    const count = await connection.runAndReadAll(`SELECT count(*) FROM "${table.name.replace(/"/g, '""')}"`);
    table.rows = toNumber(count.getRows()[0]?.[0] ?? 0);
  }
  const range = await connection.runAndReadAll(
    'SELECT epoch_us(min(first_seen_at)), epoch_us(max(last_seen_at)) FROM flows',
  );
  const [first, last] = range.getRows()[0] ?? [null, null];
  return {
    backend: 'duckdb',
    engineVersion: toText(version.getRows()[0]?.[0]),
    path,
    fileSizeBytes: absolutePath === null ? null : fileSize(absolutePath),
    walSizeBytes: absolutePath === null ? null : fileSize(`${absolutePath}.wal`),
    schemaVersion: await readSchemaVersion(connection),
    tables: [...tables.values()],
    flowTimeRange:
      first === null || first === undefined || last === null || last === undefined
        ? null
        : { firstSeenAt: toNumber(first), lastSeenAt: toNumber(last) },
  };
}
