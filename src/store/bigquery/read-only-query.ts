import { YamoriError } from '../../errors/index.js';
import { isoFromMicros } from '../duckdb/json-value.js';
import { leadingKeyword, scanSql, splitSqlStatements } from '../sql-statements.js';
import type { QueryParam, QueryResult } from '../store.js';
import { bq, type BqParamValue, type BqValue } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';

/** Where `query()` stops waiting. */
const QUERY_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs one user statement that cannot change anything. GoogleSQL has no data-modifying WITH, no
 * EXPLAIN and no read-only transactions: a single statement that starts with SELECT, WITH or "(" is a
 * query, and anything else (DML, DDL, scripts, BEGIN, CALL, EXPORT DATA …) is refused before it is
 * sent. Parameters: `@name` with a record, `?` (or `$1`, `$2` …) with an array, `$name` as on DuckDB;
 * all are sent as named parameters.
 */
export async function runBigQueryReadOnlyQuery(
  connection: BigQueryConnection,
  sql: string,
  params: readonly QueryParam[] | Readonly<Record<string, QueryParam>> | undefined,
): Promise<QueryResult> {
  const statements = splitSqlStatements(sql, 'bigquery');
  if (statements.length === 0) throw new YamoriError('QUERY_INVALID', { detail: 'the query is empty.' });
  if (statements.length > 1) throw new YamoriError('QUERY_MULTIPLE_STATEMENTS', { count: statements.length });
  const statement = sql.slice(statements[0]!.start, statements[0]!.end);
  const first = scanSql(statement, 'bigquery')[0];
  const keyword = leadingKeyword(statement, 'bigquery');
  const isParenthesised = first?.kind === 'symbol' && statement[first.start] === '(';
  if (!isParenthesised && keyword !== 'SELECT' && keyword !== 'WITH') {
    throw new YamoriError('QUERY_NOT_READ_ONLY', { statement: `statement of type ${keyword ?? 'unknown'}` });
  }
  const bound = bindParameters(statement, params);
  const result = await connection.query(bound.sql, bound.params, {
    what: 'a query',
    timeoutMs: QUERY_TIMEOUT_MS,
    invalidAsQueryError: true,
  });
  return {
    columns: result.columns,
    rows: result.rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const column of result.columns) out[column.name] = toJson(row[column.name] ?? null, column.type);
      return out;
    }),
  };
}

/** Rewrites `?`, `$1` and `$name` placeholders to named ones and types the values. */
function bindParameters(
  sql: string,
  params: readonly QueryParam[] | Readonly<Record<string, QueryParam>> | undefined,
): { sql: string; params: Record<string, BqParamValue> } {
  const named: Record<string, BqParamValue> = {};
  const positional = Array.isArray(params) ? (params as readonly QueryParam[]) : null;
  if (params !== undefined && positional === null) {
    for (const [name, value] of Object.entries(params)) named[name] = typedParam(value);
  }
  let out = '';
  let from = 0;
  let nextPosition = 0;
  const tokens = scanSql(sql, 'bigquery');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const char = sql[token.start];
    let replacement: string | null = null;
    let end = token.end;
    if (token.kind === 'symbol' && char === '?') {
      replacement = positionalName(nextPosition++);
    } else if (token.kind === 'symbol' && char === '$') {
      const after = tokens[i + 1];
      if (after !== undefined && after.start === token.end) {
        const name = sql.slice(after.start, after.end);
        replacement = /^\d+$/.test(name) ? positionalName(Number(name) - 1) : `@${name}`;
        end = after.end;
        i++;
      }
    }
    if (replacement === null) continue;
    out += sql.slice(from, token.start) + replacement;
    from = end;
  }
  out += sql.slice(from);
  if (positional !== null) {
    positional.forEach((value, index) => {
      named[positionalName(index).slice(1)] = typedParam(value);
    });
  }
  return { sql: out, params: named };
}

function positionalName(index: number): string {
  return `@yamori_p${index + 1}`;
}

function typedParam(value: QueryParam): BqParamValue {
  return value === null ? bq.string(null) : value;
}

/** As DuckDB's `query()` gives values: instants as ISO 8601, integers past 2^53 as text. */
function toJson(value: BqValue, type: string): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) {
    const element = /^ARRAY<(.*)>$/.exec(type)?.[1] ?? type;
    return value.map((item) => toJson(item, element));
  }
  if (type === 'TIMESTAMP' && typeof value === 'number') return isoFromMicros(BigInt(value));
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toJson(inner, '');
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}
