import {
  StatementType,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBPreparedStatement,
} from './duckdb-api.js';
import { isYamoriError, YamoriError } from '../../errors/index.js';
import type { EpochMicros } from '../../records/index.js';
import type {
  QueryColumn,
  RuleQueryLimits,
  RuleQueryParams,
  RuleQueryResult,
  RuleQueryShape,
} from '../store.js';
import { errorMessage, timestampTz } from './duckdb-values.js';
import { toJsonValue } from './json-value.js';
import { splitSqlStatements } from '../sql-statements.js';

/**
 * Runs a rule's SELECT on a connection of its own, in a READ ONLY transaction that is always rolled
 * back. The statement is wrapped as `SELECT * FROM (rule) LIMIT maxRows + 1`, which both proves it is a
 * query (anything else does not parse there) and lets DuckDB stop once it has one row too many. Past
 * the time limit the connection is interrupted, which DuckDB honours between vectors of work.
 */
export async function runRuleQuery(
  instance: DuckDBInstance,
  sql: string,
  params: RuleQueryParams,
  limits: RuleQueryLimits,
): Promise<RuleQueryResult> {
  // The text up to the end of the statement, leading comments kept, so DuckDB's "LINE n" in an error
  // is the line of the rule's file.
  const body = ruleBody(sql);
  const wrapped = `SELECT * FROM (${body}\n) AS rule_result LIMIT ${Math.max(0, Math.floor(limits.maxRows)) + 1}`;
  return withReadOnlyConnection(instance, async (connection) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, limits.timeoutMs);
    try {
      const prepared = await prepare(connection, wrapped);
      try {
        bindInstants(prepared, params);
        const reader = await invalidOnError(() => prepared.runAndReadAll());
        const result = readResult(reader.deduplicatedColumnNames(), reader.columnTypes(), reader.getRows());
        const truncated = result.rows.length > limits.maxRows;
        if (truncated) result.rows.length = limits.maxRows;
        return { ...result, truncated };
      } finally {
        prepared.destroySync();
      }
    } catch (cause) {
      if (timedOut) {
        throw new YamoriError('QUERY_TIMEOUT', { limit: formatMs(limits.timeoutMs) }, { cause });
      }
      throw cause;
    } finally {
      clearTimeout(timer);
    }
  });
}

/**
 * The parameters, relations, table functions and result columns of a rule query. Relations come from
 * DuckDB's own parse tree (json_serialize_sql), so names inside strings or comments never count; the
 * columns from running it with every parameter at `probeAt` and LIMIT 0.
 */
export async function describeRuleQuery(
  instance: DuckDBInstance,
  sql: string,
  probeAt: EpochMicros,
): Promise<RuleQueryShape> {
  const body = ruleBody(sql);
  return withReadOnlyConnection(instance, async (connection) => {
    const prepared = await prepare(connection, body);
    const parameters: string[] = [];
    try {
      if (prepared.statementType !== StatementType.SELECT) {
        throw new YamoriError('QUERY_NOT_READ_ONLY', {
          statement: `statement of type ${StatementType[prepared.statementType] ?? 'unknown'}`,
        });
      }
      for (let i = 1; i <= prepared.parameterCount; i++) parameters.push(prepared.parameterName(i));
    } finally {
      prepared.destroySync();
    }
    const tree = await serializeSql(connection, body);
    const probe = await prepare(connection, `SELECT * FROM (${body}\n) AS rule_result LIMIT 0`);
    try {
      bindInstants(probe, Object.fromEntries(parameters.map((name) => [name, probeAt])));
      const reader = await invalidOnError(() => probe.runAndReadAll());
      const columns = readResult(reader.deduplicatedColumnNames(), reader.columnTypes(), []).columns;
      return { parameters, ...tree, columns };
    } finally {
      probe.destroySync();
    }
  });
}

function ruleBody(sql: string): string {
  const statements = splitSqlStatements(sql);
  if (statements.length === 0) throw new YamoriError('QUERY_INVALID', { detail: 'the query is empty.' });
  if (statements.length > 1) throw new YamoriError('QUERY_MULTIPLE_STATEMENTS', { count: statements.length });
  return sql.slice(0, statements[0]!.end);
}

async function withReadOnlyConnection<T>(
  instance: DuckDBInstance,
  use: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const connection = await instance.connect();
  try {
    await connection.run('BEGIN TRANSACTION READ ONLY');
    try {
      return await use(connection);
    } finally {
      await connection.run('ROLLBACK').catch(() => undefined);
    }
  } finally {
    connection.closeSync();
  }
}

async function prepare(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  return invalidOnError(() => connection.prepare(sql));
}

function bindInstants(prepared: DuckDBPreparedStatement, params: RuleQueryParams): void {
  for (let i = 1; i <= prepared.parameterCount; i++) {
    const name = prepared.parameterName(i);
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined) {
      const known = Object.keys(params).map((key) => `$${key}`);
      throw new YamoriError('QUERY_INVALID', {
        detail: `the query uses $${name}, which is not given${known.length > 0 ? ` (given: ${known.join(', ')})` : ''}.`,
      });
    }
    prepared.bindTimestampTZ(i, timestampTz(value));
  }
}

function readResult(
  names: readonly string[],
  types: readonly { toString(): string }[],
  rows: readonly (readonly unknown[])[],
) {
  const columns: QueryColumn[] = names.map((name, index) => ({
    name,
    type: types[index]?.toString() ?? 'UNKNOWN',
  }));
  const objects = rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = toJsonValue((values[c] ?? null) as never);
    return row;
  });
  return { columns, rows: objects };
}

interface SqlTree {
  relations: string[];
  tableFunctions: string[];
}

async function serializeSql(connection: DuckDBConnection, body: string): Promise<SqlTree> {
  // json_serialize_sql takes only a constant, so the text goes in as a string literal.
  const literal = `'${body.replace(/'/g, "''")}'`;
  const reader = await invalidOnError(() =>
    connection.runAndReadAll(`SELECT CAST(json_serialize_sql(${literal}) AS VARCHAR)`),
  );
  const text = reader.getRows()[0]?.[0];
  const tree: unknown = typeof text === 'string' ? JSON.parse(text) : null;
  const relations = new Set<string>();
  const functions = new Set<string>();
  const ctes = new Set<string>();
  walk(tree, (node) => {
    if (node['type'] === 'BASE_TABLE' && typeof node['table_name'] === 'string') {
      relations.add(node['table_name'].toLowerCase());
    }
    if (node['type'] === 'TABLE_FUNCTION') {
      const call = node['function'] as Record<string, unknown> | undefined;
      if (typeof call?.['function_name'] === 'string') functions.add(call['function_name'].toLowerCase());
    }
    const map = (node['cte_map'] as { map?: { key?: unknown }[] } | undefined)?.map;
    for (const entry of map ?? []) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
  });
  return {
    relations: [...relations].filter((name) => !ctes.has(name)).sort(),
    tableFunctions: [...functions].sort(),
  };
}

function walk(value: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
  } else if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    visit(node);
    for (const child of Object.values(node)) walk(child, visit);
  }
}

async function invalidOnError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (isYamoriError(cause)) throw cause;
    throw new YamoriError('QUERY_INVALID', { detail: errorMessage(cause) }, { cause });
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
