import { FLOW_LOG_COLUMNS } from '../records/index.js';

/** The overseer tables an imported query may name: the flow log and the per-feed compatibility views. */
export const OVERSEER_TABLES = ['flow_logs', 'abusech_feodo', 'abusech_urlhaus', 'spamhaus_drop'] as const;

export type SqlDialect = 'duckdb' | 'bigquery';

/**
 * An overseer query (BigQuery SQL over the whole `flow_logs` table) as a Yamori rule query over one
 * window: `flow_logs` becomes a CTE of the flows that arrived in the window (its 13 columns, by
 * `ingested_at`), CURRENT_TIMESTAMP() becomes the window's end, and the query runs inside it
 * unchanged otherwise. `missingTimes` names the contract columns the query does not return; each is
 * added as the window's bound (first_seen_at: its start, last_seen_at: its end).
 */
export function windowOverseerQuery(
  query: string,
  dialect: SqlDialect,
  source: string,
  missingTimes: readonly ('first_seen_at' | 'last_seen_at')[] = [],
): string {
  const p = dialect === 'duckdb' ? '$' : '@';
  const body = dialect === 'duckdb' ? toDuckDb(query) : toBigQuery(query);
  // The emulator cannot tell a parameter's type from a bare select item, so BigQuery gets a CAST.
  const bound = (name: string): string => (dialect === 'duckdb' ? `$${name}` : `CAST(@${name} AS TIMESTAMP)`);
  const extra = missingTimes
    .map((column) => `, ${bound(column === 'first_seen_at' ? 'window_start' : 'window_end')} AS ${column}`)
    .join('');
  return [
    `-- Imported from the overseer rule ${source}`,
    '-- by "yamori rules import-overseer". The overseer query read the whole flow_logs table; here',
    '-- flow_logs holds the flows that arrived in the window the engine gives each run, and',
    '-- CURRENT_TIMESTAMP() is the end of that window, so every flow is checked once.',
    ...(missingTimes.length > 0
      ? [`-- The query returns no ${missingTimes.join(' or ')}: the window's bounds stand in.`]
      : []),
    'WITH flow_logs AS (',
    `  SELECT ${FLOW_LOG_COLUMNS.join(', ')}`,
    '  FROM flows',
    `  WHERE ingested_at >= ${p}window_start AND ingested_at < ${p}window_end`,
    ')',
    `SELECT *${extra} FROM (`,
    body.trim(),
    ') AS overseer_rule',
    '',
  ].join('\n');
}

/**
 * BigQuery SQL to DuckDB SQL, for the constructs overseer rules use: qualified and back-quoted table
 * names, CURRENT_TIMESTAMP() (the window's end), TIMESTAMP_ADD/SUB, DATETIME_ADD/SUB, DATE_ADD/SUB and
 * TIMESTAMP_DIFF, SAFE_CAST, LOGICAL_AND/OR and FLOAT64. Strings and comments are left alone. What
 * else differs is left as written, and the importer reports it when DuckDB cannot bind it.
 */
