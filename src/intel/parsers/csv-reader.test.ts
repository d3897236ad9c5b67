import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvReader, type CsvReaderOptions } from './csv-reader.js';

interface Record {
  line: number;
  fields?: string[];
  comment?: string;
}

function readAll(text: string, options?: CsvReaderOptions): Record[] {
  const reader = new CsvReader(text, options);
  const records: Record[] = [];
  while (reader.next()) {
    records.push(
      reader.comment === null
        ? { line: reader.line, fields: [...reader.fields] }
        : { line: reader.line, comment: reader.comment },
    );
  }
  return records;
}

describe('CsvReader', () => {
  const cases: Array<[string, string, CsvReaderOptions | undefined, Record[]]> = [
    [
      'plain fields, no final newline',
      'a,b,c\n1,2,3',
      undefined,
      [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['1', '2', '3'] },
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n',
      undefined,
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    ['a BOM before the first field', '\ufeffa,b', undefined, [{ line: 1, fields: ['a', 'b'] }]],
    [
      'quoted fields with doubled quotes and delimiters',
      '"a ""b""","c,d"',
      undefined,
      [{ line: 1, fields: ['a "b"', 'c,d'] }],
    ],
    [
      'a newline inside quotes, and the line count after it',
      '"a\nb",c\r\nnext',
      undefined,
      [
        { line: 1, fields: ['a\nb', 'c'] },
        { line: 3, fields: ['next'] },
      ],
    ],
    [
      'empty fields, quoted and not, and a trailing delimiter',
      ',"",x,',
      undefined,
      [{ line: 1, fields: ['', '', 'x', ''] }],
    ],
    [
      'blank lines, skipped',
      '\n\r\na\n\n\nb\n',
      undefined,
      [
        { line: 3, fields: ['a'] },
        { line: 6, fields: ['b'] },
      ],
    ],
    [
      'comment lines, returned as comments',
      '# title\r\na\n#',
      undefined,
      [
        { line: 1, comment: ' title' },
        { line: 2, fields: ['a'] },
        { line: 3, comment: '' },
      ],
    ],
    [
      'a comment character later in a line, which is data',
      'a#b,#c',
      undefined,
      [{ line: 1, fields: ['a#b', '#c'] }],
    ],
    ['no comments when turned off', '#a,b', { comment: null }, [{ line: 1, fields: ['#a', 'b'] }]],
    [
      'ThreatFox\'s ", " separator with skipSpaceBeforeQuote',
      '"a", "b",  "c", d',
      { skipSpaceBeforeQuote: true },
      [{ line: 1, fields: ['a', 'b', 'c', ' d'] }],
    ],
    [
      'ThreatFox\'s ", " separator without it: the space stays and the quotes are kept',
      '"a", "b"',
      undefined,
      [{ line: 1, fields: ['a', ' "b"'] }],
    ],
    ['text after a closing quote, kept', '"ab"cd,e', undefined, [{ line: 1, fields: ['abcd', 'e'] }]],
    ['a quote inside an unquoted field, literal', 'a"b,c', undefined, [{ line: 1, fields: ['a"b', 'c'] }]],
    [
      'a quote that never closes, running to the end',
      'a,"b\nc,d',
      undefined,
      [{ line: 1, fields: ['a', 'b\nc,d'] }],
    ],
    ['a semicolon delimiter', 'a;b,c', { delimiter: ';' }, [{ line: 1, fields: ['a', 'b,c'] }]],
    ['a TAB delimiter', 'a\tb', { delimiter: '\t' }, [{ line: 1, fields: ['a', 'b'] }]],
    ['a lone CR, which is data', 'a\rb,c', undefined, [{ line: 1, fields: ['a\rb', 'c'] }]],
  ];
  it.each(cases)('reads %s', (_name, text, options, expected) => {
    expect(readAll(text, options)).toEqual(expected);
  });

  it('numbers every record by the line feeds before it, quoted line feeds included, on any text', () => {
    const piece = fc.constantFrom('a', 'bc', ',', '"', '""', '\n', '\r\n', '#', ' ');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const text = pieces.join('');
        const reader = new CsvReader(text);
        while (reader.next()) {
          if (reader.comment !== null) continue;
          const before = text.slice(0, reader.recordStart).split('\n').length;
          expect(reader.line).toBe(before);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps maxFields fields of an over-long record, flags it, and goes on with the next record', () => {
    const reader = new CsvReader(`${'x,'.repeat(10)}x\nnext`, { maxFields: 4 });
    expect(reader.next()).toBe(true);
    expect(reader.fields).toEqual(['x', 'x', 'x', 'x']);
    expect(reader.overflow).toBe(true);
    expect(reader.next()).toBe(true);
    expect(reader.fields).toEqual(['next']);
    expect(reader.overflow).toBe(false);
  });

  it("gives each record's text without its line end", () => {
    const reader = new CsvReader('"a\r\nb",c\r\n d \n');
    const texts: string[] = [];
    while (reader.next()) texts.push(reader.recordText());
    expect(texts).toEqual(['"a\r\nb",c', ' d ']);
  });

  it('reads back any table written by the RFC 4180 rules, with LF or CRLF', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', ' ', '#', 'é'),
      maxLength: 8,
    });
    const row = fc.array(field, { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), fc.boolean(), (rows, crlf) => {
        const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;
        const text = rows.map((r) => r.map(quote).join(',')).join(crlf ? '\r\n' : '\n');
        const read = readAll(text, { comment: null }).map((r) => r.fields);
        expect(read).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });

  it('reads a 10 MB line and a million short lines in linear time', () => {
    const started = performance.now();
    const huge = new CsvReader(`${'a,"b""c",'.repeat(1_000_000)}\nz`);
    expect(huge.next()).toBe(true);
    expect(huge.overflow).toBe(true);
    expect(huge.next()).toBe(true);
    expect(huge.fields).toEqual(['z']);
    const many = new CsvReader('"1",2\n'.repeat(1_000_000));
    let count = 0;
    while (many.next()) count++;
    expect(count).toBe(1_000_000);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
