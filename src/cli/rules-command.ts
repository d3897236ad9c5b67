import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createAlertWriter } from '../alert/index.js';
import { loadConfig, nearestName, type BigQueryConfig, type YamoriConfig } from '../config/index.js';
import {
  builtinRulesDir,
  createRuleEngine,
  syncDetectSettings,
  displayPath,
  formatDuration,
  initRulesFolder,
  junitReport,
  planOverseerImport,
  writeOverseerImport,
  lintRules,
  loadRules,
  readRuleTests,
  runRuleTestCase,
  openDuckDbCaseStore,
  type OpenCaseStore,
  type RuleEngineName,
  type CaseResult,
  type CheckResult,
  type RuleCollection,
  type RuleProblem,
  type LoadedRule,
  type RuleRunReport,
  type RuleSource,
  type RunOptions,
} from '../detect/index.js';
import { YamoriError, isYamoriError } from '../errors/index.js';
import type { RuleState } from '../records/index.js';
import { openThrowawayBigQueryStore, type Store } from '../store/index.js';
import type { CliContext } from './cli-context.js';
import { deliverOnce } from './deliver-alerts.js';
import { withStore } from './open-store.js';
import { formatLocalTime, line, printJsonLines, printTable, type Column } from './output.js';
import type { Register } from './run-cli.js';
import { VERSION } from './version.js';

const collectDirs = (value: string, previous: string[] = []): string[] => [...previous, value];

