import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unescapeZeek, ZeekLine, ZeekLogParser } from './zeek-log-parser.js';

const TSV_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2024-01-15-12-00-00',
  '#fields\tts\tuid\tid.orig_h\tservice\ttunnel_parents\thistory',
  '#types\ttime\tstring\taddr\tstring\tset[string]\tstring',
];

/** Feeds the lines, then returns the parser positioned on the last record. */
function parse(lines: string[]): { parser: ZeekLogParser; results: ZeekLine[] } {
  const parser = new ZeekLogParser();
  return { parser, results: lines.map((line) => parser.parseLine(line)) };
}

describe('ZeekLogParser', () => {
  it('skips the header directives and reads a TSV record by field name', () => {
    const { parser, results } = parse([
      ...TSV_HEADER,
      '1300475167.096535\tCHhAvVGS1DHFjwGM9\t10.0.0.1\thttp\t(empty)\tShADadFf',
    ]);
    expect(results).toEqual([...TSV_HEADER.map(() => ZeekLine.SKIPPED), ZeekLine.RECORD]);
    expect(parser.format).toBe('tsv');
    expect(parser.path).toBe('conn');
    expect(parser.kind()).toBe('conn');
    expect(parser.get('uid')).toBe('CHhAvVGS1DHFjwGM9');
    expect(parser.get('history')).toBe('ShADadFf');
    expect(parser.get('not_a_field')).toBeNull();
  });

  const valueCases: {
    description: string;
    field: string;
    expected: string | null;
    list?: string[] | null;
  }[] = [
    { description: 'the unset mark reads as null', field: '-', expected: null, list: null },
    {
      description: 'the empty mark reads as an empty string and an empty list',
      field: '(empty)',
      expected: '',
      list: [],
    },
    {
      description: 'a \\xHH escape is the byte it names',
      field: 'a\\x09b',
      expected: 'a\tb',
      list: ['a\tb'],
    },
    {
      description: 'escaped UTF-8 bytes decode as one character',
      field: '\\xc3\\xa9t\\xc3\\xa9',
      expected: 'été',
      list: ['été'],
    },
    {
      description: 'an escaped backslash is one backslash',
      field: 'C:\\\\dir',
      expected: 'C:\\dir',
      list: ['C:\\dir'],
    },
    {
      description: 'a set splits on the set separator, escaped commas kept',
      field: 'a,b\\x2cc',
      expected: 'a,b,c',
      list: ['a', 'b,c'],
    },
    { description: 'a lone backslash stays as it is', field: 'x\\y', expected: 'x\\y', list: ['x\\y'] },
  ];
  for (const c of valueCases) {
    it(`reads field values: ${c.description}`, () => {
      const { parser } = parse([...TSV_HEADER, `1.0\tC1\t10.0.0.1\t${c.field}\t${c.field}\tS`]);
      expect(parser.get('service')).toBe(c.expected);
      expect(parser.list('tunnel_parents')).toEqual(c.list);
    });
  }

  it('follows #separator, #set_separator and the unset and empty marks a log declares', () => {
    const { parser } = parse([
      '#separator \\x7c',
      '#set_separator|;',
      '#empty_field|EMPTY',
      '#unset_field|NONE',
      '#fields|ts|uid|service|tunnel_parents|orig_pkts|resp_pkts',
      '1.5|C9|NONE|a;b|3|EMPTY',
    ]);
    expect(parser.kind()).toBe('conn');
    expect(parser.get('service')).toBeNull();
    expect(parser.list('tunnel_parents')).toEqual(['a', 'b']);
    expect(parser.get('resp_pkts')).toBe('');
  });

  it('reads JSON-lines records, with missing keys as null and the kind from their columns', () => {
    const { parser, results } = parse([
      '{"ts":1300475167.096535,"uid":"C1","id.orig_h":"10.0.0.1","conn_state":"SF","local_orig":true,"tunnel_parents":["a"]}',
    ]);
    expect(results).toEqual([ZeekLine.RECORD]);
    expect(parser.format).toBe('json');
    expect(parser.kind()).toBe('conn');
    expect(parser.get('ts')).toBe('1300475167.096535');
    expect(parser.get('local_orig')).toBe('T');
    expect(parser.get('history')).toBeNull();
    expect(parser.list('tunnel_parents')).toEqual(['a']);
  });

  const kindCases: { description: string; line: string; kind: string | null }[] = [
    { description: '_path names the log', line: '{"_path":"dns","query":"x"}', kind: 'dns' },
    {
      description: 'a filtered stream keeps its stem',
      line: '{"_path":"conn-local","uid":"C"}',
      kind: 'conn',
    },
    { description: 'dns by query and rcode', line: '{"query":"a.example","rcode":0}', kind: 'dns' },
    {
      description: 'ssl by server_name and version',
      line: '{"server_name":"a.example","version":"TLSv13"}',
      kind: 'ssl',
    },
    { description: 'http by trans_depth', line: '{"trans_depth":1,"host":"a.example"}', kind: 'http' },
    { description: 'a log Yamori does not read', line: '{"fuid":"F1","mime_type":"text/plain"}', kind: null },
  ];
  for (const c of kindCases) {
    it(`tells the log of a JSON record: ${c.description}`, () => {
      const { parser } = parse([c.line]);
      expect(parser.kind()).toBe(c.kind);
    });
  }

  const badCases: { description: string; lines: string[]; error: RegExp }[] = [
    {
      description: 'a record before any #fields line',
      lines: ['1.0\tC1'],
      error: /before the "#fields" header/,
    },
    {
      description: 'a record with too few fields',
      lines: [...TSV_HEADER, '1.0\tC1'],
      error: /2 fields where "#fields" names 6/,
    },
    { description: 'broken JSON', lines: ['{"ts": 1.0,'], error: /not JSON/ },
    { description: 'a JSON array', lines: ['{"a":1}', '[1,2]'], error: /before the "#fields" header/ },
  ];
  for (const c of badCases) {
    it(`reports a line it cannot read: ${c.description}`, () => {
      const { parser, results } = parse(c.lines);
      expect(results.at(-1)).toBe(ZeekLine.BAD);
      expect(parser.error).toMatch(c.error);
    });
  }

  it('takes a new header block (rotation into one stream) in place of the old one', () => {
    const { parser } = parse([
      ...TSV_HEADER,
      '#close\t2024-01-15-13-00-00',
      '#separator \\x09',
      '#fields\tts\tuid\tquery\trcode',
      '2.0\tC2\texample.com\t0',
    ]);
    expect(parser.kind()).toBe('dns');
    expect(parser.get('query')).toBe('example.com');
  });

  it('never throws on arbitrary lines, and classifies each as record, skipped or bad', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 20 }), (lines) => {
        const parser = new ZeekLogParser();
        for (const line of [...TSV_HEADER, ...lines]) {
          const result = parser.parseLine(line);
          expect([ZeekLine.RECORD, ZeekLine.SKIPPED, ZeekLine.BAD]).toContain(result);
          if (result === ZeekLine.RECORD) {
            parser.get('uid');
            parser.list('tunnel_parents');
            parser.kind();
          }
        }
      }),
    );
  });
});

describe('unescapeZeek', () => {
  it('turns escaped bytes back into text without touching plain text', () => {
    expect(unescapeZeek('plain')).toBe('plain');
    expect(unescapeZeek('\\x41\\x42')).toBe('AB');
    expect(unescapeZeek('\\xZZ')).toBe('\\xZZ');
  });
});
