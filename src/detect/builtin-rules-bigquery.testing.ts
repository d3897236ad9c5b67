/**
 * Every built-in rule's cases on the BigQuery emulator, each on a new dataset, through the same
 * runner as on DuckDB (runRuleTestCase with the store as a parameter): rule.bigquery.sql must return
 * the rows rule.sql returns. Set YAMORI_BIGQUERY_RULES to a comma-separated list of rule ids to run
 * only those. The rules are dealt to two test files (shards), so that two emulators run at once, one
 * per core: each is busy with one query at a time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import {
  bigQueryEmulatorSkipReason,
  reusableEmulatorStores,
  useBigQueryEmulator,
} from '../store/bigquery/testing.js';
import { builtinRulesDir } from './builtin-rules.js';
import { loadRules } from './load-rules.js';
import { readRuleTests } from './rule-tests.js';
import { runRuleTestCase } from './run-rule-tests.js';

/** Declares the cases of shard `shard` (0-based) of `shards`, rules dealt in turn by case count. */
export function describeBuiltinRulesOnBigQuery(shard: number, shards: number): void {
  const skipReason = bigQueryEmulatorSkipReason();
  const only = (process.env['YAMORI_BIGQUERY_RULES'] ?? '').split(',').filter((id) => id !== '');
  const all = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules.filter(
    (rule) => only.length === 0 || only.includes(rule.definition.id),
  );
  // Largest rules first, each to the lighter shard, so both take about as long.
  const load = new Array<number>(shards).fill(0);
  const rules = [...all]
    .map((rule) => ({ rule, cases: readRuleTests(rule).length }))
    .sort((a, b) => b.cases - a.cases || a.rule.definition.id.localeCompare(b.rule.definition.id))
    .filter(({ cases }) => {
      const lightest = load.indexOf(Math.min(...load));
      load[lightest]! += cases;
      return lightest === shard;
    })
    .map(({ rule }) => rule);
  const config = loadConfig({ path: null, env: {} }).detect;

  describe.skipIf(skipReason !== null)(
    `built-in rules on the BigQuery emulator (${shard + 1} of ${shards})`,
    () => {
      if (rules.length === 0)
        it.skip('no built-in rule falls to this shard (YAMORI_BIGQUERY_RULES)', () => {});
      if (shard === 0) {
        it('has a BigQuery variant for every built-in rule (none of their rule.sql runs there unchanged)', () => {
          expect(all.filter((rule) => rule.bigquerySql === null).map((rule) => rule.definition.id)).toEqual(
            [],
          );
        });
      }
      for (const rule of rules) {
        describe(rule.definition.id, () => {
          // An emulator per rule, its cases on one dataset emptied between them (as fresh as the
          // in-memory database each DuckDB case gets; `rules test --engine bigquery` makes a dataset per case).
          const emulator = useBigQueryEmulator();
          const stores = reusableEmulatorStores(() => emulator.get());
          afterAll(() => stores.dispose());
          for (const testCase of readRuleTests(rule)) {
            it(
              testCase.name,
              async () => {
                const result = await runRuleTestCase(rule, testCase, config, (deps) => stores.open(deps));
                expect(result.engine).toBe('bigquery');
                expect(result.failure.join('\n')).toBe('');
                expect(result.passed).toBe(true);
              },
              180_000,
            );
          }
        });
      }
    },
  );
}
