import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isYamoriError, YamoriError } from '../errors/index.js';
import type { LoadedRule, RuleOrigin } from './rule.js';
import { checkRuleYaml } from './rule-schema.js';
import { parseYamlFile } from './yaml-file.js';

export const RULE_FILES = ['rule.yaml', 'rule.sql', 'rule.test.yaml'] as const;
/** The optional BigQuery form of rule.sql, for rules whose SQL uses what only DuckDB has. */
export const BIGQUERY_SQL_FILE = 'rule.bigquery.sql';
const FIXTURES = 'fixtures';

/** A folder of rules and where it comes from. */
export interface RuleSource {
  dir: string;
  origin: RuleOrigin;
}

/** A problem found in a rule folder (null: not tied to one). */
export interface RuleProblem {
  folder: string | null;
  error: YamoriError;
}

/** What loading found: the rules that can run, and every problem (with its file) on the way. */
export interface RuleCollection {
  rules: LoadedRule[];
  problems: RuleProblem[];
  /** Rule folders seen, loaded or not. */
  folders: number;
}

/**
 * Reads every rule below the given folders. A rule folder is one that holds any of rule.yaml,
 * rule.sql or rule.test.yaml; other folders are categories and are searched further (hidden folders and
 * node_modules are skipped). A rule whose rule.yaml or rule.sql cannot be read or checked is left out
 * with its problems; other problems (a missing test file, a folder named differently from the id, a
 * second rule with one id) are reported and, except for the duplicate, the rule still loads.
 * Throws RULE_DIR_NOT_FOUND when a folder given does not exist.
 */
export function loadRules(sources: readonly RuleSource[]): RuleCollection {
  const collection: RuleCollection = { rules: [], problems: [], folders: 0 };
  const seen = new Map<string, LoadedRule>();
  for (const source of sources) {
    if (!isDirectory(source.dir)) throw new YamoriError('RULE_DIR_NOT_FOUND', { path: source.dir });
    for (const folder of ruleFolders(source.dir)) {
      collection.folders++;
      const rule = loadRuleFolder(folder, source, collection.problems);
      if (rule === null) continue;
      const earlier = seen.get(rule.definition.id);
      if (earlier !== undefined) {
        collection.problems.push({
          folder: rule.folder,
          error: new YamoriError('RULE_ID_DUPLICATE', {
            id: rule.definition.id,
            first: earlier.yamlFile,
            second: rule.yamlFile,
          }),
        });
        continue;
      }
      seen.set(rule.definition.id, rule);
      collection.rules.push(rule);
    }
  }
  return collection;
}

function* ruleFolders(dir: string): Generator<string> {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  if (entries.some((entry) => entry.isFile() && (RULE_FILES as readonly string[]).includes(entry.name))) {
    yield dir;
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    yield* ruleFolders(join(dir, entry.name));
  }
}

function loadRuleFolder(folder: string, source: RuleSource, found: RuleProblem[]): LoadedRule | null {
  const problems = {
    push: (...errors: YamoriError[]): void => {
      for (const error of errors) found.push({ folder, error });
    },
  };
  const shown = displayPath(folder);
  const entries = readdirSync(folder, { withFileTypes: true });
  for (const entry of entries) {
    const expected =
      (entry.isFile() && (RULE_FILES as readonly string[]).includes(entry.name)) ||
      (entry.isFile() && entry.name === BIGQUERY_SQL_FILE) ||
      (entry.isDirectory() && entry.name === FIXTURES);
    if (!expected) {
      problems.push(
        new YamoriError('RULE_FILES_INVALID', {
          folder: shown,
          problem: `"${entry.name}" does not belong in a rule folder`,
        }),
      );
    }
  }
  const texts: Partial<Record<(typeof RULE_FILES)[number], string>> = {};
  for (const name of RULE_FILES) {
    try {
      texts[name] = readFileSync(join(folder, name), 'utf8');
    } catch {
      problems.push(new YamoriError('RULE_FILES_INVALID', { folder: shown, problem: `${name} is missing` }));
    }
  }
  const yamlText = texts['rule.yaml'];
  const sql = texts['rule.sql'];
  if (yamlText === undefined || sql === undefined) return null;
  const yamlFile = join(folder, 'rule.yaml');
  let checked;
  try {
    checked = checkRuleYaml(parseYamlFile(join(shown, 'rule.yaml'), yamlText));
  } catch (error) {
    if (!isYamoriError(error)) throw error;
    problems.push(error);
    return null;
  }
  if (!checked.ok) {
    problems.push(...checked.problems);
    return null;
  }
  const definition = checked.rule;
  if (basename(folder) !== definition.id) {
    problems.push(
      new YamoriError('RULE_FILES_INVALID', {
        folder: shown,
        problem: `the folder is named "${basename(folder)}" but rule.yaml has id "${definition.id}"; they must be equal`,
      }),
    );
  }
  const testText = texts['rule.test.yaml'] ?? '';
  const hasBigquerySql = entries.some((entry) => entry.isFile() && entry.name === BIGQUERY_SQL_FILE);
  const bigquerySqlFile = hasBigquerySql ? join(folder, BIGQUERY_SQL_FILE) : null;
  const bigquerySql = bigquerySqlFile === null ? null : readFileSync(bigquerySqlFile, 'utf8');
  return {
    definition,
    sql,
    folder,
    yamlFile,
    sqlFile: join(folder, 'rule.sql'),
    bigquerySql,
    bigquerySqlFile,
    testFile: join(folder, 'rule.test.yaml'),
    testText,
    version: ruleVersion(yamlText, sql, testText, bigquerySql),
    origin: source.origin,
  };
}

/**
 * The content hash of a rule's files: any change to any of them is a new version. A rule without
 * rule.bigquery.sql hashes as it did before that file existed.
 */
export function ruleVersion(
  yamlText: string,
  sql: string,
  testText: string,
  bigquerySql: string | null = null,
): string {
  const hash = createHash('sha256');
  const files: [string, string][] = [
    ['rule.yaml', yamlText],
    ['rule.sql', sql],
    ['rule.test.yaml', testText],
  ];
  if (bigquerySql !== null) files.push([BIGQUERY_SQL_FILE, bigquerySql]);
  for (const [name, text] of files) {
    hash.update(`${name}\u0000${text.length}\u0000${text}`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** A path as messages show it: relative to the working folder when inside it. */
export function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === '' || shown.startsWith('..') ? path : shown;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
