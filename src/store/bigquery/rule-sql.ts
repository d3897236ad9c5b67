/**
 * Just enough of a GoogleSQL lexer to read a rule query without running it: where strings (quoted,
 * triple-quoted, raw), backtick identifiers and comments (`--`, `#`, block) start and end, so that a
 * ";", a keyword or a parameter inside them is not mistaken for structure. From the tokens it counts
 * statements, finds the parameters (`@name`, and `$name` as rule.sql spells them, rewritten to
 * `@name`), and names the tables, views and table functions the query reads. BigQuery stays the
 * authority on everything else.
 */

interface Token {
  kind: 'word' | 'quoted' | 'literal' | 'param' | 'symbol';
  start: number;
  end: number;
}

export interface BigQueryRuleSql {
  /** The one statement with `$name` written `@name`; text before it (comments) kept, so lines match. */
  body: string;
  /** Parameter names, in order of first use, and how each was first spelled (`$` or `@`). */
  parameters: { name: string; spelling: string }[];
  /** Tables and views read (common table expressions left out), lowercase, sorted. */
  relations: string[];
  /** Table functions called in FROM (UNNEST included), lowercase, sorted. */
  tableFunctions: string[];
}

/** Thrown by `readBigQueryRuleSql` for no statement or several; the caller turns it into its error. */
export class RuleSqlShapeError extends Error {
  constructor(readonly statements: number) {
    super(statements === 0 ? 'the query is empty.' : `the query has ${statements} statements.`);
  }
}

/**
 * Reads one rule query; throws RuleSqlShapeError when there is not exactly one statement. With
 * `castParameters`, every parameter is written `CAST(@name AS TIMESTAMP)`: the emulator types a
 * parameter by where it is used, not by its declared type, and fails on `@a < @b`.
 */
export function readBigQueryRuleSql(
  sql: string,
  options: { castParameters?: boolean } = {},
): BigQueryRuleSql {
  const tokens = scan(sql);
  const statements = splitAtSemicolons(tokens, sql);
  if (statements.length !== 1) throw new RuleSqlShapeError(statements.length);
  const end = statements[0]!.end;
  const inside = tokens.filter((token) => token.end <= end);
  const parameters: BigQueryRuleSql['parameters'] = [];
  let body = '';
  let copied = 0;
  for (const token of inside) {
    if (token.kind !== 'param') continue;
    const name = sql.slice(token.start + 1, token.end);
    if (!parameters.some((p) => p.name === name)) parameters.push({ name, spelling: sql[token.start]! });
    if (options.castParameters === true) {
      body += `${sql.slice(copied, token.start)}CAST(@${name} AS TIMESTAMP)`;
      copied = token.end;
    } else if (sql[token.start] === '$') {
      body += `${sql.slice(copied, token.start)}@`;
      copied = token.start + 1;
    }
  }
  body += sql.slice(copied, end);
  return { body, parameters, ...readRelations(inside, sql) };
}

function splitAtSemicolons(tokens: readonly Token[], sql: string): { start: number; end: number }[] {
  const statements: { start: number; end: number }[] = [];
  let first: Token | null = null;
  let last: Token | null = null;
  for (const token of tokens) {
    if (token.kind === 'symbol' && sql[token.start] === ';') {
      if (first !== null && last !== null) statements.push({ start: first.start, end: last.end });
      first = null;
      last = null;
    } else {
      first ??= token;
      last = token;
    }
  }
  if (first !== null && last !== null) statements.push({ start: first.start, end: last.end });
  return statements;
}

const FROM_ENDS = new Set([
  'where',
  'group',
  'having',
  'qualify',
  'window',
  'order',
  'limit',
  'union',
  'intersect',
  'except',
  'select',
]);

/**
 * Relations are the names right after FROM or JOIN, and after a comma that continues a FROM clause;
 * a FROM counts only in a query (a SELECT seen at its nesting level), so EXTRACT(DAY FROM t) does
 * not. A name followed by "(" there is a table function.
 */