export function toDuckDb(query: string): string {
  let sql = toBigQuery(query, '$');
  sql = replaceCode(sql, /`([^`]+)`/g, (_, name: string) => `"${name}"`);
  for (const [name, operator] of [
    ['TIMESTAMP_SUB', '-'],
    ['TIMESTAMP_ADD', '+'],
    ['DATETIME_SUB', '-'],
    ['DATETIME_ADD', '+'],
    ['DATE_SUB', '-'],
    ['DATE_ADD', '+'],
  ] as const) {
    sql = rewriteCalls(sql, name, (args) =>
      args.length === 2 ? `(${args[0]} ${operator} ${args[1]})` : null,
    );
  }
  sql = rewriteCalls(sql, 'TIMESTAMP_DIFF', (args) => {
    const unit = MICROS_PER_UNIT[(args[2] ?? '').trim().toUpperCase()];
    if (args.length !== 3 || unit === undefined) return null;
    return `CAST(trunc((epoch_us(${args[0]}) - epoch_us(${args[1]})) / ${unit}) AS BIGINT)`;
  });
  sql = replaceCode(sql, /\bSAFE_CAST\s*\(/gi, () => 'TRY_CAST(');
  sql = replaceCode(sql, /\bLOGICAL_OR\s*\(/gi, () => 'bool_or(');
  sql = replaceCode(sql, /\bLOGICAL_AND\s*\(/gi, () => 'bool_and(');
  sql = replaceCode(sql, /\bFLOAT64\b/gi, () => 'DOUBLE');
  return sql;
}

/** The query as BigQuery runs it in Yamori: unqualified table names, the clock as the window's end. */
export function toBigQuery(query: string, parameterPrefix = '@'): string {
  let sql = stripTrailingSemicolon(query);
  const tables = OVERSEER_TABLES.join('|');
  // `project.dataset.flow_logs`, `dataset.flow_logs` and the same unquoted: the store's own tables.
  sql = replaceCode(sql, new RegExp(`\`(?:[\\w-]+\\.){1,2}(${tables})\``, 'gi'), (_, t: string) =>
    t.toLowerCase(),
  );
  sql = replaceCode(sql, new RegExp(`\\b(?:[\\w-]+\\.){1,2}(${tables})\\b`, 'gi'), (_, t: string) =>
    t.toLowerCase(),
  );
  sql = replaceCode(sql, new RegExp(`\`(${tables})\``, 'gi'), (_, t: string) => t.toLowerCase());
  sql = replaceCode(sql, /\bCURRENT_TIMESTAMP\s*(?:\(\s*\))?/gi, () => `${parameterPrefix}window_end`);
  return sql;
}

const MICROS_PER_UNIT: Record<string, number> = {
  MICROSECOND: 1,
  MILLISECOND: 1_000,
  SECOND: 1_000_000,
  MINUTE: 60_000_000,
  HOUR: 3_600_000_000,
  DAY: 86_400_000_000,
};

function stripTrailingSemicolon(sql: string): string {
  const masked = mask(sql);
  const match = /;\s*$/.exec(masked);
  return match === null ? sql : sql.slice(0, match.index) + sql.slice(match.index + 1);
}

/**
 * The text with the inside of string literals, quoted identifiers ("…") and comments blanked, the same
 * length as the original, so positions found in it are positions in the original.
 */
function mask(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      const stop = Math.min(j + 1, sql.length);
      out += c + sql.slice(i + 1, stop - 1).replace(/[^\n]/g, ' ') + (stop - 1 > i ? sql[stop - 1] : '');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Replaces every match of `pattern` that lies in code (not in a string or comment). */
function replaceCode(
  sql: string,
  pattern: RegExp,
  replace: (match: string, ...groups: string[]) => string,
): string {
  const masked = mask(sql);
  let out = '';
  let last = 0;
  for (const match of masked.matchAll(pattern)) {
    const start = match.index;
    const original = sql.slice(start, start + match[0].length);
    const groups = (new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(original) ?? []).slice(1);
    out += sql.slice(last, start) + replace(original, ...groups);
    last = start + match[0].length;
  }
  return out + sql.slice(last);
}

/**
 * Rewrites every call of the function `name` whose arguments `rewrite` accepts (it returns null to
 * leave a call as written). Nested calls are rewritten too, outermost first.
 */
function rewriteCalls(sql: string, name: string, rewrite: (args: string[]) => string | null): string {
  const pattern = new RegExp(`\\b${name}\\s*\\(`, 'gi');
  let from = 0;
  for (;;) {
    const masked = mask(sql);
    pattern.lastIndex = from;
    const match = pattern.exec(masked);
    if (match === null) return sql;
    const open = match.index + match[0].length - 1;
    const args: string[] = [];
    let depth = 0;
    let argStart = open + 1;
    let close = -1;
    for (let i = open; i < masked.length; i++) {
      const c = masked[i];
      if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0) {
          close = i;
          break;
        }
      } else if (c === ',' && depth === 1) {
        args.push(sql.slice(argStart, i).trim());
        argStart = i + 1;
      }
    }
    if (close === -1) return sql;
    args.push(sql.slice(argStart, close).trim());
    const replacement = rewrite(args);
    if (replacement === null) {
      from = close;
      continue;
    }
    sql = sql.slice(0, match.index) + replacement + sql.slice(close + 1);
    from = match.index;
  }
}
