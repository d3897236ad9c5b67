import type { EpochMicros, RuleState } from '../records/index.js';
import type { RuleDefinition } from './rule.js';

/** One execution of a rule's SQL, with the values its parameters get. */
export interface RulePass {
  pass: 'window' | 'retro-hunt';
  windowStart: EpochMicros;
  windowEnd: EpochMicros;
  indicatorsSince: EpochMicros;
  indicatorsUntil: EpochMicros;
}

/** The passes of one run and the watermarks a good run leaves. */
export interface RunPlan {
  passes: RulePass[];
  flowWatermark: EpochMicros;
  indicatorWatermark: EpochMicros;
}

export interface PlanOptions {
  /** Where a never-run rule starts, back from now, unless the rule gives `schedule.lookback`. */
  lookbackUs: number;
  /** How far back retro-hunt reaches; 0 turns it off. */
  retroHuntHorizonUs: number;
}

/** The start of time for `$indicators_since` when every indicator counts. */
export const EVERY_INDICATOR: EpochMicros = 0;

/**
 * Plans a run at `now` from the rule's state. Windows are on ingestion time, [start, end):
 *
 * - `window`: flows and DNS answers ingested since the flow watermark, against every indicator listed
 *   before now;
 * - `retro-hunt` (indicator rules): flows ingested from the horizon up to the flow watermark, against
 *   indicators listed since the indicator watermark.
 *
 * Every earlier good run checked the flows before the watermark against the indicators listed before
 * it (both watermarks move to `now` together), so the two passes are disjoint and together cover
 * every (flow, indicator) pair from the horizon on exactly once. A rule that never ran behaves as if
 * its last run ended `lookback` ago. A clock that went backwards gives an empty window, and the
 * watermarks never move back.
 */
export function planPasses(
  rule: RuleDefinition,
  state: RuleState | null,
  now: EpochMicros,
  options: PlanOptions,
): RunPlan {
  const start = now - (rule.schedule.lookbackUs ?? options.lookbackUs);
  const flowWatermark = state?.flowWatermark ?? start;
  const indicatorWatermark = state?.indicatorWatermark ?? flowWatermark;
  const end = Math.max(now, flowWatermark);
  const passes: RulePass[] = [
    {
      pass: 'window',
      windowStart: flowWatermark,
      windowEnd: end,
      indicatorsSince: EVERY_INDICATOR,
      indicatorsUntil: end,
    },
  ];
  if (rule.kind === 'indicator' && options.retroHuntHorizonUs > 0) {
    const horizon = now - options.retroHuntHorizonUs;
    if (horizon < flowWatermark && indicatorWatermark < now) {
      passes.push({
        pass: 'retro-hunt',
        windowStart: horizon,
        windowEnd: flowWatermark,
        indicatorsSince: indicatorWatermark,
        indicatorsUntil: end,
      });
    }
  }
  return { passes, flowWatermark: end, indicatorWatermark: Math.max(now, indicatorWatermark) };
}
