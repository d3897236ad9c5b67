import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { AlertWrite, EpochMicros, RuleRunCommit } from '../records/index.js';
import type { Store } from '../store/index.js';
import { buildFlow, openMemoryStore } from '../store/testing.js';
import { createRuleEngine, type CommitRun } from './rule-engine.js';
import { loadTestRule, ruleYaml, SSH_SQL } from './testing.js';

const MINUTE = 60_000_000;
const NOW = Date.UTC(2026, 0, 15, 12) * 1000;
const config = loadConfig({ path: null, env: {} }).detect;

let store: Store;
let now: EpochMicros;
beforeEach(async () => {
  now = NOW;
  store = await openMemoryStore({ now: () => now });
});
afterEach(async () => {
  await store.close();
});

const ssh = (id: string, at: EpochMicros) =>
  buildFlow({ id, dstAddr: '198.51.100.20', dstPort: 22, firstSeenAt: at, lastSeenAt: at + 1_000_000 });

/** Writes flows as if they arrived at `at`. */
async function arrive(at: EpochMicros, ...flows: ReturnType<typeof buildFlow>[]): Promise<void> {
  const saved = now;
  now = at;
  await store.writeFlows(flows);
  now = saved;
}

/** A commit that turns each finding into an alert keyed by the dedup columns, as alert/ does. */
const alertCommit =
  (broken = false): CommitRun =>
  (run: RuleRunCommit) =>
    store.commitRuleRun(
      run.findings.flatMap((finding, index): AlertWrite[] => {
        const write: AlertWrite = {
          ruleId: run.ruleId,
          ruleVersion: run.ruleVersion,
          severity: run.severity,
          title: run.titleTemplate,
          dedupKey: JSON.stringify(run.dedupColumns.map((c) => finding.row[c])),
          firstSeenAt: finding.firstSeenAt,
          lastSeenAt: finding.lastSeenAt,
          count: 1,
          deviceMac: finding.deviceMac,
          deviceName: null,
          remoteAddr: finding.remoteAddr,
          indicatorIds: finding.indicatorIds,
          indicatorSources: finding.indicatorSources,
          evidence: [finding.row],
          provenance: [finding.provenance],
          suppressForUs: run.suppressForUs,
          maxEvidenceRows: 5,
        };
        // A write the store cannot take, after a good one: the transaction fails halfway.
        return broken && index === 0 ? [write, { ...write, firstSeenAt: Number.NaN }] : [write];
      }),
      run.state,
    );

