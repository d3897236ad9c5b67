import { readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { nearestName } from '../config/index.js';
import { isYamoriError, YamoriError } from '../errors/index.js';
import type { EpochMicros } from '../records/index.js';
import { checkFixtureRow, FIXTURE_COLUMNS, type FixtureRow } from './fixture-rows.js';
import { displayPath } from './load-rules.js';
import { parseRelativeTime } from './relative-time.js';
import type { LoadedRule } from './rule.js';
import { parseYamlFile, type YamlFile } from './yaml-file.js';

/** The instant a case runs at unless it says `now:`: fixed, so a failure repeats exactly. */
export const DEFAULT_TEST_NOW: EpochMicros = Date.UTC(2026, 0, 15, 12) * 1000;

export type FixtureTables = Record<string, FixtureRow[]>;

/** One run within a case: the rows that arrive before it, and the rows it must return. */
export interface TestRun {
  at: EpochMicros;
  given: FixtureTables;
  /** Each a subset of one result row's columns; exactly this many rows must come back. */
  expect: Record<string, unknown>[];
}

export interface RuleTestCase {
  name: string;
  line: number;
  /** The rule's last good run (both watermarks), or null: the rule never ran. */
  lastRun: EpochMicros | null;
  runs: TestRun[];
}

const CASE_KEYS = ['name', 'now', 'last_run', 'given', 'expect', 'then'];
const THEN_KEYS = ['at', 'given', 'expect'];

/**
 * Reads rule.test.yaml: `cases`, each with a `name`, `given` tables (inline rows, or a file under
 * fixtures/ as .jsonl, .json or .yaml), `expect` rows, and optionally `now`, `last_run` and a second
 * run under `then`. Times in rows are resolved against the case's clock. Throws RULE_YAML_INVALID or
 * RULE_TESTS_INVALID naming the file, case and line.
 */
export function readRuleTests(rule: LoadedRule): RuleTestCase[] {
  const file = displayPath(rule.testFile);
  const yaml = parseYamlFile(file, rule.testText);
  const fail = (path: (string | number)[], where: string, problem: string, advice = ''): never => {
    throw new YamoriError('RULE_TESTS_INVALID', {
      file,
      where: ` line ${yaml.lineOf(path)}${where}`,
      problem,
      advice,
    });
  };
  const data = yaml.data as { cases?: unknown } | null;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail([], '', 'the file must be a mapping with "cases"', 'Start the file with "cases:".');
  }
  for (const key of Object.keys(data)) {
    if (key !== 'cases')
      fail([key], '', `"${key}" is not a key of rule.test.yaml`, 'The file holds only "cases".');
  }
  if (!Array.isArray(data.cases) || data.cases.length === 0) {
    return fail(['cases'], '', '"cases" must be a list of at least one case');
  }
  const names = new Set<string>();
  return (data.cases as unknown[]).map((raw, index) => {
    const path = ['cases', index];
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return fail(path, ` (case ${index + 1})`, 'a case must be a mapping');
    }
    const spec = raw as Record<string, unknown>;
    const name = typeof spec['name'] === 'string' && spec['name'].trim() !== '' ? spec['name'].trim() : null;
    const where = ` (case ${name === null ? index + 1 : `"${name}"`})`;
    if (name === null)
      fail(path, where, '"name" must be non-empty text', 'Name a case for the behaviour it proves.');
    if (names.has(name!)) fail([...path, 'name'], where, 'two cases have this name');
    names.add(name!);
    checkKeys(spec, CASE_KEYS, (key, advice) =>
      fail([...path, key], where, `"${key}" is not a key of a case`, advice),
    );
    const now =
      spec['now'] === undefined
        ? DEFAULT_TEST_NOW
        : time(spec['now'], DEFAULT_TEST_NOW, () =>
            fail([...path, 'now'], where, '"now" must be an ISO date-time with a zone'),
          );
    const lastRun =
      spec['last_run'] === undefined
        ? null
        : time(spec['last_run'], now, () =>
            fail([...path, 'last_run'], where, '"last_run" must be a time such as "-5m"'),
          );
    const runs: TestRun[] = [readRun(spec, path, where, now, rule, yaml, fail)];
    if (spec['then'] !== undefined) {
      const then = spec['then'];
      if (then === null || typeof then !== 'object' || Array.isArray(then)) {
        return fail([...path, 'then'], where, '"then" must be a mapping with "at" and "expect"');
      }
      const thenSpec = then as Record<string, unknown>;
      checkKeys(thenSpec, THEN_KEYS, (key, advice) =>
        fail([...path, 'then', key], where, `"${key}" is not a key of "then"`, advice),
      );
      const at = time(thenSpec['at'], now, () =>
        fail([...path, 'then', 'at'], where, '"then.at" must be a time after the first run, such as "+10m"'),
      );
      if (at <= now) fail([...path, 'then', 'at'], where, '"then.at" must be later than the first run');
      runs.push(readRun(thenSpec, [...path, 'then'], where, at, rule, yaml, fail));
    }
    return { name: name!, line: yaml.lineOf(path), lastRun, runs };
  });
}

