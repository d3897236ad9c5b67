import { nearestName } from '../config/index.js';
import { isYamoriError, YamoriError } from '../errors/index.js';
import { alertTitleColumns } from '../records/index.js';
import {
  inspectBigQueryRuleQuery,
  openStore,
  type QueryColumn,
  type RuleQueryShape,
  type Store,
} from '../store/index.js';
import { displayPath, type RuleCollection, type RuleProblem } from './load-rules.js';
import { INDICATOR_PARAMETERS, WINDOW_PARAMETERS, type LoadedRule } from './rule.js';
import { DEFAULT_TEST_NOW, readRuleTests } from './rule-tests.js';

/** Bookkeeping tables a rule must not read: they describe Yamori's own work, not the network. */
const NOT_FOR_RULES = new Set([
  'schema_migrations',
  'feed_snapshots',
  'feed_state',
  'feed_runs',
  'rule_state',
  'alerts',
]);

/** Table functions a rule may call: generators, and the store's own table macro. */
const TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest', 'indicators_active_at']);

const TIME_TYPES = new Set(['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP']);

/**
 * The collection checks, beyond what loading found: every rule's SQL is prepared (parsed and bound)
 * against the real schema on a throwaway in-memory database, uses the engine's parameters and no
 * others, reads only tables and views of the schema that rule.yaml declares under `requires.tables`,
 * and returns the contract columns (the dedup columns, first_seen_at and last_seen_at as instants,
 * the entity columns and the columns the title names); and every rule's tests read, with at least
 * one case that fires and one that stays quiet.
 */
export async function lintRules(collection: RuleCollection): Promise<RuleProblem[]> {
  const problems: RuleProblem[] = [];
  if (collection.rules.length === 0) return problems;
  const store = await openStore({
    database: { path: ':memory:' },
    maxBatchRows: 1_000,
    flushIntervalMs: 1_000,
  });
  try {
    const relations = (await store.info()).tables
      .map((table) => table.name)
      .filter((name) => !NOT_FOR_RULES.has(name));
    for (const rule of collection.rules) {
      const add = (error: YamoriError): void => {
        problems.push({ folder: rule.folder, error });
      };
      await lintSql(store, rule, new Set(relations), add);
      lintBigQuerySql(rule, new Set(relations), add);
      lintTests(rule, add);
    }
  } finally {
    await store.close();
  }
  return problems;
}

async function lintSql(
  store: Store,
  rule: LoadedRule,
  relations: ReadonlySet<string>,
  add: (error: YamoriError) => void,
): Promise<void> {
  const file = displayPath(rule.sqlFile);
  const sqlProblem = (problem: string, advice = ''): void => {
    add(new YamoriError('RULE_SQL_INVALID', { file, problem, advice }));
  };
  let shape;
  try {
    shape = await store.describeRuleQuery(rule.sql, DEFAULT_TEST_NOW);
  } catch (error) {
    if (!isYamoriError(error)) throw error;
    sqlProblem(`${error.message}`, error.hint);
    return;
  }
  lintShape(rule, shape, relations, sqlProblem, '$');
  lintColumns(rule, shape.columns, sqlProblem);
}

/**
 * rule.bigquery.sql, read without BigQuery (the cases run it there: `rules test --engine bigquery`):
 * one statement, the engine's parameters (as @name), and only tables the rule declares.
 */
function lintBigQuerySql(
  rule: LoadedRule,
  relations: ReadonlySet<string>,
  add: (error: YamoriError) => void,
): void {
  if (rule.bigquerySql === null || rule.bigquerySqlFile === null) return;
  const file = displayPath(rule.bigquerySqlFile);
  const sqlProblem = (problem: string, advice = ''): void => {
    add(new YamoriError('RULE_SQL_INVALID', { file, problem, advice }));
  };
  let shape;
  try {
    shape = inspectBigQueryRuleQuery(rule.bigquerySql);
  } catch (error) {
    if (!isYamoriError(error)) throw error;
    sqlProblem(`${error.message}`, error.hint);
    return;
  }
  lintShape(
    rule,
    { ...shape, tableFunctions: shape.tableFunctions.filter((fn) => fn !== 'unnest') },
    relations,
    sqlProblem,
    '@',
  );
}

