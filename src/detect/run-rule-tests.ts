import type { DetectConfig } from '../config/index.js';
import { isYamoriError } from '../errors/index.js';
import type { EpochMicros } from '../records/index.js';
import { openStore, type Store } from '../store/index.js';
import { compareRows } from './compare-rows.js';
import { loadFixtures, type FixtureClock } from './load-fixtures.js';
import { createRuleEngine } from './rule-engine.js';
import type { RuleTestCase } from './rule-tests.js';
import { EVERY_INDICATOR } from './plan-passes.js';
import { ruleSqlFor, type LoadedRule } from './rule.js';

/**
 * Opens the empty store one case runs on, with the store clock the case drives. The default is a
 * throwaway in-memory DuckDB; `yamori rules test --engine bigquery` hands in a fresh BigQuery dataset.
 * Closing the store must also throw it away.
 */
export type OpenCaseStore = (deps: { now: () => EpochMicros }) => Promise<Store>;

/** A throwaway in-memory DuckDB with the real migrations. */
export const openDuckDbCaseStore: OpenCaseStore = (deps) =>
  openStore({ database: { path: ':memory:' }, maxBatchRows: 50_000, flushIntervalMs: 1_000 }, deps);

/** How one case went. */
export interface CaseResult {
  ruleId: string;
  caseName: string;
  /** The engine the case ran on (left out: DuckDB). */
  engine?: Store['engine'];
  passed: boolean;
  /** Why it failed: the diff of expected and returned rows, or the error; empty when it passed. */
  failure: string[];
  durationMs: number;
}

/**
 * Runs one case on a throwaway database (`openCaseStore`, by default in-memory DuckDB): loads its fixtures with
 * the store clock at each row's arrival, sets the rule's last run when the case gives one, runs the
 * rule through the engine at the case's clock (both passes for an indicator rule), compares the rows,
 * and for a `then` run loads more rows and runs again from the watermark the first run left.
 */
export async function runRuleTestCase(
  rule: LoadedRule,
  testCase: RuleTestCase,
  config: DetectConfig,
  openCaseStore: OpenCaseStore = openDuckDbCaseStore,
): Promise<CaseResult> {
  const started = performance.now();
  const clock: FixtureClock = { now: testCase.runs[0]!.at };
  const result: CaseResult = {
    ruleId: rule.definition.id,
    caseName: testCase.name,
    engine: 'duckdb',
    passed: true,
    failure: [],
    durationMs: 0,
  };
  let store: Store | null = null;
  try {
    store = await openCaseStore({ now: () => clock.now });
    const opened = store;
    result.engine = opened.engine;
    if (testCase.lastRun !== null) await setLastRun(opened, rule, testCase.lastRun);
    const engine = createRuleEngine(config, {
      store: opened,
      // The test compares rows, so the commit keeps only the watermarks a second run needs.
      commit: async (run) => {
        await opened.commitRuleRun([], run.state);
        return { created: 0, updated: 0 };
      },
    });
    for (const [index, run] of testCase.runs.entries()) {
      await loadFixtures(opened, clock, run.given, run.at);
      clock.now = run.at;
      const [report] = await engine.run([rule], { ids: [rule.definition.id] });
      const label = testCase.runs.length > 1 ? (index === 0 ? 'first run: ' : 'then: ') : '';
      if (report?.error) {
        result.passed = false;
        result.failure.push(`  ${label}error ${report.error.code}: ${report.error.message}`);
        break;
      }
      const comparison = compareRows(run.expect, report?.rows ?? [], run.at);
      if (!comparison.ok) {
        result.passed = false;
        if (label !== '') result.failure.push(`  ${label.trim()}`);
        result.failure.push(...comparison.diff);
        break;
      }
      const undriven = await rowsWithoutDrivingRows(opened, rule, run.at, config);
      if (undriven > 0) {
        result.passed = false;
        result.failure.push(
          `  ${label}rule.yaml says driven_by: ${rule.definition.drivenBy.join(', ')}, but over a window holding none of their rows the query returned ${undriven === 1 ? '1 row' : `${undriven} rows`}; the engine would skip such a pass and miss them. Read those tables only through $window_start/$window_end, or remove driven_by.`,
        );
        break;
      }
    }
  } catch (error) {
    result.passed = false;
    result.failure.push(
      isYamoriError(error)
        ? `  error ${error.code}: ${error.message}`
        : `  error: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await store?.close();
  }
  result.durationMs = performance.now() - started;
  return result;
}

/**
 * For a rule with `driven_by`: how many rows its query returns over the case's tables with an empty
 * window ([at, at)), where none of the driving tables' rows are in the window, with every indicator
 * listed before `at` (a window pass) and, for an indicator rule, with none (a retro-hunt pass that
 * found no new listing). The engine skips such passes, so anything but 0 means the declaration is wrong.
 */
async function rowsWithoutDrivingRows(
  store: Store,
  rule: LoadedRule,
  at: EpochMicros,
  config: DetectConfig,
): Promise<number> {
  const definition = rule.definition;
  if (definition.drivenBy.length === 0) return 0;
  const timeoutMs = Math.max(1, Math.round((definition.limits.timeoutUs ?? config.ruleTimeoutS * 1e6) / 1e3));
  const since = definition.kind === 'indicator' ? [EVERY_INDICATOR, at] : [EVERY_INDICATOR];
  let rows = 0;
  for (const indicatorsSince of since) {
    const result = await store.runRuleQuery(
      ruleSqlFor(rule, store.engine).sql,
      { window_start: at, window_end: at, indicators_since: indicatorsSince, indicators_until: at },
      { timeoutMs, maxRows: 100 },
    );
    rows = Math.max(rows, result.rows.length);
  }
  return rows;
}

async function setLastRun(store: Store, rule: LoadedRule, at: EpochMicros): Promise<void> {
  await store.commitRuleRun([], {
    ruleId: rule.definition.id,
    ruleVersion: rule.version,
    runAt: at,
    status: 'ok',
    flowWatermark: at,
    indicatorWatermark: at,
    errorCode: null,
    errorMessage: null,
    durationMs: 0,
    rows: 0,
  });
}
