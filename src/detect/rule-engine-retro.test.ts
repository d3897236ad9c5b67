import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { EpochMicros } from '../records/index.js';
import type { Store } from '../store/index.js';
import { buildFlow, buildIndicatorDraft, openMemoryStore } from '../store/testing.js';
import { createRuleEngine } from './rule-engine.js';
import { loadTestRule, ruleYaml } from './testing.js';

const MINUTE = 60_000_000;
const NOW = Date.UTC(2026, 0, 15, 12) * 1000;
const config = loadConfig({ path: null, env: {} }).detect;

const ADDRESS_SQL = `-- One row per listed remote address.
SELECT f.dst_addr AS remote_addr, min(f.first_seen_at) AS first_seen_at, max(f.last_seen_at) AS last_seen_at
FROM flows f JOIN indicator_match_periods p ON f.dst_addr_num = p.range_start
WHERE f.ingested_at >= $window_start AND f.ingested_at < $window_end
  AND p.listed_at >= $indicators_since AND p.listed_at < $indicators_until
GROUP BY f.dst_addr
`;

let store: Store;
let now: EpochMicros;
beforeEach(async () => {
  now = NOW;
  store = await openMemoryStore({ now: () => now });
});
afterEach(async () => {
  await store.close();
});

describe('createRuleEngine: retro-hunt passes', () => {
  const rule = () =>
    loadTestRule({
      yaml: ruleYaml({
        id: 'test-listed-address',
        kind: 'indicator',
        dedup: ['remote_addr'],
        entities: { remote_addr: 'remote_addr' },
        alert_title: 'contacted {remote_addr}',
        requires: { tables: ['flows', 'indicator_match_periods'] },
      }),
      sql: ADDRESS_SQL,
      tests: null,
    });

  it('skips the retro-hunt pass when no indicator arrived since the last run, and runs it when one did', async () => {
    const listed = rule();
    const engine = createRuleEngine(config, {
      store,
      commit: async (run) => {
        await store.commitRuleRun([], run.state);
        return { created: 0, updated: 0 };
      },
    });
    now = NOW - 60 * MINUTE;
    await store.writeFlows([buildFlow({ id: 'old', dstAddr: '203.0.113.9', firstSeenAt: now - MINUTE })]);
    now = NOW - 50 * MINUTE;
    const [first] = await engine.run([listed], { ids: ['test-listed-address'] });
    expect(first?.rows).toEqual([]);

    now = NOW - 40 * MINUTE;
    const [quiet] = await engine.run([listed], { ids: ['test-listed-address'] });
    expect(quiet?.passes.map((p) => [p.pass, p.skipped])).toEqual([
      ['window', false],
      ['retro-hunt', true],
    ]);

    now = NOW - 30 * MINUTE;
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft({ value: '203.0.113.9' })], {
      startedAt: now,
      complete: true,
    });
    now = NOW - 20 * MINUTE;
    const [found] = await engine.run([listed], { ids: ['test-listed-address'] });
    expect(found?.passes.map((p) => [p.pass, p.skipped, p.rows])).toEqual([
      ['window', false, 0],
      ['retro-hunt', false, 1],
    ]);
    expect(found?.rows).toMatchObject([{ remote_addr: '203.0.113.9' }]);
  });
});