describe('createRuleEngine', () => {
  it('gives each run the window since the last good one, so no flow is reported twice', async () => {
    const rule = loadTestRule();
    const engine = createRuleEngine(config, { store, commit: alertCommit() });
    await arrive(NOW - 10 * MINUTE, ssh('a', NOW - 11 * MINUTE));
    const first = await engine.run([rule]);
    expect(first.map((r) => [r.status, r.rows.length, r.alertsCreated])).toEqual([['ok', 1, 1]]);
    expect(first[0]?.passes).toMatchObject([
      { pass: 'window', windowStart: NOW - 24 * 60 * MINUTE, windowEnd: NOW },
    ]);

    now = NOW + 10 * MINUTE;
    await arrive(NOW + 5 * MINUTE, ssh('late', NOW - 3 * 24 * 60 * MINUTE));
    const second = await engine.run([rule]);
    expect(second[0]?.passes).toMatchObject([{ windowStart: NOW, windowEnd: NOW + 10 * MINUTE }]);
    expect(second[0]?.rows).toMatchObject([
      { connections: 1, first_seen_at: new Date((NOW - 3 * 24 * 60 * MINUTE) / 1000).toISOString() },
    ]);
    expect(second[0]?.alertsUpdated).toBe(0);
    expect(second[0]?.alertsCreated).toBe(1);
  });

  it('runs only due rules on schedule, named rules at once, and deprecated rules only when named', async () => {
    const every5m = loadTestRule();
    const deprecated = loadTestRule({ yaml: ruleYaml({ id: 'test-old-rule', status: 'deprecated' }) });
    const engine = createRuleEngine(config, { store, commit: alertCommit() });
    expect((await engine.run([every5m, deprecated])).map((r) => r.ruleId)).toEqual(['test-outbound-ssh']);
    now = NOW + 4 * MINUTE;
    expect(await engine.run([every5m])).toEqual([]);
    expect(
      (await engine.run([every5m, deprecated], { ids: ['test-outbound-ssh', 'test-old-rule'] })).map(
        (r) => r.ruleId,
      ),
    ).toEqual(['test-outbound-ssh', 'test-old-rule']);
    now = NOW + 8 * MINUTE;
    expect(await engine.run([every5m])).toEqual([]);
    now = NOW + 9 * MINUTE;
    expect(await engine.run([every5m])).toHaveLength(1);
  });

  it('repeats the window after a crash mid-commit without duplicating alerts', async () => {
    const rule = loadTestRule();
    const engine = createRuleEngine(config, { store, commit: alertCommit() });
    await engine.run([rule]);
    await arrive(NOW + 5 * MINUTE, ssh('a', NOW + 4 * MINUTE));
    now = NOW + 10 * MINUTE;
    const crashing = createRuleEngine(config, { store, commit: alertCommit(true) });
    const [crashed] = await crashing.run([rule]);
    expect(crashed).toMatchObject({ status: 'failed', error: { code: 'STORE_WRITE_FAILED' } });
    expect(await store.listAlerts()).toEqual([]);
    expect((await store.listRuleStates())[0]).toMatchObject({ flowWatermark: NOW, lastStatus: 'failed' });

    now = NOW + 11 * MINUTE;
    const [repeated] = await engine.run([rule], { ids: [rule.definition.id] });
    expect(repeated).toMatchObject({ status: 'ok', alertsCreated: 1 });
    expect(repeated?.passes[0]).toMatchObject({ windowStart: NOW, windowEnd: NOW + 11 * MINUTE });
    now = NOW + 12 * MINUTE;
    const [again] = await engine.run([rule], { ids: [rule.definition.id] });
    expect(again).toMatchObject({ status: 'ok', rows: [], alertsCreated: 0, alertsUpdated: 0 });
    expect(await store.listAlerts()).toHaveLength(1);
  });

  it('reports a broken rule, a slow rule and a noisy rule, and still runs the others', async () => {
    await arrive(NOW - 10 * MINUTE, ssh('a', NOW - 11 * MINUTE));
    const broken = loadTestRule({
      yaml: ruleYaml({ id: 'test-broken' }),
      sql: SSH_SQL.replace('count(*)', 'count(no_such_column)'),
    });
    const slow = loadTestRule({
      yaml: ruleYaml({ id: 'test-slow', limits: { timeout: '200ms' } }),
      sql: `SELECT 'x' AS device_addr, 'y' AS remote_addr, count(*) AS n, max(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at
            FROM flows, range(100000000000) WHERE ingested_at >= $window_start AND ingested_at < $window_end`,
    });
    const noisy = loadTestRule({
      yaml: ruleYaml({ id: 'test-noisy', dedup: ['device_addr'], limits: { max_results: 50 } }),
      sql: `SELECT 'x' AS device_addr, CAST(range AS VARCHAR) AS remote_addr, $window_start AS first_seen_at, $window_end AS last_seen_at
            FROM range(1000000)`,
    });
    const good = loadTestRule();
    const engine = createRuleEngine(config, { store, commit: alertCommit() });
    const reports = await engine.run([broken, slow, noisy, good]);
    expect(reports.map((r) => [r.ruleId, r.status, r.error?.code ?? r.warning?.code ?? null])).toEqual([
      ['test-broken', 'failed', 'RULE_QUERY_FAILED'],
      ['test-slow', 'failed', 'RULE_TIMEOUT'],
      ['test-noisy', 'capped', 'RULE_TOO_MANY_RESULTS'],
      ['test-outbound-ssh', 'ok', null],
    ]);
    expect(reports[0]?.error?.message).toContain('no_such_column');
    expect(reports[1]?.error?.message).toBe(
      'Rule test-slow ran longer than 200 ms (window pass) and was stopped.',
    );
    expect(reports[2]).toMatchObject({ rows: expect.any(Array) as unknown, alertsCreated: 1 });
    expect(reports[2]?.rows).toHaveLength(50);
    const states = new Map((await store.listRuleStates()).map((s) => [s.ruleId, s]));
    expect(states.get('test-broken')).toMatchObject({
      lastStatus: 'failed',
      lastErrorCode: 'RULE_QUERY_FAILED',
      flowWatermark: null,
    });
    expect(states.get('test-slow')).toMatchObject({ lastStatus: 'failed', lastErrorCode: 'RULE_TIMEOUT' });
    expect(states.get('test-noisy')).toMatchObject({
      lastStatus: 'capped',
      lastRows: 50,
      flowWatermark: NOW,
    });
    expect(states.get('test-outbound-ssh')).toMatchObject({ lastStatus: 'ok', flowWatermark: NOW });
  });

  it('reads the entity columns of each row into the finding, lists included', async () => {
    const rule = loadTestRule({
      yaml: ruleYaml({
        id: 'test-entities',
        kind: 'indicator',
        entities: {
          device_mac: 'mac',
          device_addr: 'device_addr',
          remote_addr: 'remote_addr',
          indicator_id: 'ids',
          indicator_source: 'source',
        },
      }),
      sql: `SELECT 'F4:F5:D8:01:02:03' AS mac, '192.168.1.20' AS device_addr, '203.0.113.9' AS remote_addr,
              ['i-1', 'i-2'] AS ids, 'feodo' AS source, $window_start AS first_seen_at, $window_start AS last_seen_at
            WHERE $indicators_since < $indicators_until`,
    });
    const commits: RuleRunCommit[] = [];
    const engine = createRuleEngine(config, {
      store,
      commit: (run) => {
        commits.push(run);
        return Promise.resolve({ created: 0, updated: 0 });
      },
    });
    await engine.run([rule]);
    expect(commits[0]?.findings[0]).toMatchObject({
      deviceMac: 'F4:F5:D8:01:02:03',
      deviceAddr: '192.168.1.20',
      remoteAddr: '203.0.113.9',
      indicatorIds: ['i-1', 'i-2'],
      indicatorSources: ['feodo'],
      firstSeenAt: NOW - 24 * 60 * MINUTE,
      provenance: { ruleId: 'test-entities', pass: 'window', runAt: NOW },
    });
    expect(commits[0]?.state).toMatchObject({ status: 'ok', flowWatermark: NOW, indicatorWatermark: NOW });
  });

  it('runs rule.bigquery.sql on a store whose engine is BigQuery, and rule.sql on DuckDB', async () => {
    const variant = (marker: string) =>
      `SELECT '${marker}' AS device_addr, 'x' AS remote_addr, $window_start AS first_seen_at, $window_end AS last_seen_at`;
    const rule = loadTestRule({
      sql: `SELECT 'duckdb' AS device_addr, 'x' AS remote_addr, $window_start AS first_seen_at, $window_end AS last_seen_at`,
      extra: { 'rule.bigquery.sql': variant('bigquery') },
    });
    // The variant is written so DuckDB runs it too: the same store stands for BigQuery, only the
    // engine it reports differs.
    const asBigQuery = new Proxy(store, {
      get: (target, property) => {
        if (property === 'engine') return 'bigquery';
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const rowsOn = async (on: Store): Promise<unknown[]> => {
      const engine = createRuleEngine(config, {
        store: on,
        commit: () => Promise.resolve({ created: 0, updated: 0 }),
      });
      const [report] = await engine.run([rule], { ids: [rule.definition.id] });
      return (report?.rows ?? []).map((row) => row['device_addr']);
    };
    expect(await rowsOn(store)).toEqual(['duckdb']);
    expect(await rowsOn(asBigQuery)).toEqual(['bigquery']);
  });
});