/** The checks both dialects share; `mark` is how the file spells a parameter ($ or @). */
function lintShape(
  rule: LoadedRule,
  shape: Omit<RuleQueryShape, 'columns'>,
  relations: ReadonlySet<string>,
  sqlProblem: (problem: string, advice?: string) => void,
  mark: '$' | '@',
): void {
  const definition = rule.definition;
  const known = new Set<string>([...WINDOW_PARAMETERS, ...INDICATOR_PARAMETERS]);
  for (const name of shape.parameters) {
    if (!known.has(name)) {
      const near = nearestName(name, [...known]);
      sqlProblem(
        `uses ${mark}${name}, which the engine does not bind.`,
        near ? `Did you mean ${mark}${near}?` : '',
      );
    }
  }
  for (const name of WINDOW_PARAMETERS) {
    if (!shape.parameters.includes(name)) {
      sqlProblem(
        `does not use ${mark}${name}; every rule reads only its window.`,
        `Filter flows (or dns) by "ingested_at >= ${mark}window_start AND ingested_at < ${mark}window_end".`,
      );
    }
  }
  const usesIndicators = INDICATOR_PARAMETERS.filter((name) => shape.parameters.includes(name));
  if (definition.kind === 'indicator' && usesIndicators.length < INDICATOR_PARAMETERS.length) {
    sqlProblem(
      `is an indicator rule (kind: indicator) but does not use both ${mark}indicators_since and ${mark}indicators_until.`,
      `Filter indicator_match_periods by "listed_at >= ${mark}indicators_since AND listed_at < ${mark}indicators_until", so retro-hunt sees only new indicators.`,
    );
  }
  if (definition.kind !== 'indicator' && usesIndicators.length > 0) {
    sqlProblem(
      `uses ${mark}${usesIndicators[0]!} but rule.yaml does not say "kind: indicator".`,
      'Add "kind: indicator" so the engine also runs it over history when indicators arrive.',
    );
  }
  const declared = new Set(definition.requires.tables);
  for (const relation of shape.relations) {
    if (!relations.has(relation)) {
      const near = nearestName(relation, [...relations]);
      sqlProblem(
        `reads "${relation}", which is not a table or view rules may read.`,
        near ? `Did you mean "${near}"?` : `Rules read: ${[...relations].sort().join(', ')}.`,
      );
    } else if (!declared.has(relation)) {
      sqlProblem(
        `reads "${relation}", which rule.yaml does not list under requires.tables.`,
        `Add it: requires: { tables: [${[...declared, relation].join(', ')}] }.`,
      );
    }
  }
  for (const table of declared) {
    // Said once, of rule.sql: it is about rule.yaml.
    if (mark === '$' && !relations.has(table)) {
      sqlProblem(`rule.yaml requires "${table}", which is not a table or view rules may read.`);
    }
  }
  for (const fn of shape.tableFunctions) {
    if (!TABLE_FUNCTIONS.has(fn)) {
      sqlProblem(
        `calls the table function ${fn}(), which rules may not use.`,
        `Rules may call ${[...TABLE_FUNCTIONS].join(', ')}.`,
      );
    }
  }
}

function lintColumns(
  rule: LoadedRule,
  columns: readonly QueryColumn[],
  sqlProblem: (problem: string, advice?: string) => void,
): void {
  const definition = rule.definition;
  const types = new Map(columns.map((column) => [column.name, column.type]));
  const names = columns.map((column) => column.name);
  const required = new Set([
    'first_seen_at',
    'last_seen_at',
    ...definition.dedup,
    ...Object.values(definition.entities),
  ]);
  const need = (column: string, why: string): void => {
    if (types.has(column)) return;
    // Another required column is never the one meant: last_seen_at is not a typo of first_seen_at.
    const near = nearestName(
      column,
      names.filter((name) => !required.has(name)),
    );
    sqlProblem(
      `returns no column "${column}" (${why}).`,
      near ? `Did you mean "${near}"? ` : `It returns: ${names.join(', ')}.`,
    );
  };
  for (const column of ['first_seen_at', 'last_seen_at']) {
    need(column, 'every rule returns when what it found started and ended');
    const type = types.get(column);
    if (type !== undefined && !TIME_TYPES.has(type))
      sqlProblem(`returns "${column}" as ${type}; it must be an instant (TIMESTAMPTZ).`);
  }
  for (const column of definition.dedup) need(column, 'rule.yaml names it under dedup');
  for (const [role, column] of Object.entries(definition.entities))
    need(column, `rule.yaml names it as entities.${role}`);
  for (const column of alertTitleColumns(definition.alertTitle)) {
    if (column === 'device_name') continue;
    need(column, 'alert_title uses it');
  }
}

function lintTests(rule: LoadedRule, add: (error: YamoriError) => void): void {
  if (rule.testText === '') return;
  const file = displayPath(rule.testFile);
  try {
    const cases = readRuleTests(rule);
    const firing = cases.some((c) => c.runs.some((run) => run.expect.length > 0));
    const quiet = cases.some((c) => c.runs.every((run) => run.expect.length === 0));
    if (!firing) {
      add(
        new YamoriError('RULE_TESTS_INVALID', {
          file,
          where: '',
          problem: 'no case expects the rule to fire',
          advice: 'Add a case whose "expect" lists the rows it must return.',
        }),
      );
    }
    if (!quiet) {
      add(
        new YamoriError('RULE_TESTS_INVALID', {
          file,
          where: '',
          problem: 'no case expects the rule to stay quiet',
          advice: 'Add a case with "expect: []" for traffic that looks close but must not alert.',
        }),
      );
    }
  } catch (error) {
    if (!isYamoriError(error)) throw error;
    add(error);
  }
}
