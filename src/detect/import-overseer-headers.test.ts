import { describe, expect, it } from 'vitest';
import { parseOverseerHeaders } from './import-overseer-headers.js';

const QUERY = 'SELECT src_addr, dst_addr FROM flow_logs';

describe('parseOverseerHeaders', () => {
  it('reads every header, a description continued over indented lines, tags and limit', () => {
    const headers = parseOverseerHeaders(
      'c2.sql',
      [
        '-- id: feodo_c2',
        '-- title: Outbound to a Feodo C2',
        '-- description: A device talked to an address',
        '--   Feodo Tracker lists.',
        '-- tags: c2, feodo, T1071',
        '-- limit: 100',
        '-- test: true, fixtures/c2.yaml',
        '-- A plain comment stays with the query.',
        QUERY,
      ].join('\n'),
    );
    expect(headers).toMatchObject({
      id: 'feodo_c2',
      title: 'Outbound to a Feodo C2',
      description: 'A device talked to an address Feodo Tracker lists.',
      tags: ['c2', 'feodo', 'T1071'],
      limit: 100,
      test: { fixture: 'fixtures/c2.yaml', line: 7 },
      lines: { id: 1, title: 2, description: 3, tags: 5, limit: 6, test: 7 },
    });
    // Header lines are blanked, not removed, so the query keeps the file's line numbers.
    expect(headers.query.split('\n')).toHaveLength(9);
    expect(headers.query).toContain('-- A plain comment stays with the query.');
    expect(headers.query).not.toContain('-- id:');
  });

  it('takes "test: false" as no test, and leaves optional headers out', () => {
    const headers = parseOverseerHeaders('a.sql', `-- id: a\n-- title: A\n-- test: false\n${QUERY}`);
    expect(headers).toMatchObject({ test: null, description: null, tags: [], limit: null });
  });

  it.each([
    {
      what: 'an unknown header, naming the nearest known one',
      text: `-- id: a\n-- title: A\n-- limits: 5\n${QUERY}`,
      message: 'x.sql line 3: "-- limits:" is not an overseer header.',
      hint: 'Did you mean "-- limit:"?',
    },
    {
      what: 'a header given twice',
      text: `-- id: a\n-- title: A\n-- id: b\n${QUERY}`,
      message: 'x.sql line 3: "-- id:" is given twice (first on line 1).',
      hint: 'Keep one.',
    },
    {
      what: 'a missing id',
      text: `-- title: A\n${QUERY}`,
      message: 'x.sql line 1: the "-- id:" header is missing.',
      hint: 'Add "-- id: …"',
    },
    {
      what: 'a missing title',
      text: `-- id: a\n${QUERY}`,
      message: 'x.sql line 1: the "-- title:" header is missing.',
      hint: 'Add "-- title: …"',
    },
    {
      what: 'an empty title',
      text: `-- id: a\n-- title:\n${QUERY}`,
      message: 'x.sql line 2: "-- title:" is empty.',
      hint: 'id and title are required',
    },
    {
      what: 'a limit that is not a number',
      text: `-- id: a\n-- title: A\n-- limit: lots\n${QUERY}`,
      message: 'x.sql line 3: "-- limit:" must be a whole number of at least 1 (got "lots").',
      hint: '"-- limit: 100"',
    },
    {
      what: 'a limit of zero',
      text: `-- id: a\n-- title: A\n-- limit: 0\n${QUERY}`,
      message: 'x.sql line 3: "-- limit:" must be a whole number of at least 1 (got "0").',
      hint: '"-- limit: 100"',
    },
    {
      what: 'a test header without a file',
      text: `-- id: a\n-- title: A\n-- test: true\n${QUERY}`,
      message: 'x.sql line 3: "-- test: true" names no fixture file.',
      hint: '"-- test: true, FILE"',
    },
    {
      what: 'a test header that is neither true nor false',
      text: `-- id: a\n-- title: A\n-- test: maybe, x.yaml\n${QUERY}`,
      message: 'x.sql line 3: "-- test:" must be "true, FILE" or "false" (got "maybe, x.yaml").',
      hint: 'fixtures/feodo_c2.yaml',
    },
  ])('rejects $what with the file and line', ({ text, message, hint }) => {
    let caught: unknown;
    try {
      parseOverseerHeaders('x.sql', text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'OVERSEER_HEADER_INVALID', message });
    expect((caught as { hint: string }).hint).toContain(hint);
    expect((caught as { hint: string }).hint).toContain('Nothing was written.');
  });
});
