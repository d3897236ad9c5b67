import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isYamoriError, YamoriError } from '../errors/index.js';
import { openStore, type QueryColumn, type Store } from '../store/index.js';
import { BIGQUERY_SQL_FILE, displayPath } from './load-rules.js';
import { DEFAULT_TEST_NOW } from './rule-tests.js';
import { fixtureTests, quietOnlyTests, ruleYaml } from './import-overseer-files.js';
import { parseOverseerHeaders } from './import-overseer-headers.js';
import { windowOverseerQuery } from './import-overseer-sql.js';

export interface OverseerImportOptions {
  /** The folder of overseer .sql files (searched recursively). */
  dir: string;
  /** Where the rule folders go: one folder per rule, named for its id. */
  outDir: string;
  /** YYYY-MM-DD, for `created`. */
  today: string;
  /** Leave out rule.bigquery.sql (the query in its original dialect) beside rule.sql. */
  withoutBigQuery?: boolean;
}

/** One rule folder to write. */
export interface PlannedRule {
  id: string;
  /** The overseer .sql file, as messages show it. */
  source: string;
  folder: string;
  /** File name → text. */
  files: Record<string, string>;
  /** Whether the overseer rule had a test (and so its rule.test.yaml has a case that fires). */
  tested: boolean;
  notes: string[];
}

export interface OverseerImportPlan {
  rules: PlannedRule[];
  /** Every problem found; when there is any, nothing is written. */
  problems: YamoriError[];
}

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;
const TAG = /^[a-z0-9][a-z0-9._-]*$/;
const COLUMN = /^[a-z_][a-z0-9_]*$/;
const ADDRESS_COLUMN = /(^|_)(addr|address|ip)$/;
const TIME_TYPES = new Set(['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP']);

/**
 * Reads every overseer rule below `options.dir` and converts it to a Yamori rule folder, in memory:
 * rule.yaml from the headers, rule.sql as the query over the engine's window (checked against the real
 * schema on a throwaway DuckDB), and rule.test.yaml from the emulator fixture and its expectation file.
 * Every problem of every file is collected; nothing is written here (see writeOverseerImport).
 * Throws OVERSEER_NO_RULES when the folder holds no .sql file.
 */
export async function planOverseerImport(options: OverseerImportOptions): Promise<OverseerImportPlan> {
  const dir = resolve(options.dir);
  const files = existsSync(dir) ? sqlFiles(dir) : null;
  if (files === null || files.length === 0) {
    throw new YamoriError('OVERSEER_NO_RULES', {
      dir: displayPath(dir),
      detail: files === null ? ' (the folder does not exist)' : '',
    });
  }
  const plan: OverseerImportPlan = { rules: [], problems: [] };
  const store = await openStore({
    database: { path: ':memory:' },
    maxBatchRows: 1_000,
    flushIntervalMs: 1_000,
  });
  try {
    const ids = new Map<string, string>();
    for (const file of files) {
      try {
        const rule = await planRule(store, file, options);
        const earlier = ids.get(rule.id);
        if (earlier !== undefined) {
          throw new YamoriError('OVERSEER_HEADER_INVALID', {
            file: rule.source,
            line: 1,
            problem: `the rule id "${rule.id}" is also the id of ${earlier}`,
            advice: 'Give one of them another "-- id:".',
          });
        }
        ids.set(rule.id, rule.source);
        if (existsSync(rule.folder)) {
          throw new YamoriError('OVERSEER_OUTPUT_EXISTS', {
            path: displayPath(rule.folder),
            id: rule.id,
            file: rule.source,
          });
        }
        plan.rules.push(rule);
      } catch (error) {
        if (!isYamoriError(error)) throw error;
        plan.problems.push(error);
      }
    }
  } finally {
    await store.close();
  }
  return plan;
}

/** Writes the planned rule folders; only call it for a plan without problems. Returns the files written. */
export function writeOverseerImport(plan: OverseerImportPlan): string[] {
  const written: string[] = [];
  for (const rule of plan.rules) {
    mkdirSync(rule.folder, { recursive: true });
    for (const [name, text] of Object.entries(rule.files)) {
      const path = join(rule.folder, name);
      writeFileSync(path, text, { flag: 'wx' });
      written.push(path);
    }
  }
  return written;
}

