/**
 * The built-in rules, checked as "yamori rules test rules/" checks them: the collection checks over
 * every rule, then every case of every rule as a test of its own.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import {
  builtinRulesDir,
  displayPath,
  lintRules,
  loadRules,
  readRuleTests,
  runRuleTestCase,
  type RuleTestCase,
} from '../src/detect/index.js';

const collection = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]);
const config = loadConfig({ path: null, env: {} }).detect;

describe('built-in rules: collection checks', () => {
  it('finds the rules folder with rules in it', () => {
    expect(collection.rules.length).toBeGreaterThanOrEqual(2);
  });

  it('loads every rule folder: schema, files, id equal to the folder, unique ids', () => {
    expect(collection.problems.map((p) => `${p.error.code}: ${p.error.message}`)).toEqual([]);
    expect(collection.rules).toHaveLength(collection.folders);
  });

  it('binds every rule against the schema with the contract columns, and has firing and quiet cases', async () => {
    expect(
      (await lintRules(collection)).map((p) => `${p.error.code}: ${p.error.message} ${p.error.hint}`),
    ).toEqual([]);
  });

  it('names every rule for the category folder it sits in', () => {
    for (const rule of collection.rules) {
      const category = displayPath(rule.folder).split('/').at(-2);
      expect(rule.definition.id.startsWith(`${category}-`), rule.definition.id).toBe(true);
    }
  });
});

for (const rule of collection.rules) {
  let cases: RuleTestCase[] = [];
  try {
    cases = readRuleTests(rule);
  } catch {
    // lintRules above reports the problem with its file and line.
  }
  describe(`rule ${rule.definition.id}`, () => {
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const result = await runRuleTestCase(rule, testCase, config);
        expect(result.failure.join('\n')).toBe('');
        expect(result.passed).toBe(true);
      });
    }
  });
}
