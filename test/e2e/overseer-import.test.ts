import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRun, makeTempDir, REPO_ROOT, runYamori } from './testing.js';

const OVERSEER = join(REPO_ROOT, 'test/fixtures/overseer/rules');

describe('yamori rules import-overseer', () => {
  it('imports overseer rules whose converted tests pass "yamori rules test"', async () => {
    const out = join(makeTempDir('overseer'), 'imported');
    const imported = await runYamori(['rules', 'import-overseer', OVERSEER, '--out', out]);
    expect(imported.code, describeRun(imported)).toBe(0);
    expect(imported.stdout).toMatch(/^imported .*feodo_c2_outbound\.sql as .*feodo-c2-outbound$/m);
    expect(imported.stdout).toMatch(/^imported .*large_upload\.sql as .*large-upload$/m);
    expect(imported.stderr).toContain('abusech_feodo.as_name is left out');
    expect(imported.stderr).toMatch(/warning: .*telnet_to_internet\.sql had no test/);

    const tested = await runYamori([
      'rules',
      'test',
      join(out, 'feodo-c2-outbound'),
      join(out, 'large-upload'),
    ]);
    expect(tested.code, describeRun(tested)).toBe(0);
    expect(tested.stdout).toContain(
      'ok    feodo-c2-outbound: returns the expected rows on the overseer fixture feodo_c2_outbound.yaml',
    );
    expect(tested.stdout).toContain('4 of 4 cases passed; 0 of 2 rules failed collection checks');

    // The rule overseer had no test for is imported, and "rules test" asks for a case that fires.
    const all = await runYamori(['rules', 'test', out]);
    expect(all.code, describeRun(all)).toBe(1);
    expect(all.stdout).toMatch(
      /error RULE_TESTS_INVALID: .*telnet-to-internet.rule\.test\.yaml: no case expects the rule to fire/,
    );
    expect(all.stdout).toContain('5 of 5 cases passed; 1 of 3 rules failed collection checks');
  });

  it('stops on a malformed header, names the file and line, and writes nothing', async () => {
    const dir = join(makeTempDir('overseer'), 'overseer');
    cpSync(OVERSEER, dir, { recursive: true });
    const file = join(dir, 'large_upload.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace('-- tags:', '-- tag:'));
    const out = join(dir, '..', 'imported');
    const result = await runYamori(['rules', 'import-overseer', dir, '--out', out]);
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stdout).toMatch(
      /error OVERSEER_HEADER_INVALID: .*large_upload\.sql line 4: "-- tag:" is not an overseer header\./,
    );
    expect(result.stdout).toContain('hint: Did you mean "-- tags:"?');
    expect(result.stderr).toMatch(/error OVERSEER_IMPORT_FAILED: 1 problem in .*; nothing was written\./);
    expect(existsSync(out)).toBe(false);
  });
});