export const registerRulesCommand: Register = (program, context) => {
  const rules = program
    .command('rules')
    .description('detection rules: list, run, lint, test, and start your own rules folder');

  rules
    .command('list')
    .description('every rule with its severity, status, schedule, last run and watermark')
    .option('--rules-dir <dir>', 'also load the rules in this folder (repeatable)', collectDirs)
    .option('--json', 'one JSON object per line')
    .action(async (options: { rulesDir?: string[]; json?: boolean }) => {
      const ctx = context();
      const config = ctx.config();
      const collection = loadRules(configuredSources(config, options.rulesDir));
      printLoadProblems(ctx, collection.problems);
      const states = await withStore(config, (store) => store.listRuleStates());
      const byId = new Map(states.map((state) => [state.ruleId, state]));
      const rows = collection.rules.map((rule) => ({ rule, state: byId.get(rule.definition.id) ?? null }));
      if (options.json) {
        printJsonLines(
          ctx.output.out,
          rows.map(({ rule, state }) => ({
            id: rule.definition.id,
            title: rule.definition.title,
            severity: rule.definition.severity,
            status: rule.definition.status,
            kind: rule.definition.kind,
            every_s: (rule.definition.schedule.everyUs ?? config.detect.scheduleS * 1_000_000) / 1_000_000,
            origin: rule.origin,
            folder: rule.folder,
            version: rule.version,
            last_run_at: iso(state?.lastRunAt ?? null),
            last_status: state?.lastStatus ?? null,
            last_error: state?.lastError ?? null,
            last_rows: state?.lastRows ?? null,
            flow_watermark: iso(state?.flowWatermark ?? null),
            indicator_watermark: iso(state?.indicatorWatermark ?? null),
          })),
        );
        return;
      }
      const columns: Column<{ rule: (typeof rows)[number]['rule']; state: RuleState | null }>[] = [
        { header: 'id', value: (r) => r.rule.definition.id },
        { header: 'severity', value: (r) => r.rule.definition.severity },
        { header: 'status', value: (r) => r.rule.definition.status },
        { header: 'kind', value: (r) => r.rule.definition.kind },
        {
          header: 'every',
          value: (r) =>
            formatDuration(r.rule.definition.schedule.everyUs ?? config.detect.scheduleS * 1_000_000),
          right: true,
        },
        {
          header: 'last run',
          value: (r) => (r.state?.lastRunAt ? formatLocalTime(r.state.lastRunAt) : 'never'),
        },
        { header: 'result', value: (r) => r.state?.lastStatus ?? '' },
        { header: 'watermark', value: (r) => formatLocalTime(r.state?.flowWatermark ?? null) },
        { header: 'origin', value: (r) => r.rule.origin },
      ];
      printTable(ctx.output.out, columns, rows);
    });

  rules
    .command('run')
    .description(
      'run the rules that are due now (or the ones named, whatever their schedule) and write alerts',
    )
    .argument('[ids...]', 'rules to run now')
    .option('--rules-dir <dir>', 'also load the rules in this folder (repeatable)', collectDirs)
    .option('--json', 'one JSON object per rule run')
    .option(
      '--no-notify',
      'write alerts only: do not route or send them (the next run or "yamori alerts deliver" will)',
    )
    .action(async (ids: string[], options: { rulesDir?: string[]; json?: boolean; notify: boolean }) => {
      const ctx = context();
      const config = ctx.config();
      const collection = loadRules(configuredSources(config, options.rulesDir));
      printLoadProblems(ctx, collection.problems);
      const known = collection.rules.map((rule) => rule.definition.id);
      for (const id of ids) {
        if (!known.includes(id)) {
          const near = nearestName(id, known);
          throw new YamoriError('RULE_NOT_FOUND', { id, suggestion: near ? ` Did you mean "${near}"?` : '' });
        }
      }
      const reports = await withStore(config, async (store) => {
        const done = await runRules(store, config, collection.rules, {
          ...(ids.length > 0 ? { ids } : {}),
          onReport: (report) => {
            if (options.json) printJsonLines(ctx.output.out, [reportToJson(report)]);
            else printReport(ctx, report);
          },
        });
        // The alerts are committed above; routing and sending read them back from the outbox, so a
        // crash from here on loses nothing (the next run or "yamori alerts deliver" sends them).
        if (options.notify) {
          const definitions = collection.rules.map((rule) => rule.definition);
          await deliverOnce(ctx, store, { rules: definitions, print: !options.json });
        }
        return done;
      });
      if (reports.length === 0 && !options.json && !ctx.output.quiet) {
        line(ctx.output.out, 'no rule is due; name rules to run them now ("yamori rules run ID")');
      }
      if (reports.some((report) => report.status === 'failed')) ctx.exitCode = 1;
    });

  rules
    .command('lint')
    .description('check rules without running their tests: format, ids, files, and SQL against the schema')
    .argument('[dirs...]', 'rules folders (default: the built-in rules and detect.rules_dirs)')
    .action(async (dirs: string[]) => {
      const ctx = context();
      const collection = loadRules(dirs.length > 0 ? userSources(dirs) : configuredSources(ctx.config()));
      const problems = [...collection.problems, ...(await lintRules(collection))];
      for (const problem of problems) printProblem(ctx, problem);
      if (!ctx.output.quiet) {
        line(
          ctx.output.out,
          `${collection.folders} rules checked, ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
        );
      }
      if (problems.length > 0) {
        throw new YamoriError('RULE_CHECKS_FAILED', {
          failed: problems.length,
          total: collection.folders,
          what: 'rule checks',
        });
      }
    });

  rules
    .command('test')
    .description(
      "run the collection checks and every rule's test cases on a throwaway database: in-memory DuckDB, and a throwaway BigQuery dataset per case with --engine bigquery",
    )
    .argument('[dirs...]', 'rules folders (default: the built-in rules and detect.rules_dirs)')
    .option('--junit <file>', 'also write the results as JUnit XML')
    .option(
      '--engine <engine>',
      'duckdb, bigquery or both (default: duckdb, and bigquery too when bigquery.project or bigquery.endpoint is set)',
    )
    .option(
      '--bigquery-endpoint <url>',
      'run the BigQuery cases on this BigQuery emulator (e.g. http://127.0.0.1:9050) instead of bigquery.*',
    )
    .action(
      async (dirs: string[], options: { junit?: string; engine?: string; bigqueryEndpoint?: string }) => {
        const ctx = context();
        const collection = loadRules(dirs.length > 0 ? userSources(dirs) : configuredSources(ctx.config()));
        const engines = caseEngines(ctx.config(), options);
        const results = await testCollection(ctx, collection, engines);
        if (options.junit !== undefined)
          writeFileSync(resolve(options.junit), junitReport(results.checks, results.cases));
        const failedCases = results.cases.filter((result) => !result.passed).length;
        const failedChecks = results.checks.filter((check) => check.problems.length > 0).length;
        if (!ctx.output.quiet) {
          line(
            ctx.output.out,
            `${results.cases.length - failedCases} of ${results.cases.length} cases passed; ${failedChecks} of ${results.checks.length} rules failed collection checks`,
          );
        }
        if (failedCases + failedChecks > 0) {
          throw new YamoriError('RULE_CHECKS_FAILED', {
            failed: failedCases + failedChecks,
            total: results.cases.length + results.checks.length,
            what: 'rule test cases and collection checks',
          });
        }
      },
    );

  rules
    .command('init')
    .description(
      'start a rules folder: one example rule with tests, and a CI workflow that tests rules on pull requests',
    )
    .argument('<dir>', 'the new folder (must not exist or be empty)')
    .action((dir: string) => {
      const ctx = context();
      const files = initRulesFolder(dir, VERSION);
      for (const file of files) line(ctx.output.out, `wrote ${file}`);
      if (!ctx.output.quiet) {
        line(
          ctx.output.out,
          `next: "yamori rules test ${dir}", then add ${dir} to detect.rules_dirs in the config`,
        );
      }
    });

  rules
    .command('import-overseer')
    .description(
      'turn overseer SQL rules (-- id/title/… headers) and their emulator fixtures into Yamori rule folders',
    )
    .argument('<dir>', 'the folder of overseer .sql files')
    .option('--out <dir>', 'where the rule folders go', 'overseer-rules')
    .option('--no-bigquery', 'do not write rule.bigquery.sql (the query in its original dialect)')
    .action(async (dir: string, options: { out: string; bigquery: boolean }) => {
      const ctx = context();
      const plan = await planOverseerImport({
        dir,
        outDir: options.out,
        today: new Date().toISOString().slice(0, 10),
        withoutBigQuery: !options.bigquery,
      });
      if (plan.problems.length > 0) {
        for (const error of plan.problems) printProblem(ctx, { folder: null, error });
        throw new YamoriError('OVERSEER_IMPORT_FAILED', {
          count: plan.problems.length,
          plural: plan.problems.length === 1 ? '' : 's',
          dir,
        });
      }
      writeOverseerImport(plan);
      for (const rule of plan.rules) {
        line(ctx.output.out, `imported ${rule.source} as ${displayPath(rule.folder)}`);
        for (const note of rule.notes) line(ctx.output.err, `  note: ${note}`);
        if (!rule.tested) {
          line(
            ctx.output.err,
            `  warning: ${rule.source} had no test ("-- test: false"); add a case that fires to ${displayPath(rule.folder)}/rule.test.yaml`,
          );
        }
      }
      if (!ctx.output.quiet) {
        line(
          ctx.output.out,
          `next: "yamori rules test ${options.out}", then add ${options.out} to detect.rules_dirs in the config`,
        );
      }
    });
};

/**
 * What "yamori rules run" does without the printing: the detect settings written, the due rules (or
 * those named) run, and each rule's alerts committed as it finishes. Routing and sending are separate.
 */
export async function runRules(
  store: Store,
  config: YamoriConfig,
  rules: readonly LoadedRule[],
  options: RunOptions = {},
): Promise<RuleRunReport[]> {
  await syncDetectSettings(store, config.detect);
  const writer = createAlertWriter({ maxEvidenceRows: config.detect.maxEvidenceRows }, { store });
  const engine = createRuleEngine(config.detect, { store, commit: (run) => writer.commit(run) });
  return engine.run(rules, options);
}

/** The built-in rules (unless detect.builtin_rules is off), detect.rules_dirs, then `extra`. */
export function configuredSources(config: YamoriConfig, extra: readonly string[] = []): RuleSource[] {
  return [
    ...(config.detect.builtinRules ? [{ dir: builtinRulesDir(), origin: 'builtin' as const }] : []),
    ...userSources([...config.detect.rulesDirs, ...extra]),
  ];
}

function userSources(dirs: readonly string[]): RuleSource[] {
  return dirs.map((dir) => ({ dir: resolve(dir), origin: 'user' as const }));
}

/** An engine `rules test` runs the cases on, and how it opens a throwaway store for one case. */
export interface CaseEngine {
  name: RuleEngineName;
  open: OpenCaseStore;
}

const ENGINE_CHOICES = ['duckdb', 'bigquery', 'both'] as const;

/**
 * The engines of `rules test --engine`: DuckDB by default, and BigQuery as well when it is
 * configured (bigquery.project) or an endpoint (an emulator) is given. BigQuery cases each run on a
 * new dataset of `bigquery.project` (or the emulator's project), deleted after the case.
 */
export function caseEngines(
  config: YamoriConfig,
  options: { engine?: string; bigqueryEndpoint?: string },
): CaseEngine[] {
  const base: BigQueryConfig = config.store.bigquery ?? {
    project: null,
    dataset: null,
    location: 'US',
    keyFile: null,
    endpoint: null,
  };
  const endpoint = options.bigqueryEndpoint ?? base.endpoint;
  const bigquery: BigQueryConfig = {
    ...base,
    endpoint,
    // An emulator serves whatever project it is asked for.
    project: base.project ?? (endpoint !== null ? 'yamori-rule-tests' : null),
  };
  const chosen = options.engine ?? (bigquery.project !== null ? 'both' : 'duckdb');
  if (!(ENGINE_CHOICES as readonly string[]).includes(chosen)) {
    throw new YamoriError('CLI_BAD_VALUE', {
      flag: '--engine',
      value: chosen,
      expected: 'duckdb, bigquery or both',
      example: 'For example: yamori rules test --engine both',
    });
  }
  const engines: CaseEngine[] = [];
  if (chosen !== 'bigquery') engines.push({ name: 'duckdb', open: openDuckDbCaseStore });
  if (chosen !== 'duckdb') {
    if (bigquery.project === null) {
      throw new YamoriError('STORE_BIGQUERY_NOT_CONFIGURED', {
        key: 'bigquery.project (or --bigquery-endpoint)',
      });
    }
    engines.push({ name: 'bigquery', open: (deps) => openThrowawayBigQueryStore(bigquery, deps) });
  }
  return engines;
}

/**
 * Runs the collection checks, then every case of every rule that loaded, on each engine. Rule tests
 * use the default detect settings, not the config's, so a case means the same on every machine and in CI.
 */
async function testCollection(
  ctx: CliContext,
  collection: RuleCollection,
  engines: readonly CaseEngine[] = [{ name: 'duckdb', open: openDuckDbCaseStore }],
): Promise<{ checks: CheckResult[]; cases: CaseResult[] }> {
  const problems = [...collection.problems, ...(await lintRules(collection))];
  for (const problem of problems) printProblem(ctx, problem);
  const folders = new Set<string>([
    ...collection.rules.map((rule) => rule.folder),
    ...problems.flatMap((p) => (p.folder ? [p.folder] : [])),
  ]);
  const checks: CheckResult[] = [...folders].sort().map((folder) => ({
    name: displayPath(folder),
    problems: problems.filter((p) => p.folder === folder).map((p) => `${p.error.code}: ${p.error.message}`),
  }));
  const loose = problems.filter((p) => p.folder === null);
  if (loose.length > 0)
    checks.push({ name: 'rules', problems: loose.map((p) => `${p.error.code}: ${p.error.message}`) });
  const defaults = loadConfig({ path: null, env: {} }).detect;
  const cases: CaseResult[] = [];
  for (const rule of collection.rules) {
    let ruleCases;
    try {
      ruleCases = readRuleTests(rule);
    } catch (error) {
      if (isYamoriError(error)) continue; // Already reported by the collection checks.
      throw error;
    }
    for (const testCase of ruleCases) {
      for (const engine of engines) {
        const result = await runRuleTestCase(rule, testCase, defaults, engine.open);
        cases.push(result);
        const label = engines.length > 1 || engine.name !== 'duckdb' ? ` [${engine.name}]` : '';
        if (result.passed) {
          if (!ctx.output.quiet)
            line(ctx.output.out, `ok    ${rule.definition.id}: ${testCase.name}${label}`);
        } else {
          line(
            ctx.output.out,
            `FAIL  ${rule.definition.id}: ${testCase.name}${label} (${displayPath(rule.testFile)} line ${testCase.line})`,
          );
          for (const diffLine of result.failure) line(ctx.output.out, diffLine);
        }
      }
    }
  }
  return { checks, cases };
}

function printProblem(ctx: CliContext, problem: RuleProblem): void {
  line(ctx.output.out, `error ${problem.error.code}: ${problem.error.message}`);
  if (problem.error.hint) line(ctx.output.out, `  hint: ${problem.error.hint}`);
}

/** Rules that do not load are skipped by list and run, with a warning each, and the rest go on. */
function printLoadProblems(ctx: CliContext, problems: readonly RuleProblem[]): void {
  for (const problem of problems) {
    line(ctx.output.err, `warning ${problem.error.code}: ${problem.error.message}`);
    if (problem.error.hint) line(ctx.output.err, `  hint: ${problem.error.hint}`);
  }
}

function printReport(ctx: CliContext, report: RuleRunReport): void {
  const out = ctx.output.out;
  const ms = `${Math.round(report.durationMs)} ms`;
  if (report.status === 'failed') {
    line(
      out,
      `${report.ruleId}: failed after ${ms}: error ${report.error?.code ?? ''}: ${report.error?.message ?? ''}`,
    );
    if (report.error?.hint) line(out, `  hint: ${report.error.hint}`);
    return;
  }
  const alerts = `${report.alertsCreated} new alert${report.alertsCreated === 1 ? '' : 's'}, ${report.alertsUpdated} updated`;
  line(
    out,
    `${report.ruleId}: ${plural(report.rows.length, 'row')}, ${alerts}, ${ms}${report.versionChanged ? ' (rule changed since its last run)' : ''}`,
  );
  for (const pass of report.passes) {
    const indicators =
      pass.pass === 'retro-hunt'
        ? `, indicators listed ${formatLocalTime(pass.indicatorsSince)} to ${formatLocalTime(pass.indicatorsUntil)}`
        : '';
    line(
      out,
      `  ${pass.pass}: stored ${formatLocalTime(pass.windowStart)} to ${formatLocalTime(pass.windowEnd)}${indicators}: ${skipText(pass.skipReason) ?? plural(pass.rows, 'row')}${pass.truncated ? ' (capped)' : ''}`,
    );
  }
  if (report.warning) {
    line(out, `  warning ${report.warning.code}: ${report.warning.message}`);
    line(out, `  hint: ${report.warning.hint}`);
  }
}

const skipText = (reason: string | null): string | null =>
  reason === null
    ? null
    : reason === 'no-new-rows'
      ? 'skipped, no new rows in the tables it is driven by'
      : 'skipped, no new indicators';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const iso = (micros: number | null): string | null =>
  micros === null ? null : new Date(Math.floor(micros / 1000)).toISOString();

function reportToJson(report: RuleRunReport): Record<string, unknown> {
  return {
    rule_id: report.ruleId,
    rule_version: report.ruleVersion,
    status: report.status,
    rows: report.rows.length,
    alerts_created: report.alertsCreated,
    alerts_updated: report.alertsUpdated,
    duration_ms: Math.round(report.durationMs),
    version_changed: report.versionChanged,
    passes: report.passes.map((pass) => ({
      pass: pass.pass,
      window_start: iso(pass.windowStart),
      window_end: iso(pass.windowEnd),
      indicators_since: iso(pass.indicatorsSince),
      indicators_until: iso(pass.indicatorsUntil),
      rows: pass.rows,
      truncated: pass.truncated,
      skipped: pass.skipped,
      skip_reason: pass.skipReason,
      duration_ms: Math.round(pass.durationMs),
    })),
    error:
      report.error === null
        ? null
        : { code: report.error.code, message: report.error.message, hint: report.error.hint },
    warning:
      report.warning === null
        ? null
        : { code: report.warning.code, message: report.warning.message, hint: report.warning.hint },
  };
}
