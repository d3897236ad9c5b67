import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleState } from '../records/index.js';
import { EVERY_INDICATOR, planPasses, type PlanOptions } from './plan-passes.js';
import type { RuleDefinition } from './rule.js';
import { loadTestRule, ruleYaml } from './testing.js';

const HOUR = 3_600_000_000;
const NOW = Date.UTC(2026, 0, 15, 12) * 1000;
const OPTIONS: PlanOptions = { lookbackUs: 24 * HOUR, retroHuntHorizonUs: 30 * 24 * HOUR };

const eventRule: RuleDefinition = loadTestRule().definition;
const indicatorRule: RuleDefinition = { ...eventRule, kind: 'indicator' };

const stateAt = (flow: number, indicator = flow): RuleState => ({
  ruleId: 'r',
  ruleVersion: 'v',
  flowWatermark: flow,
  indicatorWatermark: indicator,
  lastRunAt: flow,
  lastStatus: 'ok',
  lastErrorCode: null,
  lastError: null,
  lastDurationMs: 1,
  lastRows: 0,
  lastSuccessAt: flow,
});

describe('planPasses', () => {
  it('starts a rule that never ran at the lookback, and leaves both watermarks at now', () => {
    expect(planPasses(eventRule, null, NOW, OPTIONS)).toEqual({
      passes: [
        {
          pass: 'window',
          windowStart: NOW - 24 * HOUR,
          windowEnd: NOW,
          indicatorsSince: EVERY_INDICATOR,
          indicatorsUntil: NOW,
        },
      ],
      flowWatermark: NOW,
      indicatorWatermark: NOW,
    });
  });

  it("uses the rule's own schedule.lookback for its first run", () => {
    const rule = { ...eventRule, schedule: { everyUs: null, lookbackUs: 2 * HOUR } };
    expect(planPasses(rule, null, NOW, OPTIONS).passes[0]?.windowStart).toBe(NOW - 2 * HOUR);
  });

  it('continues from the watermark of the last good run', () => {
    expect(planPasses(eventRule, stateAt(NOW - HOUR), NOW, OPTIONS).passes).toEqual([
      {
        pass: 'window',
        windowStart: NOW - HOUR,
        windowEnd: NOW,
        indicatorsSince: EVERY_INDICATOR,
        indicatorsUntil: NOW,
      },
    ]);
  });

  it('adds a retro-hunt pass for an indicator rule: older flows against indicators new since the last run', () => {
    expect(planPasses(indicatorRule, stateAt(NOW - HOUR), NOW, OPTIONS).passes).toEqual([
      {
        pass: 'window',
        windowStart: NOW - HOUR,
        windowEnd: NOW,
        indicatorsSince: EVERY_INDICATOR,
        indicatorsUntil: NOW,
      },
      {
        pass: 'retro-hunt',
        windowStart: NOW - 30 * 24 * HOUR,
        windowEnd: NOW - HOUR,
        indicatorsSince: NOW - HOUR,
        indicatorsUntil: NOW,
      },
    ]);
  });

  it('leaves retro-hunt out when the horizon is 0 or lies after the watermark', () => {
    expect(
      planPasses(indicatorRule, stateAt(NOW - HOUR), NOW, { ...OPTIONS, retroHuntHorizonUs: 0 }).passes,
    ).toHaveLength(1);
    expect(
      planPasses(indicatorRule, stateAt(NOW - HOUR), NOW, { ...OPTIONS, retroHuntHorizonUs: HOUR / 2 })
        .passes,
    ).toHaveLength(1);
  });

  it('gives an empty window and keeps the watermark when the clock went backwards', () => {
    const plan = planPasses(indicatorRule, stateAt(NOW + HOUR), NOW, OPTIONS);
    expect(plan.passes[0]).toMatchObject({ windowStart: NOW + HOUR, windowEnd: NOW + HOUR });
    expect(plan.flowWatermark).toBe(NOW + HOUR);
  });

  it('checks every (flow, indicator) pair exactly once across runs, whatever the timing and failures', () => {
    const MINUTE = 60_000_000;
    const arrival = fc.integer({ min: 0, max: 600 }).map((m) => NOW + m * MINUTE);
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 120 }), fails: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(arrival, { maxLength: 8 }),
        fc.array(arrival, { maxLength: 8 }),
        (runs, flows, indicators) => {
          const options = { lookbackUs: 30 * MINUTE, retroHuntHorizonUs: 10_000 * MINUTE };
          const checks = new Map<string, number>();
          let state: RuleState | null = null;
          let firstStart: number | null = null;
          let now = NOW;
          for (const run of runs) {
            now += run.gap * MINUTE;
            const plan = planPasses(indicatorRule, state, now, options);
            if (run.fails) continue;
            firstStart ??= now - options.lookbackUs;
            for (const pass of plan.passes) {
              flows.forEach((ingested, f) => {
                indicators.forEach((listed, i) => {
                  const inFlows = ingested >= pass.windowStart && ingested < pass.windowEnd;
                  const inIndicators = listed >= pass.indicatorsSince && listed < pass.indicatorsUntil;
                  if (inFlows && inIndicators) checks.set(`${f}/${i}`, (checks.get(`${f}/${i}`) ?? 0) + 1);
                });
              });
            }
            state = stateAt(plan.flowWatermark, plan.indicatorWatermark);
          }
          if (state === null || firstStart === null) return;
          const end = state.flowWatermark!;
          flows.forEach((ingested, f) => {
            indicators.forEach((listed, i) => {
              // Pairs older than the first run's lookback on both sides are outside what the rule covers.
              const covered =
                ingested < end && listed < end && (ingested >= firstStart || listed >= firstStart);
              expect(checks.get(`${f}/${i}`) ?? 0).toBe(covered ? 1 : 0);
            });
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('builds test rules that pass the schema', () => {
    expect(ruleYaml().id).toBe(eventRule.id);
  });
});
