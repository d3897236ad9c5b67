import type { DetectConfig } from '../config/index.js';
import { isYamoriError, YamoriError } from '../errors/index.js';
import type { EpochMicros, RuleFinding, RuleRunCommit, RuleState, RunProvenance } from '../records/index.js';
import type { Store } from '../store/index.js';
import { planPasses, type RulePass } from './plan-passes.js';
import { microsFromIso } from './relative-time.js';
import { ruleSqlFor, type DrivingTable, type LoadedRule } from './rule.js';

/** Writes a run's findings as alerts and its watermarks, in one transaction (alert/ provides it). */
export type CommitRun = (run: RuleRunCommit) => Promise<{ created: number; updated: number }>;

export interface RuleEngineDeps {
  store: Store;
  commit: CommitRun;
}

/** What one pass did. */
export interface PassReport extends RulePass {
  rows: number;
  truncated: boolean;
  durationMs: number;
  /** A pass not run because it could only return nothing (`skipReason` says why). */
  skipped: boolean;
  /**
   * `no-new-indicators`: a retro-hunt pass with no indicator listing begun in its indicator window.
   * `no-new-rows`: no row of the tables the rule is driven by (rule.yaml `driven_by`) in its window.
   */
  skipReason: 'no-new-indicators' | 'no-new-rows' | null;
}

/** What one rule's run did, for printing. */
export interface RuleRunReport {
  ruleId: string;
  ruleVersion: string;
  status: 'ok' | 'capped' | 'failed';
  passes: PassReport[];
  /** Every row the passes returned, in pass order (the test runner compares them). */
  rows: Record<string, unknown>[];
  alertsCreated: number;
  alertsUpdated: number;
  durationMs: number;
  /** Why it failed (RULE_TIMEOUT, RULE_QUERY_FAILED, …); the watermarks did not move. */
  error: YamoriError | null;
  /** RULE_TOO_MANY_RESULTS when a pass was capped. */
  warning: YamoriError | null;
  /** The stored version differs: the rule changed since its last good run. */
  versionChanged: boolean;
}

export interface RunOptions {
  /** Run these rules now whatever their schedule; otherwise every due rule that is not deprecated. */
  ids?: readonly string[];
  /** Called as each rule finishes, so progress prints as it happens. */
  onReport?: (report: RuleRunReport) => void;
}

export interface RuleEngine {
  /**
   * Runs the due (or named) rules one after the other at one instant, read once from the store.
   * A rule that fails is reported and recorded, and the others still run.
   */
  run(rules: readonly LoadedRule[], options?: RunOptions): Promise<RuleRunReport[]>;
  /** Whether `rule` is due at `now` given its state. */
  isDue(rule: LoadedRule, state: RuleState | null, now: EpochMicros): boolean;
}

const MICROS_PER_MS = 1_000;

