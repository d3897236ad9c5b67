import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { initRulesFolder } from './init-rules.js';
import { lintRules } from './lint-rules.js';
import { loadRules } from './load-rules.js';
import { readRuleTests } from './rule-tests.js';
import { runRuleTestCase } from './run-rule-tests.js';
import { tempRulesDir } from './testing.js';

let dir: string;
beforeEach(() => {
  dir = tempRulesDir();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('initRulesFolder', () => {
  it('writes an example rule whose checks and tests pass, and a workflow pinned to the version', async () => {
    const target = join(dir, 'my-rules');
    const files = initRulesFolder(target, '1.2.3');
    expect(files.map((f) => f.slice(target.length + 1))).toEqual([
      'README.md',
      'custom/custom-ssh-to-internet/rule.yaml',
      'custom/custom-ssh-to-internet/rule.sql',
      'custom/custom-ssh-to-internet/rule.test.yaml',
      '.github/workflows/yamori-rules.yml',
    ]);
    expect(readFileSync(join(target, '.github/workflows/yamori-rules.yml'), 'utf8')).toContain(
      'run: npx --yes yamori@1.2.3 rules test . --junit rules-junit.xml',
    );
    const collection = loadRules([{ dir: target, origin: 'user' }]);
    expect([...collection.problems, ...(await lintRules(collection))]).toEqual([]);
    const rule = collection.rules[0]!;
    const config = loadConfig({ path: null, env: {} }).detect;
    const results = await Promise.all(readRuleTests(rule).map((c) => runRuleTestCase(rule, c, config)));
    expect(results.map((r) => r.passed)).toEqual([true, true]);
  });

  it('writes into an empty folder, and refuses one that holds anything, writing nothing (RULE_INIT_NOT_EMPTY)', () => {
    mkdirSync(join(dir, 'empty'));
    expect(initRulesFolder(join(dir, 'empty'), '1.0.0')).toHaveLength(5);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(() => initRulesFolder(dir, '1.0.0')).toThrow(
      expect.objectContaining({ code: 'RULE_INIT_NOT_EMPTY' }),
    );
    expect(existsSync(join(dir, 'README.md'))).toBe(false);
  });
});