function readRelations(
  tokens: readonly Token[],
  sql: string,
): { relations: string[]; tableFunctions: string[] } {
  const word = (token: Token | undefined): string | null =>
    token?.kind === 'word' ? sql.slice(token.start, token.end).toLowerCase() : null;
  const symbol = (token: Token | undefined): string | null =>
    token?.kind === 'symbol' ? sql[token.start]! : null;
  const ctes = new Set<string>();
  const relations = new Set<string>();
  const functions = new Set<string>();
  const hasSelect: boolean[] = [false];
  const inFrom: boolean[] = [false];
  let depth = 0;
  const readName = (at: number): void => {
    const first = tokens[at];
    if (first === undefined || symbol(first) === '(') return;
    const parts: string[] = [];
    let i = at;
    for (;;) {
      const token = tokens[i];
      if (token?.kind === 'word') parts.push(sql.slice(token.start, token.end));
      else if (token?.kind === 'quoted') parts.push(sql.slice(token.start + 1, token.end - 1));
      else break;
      if (symbol(tokens[i + 1]) !== '.') break;
      i += 2;
    }
    if (parts.length === 0) return;
    const name = parts.join('.').split('.').pop()!.toLowerCase();
    if (symbol(tokens[i + 1]) === '(') functions.add(name);
    else relations.add(name);
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const w = word(token);
    const s = symbol(token);
    if (s === '(') {
      depth++;
      hasSelect[depth] = false;
      inFrom[depth] = false;
    } else if (s === ')') {
      depth = Math.max(0, depth - 1);
    } else if (s === ',' && inFrom[depth]) {
      readName(i + 1);
    } else if (w === 'select') {
      hasSelect[depth] = true;
      inFrom[depth] = false;
    } else if ((w === 'from' || w === 'join') && hasSelect[depth]) {
      inFrom[depth] = true;
      readName(i + 1);
    } else if (w !== null && FROM_ENDS.has(w)) {
      inFrom[depth] = false;
    }
    // `name AS (` after WITH, RECURSIVE or a comma names a common table expression.
    if (
      (token.kind === 'word' || token.kind === 'quoted') &&
      word(tokens[i + 1]) === 'as' &&
      symbol(tokens[i + 2]) === '(' &&
      (word(tokens[i - 1]) === 'with' || word(tokens[i - 1]) === 'recursive' || symbol(tokens[i - 1]) === ',')
    ) {
      const name =
        token.kind === 'quoted'
          ? sql.slice(token.start + 1, token.end - 1)
          : sql.slice(token.start, token.end);
      ctes.add(name.toLowerCase());
    }
  }
  return {
    relations: [...relations].filter((name) => !ctes.has(name)).sort(),
    tableFunctions: [...functions].sort(),
  };
}

function scan(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? n : newline + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
    } else if (c === '`') {
      i = skipQuoted(sql, i, '`', false);
      tokens.push({ kind: 'quoted', start, end: i });
    } else if (c === "'" || c === '"') {
      i = skipString(sql, i, false);
      tokens.push({ kind: 'literal', start, end: i });
    } else if ((c === '@' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < n && /\w/.test(sql[i]!)) i++;
      tokens.push({ kind: 'param', start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /\w/.test(sql[i]!)) i++;
      const prefix = sql.slice(start, i).toLowerCase();
      if (/^(r|b|rb|br)$/.test(prefix) && (sql[i] === "'" || sql[i] === '"')) {
        i = skipString(sql, i, prefix.includes('r'));
        tokens.push({ kind: 'literal', start, end: i });
      } else {
        tokens.push({ kind: 'word', start, end: i });
      }
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[\w.]/.test(sql[i]!)) i++;
      tokens.push({ kind: 'literal', start, end: i });
    } else {
      i++;
      tokens.push({ kind: 'symbol', start, end: i });
    }
  }
  return tokens;
}

/** Past a string starting at `from` ('…', "…", '''…''' or """…"""); raw strings take no escapes. */
function skipString(sql: string, from: number, raw: boolean): number {
  const quote = sql[from]!;
  if (sql.startsWith(quote.repeat(3), from)) {
    let i = from + 3;
    while (i < sql.length) {
      if (!raw && sql[i] === '\\') i += 2;
      else if (sql.startsWith(quote.repeat(3), i)) return i + 3;
      else i++;
    }
    return sql.length;
  }
  return skipQuoted(sql, from, quote, !raw);
}

function skipQuoted(sql: string, from: number, quote: string, escapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    if (escapes && sql[i] === '\\') i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
}
