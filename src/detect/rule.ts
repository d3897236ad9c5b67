import type { AlertSeverity } from '../records/index.js';

/** Sigma's lifecycle: a deprecated rule is kept (its id is never reused) but no longer runs on schedule. */
export const RULE_STATUSES = ['experimental', 'test', 'stable', 'deprecated'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

/**
 * `event`: looks at flows and DNS answers in the window. `indicator`: matches them against threat-intel
 * indicators, and so also runs backwards (retro-hunt) when new indicators arrive.
 */
export const RULE_KINDS = ['event', 'indicator'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Roles a result column can play in an alert, by the name rule.yaml's `entities` uses. */
export const ENTITY_ROLES = [
  'device_mac',
  'device_addr',
  'remote_addr',
  'indicator_id',
  'indicator_source',
] as const;
export type EntityRole = (typeof ENTITY_ROLES)[number];

/**
 * Tables a rule may name under `driven_by`: the ones stored with an ingestion time, which the engine's
 * windows ($window_start, $window_end) are on.
 */
export const DRIVING_TABLES = ['flows', 'dns'] as const;
export type DrivingTable = (typeof DRIVING_TABLES)[number];

/** The parameters the engine binds; a rule uses the first two, an indicator rule all four. */
export const WINDOW_PARAMETERS = ['window_start', 'window_end'] as const;
export const INDICATOR_PARAMETERS = ['indicators_since', 'indicators_until'] as const;

/** rule.yaml, checked, in TypeScript's spelling. Durations are microseconds. */
export interface RuleDefinition {
  id: string;
  title: string;
  description: string;
  severity: AlertSeverity;
  status: RuleStatus;
  kind: RuleKind;
  tags: string[];
  schedule: { everyUs: number | null; lookbackUs: number | null };
  dedup: string[];
  /** Result column for each role the rule fills. */
  entities: Partial<Record<EntityRole, string>>;
  alertTitle: string;
  falsePositives: string[];
  triage: string;
  references: string[];
  requires: { tables: string[]; feeds: string[] };
  /**
   * `driven_by`: every result row comes from a row of one of these tables ingested in the pass's
   * window, so a pass whose window holds none of their rows returns nothing and is not run. Empty: every
   * pass runs.
   */
  drivenBy: DrivingTable[];
  author: string;
  /** YYYY-MM-DD. */
  created: string;
  modified: string | null;
  suppressForUs: number | null;
  limits: { timeoutUs: number | null; maxResults: number | null };
}

export type RuleOrigin = 'builtin' | 'user';

/** The engines a rule runs on (the store's engine); DuckDB's SQL is the default for every other. */
export type RuleEngineName = 'duckdb' | 'bigquery';

/** A rule as read from its folder. */
export interface LoadedRule {
  definition: RuleDefinition;
  sql: string;
  /** The folder holding the rule's files. */
  folder: string;
  yamlFile: string;
  sqlFile: string;
  /**
   * rule.bigquery.sql: the query for BigQuery where rule.sql uses DuckDB-only syntax; null when the
   * folder has none, and rule.sql then runs on BigQuery as it is.
   */
  bigquerySql: string | null;
  bigquerySqlFile: string | null;
  testFile: string;
  /** The text of rule.test.yaml. */
  testText: string;
  /** Content hash of rule.yaml, rule.sql, rule.test.yaml and rule.bigquery.sql (16 hex digits). */
  version: string;
  origin: RuleOrigin;
}

/** The query a rule runs on `engine`, and the file it comes from. */
export function ruleSqlFor(rule: LoadedRule, engine: RuleEngineName): { sql: string; file: string } {
  if (engine === 'bigquery' && rule.bigquerySql !== null && rule.bigquerySqlFile !== null) {
    return { sql: rule.bigquerySql, file: rule.bigquerySqlFile };
  }
  return { sql: rule.sql, file: rule.sqlFile };
}
