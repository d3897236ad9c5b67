import {
  StatementType,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBPreparedStatement,
} from './duckdb-api.js';
import { YamoriError } from '../../errors/index.js';
import type { QueryParam, QueryResult } from '../store.js';
import { errorMessage } from './duckdb-values.js';
import { toJsonValue } from './json-value.js';
import { explainTarget, leadingKeyword, splitSqlStatements } from '../sql-statements.js';

const READABLE_TYPE_NAMES: Partial<Record<StatementType, string>> = {
  [StatementType.VARIABLE_SET]: 'SET',
  [StatementType.LOAD]: 'INSTALL or LOAD',
  [StatementType.VACUUM]: 'VACUUM or ANALYZE',
  [StatementType.COPY_DATABASE]: 'COPY DATABASE',
  [StatementType.MERGE_INTO]: 'MERGE INTO',
  [StatementType.UPDATE_EXTENSIONS]: 'UPDATE EXTENSIONS',
};

/**
 * Runs one user statement that cannot change anything, in three layers:
 * 1. the text must hold exactly one statement, and DuckDB must classify it as SELECT (which covers
 *    WITH, FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT and read-only PRAGMAs) or as an
 *    EXPLAIN [ANALYZE] of a SELECT;
 * 2. it runs on its own connection inside a READ ONLY transaction that is always rolled back;
 * 3. the database was opened with external access off, so no statement reads or writes files.
 * Layer 1 gives the clear message; layers 2 and 3 hold if the classification ever misses a case.
 */
export async function runReadOnlyQuery(
  instance: DuckDBInstance,
  sql: string,
  params: readonly QueryParam[] | Readonly<Record<string, QueryParam>> | undefined,
): Promise<QueryResult> {
  const statements = splitSqlStatements(sql);
  if (statements.length === 0) throw new YamoriError('QUERY_INVALID', { detail: 'the query is empty.' });
  if (statements.length > 1) throw new YamoriError('QUERY_MULTIPLE_STATEMENTS', { count: statements.length });
  const connection = await instance.connect();
  try {
    await connection.run('BEGIN TRANSACTION READ ONLY');
    try {
      return await runChecked(connection, sql, params);
    } finally {
      await connection.run('ROLLBACK').catch(() => undefined);
    }
  } finally {
    connection.closeSync();
  }
}

async function runChecked(
  connection: DuckDBConnection,
  sql: string,
  params: readonly QueryParam[] | Readonly<Record<string, QueryParam>> | undefined,
): Promise<QueryResult> {
  const extracted = await invalidOnError(() => connection.extractStatements(sql));
  // A PIVOT without an explicit IN list expands into CREATE TYPE ... AS ENUM statements followed by
  // the SELECT, so one user statement can arrive here as several; only the last one is the user's.
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await prepareOrExplain(() => extracted.prepare(i), sql);
    try {
      const isLast = i === extracted.count - 1;
      if (!isLast) {
        if (prepared.statementType !== StatementType.CREATE) refuse(prepared.statementType);
        await invalidOnError(() => prepared.run());
        continue;
      }
      await checkReadOnly(connection, prepared, sql, 0);
      if (params !== undefined) bindParams(prepared, params);
      const reader = await invalidOnError(() => prepared.runAndReadAll());
      const names = reader.deduplicatedColumnNames();
      const types = reader.columnTypes();
      const columns = names.map((name, index) => ({ name, type: types[index]?.toString() ?? 'UNKNOWN' }));
      const rows = reader.getRows().map((values) => {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < names.length; c++) row[names[c]!] = toJsonValue(values[c] ?? null);
        return row;
      });
      return { columns, rows };
    } finally {
      prepared.destroySync();
    }
  }
  throw new YamoriError('QUERY_INVALID', { detail: 'the query holds no statement.' });
}

async function checkReadOnly(
  connection: DuckDBConnection,
  prepared: DuckDBPreparedStatement,
  text: string,
  depth: number,
): Promise<void> {
  const type = prepared.statementType;
  if (type === StatementType.SELECT) return;
  if (type !== StatementType.EXPLAIN || depth > 2) refuse(type);
  // EXPLAIN ANALYZE runs its statement, so what it explains must be read-only too.
  const target = explainTarget(text.slice(splitSqlStatements(text)[0]?.start ?? 0));
  if (target === null) refuse(type);
  const inner = await invalidOnError(() => connection.extractStatements(target));
  const innerPrepared = await invalidOnError(() => inner.prepare(0));
  try {
    if (
      innerPrepared.statementType !== StatementType.SELECT &&
      innerPrepared.statementType !== StatementType.EXPLAIN
    ) {
      refuse(innerPrepared.statementType, 'EXPLAIN of ');
    }
    await checkReadOnly(connection, innerPrepared, target, depth + 1);
  } finally {
    innerPrepared.destroySync();
  }
}

function bindParams(
  prepared: DuckDBPreparedStatement,
  params: readonly QueryParam[] | Readonly<Record<string, QueryParam>>,
): void {
  try {
    prepared.bind(
      Array.isArray(params) ? [...(params as QueryParam[])] : { ...(params as Record<string, QueryParam>) },
    );
  } catch (cause) {
    throw new YamoriError('QUERY_INVALID', { detail: errorMessage(cause) }, { cause });
  }
}

function refuse(type: StatementType, prefix = ''): never {
  const name = READABLE_TYPE_NAMES[type] ?? StatementType[type] ?? 'unknown';
  throw new YamoriError('QUERY_NOT_READ_ONLY', { statement: `statement of type ${prefix}${name}` });
}

// Statements DuckDB may refuse to prepare before saying what they are (COPY TO and EXPORT fail to
// bind because file access is off); the first keyword names them well enough for the message.
const WRITE_KEYWORDS = new Set([
  'ALTER',
  'ANALYZE',
  'ATTACH',
  'BEGIN',
  'CALL',
  'CHECKPOINT',
  'COMMENT',
  'COMMIT',
  'COPY',
  'CREATE',
  'DEALLOCATE',
  'DELETE',
  'DETACH',
  'DROP',
  'EXECUTE',
  'EXPORT',
  'FORCE',
  'IMPORT',
  'INSERT',
  'INSTALL',
  'LOAD',
  'MERGE',
  'PREPARE',
  'RESET',
  'ROLLBACK',
  'SET',
  'TRUNCATE',
  'UPDATE',
  'USE',
  'VACUUM',
]);

async function prepareOrExplain(
  prepare: () => Promise<DuckDBPreparedStatement>,
  sql: string,
): Promise<DuckDBPreparedStatement> {
  try {
    return await prepare();
  } catch (cause) {
    const keyword = leadingKeyword(sql.slice(splitSqlStatements(sql)[0]?.start ?? 0));
    if (keyword !== null && WRITE_KEYWORDS.has(keyword)) {
      throw new YamoriError('QUERY_NOT_READ_ONLY', { statement: `statement of type ${keyword}` }, { cause });
    }
    throw new YamoriError('QUERY_INVALID', { detail: errorMessage(cause) }, { cause });
  }
}

async function invalidOnError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw new YamoriError('QUERY_INVALID', { detail: errorMessage(cause) }, { cause });
  }
}
