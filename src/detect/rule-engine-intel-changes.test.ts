import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { EpochMicros } from '../records/index.js';
import type { Store } from '../store/index.js';
import { buildFlow, buildIndicatorDraft, openMemoryStore } from '../store/testing.js';
import { builtinRulesDir } from './builtin-rules.js';
import { loadRules } from './load-rules.js';
import { createRuleEngine, type RuleEngine } from './rule-engine.js';

const MINUTE = 60_000_000;
const NOW = Date.UTC(2026, 0, 15, 12) * 1000;
const RULE = 'intel-outbound-to-c2-address';
const config = loadConfig({ path: null, env: {} }).detect;

let store: Store;
let now: EpochMicros;
let engine: RuleEngine;
const rules = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules.filter(
  (rule) => rule.definition.id === RULE,
);

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

/** Writes one flow to the listed address, a minute old, then runs the rule a minute later. */
async function flowThenRun(id: string): Promise<Record<string, unknown>[]> {
  await store.writeFlows([
    buildFlow({ id, dstAddr: '203.0.113.9', firstSeenAt: now - MINUTE, lastSeenAt: now }),
  ]);
  now += MINUTE;
  const [report] = await engine.run(rules, { ids: [RULE] });
  expect(report?.error).toBeNull();
  now += MINUTE;
  return report?.rows ?? [];
}

describe('indicator rules after intel settings change', () => {
  it('see an allow-list change on their next run, both ways', async () => {
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft({ value: '203.0.113.9' })], {
      startedAt: now,
      complete: true,
    });
    now += MINUTE;
    expect(await flowThenRun('a')).toMatchObject([{ remote_addr: '203.0.113.9', sources: ['feodo'] }]);

    await store.setAllowlist([{ type: 'cidr', value: '203.0.113.0/24', reason: 'lab', source: 'user' }]);
    expect(await flowThenRun('b')).toEqual([]);

    await store.setAllowlist([]);
    expect(await flowThenRun('c')).toMatchObject([{ remote_addr: '203.0.113.9', flows: 1 }]);
  });

  it('see a grace period change on their next run', async () => {
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft({ value: '203.0.113.9' })], {
      startedAt: now,
      complete: true,
    });
    now += MINUTE;
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft({ value: '198.51.100.1' })], {
      startedAt: now,
      complete: true,
    });
    now += MINUTE;
    expect(await flowThenRun('a')).toEqual([]);

    await store.setIndicatorGracePeriod(1);
    expect(await flowThenRun('b')).toMatchObject([{ remote_addr: '203.0.113.9', flows: 1 }]);
  });
});