/** The engine over `config.detect`: windows, retro-hunt, limits, and one commit per rule run. */
export function createRuleEngine(config: DetectConfig, deps: RuleEngineDeps): RuleEngine {
  const isDue = (rule: LoadedRule, state: RuleState | null, now: EpochMicros): boolean => {
    if (state?.lastRunAt == null) return true;
    const everyUs = rule.definition.schedule.everyUs ?? config.scheduleS * 1_000_000;
    return now - state.lastRunAt >= everyUs;
  };

  const runOne = async (
    rule: LoadedRule,
    state: RuleState | null,
    now: EpochMicros,
    probes: ProbeAnswers,
  ): Promise<RuleRunReport> => {
    const definition = rule.definition;
    const started = performance.now();
    const plan = planPasses(definition, state, now, {
      lookbackUs: config.lookbackH * 3_600_000_000,
      retroHuntHorizonUs: config.retroHuntHorizonD * 86_400_000_000,
    });
    const report: RuleRunReport = {
      ruleId: definition.id,
      ruleVersion: rule.version,
      status: 'ok',
      passes: [],
      rows: [],
      alertsCreated: 0,
      alertsUpdated: 0,
      durationMs: 0,
      error: null,
      warning: null,
      versionChanged: state?.ruleVersion != null && state.ruleVersion !== rule.version,
    };
    const timeoutMs = Math.max(
      1,
      Math.round((definition.limits.timeoutUs ?? config.ruleTimeoutS * 1_000_000) / MICROS_PER_MS),
    );
    const maxRows = definition.limits.maxResults ?? config.maxResults;
    const findings: RuleFinding[] = [];
    try {
      for (const pass of plan.passes) {
        const passStarted = performance.now();
        const skipReason =
          pass.pass === 'retro-hunt' &&
          !(await probes.ask(`listings ${pass.indicatorsSince} ${pass.indicatorsUntil}`, () =>
            hasNewListings(deps.store, pass, timeoutMs),
          ))
            ? 'no-new-indicators'
            : definition.drivenBy.length > 0 &&
                !(await probes.ask(
                  `rows ${[...definition.drivenBy].sort().join(',')} ${pass.windowStart} ${pass.windowEnd}`,
                  () => hasDrivingRows(deps.store, definition.drivenBy, pass, timeoutMs),
                ))
              ? 'no-new-rows'
              : null;
        if (skipReason !== null) {
          report.passes.push({
            ...pass,
            rows: 0,
            truncated: false,
            durationMs: performance.now() - passStarted,
            skipped: true,
            skipReason,
          });
          continue;
        }
        const result = await runPass(deps.store, rule, pass, timeoutMs, maxRows);
        const provenance: RunProvenance = {
          ruleId: definition.id,
          ruleVersion: rule.version,
          pass: pass.pass,
          windowStart: pass.windowStart,
          windowEnd: pass.windowEnd,
          indicatorsSince: pass.indicatorsSince,
          indicatorsUntil: pass.indicatorsUntil,
          runAt: now,
        };
        for (const row of result.rows) {
          findings.push(toFinding(rule, row, provenance));
          report.rows.push(row);
        }
        report.passes.push({
          ...pass,
          rows: result.rows.length,
          truncated: result.truncated,
          durationMs: performance.now() - passStarted,
          skipped: false,
          skipReason: null,
        });
        if (result.truncated) {
          report.status = 'capped';
          report.warning = new YamoriError('RULE_TOO_MANY_RESULTS', { rule: definition.id, limit: maxRows });
        }
      }
      report.durationMs = performance.now() - started;
      const written = await deps.commit({
        ruleId: definition.id,
        ruleVersion: rule.version,
        severity: definition.severity,
        titleTemplate: definition.alertTitle,
        dedupColumns: definition.dedup,
        suppressForUs: definition.suppressForUs ?? config.suppressForH * 3_600_000_000,
        findings,
        state: {
          ruleId: definition.id,
          ruleVersion: rule.version,
          runAt: now,
          status: report.status === 'capped' ? 'capped' : 'ok',
          flowWatermark: plan.flowWatermark,
          indicatorWatermark: plan.indicatorWatermark,
          errorCode: report.warning?.code ?? null,
          errorMessage: report.warning?.message ?? null,
          durationMs: report.durationMs,
          rows: report.rows.length,
        },
      });
      report.alertsCreated = written.created;
      report.alertsUpdated = written.updated;
    } catch (error) {
      report.status = 'failed';
      report.error = isYamoriError(error)
        ? error
        : new YamoriError(
            'INTERNAL',
            { detail: error instanceof Error ? error.message : String(error) },
            { cause: error },
          );
      report.durationMs = performance.now() - started;
      await deps.store
        .recordRuleFailure({
          ruleId: definition.id,
          ruleVersion: rule.version,
          runAt: now,
          status: 'failed',
          flowWatermark: null,
          indicatorWatermark: null,
          errorCode: report.error.code,
          errorMessage: report.error.message,
          durationMs: report.durationMs,
          rows: report.rows.length,
        })
        .catch(() => undefined);
    }
    return report;
  };

  return {
    isDue,
    async run(rules, options = {}) {
      const now = await deps.store.currentIngestTime();
      const states = new Map((await deps.store.listRuleStates()).map((state) => [state.ruleId, state]));
      const named = options.ids === undefined ? null : new Set(options.ids);
      const probes = createProbeAnswers();
      const reports: RuleRunReport[] = [];
      for (const rule of rules) {
        const state = states.get(rule.definition.id) ?? null;
        const chosen =
          named !== null
            ? named.has(rule.definition.id)
            : rule.definition.status !== 'deprecated' && isDue(rule, state, now);
        if (!chosen) continue;
        const report = await runOne(rule, state, now, probes);
        options.onReport?.(report);
        reports.push(report);
      }
      return reports;
    },
  };
}

/**
 * The answers of the probes that let a pass be skipped, shared by the rules of one run: rules that ran
 * together have the same windows, so one probe answers them all. Every window of a run ends by its
 * instant, read from the store after the writes queued before it, so a row written during the run (stored
 * at or after that instant, while the ingest clock does not go back) is in none of them, and an answer
 * holds for the whole run. A probe that fails is asked again by the next rule.
 */
interface ProbeAnswers {
  ask(key: string, probe: () => Promise<boolean>): Promise<boolean>;
}

