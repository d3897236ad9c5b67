import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeRun, jsonLines, makeTempDir, REPO_ROOT, runYamori } from './testing.js';

const CAPTURE = join(REPO_ROOT, '../shared/pcaps/zeek/wikipedia/wikipedia.pcap');
const RULE = 'intel-outbound-to-c2-address';

interface AlertJson {
  rule_id: string;
  title: string;
  count: number;
  device_name: string | null;
  device_mac: string | null;
  remote_addr: string | null;
  indicator_sources: string[];
  indicator_ids: string[];
  evidence: Record<string, unknown>[];
  provenance: { pass: string; rule_version: string }[];
}

interface RunJson {
  rule_id: string;
  status: string;
  rows: number;
  alerts_created: number;
  alerts_updated: number;
  error: { code: string; message: string } | null;
  warning: { code: string } | null;
  passes: { pass: string; rows: number; truncated: boolean }[];
}

/**
 * The capture is a real LAN recording from 2011 (141.142.220.0/24 is its home network). Indicators
 * arrive only after it was imported and after the rules first ran: the match comes from retro-hunt,
 * judged by each indicator's validity at the time of the traffic.
 */
describe.skipIf(!existsSync(CAPTURE))('yamori rules run and alerts list (needs ../shared/pcaps)', () => {
  const dir = makeTempDir('detect');
  const db = join(dir, 'yamori.duckdb');
  const config = join(dir, 'yamori.yaml');
  const yamori = (...args: string[]) => runYamori(['--db', db, '--config', config, ...args]);

  beforeAll(() => {
    writeFileSync(
      config,
      [
        'home_networks: [141.142.220.0/24]',
        // The capture's hosts use their campus resolver, outside the home network.
        'detect:',
        '  dns_resolvers: [141.142.2.2]',
        'intel:',
        '  grace_period_h: 0',
        '  feeds:',
        '    c2-list: { url: "http://127.0.0.1:9/c2.txt", format: text-list, type: ipv4, threat: botnet_cc }',
        '    old-intel: { url: "http://127.0.0.1:9/old.json", format: stix21 }',
        '',
      ].join('\n'),
    );
    // One remote address of the capture, listed now.
    writeFileSync(join(dir, 'c2.txt'), '# test list\n208.80.152.118\n');
    // Another, which the source itself says stopped being valid before the capture was made.
    writeFileSync(
      join(dir, 'old.json'),
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--6f1e4b8e-3c42-4d1a-9d38-0c7d9a0f2b11',
        objects: [
          {
            type: 'indicator',
            spec_version: '2.1',
            id: 'indicator--2f0b1c55-4a4c-4b8e-8d57-1e2f3a4b5c6d',
            created: '2010-01-01T00:00:00.000Z',
            modified: '2010-01-01T00:00:00.000Z',
            pattern_type: 'stix',
            pattern: "[ipv4-addr:value = '208.80.152.2']",
            indicator_types: ['malicious-activity'],
            valid_from: '2010-01-01T00:00:00Z',
            valid_until: '2011-01-01T00:00:00Z',
          },
        ],
      }),
    );
  });

  it('imports the capture, and a first run of the rules finds nothing', async () => {
    const imported = await yamori('import', 'pcap', CAPTURE);
    expect(imported.code, describeRun(imported)).toBe(0);
    const run = await yamori('rules', 'run', '--json');
    expect(run.code, describeRun(run)).toBe(0);
    const reports = jsonLines<RunJson>(run.stdout);
    expect(reports.map((r) => r.rule_id)).toContain(RULE);
    expect(reports.every((r) => r.status === 'ok' && r.alerts_created === 0)).toBe(true);
  });

  it('finds the traffic to an address listed later exactly once, naming the device, address and source', async () => {
    for (const [feed, file] of [
      ['c2-list', 'c2.txt'],
      ['old-intel', 'old.json'],
    ] as const) {
      const update = await yamori('feeds', 'update', feed, '--file', join(dir, file));
      expect(update.code, describeRun(update)).toBe(0);
    }
    const run = await yamori('rules', 'run', RULE, '--json');
    expect(run.code, describeRun(run)).toBe(0);
    const [report] = jsonLines<RunJson>(run.stdout);
    expect(report).toMatchObject({ rule_id: RULE, status: 'ok', rows: 1, alerts_created: 1 });
    expect(report?.passes).toMatchObject([
      { pass: 'window', rows: 0 },
      { pass: 'retro-hunt', rows: 1 },
    ]);

    const listed = await yamori('alerts', 'list', '--json');
    const alerts = jsonLines<AlertJson>(listed.stdout);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert).toMatchObject({
      rule_id: RULE,
      remote_addr: '208.80.152.118',
      indicator_sources: ['c2-list'],
      count: 1,
    });
    expect(alert.device_mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(alert.device_name).toEqual(expect.any(String));
    expect(alert.title).toBe(`${alert.device_name} contacted 208.80.152.118, listed by c2-list as botnet_cc`);
    expect(alert.evidence[0]).toMatchObject({
      device_addr: '141.142.220.118',
      remote_addr: '208.80.152.118',
    });
    expect(alert.provenance).toMatchObject([{ pass: 'retro-hunt' }]);
    expect(alert.indicator_ids).toHaveLength(1);

    // The address whose source validity ended before the capture had outbound traffic too, and its
    // indicator is stored: only its validity kept it out.
    const control = await yamori(
      'query',
      '--json',
      `SELECT (SELECT count(*) FROM flows WHERE dst_addr = '208.80.152.2' AND direction = 'outbound') AS flows,
              (SELECT count(*) FROM indicators WHERE value = '208.80.152.2' AND source = 'old-intel') AS indicators,
              (SELECT count(*) FROM indicator_match_periods WHERE value = '208.80.152.2') AS periods`,
    );
    expect(jsonLines(control.stdout)).toEqual([{ flows: 2, indicators: 1, periods: 1 }]);

    const table = await yamori('alerts', 'list', '--severity', 'high', '--rule', RULE);
    expect(table.stdout).toContain('contacted 208.80.152.118');
  });

  it('adds no alert when run again', async () => {
    const run = await yamori('rules', 'run', RULE, '--json');
    expect(jsonLines<RunJson>(run.stdout)[0]).toMatchObject({
      status: 'ok',
      rows: 0,
      alerts_created: 0,
      alerts_updated: 0,
    });
    expect(jsonLines((await yamori('alerts', 'list', '--json')).stdout)).toHaveLength(1);
  });

  it('lists the rules with their last run and watermark', async () => {
    const listed = await yamori('rules', 'list', '--json');
    const rules = jsonLines<{ id: string; last_status: string | null; flow_watermark: string | null }>(
      listed.stdout,
    );
    expect(rules.find((r) => r.id === RULE)).toMatchObject({
      last_status: 'ok',
      flow_watermark: expect.any(String) as unknown,
    });
  });

  it('reports a broken rule, a slow rule and a rule with a million rows, and still runs the others', async () => {
    const rules = join(dir, 'my-rules', 'test');
    const write = (id: string, sql: string, extra: string[] = []): void => {
      mkdirSync(join(rules, id), { recursive: true });
      writeFileSync(
        join(rules, id, 'rule.yaml'),
        [
          `id: ${id}`,
          `title: ${id}`,
          'description: A rule the end-to-end test uses.',
          'severity: low',
          'status: experimental',
          'tags: [test]',
          'dedup: [k]',
          "alert_title: 'test {k}'",
          'false_positives: [none known]',
          'triage: Nothing to do.',
          'references: []',
          'requires: { tables: [flows] }',
          'author: test',
          'created: 2026-11-28',
          ...extra,
          '',
        ].join('\n'),
      );
      writeFileSync(join(rules, id, 'rule.sql'), sql);
      writeFileSync(
        join(rules, id, 'rule.test.yaml'),
        'cases:\n  - { name: fires, expect: [{ k: 1 }] }\n  - { name: quiet, expect: [] }\n',
      );
    };
    const window = 'ingested_at >= $window_start AND ingested_at < $window_end';
    write(
      'test-broken-sql',
      `SELECT no_such_column AS k, first_seen_at, last_seen_at FROM flows WHERE ${window}`,
    );
    write(
      'test-slow-query',
      `SELECT 1 AS k, max(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at, count(*) AS n
       FROM flows, range(100000000000) WHERE ${window}`,
      ['limits: { timeout: 500ms }'],
    );
    write(
      'test-million-rows',
      `SELECT 1 AS k, range AS i, $window_start AS first_seen_at, $window_end AS last_seen_at FROM range(1000000)`,
      ['limits: { max_results: 1000 }'],
    );
    const run = await yamori(
      'rules',
      'run',
      '--rules-dir',
      join(dir, 'my-rules'),
      '--json',
      RULE,
      'test-broken-sql',
      'test-slow-query',
      'test-million-rows',
    );
    expect(run.code, describeRun(run)).toBe(1);
    const reports = new Map(jsonLines<RunJson>(run.stdout).map((r) => [r.rule_id, r]));
    expect(reports.get('test-broken-sql')).toMatchObject({
      status: 'failed',
      error: { code: 'RULE_QUERY_FAILED' },
    });
    expect(reports.get('test-broken-sql')?.error?.message).toContain('no_such_column');
    expect(reports.get('test-slow-query'), JSON.stringify(reports.get('test-slow-query'))).toMatchObject({
      status: 'failed',
      error: { code: 'RULE_TIMEOUT' },
    });
    expect(reports.get('test-million-rows')).toMatchObject({
      status: 'capped',
      rows: 1000,
      alerts_created: 1,
      warning: { code: 'RULE_TOO_MANY_RESULTS' },
      passes: [{ truncated: true }],
    });
    expect(reports.get(RULE)).toMatchObject({ status: 'ok' });

    const text = await yamori('rules', 'run', '--rules-dir', join(dir, 'my-rules'), 'test-slow-query');
    expect(text.stdout, describeRun(text)).toMatch(
      /^test-slow-query: failed after \d+ ms: error RULE_TIMEOUT: Rule test-slow-query ran longer than 500 ms/m,
    );
    expect(text.stdout).toContain('hint: ');
  });

  it('tests a rules folder written by "rules init" and writes JUnit XML', async () => {
    const folder = join(dir, 'new-rules');
    const init = await yamori('rules', 'init', folder);
    expect(init.code, describeRun(init)).toBe(0);
    expect(existsSync(join(folder, '.github/workflows/yamori-rules.yml'))).toBe(true);
    const junit = join(dir, 'junit.xml');
    const tested = await yamori('rules', 'test', folder, '--junit', junit);
    expect(tested.code, describeRun(tested)).toBe(0);
    expect(tested.stdout).toContain('ok    custom-ssh-to-internet: fires on an outbound SSH connection');
    expect(tested.stdout).toContain('2 of 2 cases passed');
    expect(existsSync(junit)).toBe(true);
  });

  it('fails "rules test" on a case that does not hold, with a diff, and "rules lint" on broken SQL', async () => {
    const tested = await yamori('rules', 'test', join(dir, 'my-rules'));
    expect(tested.code).toBe(1);
    expect(tested.stdout).toMatch(/^FAIL {2}test-million-rows: fires /m);
    expect(tested.stderr).toContain('error RULE_CHECKS_FAILED');
    const linted = await yamori('rules', 'lint', join(dir, 'my-rules'));
    expect(linted.code).toBe(1);
    expect(linted.stdout).toMatch(
      /error RULE_SQL_INVALID: .*test-broken-sql\/rule.sql: The query failed: .*no_such_column/,
    );
  });
});
