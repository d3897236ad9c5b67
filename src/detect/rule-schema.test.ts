import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkRuleYaml } from './rule-schema.js';
import { ruleYaml } from './testing.js';
import { parseYamlFile } from './yaml-file.js';

const check = (data: Record<string, unknown> | string) =>
  checkRuleYaml(parseYamlFile('rules/x/rule.yaml', typeof data === 'string' ? data : stringify(data)));

const messages = (data: Record<string, unknown> | string): string[] => {
  const result = check(data);
  return result.ok ? [] : result.problems.map((p) => `${p.message} ${p.hint}`);
};

describe('checkRuleYaml', () => {
  it('reads a complete rule.yaml into a definition, durations in microseconds', () => {
    const result = check(
      ruleYaml({
        kind: 'indicator',
        schedule: { every: '5m', lookback: '2h' },
        suppress_for: '1d',
        limits: { timeout: '30s', max_results: 500 },
        modified: '2026-12-01',
        requires: { tables: ['flows', 'dns', 'indicator_match_periods'] },
        driven_by: ['flows', 'dns'],
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rule).toMatchObject({
      id: 'test-outbound-ssh',
      severity: 'low',
      status: 'test',
      kind: 'indicator',
      schedule: { everyUs: 300_000_000, lookbackUs: 7_200_000_000 },
      dedup: ['device_addr', 'remote_addr'],
      entities: { device_addr: 'device_addr', remote_addr: 'remote_addr' },
      suppressForUs: 86_400_000_000,
      limits: { timeoutUs: 30_000_000, maxResults: 500 },
      drivenBy: ['flows', 'dns'],
      created: '2026-11-28',
      modified: '2026-12-01',
    });
  });

  it('defaults the optional keys: an event rule, no own schedule, suppression or limits', () => {
    const result = check(ruleYaml({ schedule: undefined, entities: undefined }));
    expect(result.ok && result.rule).toMatchObject({
      kind: 'event',
      schedule: { everyUs: null, lookbackUs: null },
      entities: {},
      suppressForUs: null,
      limits: { timeoutUs: null, maxResults: null },
      drivenBy: [],
      modified: null,
    });
  });

  const cases: { description: string; data: Record<string, unknown> | string; expected: RegExp }[] = [
    {
      description: 'an unknown key, suggesting the nearest',
      data: ruleYaml({ severty: 'low' }),
      expected: /"severty" is not a rule.yaml key.*Did you mean "severity"/,
    },
    {
      description: 'a missing required key',
      data: ruleYaml({ triage: undefined }),
      expected: /line 1: "triage" is missing/,
    },
    {
      description: 'a severity outside the enum',
      data: ruleYaml({ severity: 'urgent' }),
      expected: /"severity" must be one of info, low, medium, high, critical.*"urgent"/,
    },
    {
      description: 'a status outside the lifecycle',
      data: ruleYaml({ status: 'beta' }),
      expected: /"status" must be one of experimental, test, stable, deprecated/,
    },
    {
      description: 'a kind that is neither event nor indicator',
      data: ruleYaml({ kind: 'ioc' }),
      expected: /"kind" must be one of event, indicator/,
    },
    {
      description: 'an id that is not kebab-case with a category',
      data: ruleYaml({ id: 'Outbound_SSH' }),
      expected: /"id" must be kebab-case/,
    },
    {
      description: 'a date that does not exist',
      data: ruleYaml({ created: '2026-02-30' }),
      expected: /"created" must be a date written YYYY-MM-DD/,
    },
    {
      description: 'a month that does not exist',
      data: ruleYaml({ created: '2026-13-01' }),
      expected: /"created" must be a date/,
    },
    {
      description: 'modified before created',
      data: ruleYaml({ modified: '2026-11-27' }),
      expected: /"modified" is earlier than created \(2026-11-28\)/,
    },
    {
      description: 'a duration without a unit',
      data: ruleYaml({ schedule: { every: '5' } }),
      expected: /"schedule.every" must be a duration/,
    },
    {
      description: 'an unknown schedule key',
      data: ruleYaml({ schedule: { evry: '5m' } }),
      expected: /"schedule.evry" is not a rule.yaml key.*"every"/,
    },
    {
      description: 'an unknown entity role',
      data: ruleYaml({ entities: { device: 'device_addr' } }),
      expected: /"entities.device" is not a rule.yaml key/,
    },
    {
      description: 'an empty dedup list',
      data: ruleYaml({ dedup: [] }),
      expected: /"dedup" must name at least one result column/,
    },
    {
      description: 'a dedup column that is no column name',
      data: ruleYaml({ dedup: ['Device Addr'] }),
      expected: /"dedup\[0\]" must be a result column name/,
    },
    {
      description: 'empty false positives',
      data: ruleYaml({ false_positives: [] }),
      expected: /"false_positives" must list at least one.*none known/,
    },
    {
      description: 'a reference that is not a URL',
      data: ruleYaml({ references: ['see the wiki'] }),
      expected: /"references\[0\]" must be a URL/,
    },
    {
      description: 'a limit of zero rows',
      data: ruleYaml({ limits: { max_results: 0 } }),
      expected: /"limits.max_results" must be a whole number of at least 1/,
    },
    {
      description: 'a driving table without an ingestion time',
      data: ruleYaml({ requires: { tables: ['flows', 'devices'] }, driven_by: ['devices'] }),
      expected: /"driven_by\[0\]" must be one of flows, dns/,
    },
    {
      description: 'a driving table the rule does not declare it reads',
      data: ruleYaml({ requires: { tables: ['flows'] }, driven_by: ['dns'] }),
      expected: /"driven_by\[0\]" names "dns", which requires.tables does not list/,
    },
    {
      description: 'an empty driven_by list',
      data: ruleYaml({ driven_by: [] }),
      expected: /"driven_by" must name at least one table/,
    },
    {
      description: 'requires without tables',
      data: ruleYaml({ requires: { feeds: ['feodo'] } }),
      expected: /"requires.tables" is missing/,
    },
    {
      description: 'a list where a mapping belongs',
      data: '- id: x\n',
      expected: /must be a mapping of keys to values/,
    },
  ];
  for (const { description, data, expected } of cases) {
    it(`rejects ${description}`, () => {
      expect(messages(data).join('\n')).toMatch(expected);
    });
  }

  it('reports every problem at once, each with the line of its key', () => {
    const text = stringify(ruleYaml({ severity: 'urgent', status: 'beta' }));
    const result = check(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = text.split('\n');
    expect(result.problems.map((p) => p.message)).toEqual([
      `rules/x/rule.yaml line ${lines.findIndex((l) => l.startsWith('severity:')) + 1}: "severity" must be one of info, low, medium, high, critical.`,
      `rules/x/rule.yaml line ${lines.findIndex((l) => l.startsWith('status:')) + 1}: "status" must be one of experimental, test, stable, deprecated.`,
    ]);
  });

  it('names the file and line of a YAML syntax error (RULE_YAML_INVALID)', () => {
    expect(() => parseYamlFile('rules/x/rule.yaml', 'id: a\n  title: [unclosed\n')).toThrow(
      expect.objectContaining({
        code: 'RULE_YAML_INVALID',
        message: expect.stringMatching(/^rules\/x\/rule.yaml line \d+: /) as unknown,
      }),
    );
  });
});
