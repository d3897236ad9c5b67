import type { EpochMicros } from './time.js';

/** How bad a rule's finding is; the order is the order of this list. */
export const ALERT_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Where a person is with an alert. */
export const ALERT_STATUSES = ['open', 'acknowledged', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * Which run of which rule produced a finding, enough to explain it and to run the same query again:
 * the rule's content hash, the pass, and the exact parameter values it was given.
 */
export interface RunProvenance {
  ruleId: string;
  /** Content hash of rule.yaml, rule.sql and rule.test.yaml. */
  ruleVersion: string;
  /** `window`: new flows against every indicator; `retro-hunt`: older flows against new indicators. */
  pass: 'window' | 'retro-hunt';
  windowStart: EpochMicros;
  windowEnd: EpochMicros;
  indicatorsSince: EpochMicros;
  indicatorsUntil: EpochMicros;
  runAt: EpochMicros;
}

/**
 * One result row of a rule, with the entity columns the rule names already picked out. detect/ makes
 * these; alert/ turns them into alerts.
 */
export interface RuleFinding {
  /** The row as the rule returned it (JSON values; instants as ISO 8601 text). */
  row: Record<string, unknown>;
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
  deviceMac: string | null;
  /** The device's address when the rule names one (used for the name when there is no MAC). */
  deviceAddr: string | null;
  remoteAddr: string | null;
  indicatorIds: string[];
  indicatorSources: string[];
  provenance: RunProvenance;
}

/** What one rule run hands to alert/ to write, in one transaction with its new watermarks. */
export interface RuleRunCommit {
  ruleId: string;
  ruleVersion: string;
  severity: AlertSeverity;
  /** The `alert_title` template; `{column}` is replaced by the row's value. */
  titleTemplate: string;
  /** Result columns whose values make one alert. */
  dedupColumns: readonly string[];
  /** A repeat within this long of an alert that is not closed updates it instead of adding one. */
  suppressForUs: number;
  findings: readonly RuleFinding[];
  /** The watermarks to store once the alerts are written. */
  state: RuleStateUpdate;
}

/** What a finished run (good or failed) changes in `rule_state`. */
export interface RuleStateUpdate {
  ruleId: string;
  ruleVersion: string;
  runAt: EpochMicros;
  status: 'ok' | 'capped' | 'failed';
  /** Null keeps the stored watermark (a failed run). */
  flowWatermark: EpochMicros | null;
  indicatorWatermark: EpochMicros | null;
  errorCode: string | null;
  errorMessage: string | null;
  durationMs: number;
  rows: number;
}

/** A rule's stored bookkeeping. */
export interface RuleState {
  ruleId: string;
  ruleVersion: string | null;
  /** Every flow and DNS answer ingested before this was checked; null before the first good run. */
  flowWatermark: EpochMicros | null;
  /** Every indicator listed before this was checked against stored history. */
  indicatorWatermark: EpochMicros | null;
  lastRunAt: EpochMicros | null;
  lastStatus: 'ok' | 'capped' | 'failed' | null;
  lastErrorCode: string | null;
  lastError: string | null;
  lastDurationMs: number | null;
  lastRows: number | null;
  lastSuccessAt: EpochMicros | null;
}

/** One alert as stored in `alerts`. */
export interface Alert {
  id: string;
  ruleId: string;
  ruleVersion: string;
  severity: AlertSeverity;
  title: string;
  dedupKey: string;
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
  /** Result rows merged into it (the first included). */
  count: number;
  status: AlertStatus;
  createdAt: EpochMicros;
  updatedAt: EpochMicros;
  deviceMac: string | null;
  /** Hostname, else vendor, else MAC (or address) of the device. */
  deviceName: string | null;
  remoteAddr: string | null;
  indicatorIds: string[];
  indicatorSources: string[];
  /** Up to `detect.max_evidence_rows` result rows, oldest first. */
  evidence: Record<string, unknown>[];
  /** The runs that produced it, oldest first, as many as the evidence rows. */
  provenance: RunProvenance[];
}

/** A new alert or a repeat of one, as alert/ hands it to the store. */
export interface AlertWrite {
  ruleId: string;
  ruleVersion: string;
  severity: AlertSeverity;
  title: string;
  dedupKey: string;
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
  /** Rows this write stands for. */
  count: number;
  deviceMac: string | null;
  deviceName: string | null;
  remoteAddr: string | null;
  indicatorIds: string[];
  indicatorSources: string[];
  evidence: Record<string, unknown>[];
  provenance: RunProvenance[];
  suppressForUs: number;
  maxEvidenceRows: number;
}

export function isAlertSeverity(value: unknown): value is AlertSeverity {
  return typeof value === 'string' && (ALERT_SEVERITIES as readonly string[]).includes(value);
}

export function isAlertStatus(value: unknown): value is AlertStatus {
  return typeof value === 'string' && (ALERT_STATUSES as readonly string[]).includes(value);
}

/**
 * The result columns an `alert_title` template names (`{column}`; `{{` and `}}` are literal braces),
 * in order of first use.
 */
export function alertTitleColumns(template: string): string[] {
  const columns: string[] = [];
  for (const match of template.replace(/\{\{|\}\}/g, '').matchAll(/\{([a-z_][a-z0-9_]*)\}/g)) {
    if (!columns.includes(match[1]!)) columns.push(match[1]!);
  }
  return columns;
}
