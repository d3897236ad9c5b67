import { describe, expect, it } from 'vitest';
import { LineCursor, skipBlanks, tokenEnd } from './line-cursor.js';

function lines(text: string): Array<[number, string]> {
  const cursor = new LineCursor(text);
  const out: Array<[number, string]> = [];
  while (cursor.next()) out.push([cursor.lineNumber, cursor.line]);
  return out;
}

describe('LineCursor', () => {
  const cases: Array<[string, string, Array<[number, string]>]> = [
    [
      'LF',
      'a\nb\n',
      [
        [1, 'a'],
        [2, 'b'],
      ],
    ],
    [
      'CRLF',
      'a\r\nb\r\n',
      [
        [1, 'a'],
        [2, 'b'],
      ],
    ],
    [
      'no final newline',
      'a\nb',
      [
        [1, 'a'],
        [2, 'b'],
      ],
    ],
    [
      'a BOM',
      '\ufeffa\r\nb',
      [
        [1, 'a'],
        [2, 'b'],
      ],
    ],
    [
      'blank lines, kept and numbered',
      '\n\r\na',
      [
        [1, ''],
        [2, ''],
        [3, 'a'],
      ],
    ],
    ['a lone CR, which stays in the line', 'a\rb\n', [[1, 'a\rb']]],
    ['nothing', '', []],
    ['only a BOM', '\ufeff', []],
  ];
  it.each(cases)('splits %s', (_name, text, expected) => {
    expect(lines(text)).toEqual(expected);
  });

  it('returns a 10 MB line whole, and a million short lines, in linear time', () => {
    const started = performance.now();
    const huge = 'x'.repeat(10_000_000);
    expect(lines(`${huge}\r\nend`).map(([n, l]) => [n, l.length])).toEqual([
      [1, 10_000_000],
      [2, 3],
    ]);
    const cursor = new LineCursor('1.2.3.4\r\n'.repeat(1_000_000));
    let count = 0;
    while (cursor.next()) count++;
    expect(count).toBe(1_000_000);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('skipBlanks and tokenEnd', () => {
  it('find a blank-separated token', () => {
    const line = ' \t1.2.3.0/24 ; SBL1';
    const start = skipBlanks(line, 0);
    expect(line.slice(start, tokenEnd(line, start))).toBe('1.2.3.0/24');
    expect(skipBlanks('   ', 0)).toBe(3);
    expect(tokenEnd('abc', 0)).toBe(3);
  });
});
