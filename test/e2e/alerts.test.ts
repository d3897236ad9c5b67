import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbStore } from '../../src/store/index.js';
import { describeRun, jsonLines, makeTempDir, runYamori } from './testing.js';

describe('yamori alerts show|ack|close|reopen', () => {
  const dir = makeTempDir('alerts');
  const db = join(dir, 'y.duckdb');
  let id = '';

  beforeAll(async () => {
    const store = await openDuckDbStore({ database: { path: db }, maxBatchRows: 100, flushIntervalMs: 1000 });
    const now = Date.now() * 1000;
    await store.writeAlerts([
      {
        ruleId: 'intel-outbound-to-c2-address',
        ruleVersion: 'v1',
        severity: 'high',
        title: 'tv contacted C2 198.51.100.4',
        dedupKey: 'remote_addr=198.51.100.4',
        firstSeenAt: now,
        lastSeenAt: now,
        count: 2,
        deviceMac: '02:00:00:00:00:09',
        deviceName: 'tv',
        remoteAddr: '198.51.100.4',
        indicatorIds: [],
        indicatorSources: ['feodo'],
        evidence: [{ remote_addr: '198.51.100.4', dst_port: 443 }],
        provenance: [],
        suppressForUs: 0,
        maxEvidenceRows: 20,
      },
    ]);
    id = (await store.listAlerts())[0]!.id;
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const yamori = (...args: string[]) => runYamori(['--db', db, ...args]);

  it('walks an alert through ack, close and reopen, keeping each comment with its time', async () => {
    const ack = await yamori('alerts', 'ack', id, '--comment', 'looking at the tv');
    expect(ack.code, describeRun(ack)).toBe(0);
    expect(ack.stdout).toBe(`alert ${id} is now acknowledged\n`);
    expect((await yamori('alerts', 'close', id, '-m', 'firmware updated')).code).toBe(0);
    expect((await yamori('alerts', 'reopen', id)).code).toBe(0);

    const shown = await yamori('alerts', 'show', id, '--json');
    expect(shown.code, describeRun(shown)).toBe(0);
    const [alert] = jsonLines<{
      status: string;
      events: { from: string; to: string; comment: string | null; at: string }[];
    }>(shown.stdout);
    expect(alert!.status).toBe('open');
    expect(alert!.events.map((e) => [e.from, e.to, e.comment])).toEqual([
      ['open', 'acknowledged', 'looking at the tv'],
      ['acknowledged', 'closed', 'firmware updated'],
      ['closed', 'open', null],
    ]);
    expect(alert!.events.every((e) => Math.abs(Date.parse(e.at) - Date.now()) < 600_000)).toBe(true);
  });

  it('refuses a change the status does not allow, and an unknown id, as usage errors', async () => {
    expect((await yamori('alerts', 'ack', id)).code).toBe(0);
    const twice = await yamori('alerts', 'ack', id);
    expect(twice.code, describeRun(twice)).toBe(2);
    expect(twice.stderr).toMatch(
      /^error ALERT_STATUS_CHANGE_INVALID: Alert .* is acknowledged, so it cannot be acknowledged\./,
    );
    const missing = await yamori('alerts', 'show', '00000000-0000-0000-0000-000000000000');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error ALERT_NOT_FOUND: /);
  });

  it('shows evidence and the routing state in the text view', async () => {
    const shown = await yamori('alerts', 'show', id);
    expect(shown.code, describeRun(shown)).toBe(0);
    expect(shown.stdout).toContain('{"remote_addr":"198.51.100.4","dst_port":443}');
    expect(shown.stdout).toMatch(/routing\s+not routed yet/);
  });
});

describe('yamori policy test', () => {
  const dir = makeTempDir('policy');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the shipped example policy and writes JUnit XML', async () => {
    const junit = join(dir, 'policy.xml');
    const run = await runYamori([
      '--config',
      'examples/policy/policy.yaml',
      'policy',
      'test',
      'examples/policy',
      '--junit',
      junit,
    ]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/(\d+) of \1 policy cases passed/);
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<testsuite name="routes\.test\.yaml" tests="\d+" failures="0"/,
    );
  });

  it('fails with a diff when the policy chooses other actions than expected', async () => {
    const file = join(dir, 'wrong.test.yaml');
    writeFileSync(
      file,
      'cases:\n  - name: high goes to the phone\n    alert: { severity: high }\n    expect: { notify: [mail] }\n',
    );
    const run = await runYamori(['--config', 'examples/policy/policy.yaml', 'policy', 'test', file]);
    expect(run.code, describeRun(run)).toBe(1);
    expect(run.stdout).toContain(
      'FAIL  wrong.test.yaml: high goes to the phone\n      notify:\n        - expected ["mail"]\n        + chosen   ["phone"]\n',
    );
    expect(run.stderr).toMatch(/^error POLICY_TESTS_FAILED: 1 of 1 policy test cases failed\./);
  });
});
