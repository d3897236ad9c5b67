import { isYamoriError, YamoriError } from '../../errors/index.js';
import type { EpochMicros } from '../../records/index.js';
import { isoFromMicros } from '../duckdb/json-value.js';
import type {
  QueryColumn,
  RuleQueryLimits,
  RuleQueryParams,
  RuleQueryResult,
  RuleQueryShape,
} from '../store.js';
import { bq, type BqParamValue, type BqValue } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';
import { readBigQueryRuleSql, RuleSqlShapeError, type BigQueryRuleSql } from './rule-sql.js';

/**
 * Runs a rule's SELECT on BigQuery as `SELECT * FROM (rule) LIMIT maxRows + 1`: only a query parses
 * there (DML, DDL and scripts do not), and BigQuery stops once it has one row too many. Parameters are
 * `@name` (rule.bigquery.sql) or `$name` (a rule.sql that runs unchanged), bound as TIMESTAMP. Past
 * the time limit the job is cancelled and QUERY_TIMEOUT thrown.
 */
export async function runBigQueryRuleQuery(
  connection: BigQueryConnection,
  sql: string,
  params: RuleQueryParams,
  limits: RuleQueryLimits,
): Promise<RuleQueryResult> {
  const rule = readRule(sql, connection.isEmulator);
  const maxRows = Math.max(0, Math.floor(limits.maxRows));
  // The rule starts on the wrapper's first line, so BigQuery's "[at line:column]" is the rule file's.
  const wrapped = `SELECT * FROM (${rule.body}\n) AS rule_result LIMIT ${maxRows + 1}`;
  try {
    const result = await connection.query(wrapped, bindInstants(rule, params), {
      what: 'a rule query',
      timeoutMs: limits.timeoutMs,
      maxRows,
      invalidAsQueryError: true,
    });
    return { ...readResult(result.columns, result.rows), truncated: result.truncated };
  } catch (cause) {
    if (isYamoriError(cause) && cause.code === 'QUERY_TIMEOUT') {
      throw new YamoriError('QUERY_TIMEOUT', { limit: formatMs(limits.timeoutMs) }, { cause });
    }
    throw cause;
  }
}

/**
 * Parameters, relations and table functions read from the text (rule-sql.ts); columns from a run
 * with every parameter at `probeAt` and LIMIT 0, which reads no data.
 */
export async function describeBigQueryRuleQuery(
  connection: BigQueryConnection,
  sql: string,
  probeAt: EpochMicros,
): Promise<RuleQueryShape> {
  const rule = readRule(sql, connection.isEmulator);
  const params = Object.fromEntries(rule.parameters.map((p) => [p.name, probeAt]));
  const result = await connection.query(
    `SELECT * FROM (${rule.body}\n) AS rule_result LIMIT 0`,
    bindInstants(rule, params),
    { what: 'a rule query', invalidAsQueryError: true },
  );
  return {
    parameters: rule.parameters.map((p) => p.name),
    relations: rule.relations,
    tableFunctions: rule.tableFunctions,
    columns: result.columns,
  };
}

/**
 * What a BigQuery rule query needs and reads, from its text alone (no BigQuery): parameters,
 * relations and table functions. Throws QUERY_INVALID or QUERY_MULTIPLE_STATEMENTS as runRuleQuery.
 */
export function inspectBigQueryRuleQuery(sql: string): Omit<RuleQueryShape, 'columns'> {
  const rule = readRule(sql);
  return {
    parameters: rule.parameters.map((p) => p.name),
    relations: rule.relations,
    tableFunctions: rule.tableFunctions,
  };
}

function readRule(sql: string, castParameters = false): BigQueryRuleSql {
  try {
    return readBigQueryRuleSql(sql, { castParameters });
  } catch (error) {
    if (!(error instanceof RuleSqlShapeError)) throw error;
    if (error.statements === 0) throw new YamoriError('QUERY_INVALID', { detail: 'the query is empty.' });
    throw new YamoriError('QUERY_MULTIPLE_STATEMENTS', { count: error.statements });
  }
}

function bindInstants(rule: BigQueryRuleSql, params: RuleQueryParams): Record<string, BqParamValue> {
  const bound: Record<string, BqParamValue> = {};
  for (const { name, spelling } of rule.parameters) {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined) {
      const known = Object.keys(params).map((key) => `${spelling}${key}`);
      throw new YamoriError('QUERY_INVALID', {
        detail: `the query uses ${spelling}${name}, which is not given${known.length > 0 ? ` (given: ${known.join(', ')})` : ''}.`,
      });
    }
    if (!Number.isFinite(value)) {
      throw new YamoriError('QUERY_INVALID', {
        detail: `${spelling}${name} is not an instant (${String(value)}).`,
      });
    }
    bound[name] = bq.timestamp(value);
  }
  return bound;
}

/** Rows as JSON values, as DuckDB's rule queries return them: instants as ISO text, big integers as text. */
export function readResult(
  columns: readonly QueryColumn[],
  rows: readonly Record<string, BqValue>[],
): { columns: QueryColumn[]; rows: Record<string, unknown>[] } {
  const types = new Map(columns.map((column) => [column.name, column.type]));
  return {
    columns: [...columns],
    rows: rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(row)) out[name] = toJson(value, types.get(name) ?? '');
      return out;
    }),
  };
}

function toJson(value: BqValue, type: string): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) {
    const element = /^ARRAY<(.*)>$/.exec(type)?.[1] ?? '';
    return value.map((item) => toJson(item, element));
  }
  if (type === 'TIMESTAMP' && typeof value === 'number') return isoFromMicros(BigInt(Math.round(value)));
  if (typeof value === 'bigint') {
    if (type === 'NUMERIC' || type === 'BIGNUMERIC') return Number(value);
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if ((type === 'NUMERIC' || type === 'BIGNUMERIC') && typeof value === 'string') return Number(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) out[key] = toJson(entry, '');
    return out;
  }
  return value;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
