import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { EpochMicros } from '../records/index.js';
import type { Store } from '../store/index.js';
import { buildFlow, buildIndicatorDraft, openMemoryStore } from '../store/testing.js';
import { createRuleEngine, type RuleEngine } from './rule-engine.js';
import { loadTestRule, ruleYaml } from './testing.js';

const MINUTE = 60_000_000;
const NOW = Date.UTC(2026, 0, 15, 12) * 1000;
const config = loadConfig({ path: null, env: {} }).detect;

// Flows to a listed address, and DNS lookups of a listed name: rows come only from the window's rows.
const SQL = `-- One row per listed remote address or name.
SELECT f.dst_addr AS remote, min(f.first_seen_at) AS first_seen_at, max(f.last_seen_at) AS last_seen_at
FROM flows f JOIN indicator_match_periods p ON f.dst_addr_num = p.range_start
WHERE f.ingested_at >= $window_start AND f.ingested_at < $window_end
  AND p.listed_at >= $indicators_since AND p.listed_at < $indicators_until
GROUP BY f.dst_addr
UNION ALL
SELECT d.query_name, min(d.seen_at), max(d.seen_at)
FROM dns d JOIN indicator_match_periods p ON d.query_name = p.value
WHERE d.ingested_at >= $window_start AND d.ingested_at < $window_end
  AND p.listed_at >= $indicators_since AND p.listed_at < $indicators_until
GROUP BY d.query_name
`;

const rule = (drivenBy: string[] | undefined, id = 'test-listed-remote') =>
  loadTestRule({
    yaml: ruleYaml({
      id,
      kind: 'indicator',
      dedup: ['remote'],
      entities: {},
      alert_title: 'contacted {remote}',
      requires: { tables: ['flows', 'dns', 'indicator_match_periods'] },
      driven_by: drivenBy,
    }),
    sql: SQL,
    tests: null,
  });

let store: Store;
let now: EpochMicros;
let engine: RuleEngine;
beforeEach(async () => {
  now = NOW - 60 * MINUTE;
  store = await openMemoryStore({ now: () => now });
  engine = createRuleEngine(config, {
    store,
    commit: async (run) => {
      await store.commitRuleRun([], run.state);
      return { created: 0, updated: 0 };
    },
  });
});
afterEach(async () => {
  await store.close();
});

const passes = async (drivenBy: string[] | undefined) => {
  const [report] = await engine.run([rule(drivenBy)], { ids: ['test-listed-remote'] });
  expect(report?.error).toBeNull();
  return report!.passes.map((p) => [p.pass, p.skipReason, p.rows]);
};

describe('createRuleEngine: rules driven by flows and DNS answers (driven_by)', () => {
  it('skips a window pass with no new flow or DNS answer, and still runs the retro-hunt over history', async () => {
    await store.writeFlows([buildFlow({ id: 'old', dstAddr: '203.0.113.9', firstSeenAt: now - MINUTE })]);
    now = NOW - 50 * MINUTE;
    expect(await passes(['flows', 'dns'])).toEqual([
      ['window', null, 0],
      ['retro-hunt', 'no-new-indicators', 0],
    ]);

    now = NOW - 40 * MINUTE;
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft({ value: '203.0.113.9' })], {
      startedAt: now,
      complete: true,
    });
    now = NOW - 30 * MINUTE;
    expect(await passes(['flows', 'dns'])).toEqual([
      ['window', 'no-new-rows', 0],
      ['retro-hunt', null, 1],
    ]);
  });

  it('runs the window pass as soon as one driving table has a row in it', async () => {
    await store.applyFeedSnapshot(
      'domains',
      [buildIndicatorDraft({ type: 'domain', value: 'evil.example', port: null })],
      { startedAt: now, complete: true },
    );
    now = NOW - 50 * MINUTE;
    expect(await passes(['flows', 'dns'])).toEqual([
      ['window', 'no-new-rows', 0],
      ['retro-hunt', 'no-new-rows', 0],
    ]);
    await store.writeDns([
      {
        seenAt: now,
        clientAddr: '192.168.1.20',
        serverAddr: '192.168.1.1',
        queryName: 'evil.example',
        answerName: 'evil.example',
        answerType: 'A',
        answer: '198.51.100.7',
        ttl: 300,
        rcode: 'NOERROR',
        transport: 'udp',
        sensor: 'test',
      },
    ]);
    now = NOW - 40 * MINUTE;
    expect(await passes(['flows', 'dns'])).toEqual([
      ['window', null, 1],
      ['retro-hunt', 'no-new-indicators', 0],
    ]);
  });

  it('runs every pass of a rule without driven_by, new rows or not', async () => {
    now = NOW - 50 * MINUTE;
    expect(await passes(undefined)).toEqual([
      ['window', null, 0],
      ['retro-hunt', 'no-new-indicators', 0],
    ]);
    now = NOW - 40 * MINUTE;
    expect(await passes(undefined)).toEqual([
      ['window', null, 0],
      ['retro-hunt', 'no-new-indicators', 0],
    ]);
  });

  it('skips a retro-hunt pass whose history holds no driving rows', async () => {
    now = NOW - 50 * MINUTE;
    expect(await passes(['flows'])).toEqual([
      ['window', 'no-new-rows', 0],
      ['retro-hunt', 'no-new-indicators', 0],
    ]);
    now = NOW - 40 * MINUTE;
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft({ value: '203.0.113.9' })], {
      startedAt: now,
      complete: true,
    });
    await store.writeFlows([buildFlow({ id: 'new', dstAddr: '203.0.113.9', firstSeenAt: now - MINUTE })]);
    now = NOW - 30 * MINUTE;
    expect(await passes(['flows'])).toEqual([
      ['window', null, 1],
      ['retro-hunt', 'no-new-rows', 0],
    ]);
  });

  it('probes each window once for the rules of one run, and each rule gets the answer it would alone', async () => {
    const probes: string[] = [];
    const runRuleQuery = store.runRuleQuery.bind(store);
    store.runRuleQuery = (sql, params, limits) => {
      if (sql.startsWith('SELECT 1')) probes.push(sql);
      return runRuleQuery(sql, params, limits);
    };
    const rules = ['test-a', 'test-b', 'test-c'].map((id) => rule(['flows', 'dns'], id));
    const runAll = async () => {
      probes.length = 0;
      const reports = await engine.run(rules, { ids: ['test-a', 'test-b', 'test-c'] });
      return reports.map((report) => [
        report.ruleId,
        report.passes.map((p) => [p.pass, p.skipReason, p.rows]),
      ]);
    };
    await store.writeFlows([buildFlow({ id: 'old', dstAddr: '203.0.113.9', firstSeenAt: now - MINUTE })]);
    now = NOW - 50 * MINUTE;
    const first = [
      ['window', null, 0],
      ['retro-hunt', 'no-new-indicators', 0],
    ];
    expect(await runAll()).toEqual([
      ['test-a', first],
      ['test-b', first],
      ['test-c', first],
    ]);
    // One probe of the window's flows and DNS answers, one of the new listings, for three rules.
    expect(probes).toHaveLength(2);

    now = NOW - 40 * MINUTE;
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft({ value: '203.0.113.9' })], {
      startedAt: now,
      complete: true,
    });
    now = NOW - 30 * MINUTE;
    const second = [
      ['window', 'no-new-rows', 0],
      ['retro-hunt', null, 1],
    ];
    expect(await runAll()).toEqual([
      ['test-a', second],
      ['test-b', second],
      ['test-c', second],
    ]);
    // The window, the new listings, the retro-hunt's history.
    expect(probes).toHaveLength(3);
  });
});
