import type { DetectConfig } from '../config/index.js';
import { isYamoriError } from '../errors/index.js';
import type { EpochMicros } from '../records/index.js';
import { openStore, type Store } from '../store/index.js';
import { compareRows } from './compare-rows.js';
import { loadFixtures, type FixtureClock } from './load-fixtures.js';
import { createRuleEngine } from './rule-engine.js';
import type { RuleTestCase } from './rule-tests.js';
import type { LoadedRule } from './rule.js';

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
