/**
 * Detection: rules as code (rule.yaml, rule.sql, rule.test.yaml per folder), run over exact
 * ingestion-time windows with stored watermarks, indicator rules also backwards over history
 * (retro-hunt), and the rule test runner and collection checks.
 *
 * In: rule folders; flows, DNS answers, devices and indicators through the store. Out: rule findings
 * and new watermarks, handed to a commit function (alert/ writes them as alerts in one transaction);
 * test and lint results.
 * A rule never reads the clock: the engine reads it once per run and binds $window_start, $window_end
 * (and $indicators_since, $indicators_until); one failing rule never stops the others.
 * Called by cli/ and daemon/; imports store/, config/ and the leaves (never alert/).
 */
export type {
  LoadedRule,
  RuleDefinition,
  RuleKind,
  RuleStatus,
  RuleOrigin,
  EntityRole,
  RuleEngineName,
} from './rule.js';
export {
  RULE_STATUSES,
  RULE_KINDS,
  ENTITY_ROLES,
  WINDOW_PARAMETERS,
  INDICATOR_PARAMETERS,
  ruleSqlFor,
} from './rule.js';
export {
  loadRules,
  ruleVersion,
  displayPath,
  RULE_FILES,
  BIGQUERY_SQL_FILE,
  type RuleSource,
  type RuleCollection,
  type RuleProblem,
} from './load-rules.js';
export { checkRuleYaml, type SchemaResult } from './rule-schema.js';
export { lintRules } from './lint-rules.js';
export { planPasses, EVERY_INDICATOR, type RulePass, type RunPlan, type PlanOptions } from './plan-passes.js';
export {
  createRuleEngine,
  type RuleEngine,
  type RuleEngineDeps,
  type CommitRun,
  type RuleRunReport,
  type PassReport,
  type RunOptions,
} from './rule-engine.js';
export {
  readRuleTests,
  DEFAULT_TEST_NOW,
  type RuleTestCase,
  type TestRun,
  type FixtureTables,
} from './rule-tests.js';
export {
  runRuleTestCase,
  openDuckDbCaseStore,
  type CaseResult,
  type OpenCaseStore,
} from './run-rule-tests.js';
export { compareRows, type RowComparison } from './compare-rows.js';
export { junitReport, type CheckResult } from './junit-report.js';
export { builtinRulesDir } from './builtin-rules.js';
export { parseDuration, formatDuration } from './duration.js';
export { initRulesFolder } from './init-rules.js';
export {
  planOverseerImport,
  writeOverseerImport,
  type OverseerImportPlan,
  type PlannedRule,
} from './import-overseer.js';
export { syncDetectSettings, writeDnsResolvers, DNS_RESOLVERS_SETTING } from './detect-settings.js';