async function planRule(store: Store, path: string, options: OverseerImportOptions): Promise<PlannedRule> {
  const source = displayPath(path);
  const headers = parseOverseerHeaders(source, readFileSync(path, 'utf8'));
  const headerProblem = (line: number | undefined, problem: string, advice: string): YamoriError =>
    new YamoriError('OVERSEER_HEADER_INVALID', { file: source, line: line ?? 1, problem, advice });
  const id = yamoriId(headers.id);
  if (id === null) {
    throw headerProblem(
      headers.lines.id,
      `"${headers.id}" cannot be made a Yamori rule id`,
      'Use letters, digits, "-" and "_", starting with a letter.',
    );
  }
  const tags = ['overseer'];
  for (const tag of headers.tags) {
    const converted = yamoriTag(tag);
    if (converted === null) {
      throw headerProblem(
        headers.lines.tags,
        `the tag "${tag}" cannot be made a Yamori tag`,
        'Tags are words of letters, digits, ".", "_" and "-".',
      );
    }
    if (!tags.includes(converted)) tags.push(converted);
  }
  const { sql, columns, relations } = await convertQuery(store, source, headers.query);
  const dedup = dedupColumns(columns);
  if (dedup.length === 0) {
    throw new YamoriError('OVERSEER_SQL_UNSUPPORTED', {
      file: source,
      problem: 'the query returns no column an alert can be keyed on (lowercase names other than the times).',
      advice: 'Return the addresses it is about, for example src_addr and dst_addr.',
    });
  }
  const notes: string[] = [];
  const tests = headers.test === null ? quietOnlyTests(source) : fixtureTests(path, source, headers, notes);
  const folder = join(resolve(options.outDir), id);
  const files: Record<string, string> = {
    'rule.yaml': ruleYaml(id, headers, tags, dedup, relations, options.today, source),
    'rule.sql': sql,
    'rule.test.yaml': tests,
  };
  if (options.withoutBigQuery !== true) {
    files[BIGQUERY_SQL_FILE] = windowOverseerQuery(headers.query, 'bigquery', source, missingTimes(columns));
  }
  return { id, source, folder, files, tested: headers.test !== null, notes };
}

/** The rule query over the window, its result columns and the relations it reads (DuckDB binds it). */
async function convertQuery(
  store: Store,
  source: string,
  query: string,
): Promise<{ sql: string; columns: readonly QueryColumn[]; relations: string[] }> {
  const describe = async (sql: string): Promise<Awaited<ReturnType<Store['describeRuleQuery']>>> => {
    try {
      return await store.describeRuleQuery(sql, DEFAULT_TEST_NOW);
    } catch (error) {
      if (!isYamoriError(error)) throw error;
      throw new YamoriError('OVERSEER_SQL_UNSUPPORTED', {
        file: source,
        problem: `DuckDB cannot run the converted query: ${error.message}`,
        advice: '',
      });
    }
  };
  let sql = windowOverseerQuery(query, 'duckdb', source);
  let shape = await describe(sql);
  for (const column of ['first_seen_at', 'last_seen_at']) {
    const type = shape.columns.find((c) => c.name === column)?.type;
    if (type !== undefined && !TIME_TYPES.has(type)) {
      throw new YamoriError('OVERSEER_SQL_UNSUPPORTED', {
        file: source,
        problem: `the query returns "${column}" as ${type}; Yamori reads it as the time of what was found.`,
        advice: `Return a TIMESTAMP as ${column}, or name the column otherwise.`,
      });
    }
  }
  const missing = missingTimes(shape.columns);
  if (missing.length > 0) {
    sql = windowOverseerQuery(query, 'duckdb', source, missing);
    shape = await describe(sql);
  }
  return { sql, columns: shape.columns, relations: shape.relations };
}

function missingTimes(columns: readonly QueryColumn[]): ('first_seen_at' | 'last_seen_at')[] {
  return (['first_seen_at', 'last_seen_at'] as const).filter((name) => !columns.some((c) => c.name === name));
}

/** The address columns of the result, else every column but the times. */
function dedupColumns(columns: readonly QueryColumn[]): string[] {
  const names = columns
    .map((c) => c.name)
    .filter((name) => COLUMN.test(name) && name !== 'first_seen_at' && name !== 'last_seen_at');
  const addresses = names.filter((name) => ADDRESS_COLUMN.test(name));
  return addresses.length > 0 ? addresses : names;
}

/** An overseer id as a Yamori id: lowercase, "_", "." and spaces as "-", one word prefixed "overseer-". */
function yamoriId(id: string): string | null {
  const slug = id
    .toLowerCase()
    .replace(/[\s_.]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const candidate = slug.includes('-') ? slug : `overseer-${slug}`;
  return ID.test(candidate) ? candidate : null;
}

/** A tag in Yamori's spelling; a MITRE ATT&CK technique id ("T1071.001") as "attack.t1071.001". */
function yamoriTag(tag: string): string | null {
  const lower = tag.trim().toLowerCase().replace(/\s+/g, '-');
  const tagged = /^t\d{4}(\.\d{3})?$/.test(lower) ? `attack.${lower}` : lower;
  return TAG.test(tagged) ? tagged : null;
}

function sqlFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      // Rule folders Yamori wrote (an earlier import into this folder) are not overseer rules.
      else if (entry.isFile() && entry.name.endsWith('.sql') && !entry.name.startsWith('rule.'))
        found.push(path);
    }
  };
  walk(dir);
  return found.sort((a, b) => relative(dir, a).localeCompare(relative(dir, b)));
}
