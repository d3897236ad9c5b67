import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainTarget, leadingKeyword, splitSqlStatements } from './sql-statements.js';

const texts = (sql: string): string[] =>
  splitSqlStatements(sql).map(({ start, end }) => sql.slice(start, end));

describe('splitSqlStatements', () => {
  const cases: { description: string; sql: string; expected: string[] }[] = [
    { description: 'one statement', sql: 'SELECT 1', expected: ['SELECT 1'] },
    { description: 'a trailing semicolon and blanks', sql: '  SELECT 1 ;  \n', expected: ['SELECT 1'] },
    { description: 'two statements', sql: 'SELECT 1; DROP TABLE t', expected: ['SELECT 1', 'DROP TABLE t'] },
    { description: 'empty statements between semicolons', sql: ';;SELECT 1;;', expected: ['SELECT 1'] },
    { description: 'only comments', sql: '-- nothing\n/* at all */', expected: [] },
    { description: 'a semicolon in a string', sql: "SELECT 'a;b'", expected: ["SELECT 'a;b'"] },
    {
      description: 'a doubled quote in a string',
      sql: "SELECT 'it''s; fine'",
      expected: ["SELECT 'it''s; fine'"],
    },
    {
      description: 'a backslash-escaped quote in an E string',
      sql: "SELECT E'\\'; x'",
      expected: ["SELECT E'\\'; x'"],
    },
    {
      description: 'a semicolon in a quoted identifier',
      sql: 'SELECT 1 AS "a;""b"',
      expected: ['SELECT 1 AS "a;""b"'],
    },
    { description: 'a semicolon in a line comment', sql: 'SELECT 1 -- ; DROP\n', expected: ['SELECT 1'] },
    {
      description: 'a semicolon in nested block comments',
      sql: 'SELECT /* a /* b; */ c; */ 1',
      expected: ['SELECT /* a /* b; */ c; */ 1'],
    },
    { description: 'a dollar-quoted string', sql: 'SELECT $$a;b$$', expected: ['SELECT $$a;b$$'] },
    {
      description: 'a tagged dollar-quoted string',
      sql: 'SELECT $x$a;$$;b$x$',
      expected: ['SELECT $x$a;$$;b$x$'],
    },
    {
      description: 'parameters are not quotes',
      sql: 'SELECT $1, $name; SELECT 2',
      expected: ['SELECT $1, $name', 'SELECT 2'],
    },
    {
      description: 'an unterminated string runs to the end',
      sql: "SELECT 'a; DROP",
      expected: ["SELECT 'a; DROP"],
    },
  ];
  for (const { description, sql, expected } of cases) {
    it(`handles ${description}`, () => {
      expect(texts(sql)).toEqual(expected);
    });
  }

  it('never throws and returns ordered, non-overlapping, non-blank ranges for any text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...';\'"$-/* \nabcE\\1()'.split('')), maxLength: 60 }),
        (sql) => {
          const ranges = splitSqlStatements(sql);
          let previousEnd = 0;
          for (const { start, end } of ranges) {
            expect(start).toBeGreaterThanOrEqual(previousEnd);
            expect(end).toBeGreaterThan(start);
            expect(sql.slice(start, end).trim()).not.toBe('');
            previousEnd = end;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('splits statements joined with semicolons back apart', () => {
    const statement = fc.constantFrom(
      'SELECT 1',
      "SELECT 'x;y'",
      'FROM t',
      'SELECT "a;b" FROM t',
      'VALUES (1)',
    );
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 5 }), (statements) => {
        expect(texts(statements.join(';\n'))).toEqual(statements);
      }),
    );
  });
});

describe('explainTarget', () => {
  const cases: { sql: string; expected: string | null }[] = [
    { sql: 'EXPLAIN SELECT 1', expected: 'SELECT 1' },
    { sql: 'explain analyze DELETE FROM t', expected: 'DELETE FROM t' },
    { sql: 'EXPLAIN ANALYSE INSERT INTO t VALUES (1)', expected: 'INSERT INTO t VALUES (1)' },
    { sql: 'EXPLAIN (FORMAT json, ANALYZE) UPDATE t SET a = 1', expected: 'UPDATE t SET a = 1' },
    { sql: 'EXPLAIN /* ANALYZE */ -- x\n DROP TABLE t', expected: 'DROP TABLE t' },
    { sql: 'EXPLAIN', expected: null },
    { sql: 'SELECT 1', expected: null },
  ];
  for (const { sql, expected } of cases) {
    it(`finds ${JSON.stringify(expected)} in ${JSON.stringify(sql)}`, () => {
      expect(explainTarget(sql)).toBe(expected);
    });
  }
});

describe('leadingKeyword', () => {
  it('returns the first word in uppercase, past comments', () => {
    expect(leadingKeyword('/* c */ copy t TO x')).toBe('COPY');
    expect(leadingKeyword("'not a word'")).toBeNull();
  });
});

describe('splitSqlStatements in the BigQuery dialect', () => {
  const googleTexts = (sql: string): string[] =>
    splitSqlStatements(sql, 'bigquery').map(({ start, end }) => sql.slice(start, end));
  const cases: { description: string; sql: string; expected: string[] }[] = [
    {
      description: 'two statements',
      sql: 'SELECT 1; DELETE FROM t WHERE true',
      expected: ['SELECT 1', 'DELETE FROM t WHERE true'],
    },
    {
      description: 'a backslash-escaped quote',
      sql: "SELECT 'it\\'s; fine'",
      expected: ["SELECT 'it\\'s; fine'"],
    },
    { description: 'a double-quoted string', sql: 'SELECT "a;b"', expected: ['SELECT "a;b"'] },
    {
      description: 'a triple-quoted string over lines',
      sql: "SELECT '''a;\n'b';'''",
      expected: ["SELECT '''a;\n'b';'''"],
    },
    { description: 'a raw string', sql: "SELECT r'\\d+;'", expected: ["SELECT r'\\d+;'"] },
    {
      description: 'a backticked name',
      sql: 'SELECT * FROM `p.d.t;x`',
      expected: ['SELECT * FROM `p.d.t;x`'],
    },
    { description: 'a # comment', sql: 'SELECT 1 # ; DROP\n', expected: ['SELECT 1'] },
    {
      description: 'block comments do not nest',
      sql: 'SELECT /* a /* b */ 1; SELECT 2',
      expected: ['SELECT /* a /* b */ 1', 'SELECT 2'],
    },
  ];
  for (const { description, sql, expected } of cases) {
    it(`splits ${description}`, () => {
      expect(googleTexts(sql)).toEqual(expected);
    });
  }

  it('names the leading keyword past comments', () => {
    expect(leadingKeyword('# note\n  insert INTO t VALUES (1)', 'bigquery')).toBe('INSERT');
  });
});
