/**
 * Just enough of a SQL lexer to count statements and see past EXPLAIN, for the read-only check in
 * `query()`. It knows where strings, quoted identifiers, dollar quotes and comments start and end, so
 * a ";" or a keyword inside them is not mistaken for structure. The engine's parser stays the authority
 * on everything else; this only has to agree with it about statement boundaries.
 *
 * Two dialects: DuckDB's (PostgreSQL's lexis: doubled quotes, E'' and $$ strings, nesting block
 * comments) and BigQuery's GoogleSQL (backslash escapes, triple-quoted and r'' strings, `quoted`
 * identifiers, # comments, block comments that do not nest).
 */

export type SqlDialect = 'duckdb' | 'bigquery';

export interface SqlToken {
  kind: 'word' | 'symbol' | 'literal';
  start: number;
  end: number;
}

type Token = SqlToken;

/** The non-empty statements of `sql` as [start, end) offsets, split at top-level semicolons. */
export function splitSqlStatements(
  sql: string,
  dialect: SqlDialect = 'duckdb',
): { start: number; end: number }[] {
  const statements: { start: number; end: number }[] = [];
  let first: Token | null = null;
  let last: Token | null = null;
  for (const token of scanSql(sql, dialect)) {
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

/**
 * For `EXPLAIN [ANALYZE | (options)] <statement>`, the text of `<statement>`; null when the statement
 * is not an EXPLAIN or nothing follows it.
 */
export function explainTarget(statement: string): string | null {
  const tokens = scanSql(statement);
  if (!isWord(statement, tokens[0], 'explain')) return null;
  let i = 1;
  if (isWord(statement, tokens[i], 'analyze') || isWord(statement, tokens[i], 'analyse')) {
    i++;
  } else if (tokens[i]?.kind === 'symbol' && statement[tokens[i]!.start] === '(') {
    let depth = 0;
    for (; i < tokens.length; i++) {
      const ch = tokens[i]!.kind === 'symbol' ? statement[tokens[i]!.start] : '';
      if (ch === '(') depth++;
      if (ch === ')' && --depth === 0) {
        i++;
        break;
      }
    }
  }
  const target = tokens[i];
  return target === undefined ? null : statement.slice(target.start);
}

/** The first word of a statement, uppercase ("SELECT", "COPY"); null when it starts otherwise. */
export function leadingKeyword(statement: string, dialect: SqlDialect = 'duckdb'): string | null {
  const first = scanSql(statement, dialect)[0];
  return first?.kind === 'word' ? statement.slice(first.start, first.end).toUpperCase() : null;
}

function isWord(sql: string, token: Token | undefined, word: string): boolean {
  return token?.kind === 'word' && sql.slice(token.start, token.end).toLowerCase() === word;
}

/** The tokens of `sql`, comments and spaces left out. */
export function scanSql(sql: string, dialect: SqlDialect = 'duckdb'): Token[] {
  return dialect === 'bigquery' ? scanGoogleSql(sql) : scanDuckDbSql(sql);
}

function scanDuckDbSql(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    const start = i;
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
    } else if (c === 45 && next === 45) {
      // -- comment to the end of the line.
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? n : newline + 1;
    } else if (c === 47 && next === 42) {
      i = skipBlockComment(sql, i);
    } else if (c === 39) {
      i = skipQuoted(sql, i + 1, 39, false);
      tokens.push({ kind: 'literal', start, end: i });
    } else if (c === 34) {
      i = skipQuoted(sql, i + 1, 34, false);
      tokens.push({ kind: 'literal', start, end: i });
    } else if (c === 36) {
      i = skipDollar(sql, i);
      tokens.push({ kind: 'literal', start, end: i });
    } else if (isWordStart(c)) {
      while (i < n && isWordPart(sql.charCodeAt(i))) i++;
      // E'...' strings take backslash escapes, so \' does not end them.
      if (i - start === 1 && (c === 69 || c === 101) && sql.charCodeAt(i) === 39) {
        i = skipQuoted(sql, i + 1, 39, true);
        tokens.push({ kind: 'literal', start, end: i });
      } else {
        tokens.push({ kind: 'word', start, end: i });
      }
    } else if (c >= 48 && c <= 57) {
      while (i < n && (isWordPart(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46)) i++;
      tokens.push({ kind: 'literal', start, end: i });
    } else {
      i++;
      tokens.push({ kind: 'symbol', start, end: i });
    }
  }
  return tokens;
}

/** Block comments nest, as in PostgreSQL, whose grammar DuckDB's parser comes from. */
function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** Past the closing quote; a doubled quote is an escaped one. An unterminated literal runs to the end. */
function skipQuoted(sql: string, from: number, quote: number, backslashEscapes: boolean): number {
  let i = from;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (backslashEscapes && c === 92) {
      i += 2;
    } else if (c === quote) {
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** `$1` and `$name` are parameters; `$$...$$` and `$tag$...$tag$` are strings. */
function skipDollar(sql: string, from: number): number {
  let i = from + 1;
  while (i < sql.length && isWordPart(sql.charCodeAt(i)) && sql.charCodeAt(i) !== 36) i++;
  if (sql.charCodeAt(i) !== 36 || /^\$\d/.test(sql.slice(from, from + 2))) return i;
  const tag = sql.slice(from, i + 1);
  const close = sql.indexOf(tag, i + 1);
  return close === -1 ? sql.length : close + tag.length;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

/**
 * GoogleSQL: '…' "…" and `…` take backslash escapes; '''…''' and """…""" span lines; an r or R
 * prefix (also with b/B) makes a raw string, whose backslashes are plain characters; -- and # start a
 * line comment; block comments do not nest.
 */
function scanGoogleSql(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    const start = i;
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
    } else if ((c === 45 && next === 45) || c === 35) {
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? n : newline + 1;
    } else if (c === 47 && next === 42) {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
    } else if (c === 39 || c === 34 || c === 96) {
      i = skipGoogleString(sql, i);
      tokens.push({ kind: 'literal', start, end: i });
    } else if (isWordStart(c)) {
      while (i < n && isGoogleWordPart(sql.charCodeAt(i))) i++;
      const prefix = sql.slice(start, i).toLowerCase();
      const quote = sql.charCodeAt(i);
      if ((quote === 39 || quote === 34) && ['r', 'b', 'rb', 'br'].includes(prefix)) {
        i = skipGoogleString(sql, i);
        tokens.push({ kind: 'literal', start, end: i });
      } else {
        tokens.push({ kind: 'word', start, end: i });
      }
    } else if (c >= 48 && c <= 57) {
      while (i < n && (isGoogleWordPart(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46)) i++;
      tokens.push({ kind: 'literal', start, end: i });
    } else {
      i++;
      tokens.push({ kind: 'symbol', start, end: i });
    }
  }
  return tokens;
}

/**
 * Past the closing quote of the string starting at `from`; an unterminated string runs to the end. A
 * backslash always takes the next character along: even in a raw string it keeps a quote from closing it.
 */
function skipGoogleString(sql: string, from: number): number {
  const quote = sql[from]!;
  const triple = quote !== '`' && sql.startsWith(quote.repeat(3), from);
  const close = triple ? quote.repeat(3) : quote;
  let i = from + close.length;
  while (i < sql.length) {
    if (sql[i] === '\\') {
      i += 2;
    } else if (sql.startsWith(close, i)) {
      return i + close.length;
    } else {
      i++;
    }
  }
  return sql.length;
}

function isGoogleWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57);
}
