import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStixPattern, StixPatternError, type PatternNode } from './stix-pattern.js';

const cmp = (
  objectType: string,
  path: string[],
  operator: string,
  value: unknown,
  negated = false,
): PatternNode =>
  ({ kind: 'comparison', comparison: { objectType, path, operator, negated, value } }) as PatternNode;
const obs = (expression: PatternNode, qualifiers: string[] = []): PatternNode => ({
  kind: 'observation',
  expression,
  qualifiers,
});

describe('parseStixPattern', () => {
  const cases: { description: string; pattern: string; expected: PatternNode }[] = [
    {
      description: 'one equality on an address',
      pattern: "[ipv4-addr:value = '198.51.100.1']",
      expected: obs(cmp('ipv4-addr', ['value'], '=', '198.51.100.1')),
    },
    {
      description: 'a quoted property name in a hash path',
      pattern: "[file:hashes.'SHA-256' = 'ef53']",
      expected: obs(cmp('file', ['hashes', 'SHA-256'], '=', 'ef53')),
    },
    {
      description: 'AND binding tighter than OR inside an observation',
      pattern: "[domain-name:value = 'a.example' OR url:value = 'http://b.example/' AND file:name = 'x']",
      expected: obs({
        kind: 'or',
        children: [
          cmp('domain-name', ['value'], '=', 'a.example'),
          {
            kind: 'and',
            children: [cmp('url', ['value'], '=', 'http://b.example/'), cmp('file', ['name'], '=', 'x')],
          },
        ],
      }),
    },
    {
      description: 'parentheses overriding precedence, NOT, != and numbers',
      pattern:
        "[(network-traffic:dst_port = 443 OR network-traffic:dst_port NOT = -1) AND ipv4-addr:value != '10.0.0.1']",
      expected: obs({
        kind: 'and',
        children: [
          {
            kind: 'or',
            children: [
              cmp('network-traffic', ['dst_port'], '=', 443),
              cmp('network-traffic', ['dst_port'], '=', -1, true),
            ],
          },
          cmp('ipv4-addr', ['value'], '!=', '10.0.0.1'),
        ],
      }),
    },
    {
      description: 'an IN set',
      pattern: "[domain-name:value IN ('a.example', 'b.example')]",
      expected: obs(cmp('domain-name', ['value'], 'IN', ['a.example', 'b.example'])),
    },
    {
      description: 'escaped quotes and backslashes in strings',
      pattern: "[file:name = 'it\\'s \\\\ here']",
      expected: obs(cmp('file', ['name'], '=', "it's \\ here")),
    },
    {
      description: 'list indexes in a path, and MATCHES',
      pattern: "[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
      expected: obs(
        cmp(
          'email-message',
          ['body_multipart', '[*]', 'body_raw_ref', 'name'],
          'MATCHES',
          '^Final Report.+\\.exe$',
        ),
      ),
    },
    {
      description: 'observations joined by AND, OR and FOLLOWEDBY with qualifiers',
      pattern:
        "([ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'c.example']) FOLLOWEDBY [url:value = 'http://d.example/'] WITHIN 300 SECONDS REPEATS 2 TIMES OR [file:size > 10] START t'2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'",
      expected: {
        kind: 'followed-by',
        children: [
          {
            kind: 'observation-and',
            children: [
              obs(cmp('ipv4-addr', ['value'], '=', '192.0.2.1')),
              obs(cmp('domain-name', ['value'], '=', 'c.example')),
            ],
          },
          {
            kind: 'observation-or',
            children: [
              obs(cmp('url', ['value'], '=', 'http://d.example/'), ['WITHIN 300 SECONDS', 'REPEATS 2 TIMES']),
              obs(cmp('file', ['size'], '>', 10), [
                "START t'2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'",
              ]),
            ],
          },
        ],
      },
    },
    {
      description: 'EXISTS, booleans and ISSUBSET',
      pattern:
        "[EXISTS windows-registry-key:values OR x:y = true OR ipv4-addr:value ISSUBSET '198.51.100.0/24']",
      expected: obs({
        kind: 'or',
        children: [
          cmp('windows-registry-key', ['values'], 'EXISTS', null),
          cmp('x', ['y'], '=', true),
          cmp('ipv4-addr', ['value'], 'ISSUBSET', '198.51.100.0/24'),
        ],
      }),
    },
  ];
  for (const { description, pattern, expected } of cases) {
    it(`reads ${description}`, () => {
      expect(parseStixPattern(pattern)).toEqual(expected);
    });
  }

  it.each([
    ['an unclosed string', "[ipv4-addr:value = '1.2.3.4]"],
    ['a missing bracket', "[ipv4-addr:value = '1.2.3.4'"],
    ['text after the pattern', "[ipv4-addr:value = '1.2.3.4'] garbage"],
    ['a bare comparison', "ipv4-addr:value = '1.2.3.4'"],
    ['a missing operator', "[ipv4-addr:value '1.2.3.4']"],
    ['an empty pattern', ''],
    ['deep nesting', '('.repeat(5000) + "[a:b = 'c']" + ')'.repeat(5000)],
  ])('refuses %s with a positioned error', (_name, pattern) => {
    expect(() => parseStixPattern(pattern)).toThrow(StixPatternError);
  });

  it('throws nothing but StixPatternError, whatever the text', () => {
    const pieces = fc.constantFrom(
      '[',
      ']',
      '(',
      ')',
      "'x'",
      'a:b',
      '=',
      'AND',
      'OR',
      'IN',
      'NOT',
      ',',
      '.',
      '5',
      "t'",
      'WITHIN',
      ' ',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces).map((p) => p.join(' ')),
        ),
        (text) => {
          try {
            parseStixPattern(text);
          } catch (error) {
            expect(error).toBeInstanceOf(StixPatternError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
