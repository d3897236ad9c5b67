import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintRules } from './lint-rules.js';
import { loadRules } from './load-rules.js';
import { ruleYaml, SSH_SQL, tempRulesDir, writeRule, type RuleFiles } from './testing.js';

let dir: string;
beforeEach(() => {
  dir = tempRulesDir();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function lint(files: RuleFiles): Promise<string[]> {
  writeRule(dir, files);
  const collection = loadRules([{ dir, origin: 'user' }]);
  const problems = [...collection.problems, ...(await lintRules(collection))];
  return problems.map((p) => `${p.error.code}: ${p.error.message} ${p.error.hint}`);
}

const indicatorSql = `SELECT f.src_addr AS device_addr, m.value AS remote_addr, min(f.first_seen_at) AS first_seen_at,
  max(f.last_seen_at) AS last_seen_at
FROM flows f JOIN indicator_match_periods m ON f.dst_addr_num = m.range_start
WHERE f.ingested_at >= $window_start AND f.ingested_at < $window_end
  AND m.listed_at >= $indicators_since AND m.listed_at < $indicators_until
GROUP BY 1, 2`;

describe('lintRules', () => {
  it('passes a rule that follows the format, binds, and has a firing and a quiet case', async () => {
    expect(await lint({})).toEqual([]);
  });

  it('passes an indicator rule that reads indicator_match_periods with all four parameters', async () => {
    expect(
      await lint({
        yaml: ruleYaml({ kind: 'indicator', requires: { tables: ['flows', 'indicator_match_periods'] } }),
        sql: indicatorSql,
      }),
    ).toEqual([]);
  });

  it('passes a rule with a rule.bigquery.sql that uses the engine parameters and declared tables', async () => {
    const bigquery = SSH_SQL.replaceAll('$window', '@window').replace('count(*)', 'COUNT(*)');
    expect(await lint({ extra: { 'rule.bigquery.sql': bigquery } })).toEqual([]);
  });

  const cases: { description: string; files: RuleFiles; expected: RegExp }[] = [
    {
      description: 'a rule.bigquery.sql with a parameter the engine does not bind',
      files: {
        extra: {
          'rule.bigquery.sql': SSH_SQL.replaceAll('$window', '@window').replace(
            '< @window_end',
            '< @window_ends',
          ),
        },
      },
      expected:
        /rule.bigquery.sql: .*uses @window_ends, which the engine does not bind.*Did you mean @window_end\?/,
    },
    {
      description: 'a rule.bigquery.sql reading a table rule.yaml does not declare',
      files: {
        extra: {
          'rule.bigquery.sql': SSH_SQL.replaceAll('$window', '@window').replace(
            'FROM flows',
            'FROM flows JOIN devices d ON d.mac = src_mac',
          ),
        },
      },
      expected: /rule.bigquery.sql: .*reads "devices", which rule.yaml does not list under requires.tables/,
    },
    {
      description: 'a rule.bigquery.sql of two statements',
      files: { extra: { 'rule.bigquery.sql': 'SELECT 1; SELECT 2' } },
      expected: /rule.bigquery.sql: .*2 statements/,
    },
    {
      description: 'SQL that does not bind against the schema',
      files: { sql: SSH_SQL.replace('dst_port', 'dst_prot') },
      expected: /RULE_SQL_INVALID: .*rule.sql: The query failed: .*dst_prot/,
    },
    {
      description: 'two statements',
      files: { sql: `${SSH_SQL};\nSELECT 1` },
      expected: /RULE_SQL_INVALID: .*2 statements/,
    },
    {
      description: 'a statement that is not a query',
      files: { sql: 'DELETE FROM flows' },
      expected: /RULE_SQL_INVALID/,
    },
    {
      description: 'a parameter the engine does not bind, suggesting the nearest',
      files: { sql: SSH_SQL.replace('< $window_end', '< $window_ends') },
      expected: /uses \$window_ends, which the engine does not bind.*Did you mean \$window_end\?/,
    },
    {
      description: 'a query that ignores its window',
      files: { sql: SSH_SQL.replace('ingested_at >= $window_start AND ', '') },
      expected: /does not use \$window_start; every rule reads only its window/,
    },
    {
      description: 'an indicator rule without the indicator window',
      files: { yaml: ruleYaml({ kind: 'indicator' }) },
      expected: /is an indicator rule \(kind: indicator\) but does not use both/,
    },
    {
      description: 'an event rule that uses the indicator window',
      files: {
        yaml: ruleYaml({ requires: { tables: ['flows', 'indicator_match_periods'] } }),
        sql: indicatorSql,
      },
      expected: /uses \$indicators_since but rule.yaml does not say "kind: indicator"/,
    },
    {
      description: 'a table read but not declared in requires.tables',
      files: { sql: SSH_SQL.replace('GROUP BY', 'AND src_mac NOT IN (SELECT mac FROM devices)\nGROUP BY') },
      expected: /reads "devices", which rule.yaml does not list under requires.tables/,
    },
    {
      description: "Yamori's own bookkeeping",
      files: {
        yaml: ruleYaml({ requires: { tables: ['flows', 'alerts'] } }),
        sql: SSH_SQL.replace('GROUP BY', 'AND src_addr NOT IN (SELECT remote_addr FROM alerts)\nGROUP BY'),
      },
      expected: /reads "alerts", which is not a table or view rules may read/,
    },
    {
      description: 'a declared table that does not exist',
      files: { yaml: ruleYaml({ requires: { tables: ['flows', 'flow'] } }) },
      expected: /requires "flow", which is not a table or view rules may read/,
    },
    {
      description: 'a table function outside the allowed ones',
      files: { sql: SSH_SQL.replace('FROM flows', 'FROM flows, duckdb_settings()') },
      expected: /calls the table function duckdb_settings\(\), which rules may not use/,
    },
    {
      description: 'a missing contract column',
      files: { sql: SSH_SQL.replace('max(last_seen_at) AS last_seen_at', 'max(last_seen_at) AS ended_at') },
      expected:
        /returns no column "last_seen_at" \(every rule returns when what it found started and ended\)\. It returns: .*ended_at/,
    },
    {
      description: 'first_seen_at that is not an instant',
      files: {
        sql: SSH_SQL.replace(
          'min(first_seen_at) AS first_seen_at',
          'CAST(min(first_seen_at) AS VARCHAR) AS first_seen_at',
        ),
      },
      expected: /returns "first_seen_at" as VARCHAR; it must be an instant/,
    },
    {
      description: 'a dedup column the SQL does not return',
      files: { yaml: ruleYaml({ dedup: ['device_mac'] }) },
      expected: /returns no column "device_mac" \(rule.yaml names it under dedup\)/,
    },
    {
      description: 'an entity column the SQL does not return',
      files: { yaml: ruleYaml({ entities: { indicator_id: 'indicator_ids' } }) },
      expected: /rule.yaml names it as entities.indicator_id/,
    },
    {
      description: 'a title naming a column the SQL does not return',
      files: { yaml: ruleYaml({ alert_title: '{device_name} used {service}' }) },
      expected: /returns no column "service" \(alert_title uses it\)/,
    },
    {
      description: 'tests without a quiet case',
      files: {
        tests:
          'cases:\n  - name: fires\n    given: { flows: [{ dst_port: 22 }] }\n    expect: [{ connections: 1 }]\n',
      },
      expected: /RULE_TESTS_INVALID: .*no case expects the rule to stay quiet/,
    },
    {
      description: 'tests without a firing case',
      files: { tests: 'cases:\n  - name: quiet\n    expect: []\n' },
      expected: /no case expects the rule to fire/,
    },
    {
      description: 'a fixture column that does not exist, suggesting the nearest',
      files: { tests: 'cases:\n  - name: quiet\n    given: { flows: [{ dst_prot: 22 }] }\n    expect: []\n' },
      expected:
        /RULE_TESTS_INVALID: .*rule.test.yaml line 3 \(case "quiet"\) flows\[0\]: "dst_prot" is not a column of flows.*Did you mean "dst_port"/,
    },
  ];
  for (const { description, files, expected } of cases) {
    it(`rejects ${description}`, async () => {
      expect((await lint(files)).join('\n')).toMatch(expected);
    });
  }
});
