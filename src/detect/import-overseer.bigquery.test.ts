import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { openEmulatorStore, useBigQueryEmulator } from '../store/bigquery/testing.js';
import { planOverseerImport, writeOverseerImport } from './import-overseer.js';
import { loadRules } from './load-rules.js';
import { readRuleTests } from './rule-tests.js';
import { runRuleTestCase } from './run-rule-tests.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/overseer/rules');
const emulator = useBigQueryEmulator();
const out = join(mkdtempSync(join(tmpdir(), 'yamori-overseer-bq-')), 'rules');

afterAll(() => rmSync(join(out, '..'), { recursive: true, force: true }));

describe.skipIf(emulator.skipReason !== null)('imported overseer rules on the BigQuery emulator', () => {
  it('pass their converted cases with rule.bigquery.sql, the original dialect', async () => {
    const plan = await planOverseerImport({ dir: FIXTURES, outDir: out, today: '2026-12-07' });
    expect(plan.problems).toEqual([]);
    writeOverseerImport(plan);
    const collection = loadRules([{ dir: out, origin: 'user' }]);
    const detect = loadConfig({ path: null, env: {} }).detect;
    const results: Record<string, string[]> = {};
    for (const rule of collection.rules) {
      expect(rule.bigquerySql, rule.definition.id).not.toBeNull();
      for (const testCase of readRuleTests(rule)) {
        const result = await runRuleTestCase(rule, testCase, detect, (deps) =>
          openEmulatorStore(emulator.get(), deps),
        );
        expect(result.engine).toBe('bigquery');
        results[`${rule.definition.id}: ${testCase.name}`] = result.failure;
      }
    }
    expect(results).toEqual({
      'feodo-c2-outbound: returns the expected rows on the overseer fixture feodo_c2_outbound.yaml': [],
      'feodo-c2-outbound: stays quiet on the feed rows of feodo_c2_outbound.yaml without its flow_logs rows':
        [],
      'large-upload: returns the expected rows on the overseer fixture large_upload.yaml': [],
      'large-upload: stays quiet on an empty database': [],
      'telnet-to-internet: stays quiet on an empty database': [],
    });
  }, 300_000);
});
