import { describe, expect, it } from 'vitest';
import { DEFAULT_TEST_NOW, readRuleTests } from './rule-tests.js';
import { loadTestRule } from './testing.js';

const MINUTE = 60_000_000;
const read = (tests: string, extra: Record<string, string> = {}) =>
  readRuleTests(loadTestRule({ tests, extra }));

describe('readRuleTests', () => {
  it('reads cases with times resolved against the clock, and a second run under "then"', () => {
    const cases = read(`cases:
  - name: fires
    last_run: -5m
    given:
      flows: [{ dst_port: 22, first_seen_at: -3d, ingested_at: -1m }]
      settings: { intel.grace_period_h: 2 }
    expect: [{ connections: 1 }]
    then:
      at: +10m
      given: { flows: [{ first_seen_at: +1m }] }
      expect: []
`);
    expect(cases).toEqual([
      {
        name: 'fires',
        line: 2,
        lastRun: DEFAULT_TEST_NOW - 5 * MINUTE,
        runs: [
          {
            at: DEFAULT_TEST_NOW,
            given: {
              flows: [
                {
                  dst_port: 22,
                  first_seen_at: DEFAULT_TEST_NOW - 3 * 24 * 60 * MINUTE,
                  ingested_at: DEFAULT_TEST_NOW - MINUTE,
                },
              ],
              settings: [{ 'intel.grace_period_h': 2 }],
            },
            expect: [{ connections: 1 }],
          },
          {
            at: DEFAULT_TEST_NOW + 10 * MINUTE,
            given: { flows: [{ first_seen_at: DEFAULT_TEST_NOW + 11 * MINUTE }] },
            expect: [],
          },
        ],
      },
    ]);
  });

  it('reads a fixture table from a JSON-lines file under fixtures/', () => {
    const cases = read(
      'cases:\n  - name: quiet\n    given: { flows: fixtures/flows.jsonl }\n    expect: []\n',
      {
        'fixtures/flows.jsonl': '{"dst_port": 22}\n\n{"dst_port": 23, "first_seen_at": "-1h"}\n',
      },
    );
    expect(cases[0]?.runs[0]?.given['flows']).toEqual([
      { dst_port: 22 },
      { dst_port: 23, first_seen_at: DEFAULT_TEST_NOW - 60 * MINUTE },
    ]);
  });

  const problems: { description: string; tests: string; expected: RegExp }[] = [
    {
      description: 'a file without cases',
      tests: 'cases: []\n',
      expected: /"cases" must be a list of at least one case/,
    },
    {
      description: 'an unknown top-level key',
      tests: 'cases: [{ name: a, expect: [] }]\nsetup: {}\n',
      expected: /"setup" is not a key of rule.test.yaml/,
    },
    {
      description: 'a case without a name',
      tests: 'cases: [{ expect: [] }]\n',
      expected: /\(case 1\): "name" must be non-empty text/,
    },
    {
      description: 'two cases with one name',
      tests: 'cases: [{ name: a, expect: [] }, { name: a, expect: [] }]\n',
      expected: /two cases have this name/,
    },
    {
      description: 'a misspelt case key',
      tests: 'cases: [{ name: a, expected: [] }]\n',
      expected: /"expected" is not a key of a case.*Did you mean "expect"/,
    },
    {
      description: 'a case without expect',
      tests: 'cases: [{ name: a }]\n',
      expected: /"expect" must be a list of rows/,
    },
    {
      description: 'an unknown table',
      tests: 'cases: [{ name: a, given: { flow: [] }, expect: [] }]\n',
      expected: /"flow" is not a fixture table.*Did you mean "flows"/,
    },
    {
      description: 'a time that is not one',
      tests: 'cases: [{ name: a, given: { flows: [{ first_seen_at: yesterday }] }, expect: [] }]\n',
      expected: /flows\[0\]: "first_seen_at" must be a time \(got "yesterday"\).*"-10m"/,
    },
    {
      description: 'a number where text belongs in a list column',
      tests: 'cases: [{ name: a, given: { indicators: [{ tags: [1] }] }, expect: [] }]\n',
      expected: /"tags" must be a list of text/,
    },
    {
      description: 'a fixture file outside fixtures/',
      tests: 'cases: [{ name: a, given: { flows: ../rule.sql }, expect: [] }]\n',
      expected: /cannot read fixture file "..\/rule.sql"/,
    },
    {
      description: 'a second run before the first',
      tests: 'cases: [{ name: a, expect: [], then: { at: -1m, expect: [] } }]\n',
      expected: /"then.at" must be later than the first run/,
    },
    {
      description: 'an empty expected row',
      tests: 'cases: [{ name: a, expect: [{}] }]\n',
      expected: /an expected row must be a mapping of result columns to values/,
    },
  ];
  for (const { description, tests, expected } of problems) {
    it(`rejects ${description} (RULE_TESTS_INVALID)`, () => {
      let shown = '';
      try {
        read(tests);
      } catch (error) {
        const e = error as { code: string; message: string; hint: string };
        shown = `${e.code}: ${e.message} ${e.hint}`;
      }
      expect(shown).toMatch(/^RULE_TESTS_INVALID: /);
      expect(shown).toMatch(expected);
    });
  }
});
