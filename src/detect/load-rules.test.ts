import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRules, ruleVersion } from './load-rules.js';
import { ruleYaml, tempRulesDir, writeRule } from './testing.js';

let dir: string;
beforeEach(() => {
  dir = tempRulesDir();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const load = () => loadRules([{ dir, origin: 'user' }]);
const codes = (collection: ReturnType<typeof load>): string[] =>
  collection.problems.map((p) => `${p.error.code}: ${p.error.message}`);

describe('loadRules', () => {
  it('finds rule folders at any depth below category folders, in name order, skipping hidden folders', () => {
    writeRule(dir, { folder: 'scan/scan-b', yaml: ruleYaml({ id: 'scan-b' }) });
    writeRule(dir, { folder: 'intel/deeper/intel-a', yaml: ruleYaml({ id: 'intel-a' }) });
    writeRule(dir, { folder: '.github/hidden-rule', yaml: ruleYaml({ id: 'hidden-rule' }) });
    writeFileSync(join(dir, 'README.md'), '# rules\n');
    const collection = load();
    expect(codes(collection)).toEqual([]);
    expect(collection.rules.map((r) => r.definition.id)).toEqual(['intel-a', 'scan-b']);
    expect(collection.rules[0]).toMatchObject({ origin: 'user', folder: join(dir, 'intel/deeper/intel-a') });
    expect(collection.folders).toBe(2);
  });

  it('reports a file that does not belong and a missing test file, and still loads the rule', () => {
    writeRule(dir, { tests: null, extra: { 'notes.txt': 'x', 'fixtures/flows.jsonl': '{}\n' } });
    const collection = load();
    expect(collection.rules).toHaveLength(1);
    expect(codes(collection)).toEqual([
      expect.stringMatching(
        /^RULE_FILES_INVALID: .*test-outbound-ssh: "notes.txt" does not belong in a rule folder\.$/,
      ),
      expect.stringMatching(/^RULE_FILES_INVALID: .*: rule.test.yaml is missing\.$/),
    ]);
  });

  it('leaves out a rule without rule.sql, or whose rule.yaml fails the schema, with the reasons', () => {
    writeRule(dir, { yaml: ruleYaml({ id: 'no-sql' }), sql: null });
    writeRule(dir, { yaml: ruleYaml({ id: 'bad-yaml', severity: 'urgent' }) });
    const collection = load();
    expect(collection.rules).toEqual([]);
    expect(codes(collection)).toEqual([
      expect.stringMatching(/^RULE_SCHEMA_INVALID: .*bad-yaml\/rule.yaml line \d+: "severity"/),
      expect.stringMatching(/^RULE_FILES_INVALID: .*no-sql: rule.sql is missing/),
    ]);
  });

  it('requires the folder to be named for the id', () => {
    writeRule(dir, { folder: 'renamed-rule' });
    expect(codes(load())).toEqual([
      expect.stringContaining('the folder is named "renamed-rule" but rule.yaml has id "test-outbound-ssh"'),
    ]);
  });

  it('refuses a second rule with an id already loaded, across folders', () => {
    const other = tempRulesDir();
    writeRule(dir);
    writeRule(other);
    const collection = loadRules([
      { dir, origin: 'builtin' },
      { dir: other, origin: 'user' },
    ]);
    expect(collection.rules.map((r) => r.origin)).toEqual(['builtin']);
    expect(codes(collection)).toEqual([
      expect.stringMatching(/^RULE_ID_DUPLICATE: The rule id "test-outbound-ssh" is used by /),
    ]);
    rmSync(other, { recursive: true, force: true });
  });

  it('throws RULE_DIR_NOT_FOUND for a folder that does not exist', () => {
    expect(() => loadRules([{ dir: join(dir, 'missing'), origin: 'user' }])).toThrow(
      expect.objectContaining({ code: 'RULE_DIR_NOT_FOUND' }),
    );
  });

  it('gives a new version for a change to any of the three files, and the same for the same content', () => {
    const base = ruleVersion('yaml', 'sql', 'tests');
    expect(ruleVersion('yaml', 'sql', 'tests')).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(
      new Set([
        ruleVersion('yaml ', 'sql', 'tests'),
        ruleVersion('yaml', 'sql ', 'tests'),
        ruleVersion('yaml', 'sql', 'tests '),
      ]).size,
    ).toBe(3);
    expect(ruleVersion('ya', 'mlsql', 'tests')).not.toBe(base);
  });

  it('loads rule.bigquery.sql beside rule.sql, and counts it in the version only where it exists', () => {
    const bigquery =
      'SELECT 1 AS k FROM flows WHERE ingested_at >= @window_start AND ingested_at < @window_end';
    writeRule(dir, {
      folder: 'bq-with',
      yaml: ruleYaml({ id: 'bq-with' }),
      extra: { 'rule.bigquery.sql': bigquery },
    });
    writeRule(dir, { folder: 'bq-without', yaml: ruleYaml({ id: 'bq-without' }) });
    const collection = load();
    expect(codes(collection)).toEqual([]);
    const [withVariant, without] = collection.rules;
    expect(withVariant).toMatchObject({
      bigquerySql: bigquery,
      bigquerySqlFile: join(dir, 'bq-with', 'rule.bigquery.sql'),
    });
    expect(without).toMatchObject({ bigquerySql: null, bigquerySqlFile: null });
    const files = ['rule.yaml', 'rule.sql', 'rule.test.yaml'].map((name) =>
      readFileSync(join(dir, 'bq-with', name), 'utf8'),
    );
    const [yaml, sql, tests] = files as [string, string, string];
    expect(withVariant?.version).toBe(ruleVersion(yaml, sql, tests, bigquery));
    expect(withVariant?.version).not.toBe(ruleVersion(yaml, sql, tests));
    expect(ruleVersion('yaml', 'sql', 'tests', null)).toBe(ruleVersion('yaml', 'sql', 'tests'));
    expect(ruleVersion('yaml', 'sql', 'tests', bigquery)).not.toBe(ruleVersion('yaml', 'sql', 'tests'));
  });
});