type Fail = (path: (string | number)[], where: string, problem: string, advice?: string) => never;

function readRun(
  spec: Record<string, unknown>,
  path: (string | number)[],
  where: string,
  at: EpochMicros,
  rule: LoadedRule,
  yaml: YamlFile,
  fail: Fail,
): TestRun {
  const given: FixtureTables = {};
  const givenSpec = spec['given'] ?? {};
  if (givenSpec === null || typeof givenSpec !== 'object' || Array.isArray(givenSpec)) {
    return fail([...path, 'given'], where, '"given" must be a mapping of table names to rows');
  }
  for (const [table, value] of Object.entries(givenSpec as Record<string, unknown>)) {
    const tablePath = [...path, 'given', table];
    if (FIXTURE_COLUMNS[table] === undefined) {
      const near = nearestName(table, Object.keys(FIXTURE_COLUMNS));
      fail(
        tablePath,
        where,
        `"${table}" is not a fixture table`,
        near ? `Did you mean "${near}"?` : `Tables: ${Object.keys(FIXTURE_COLUMNS).join(', ')}.`,
      );
    }
    const rows =
      table === 'settings' && value !== null && typeof value === 'object' && !Array.isArray(value)
        ? [value]
        : typeof value === 'string'
          ? readFixtureFile(rule, value, () =>
              fail(
                tablePath,
                where,
                `cannot read fixture file "${value}"`,
                "Fixture files live in the rule's fixtures/ folder, as .jsonl, .json or .yaml.",
              ),
            )
          : value;
    if (!Array.isArray(rows)) {
      return fail(tablePath, where, `"${table}" must be a list of rows or a file under fixtures/`);
    }
    given[table] = rows.map((row, index) => {
      const checked = checkFixtureRow(table, row, at);
      if (!checked.ok)
        fail([...tablePath, index], `${where} ${table}[${index}]`, checked.problem, checked.advice);
      return (checked as { row: FixtureRow }).row;
    });
  }
  const expect = spec['expect'];
  if (!Array.isArray(expect)) {
    return fail(
      [...path, 'expect'],
      where,
      '"expect" must be a list of rows ([] when the rule must stay quiet)',
    );
  }
  (expect as unknown[]).forEach((row, index) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row) || Object.keys(row).length === 0) {
      fail(
        [...path, 'expect', index],
        where,
        'an expected row must be a mapping of result columns to values',
      );
    }
  });
  return { at, given, expect: expect as Record<string, unknown>[] };
}

function readFixtureFile(rule: LoadedRule, name: string, fail: () => never): unknown {
  const path = normalize(join(rule.folder, name));
  if (!path.startsWith(join(rule.folder, 'fixtures') + sep)) fail();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return fail();
  }
  try {
    if (path.endsWith('.jsonl')) {
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    }
    if (path.endsWith('.json')) return JSON.parse(text) as unknown;
    if (path.endsWith('.yaml') || path.endsWith('.yml')) return parseYamlFile(displayPath(path), text).data;
  } catch (error) {
    if (isYamoriError(error)) throw error;
    return fail();
  }
  return fail();
}

function checkKeys(
  spec: Record<string, unknown>,
  keys: string[],
  fail: (key: string, advice: string) => void,
): void {
  for (const key of Object.keys(spec)) {
    if (keys.includes(key)) continue;
    const near = nearestName(key, keys);
    fail(key, near ? `Did you mean "${near}"?` : `Keys: ${keys.join(', ')}.`);
  }
}

function time(value: unknown, now: EpochMicros, fail: () => never): EpochMicros {
  const parsed = typeof value === 'string' ? parseRelativeTime(value, now) : null;
  return parsed ?? fail();
}
