import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { readRuleTests } from './rule-tests.js';
import { runRuleTestCase } from './run-rule-tests.js';
import { loadTestRule, ruleYaml } from './testing.js';

const config = loadConfig({ path: null, env: {} }).detect;

async function run(tests: string, files: Parameters<typeof loadTestRule>[0] = {}) {
  const rule = loadTestRule({ ...files, tests });
  return Promise.all(readRuleTests(rule).map((c) => runRuleTestCase(rule, c, config)));
}

describe('runRuleTestCase', () => {
  it('passes the cases of a rule that behaves as its tests say', async () => {
    const results = await run(`cases:
  - name: fires
    given: { flows: [{ src_addr: 192.168.1.5, dst_addr: 198.51.100.20, dst_port: 22, first_seen_at: -5m }] }
    expect: [{ device_addr: 192.168.1.5, remote_addr: 198.51.100.20, connections: 1, first_seen_at: -5m, last_seen_at: -299s }]
  - name: quiet
    given: { flows: [{ dst_port: 443 }] }
    expect: []
`);
    expect(results.map((r) => [r.caseName, r.passed, r.failure])).toEqual([
      ['fires', true, []],
      ['quiet', true, []],
    ]);
  });

  it('fails a case whose rows differ, with a diff of expected and returned rows', async () => {
    const [result] = await run(`cases:
  - name: wrong count
    given: { flows: [{ dst_addr: 198.51.100.20, dst_port: 22 }] }
    expect: [{ remote_addr: 198.51.100.20, connections: 2 }]
`);
    expect(result).toMatchObject({ passed: false });
    expect(result?.failure).toEqual([
      '  expected 1 row, got 1',
      '  - { remote_addr: "198.51.100.20", connections: 2 }   (expected, not returned)',
      '  + { remote_addr: "198.51.100.20", connections: 1 }   (returned, not expected)',
    ]);
  });

  it('fails a case when the rule errors, with the error', async () => {
    const [result] = await run('cases:\n  - name: breaks\n    expect: []\n', {
      sql: "SELECT CAST('x' AS INTEGER) AS device_addr, '' AS remote_addr, $window_start AS first_seen_at, $window_end AS last_seen_at",
    });
    expect(result?.failure[0]).toMatch(
      /^ {2}error RULE_QUERY_FAILED: Rule test-outbound-ssh failed \(window pass\): .*Could not convert/,
    );
  });

  it('stamps each row with its arrival, so a late record and an earlier run are real', async () => {
    const results = await run(`cases:
  - name: a late record arrives after the last run
    last_run: -10m
    given:
      flows:
        - { dst_addr: 198.51.100.1, dst_port: 22, first_seen_at: -2d, ingested_at: -1m }
        - { dst_addr: 198.51.100.2, dst_port: 22, first_seen_at: -20m }
    expect: [{ remote_addr: 198.51.100.1 }]
    then:
      at: +5m
      given: { flows: [{ dst_addr: 198.51.100.3, dst_port: 22, first_seen_at: -1m }] }
      expect: [{ remote_addr: 198.51.100.3 }]
`);
    expect(results[0]).toMatchObject({ passed: true });
  });

  it('fails a second run that returns what the first already did, saying which run', async () => {
    const [result] = await run(
      `cases:
  - name: repeats
    given: { flows: [{ dst_port: 22 }] }
    expect: [{ connections: 1 }]
    then: { at: +5m, expect: [{ connections: 1 }] }
`,
      {
        sql: "SELECT '' AS device_addr, '' AS remote_addr, 1 AS connections, $window_start AS first_seen_at, $window_end AS last_seen_at",
      },
    );
    expect(result?.passed).toBe(true);
    const [quiet] = await run(
      `cases:
  - name: the second run finds nothing new
    given: { flows: [{ dst_addr: 198.51.100.20, dst_port: 22 }] }
    expect: [{ connections: 1 }]
    then: { at: +5m, expect: [{ connections: 1 }] }
`,
    );
    expect(quiet?.failure.slice(0, 2)).toEqual(['  then:', '  expected 1 row, got 0']);
  });

  it('loads indicators with their listing periods, the allow-list and the grace period', async () => {
    const results = await run(
      `cases:
  - name: an indicator listed in two periods
    given:
      settings: { intel.grace_period_h: 1 }
      allowlist: [{ value: 192.0.2.0/24, reason: TEST-NET-1 }]
      indicators:
        - { value: 203.0.113.9, listed_from: -3d, listed_until: -2d }
        - { value: 203.0.113.9, listed_from: -1h }
        - { value: 192.0.2.1 }
        - { value: evil.example, source: domains }
    expect:
      - { value: 203.0.113.9, listed_at: -3d, active_until: -47h }
      - { value: 203.0.113.9, listed_at: -1h, active_from: -1h, active_until: null }
      - { value: evil.example, type: domain }
`,
      {
        yaml: ruleYaml({
          dedup: ['value'],
          entities: {},
          alert_title: '{value}',
          requires: { tables: ['indicator_match_periods'] },
        }),
        sql: `SELECT value, type, listed_at, active_from, active_until, listed_at AS first_seen_at, listed_at AS last_seen_at
              FROM indicator_match_periods WHERE $window_start < $window_end`,
      },
    );
    expect(results[0]?.failure).toEqual([]);
  });

  const drivenTests = `cases:
  - name: fires on outbound SSH in the window
    given: { flows: [{ dst_addr: 198.51.100.20, dst_port: 22, first_seen_at: -5m }] }
    expect: [{ remote_addr: 198.51.100.20, connections: 1 }]
  - name: stays quiet for HTTPS
    given: { flows: [{ dst_addr: 198.51.100.20, dst_port: 443, first_seen_at: -5m }] }
    expect: []
`;

  it('passes a rule driven by flows that reads them only through its window', async () => {
    const results = await run(drivenTests, { yaml: ruleYaml({ driven_by: ['flows'] }) });
    expect(results.map((r) => [r.passed, r.failure])).toEqual([
      [true, []],
      [true, []],
    ]);
  });

  it('fails a rule that says driven_by but returns rows over a window without their rows', async () => {
    // The same rows in the window, but the count reads every stored flow: with no new flow it still
    // returns a row, which a skipped pass would never report.
    const sql = `-- One row per device and server, whatever the window.
SELECT src_addr AS device_addr, dst_addr AS remote_addr, count(*) AS connections,
       min(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at
FROM flows
WHERE direction = 'outbound' AND dst_port = 22 AND ingested_at < $window_end + INTERVAL 1 DAY
  AND $window_start <= $window_end
GROUP BY src_addr, dst_addr
`;
    const results = await run(drivenTests, { yaml: ruleYaml({ driven_by: ['flows'] }), sql });
    expect(results[0]?.passed).toBe(false);
    expect(results[0]?.failure).toEqual([
      '  rule.yaml says driven_by: flows, but over a window holding none of their rows the query returned 1 row; the engine would skip such a pass and miss them. Read those tables only through $window_start/$window_end, or remove driven_by.',
    ]);
    expect(results[1]).toMatchObject({ passed: true });
    // Without the declaration the same rule's cases pass: every pass runs.
    const undeclared = await run(drivenTests, { sql });
    expect(undeclared.map((r) => r.passed)).toEqual([true, true]);
  });
});