function createProbeAnswers(): ProbeAnswers {
  const answers = new Map<string, Promise<boolean>>();
  return {
    ask(key, probe) {
      let answer = answers.get(key);
      if (answer === undefined) {
        answer = probe();
        answers.set(key, answer);
        answer.catch(() => answers.delete(key));
      }
      return answer;
    },
  };
}

/**
 * Whether any indicator listing period began in the pass's indicator window. A retro-hunt pass matches
 * only those (rules filter indicator_match_periods.listed_at by $indicators_since/$indicators_until), so
 * without any it would read the stored history to find nothing: most runs, as feeds update hourly.
 */
async function hasNewListings(store: Store, pass: RulePass, timeoutMs: number): Promise<boolean> {
  const result = await store.runRuleQuery(
    'SELECT 1 FROM indicator_listings WHERE listed_from >= $indicators_since AND listed_from < $indicators_until',
    { indicators_since: pass.indicatorsSince, indicators_until: pass.indicatorsUntil },
    { timeoutMs, maxRows: 1 },
  );
  return result.rows.length > 0;
}

/**
 * Whether any of `tables` (rule.yaml `driven_by`, checked against DRIVING_TABLES) holds a row ingested
 * in the pass's window. A rule driven by them returns rows only from such rows (its tests check that it
 * stays quiet over an empty window), so without any the pass would read indicators and history to find
 * nothing: a window with no new traffic, or a retro-hunt over an empty history.
 */
async function hasDrivingRows(
  store: Store,
  tables: readonly DrivingTable[],
  pass: RulePass,
  timeoutMs: number,
): Promise<boolean> {
  // The store wraps the query in LIMIT 2, so the scans stop at the first row either finds.
  const probes = tables.map(
    (table) =>
      `SELECT 1 AS found FROM ${table} WHERE ingested_at >= $window_start AND ingested_at < $window_end`,
  );
  const result = await store.runRuleQuery(
    probes.join(' UNION ALL '),
    { window_start: pass.windowStart, window_end: pass.windowEnd },
    { timeoutMs, maxRows: 1 },
  );
  return result.rows.length > 0;
}

async function runPass(
  store: Store,
  rule: LoadedRule,
  pass: RulePass,
  timeoutMs: number,
  maxRows: number,
): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }> {
  const params = {
    window_start: pass.windowStart,
    window_end: pass.windowEnd,
    indicators_since: pass.indicatorsSince,
    indicators_until: pass.indicatorsUntil,
  };
  try {
    return await store.runRuleQuery(ruleSqlFor(rule, store.engine).sql, params, { timeoutMs, maxRows });
  } catch (error) {
    if (isYamoriError(error) && error.code === 'QUERY_TIMEOUT') {
      throw new YamoriError(
        'RULE_TIMEOUT',
        { rule: rule.definition.id, limit: formatMs(timeoutMs), pass: pass.pass },
        { cause: error },
      );
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new YamoriError(
      'RULE_QUERY_FAILED',
      { rule: rule.definition.id, pass: pass.pass, detail },
      { cause: error },
    );
  }
}

function toFinding(rule: LoadedRule, row: Record<string, unknown>, provenance: RunProvenance): RuleFinding {
  const entities = rule.definition.entities;
  const text = (column: string | undefined): string | null => {
    if (column === undefined) return null;
    const value = row[column];
    return value === null || value === undefined ? null : scalarText(value);
  };
  const list = (column: string | undefined): string[] => {
    if (column === undefined) return [];
    const value = row[column];
    if (Array.isArray(value)) return (value as unknown[]).filter((item) => item !== null).map(scalarText);
    return value === null || value === undefined ? [] : [scalarText(value)];
  };
  const first = microsFromIso(row['first_seen_at']);
  const last = microsFromIso(row['last_seen_at']);
  if (first === null || last === null) {
    throw new YamoriError('RULE_QUERY_FAILED', {
      rule: rule.definition.id,
      pass: provenance.pass,
      detail: `a result row has no instant in first_seen_at or last_seen_at (${JSON.stringify(row['first_seen_at'])}, ${JSON.stringify(row['last_seen_at'])}).`,
    });
  }
  return {
    row,
    firstSeenAt: first,
    lastSeenAt: Math.max(first, last),
    deviceMac: text(entities.device_mac),
    deviceAddr: text(entities.device_addr),
    remoteAddr: text(entities.remote_addr),
    indicatorIds: list(entities.indicator_id),
    indicatorSources: list(entities.indicator_source),
    provenance,
  };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}
