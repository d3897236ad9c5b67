import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/index.js';
import { lintRules } from './lint-rules.js';
import { loadRules } from './load-rules.js';
import { planOverseerImport, writeOverseerImport } from './import-overseer.js';
import { readRuleTests } from './rule-tests.js';
import { runRuleTestCase } from './run-rule-tests.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/overseer/rules');
const TODAY = '2026-12-07';
const temps: string[] = [];

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-overseer-'));
  temps.push(dir);
  return dir;
}

/** A copy of the fixture folder, to break one file of it. */
function copyOfFixtures(): string {
  const dir = join(temp(), 'overseer');
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

async function importInto(dir: string): Promise<string> {
  const out = join(temp(), 'rules');
  const plan = await planOverseerImport({ dir, outDir: out, today: TODAY });
  expect(plan.problems.map((p) => `${p.code}: ${p.message}`)).toEqual([]);
  writeOverseerImport(plan);
  return out;
}

async function runCases(out: string): Promise<Record<string, boolean>> {
  const collection = loadRules([{ dir: out, origin: 'user' }]);
  const detect = loadConfig({ path: null, env: {} }).detect;
  const results: Record<string, boolean> = {};
  for (const rule of collection.rules) {
    for (const testCase of readRuleTests(rule)) {
      const result = await runRuleTestCase(rule, testCase, detect);
      results[`${rule.definition.id}: ${testCase.name}`] = result.passed;
    }
  }
  return results;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('planOverseerImport', () => {
  it('imports the overseer folder into rule folders whose converted tests pass on DuckDB', async () => {
    const out = await importInto(FIXTURES);
    expect(readdirSync(out).sort()).toEqual(['feodo-c2-outbound', 'large-upload', 'telnet-to-internet']);
    const collection = loadRules([{ dir: out, origin: 'user' }]);
    expect(collection.problems).toEqual([]);
    const feodo = collection.rules.find((rule) => rule.definition.id === 'feodo-c2-outbound')!;
    expect(feodo.definition).toMatchObject({
      title: 'Outbound connection to a Feodo Tracker C2',
      description:
        'A host on the network connected to an address that Feodo Tracker lists as an online botnet command-and-control server, within the last hour.',
      severity: 'medium',
      status: 'test',
      kind: 'event',
      tags: ['overseer', 'c2', 'feodo', 'attack.t1071'],
      dedup: ['src_addr', 'dst_addr'],
      limits: { maxResults: 500, timeoutUs: null },
      requires: { tables: ['abusech_feodo', 'flows'], feeds: [] },
      created: TODAY,
    });
    expect(feodo.bigquerySql).toContain('TIMESTAMP_SUB(@window_end, INTERVAL 1 HOUR)');
    const telnet = collection.rules.find((rule) => rule.definition.id === 'telnet-to-internet')!;
    expect(telnet.definition.status).toBe('experimental');

    // The collection checks pass, except that the rule overseer had no test for has no firing case.
    const problems = await lintRules(collection);
    expect(problems.map((p) => `${p.error.code}: ${p.error.message}`)).toEqual([
      expect.stringMatching(
        /^RULE_TESTS_INVALID: .*telnet-to-internet.rule\.test\.yaml: no case expects the rule to fire\.$/,
      ),
    ]);
    expect(await runCases(out)).toEqual({
      'feodo-c2-outbound: returns the expected rows on the overseer fixture feodo_c2_outbound.yaml': true,
      'feodo-c2-outbound: stays quiet on the feed rows of feodo_c2_outbound.yaml without its flow_logs rows': true,
      'large-upload: returns the expected rows on the overseer fixture large_upload.yaml': true,
      'large-upload: stays quiet on an empty database': true,
      'telnet-to-internet: stays quiet on an empty database': true,
    });
  });

  it('converts the fixture rows: the now placeholder, absolute and relative times, feed rows as indicators', async () => {
    const out = await importInto(FIXTURES);
    const tests = parse(readFileSync(join(out, 'feodo-c2-outbound', 'rule.test.yaml'), 'utf8')) as {
      cases: { given: { flows: Record<string, unknown>[]; indicators: Record<string, unknown>[] } }[];
    };
    const given = tests.cases[0]!.given;
    expect(given.flows.map((f) => [f['id'], f['first_seen_at'], f['ingested_at']])).toEqual([
      ['flow-1', 'now', '-1s'],
      ['flow-2', '-20m', '-1s'],
      ['flow-3', '2025-12-01T08:00:00Z', '-1s'],
      ['flow-4', 'now', '-1s'],
    ]);
    expect(given.indicators).toEqual([
      {
        value: '203.0.113.9',
        port: 443,
        source_first_seen_at: '2025-11-20T10:14:00Z',
        source_last_seen_at: '2026-01-14T00:00:00Z',
        malware_family: 'QakBot',
        source: 'feodo',
        type: 'ipv4',
      },
    ]);
  });

  it('writes tests that fail when the overseer expectation does not hold', async () => {
    const dir = copyOfFixtures();
    const expectFile = join(dir, 'fixtures', 'large_upload.expect.yaml');
    writeFileSync(
      expectFile,
      readFileSync(expectFile, 'utf8').replace('uploaded_bytes: 600000000', 'uploaded_bytes: 600000001'),
    );
    const results = await runCases(await importInto(dir));
    expect(results['large-upload: returns the expected rows on the overseer fixture large_upload.yaml']).toBe(
      false,
    );
    expect(
      results['feodo-c2-outbound: returns the expected rows on the overseer fixture feodo_c2_outbound.yaml'],
    ).toBe(true);
  });

  it.each([
    {
      what: 'a test without an expectation file',
      breakIt: (dir: string) => rmSync(join(dir, 'fixtures', 'feodo_c2_outbound.expect.yaml')),
      code: 'OVERSEER_EXPECTATION_MISSING',
      message:
        /feodo_c2_outbound\.sql: the overseer test "fixtures\/feodo_c2_outbound\.yaml" .*feodo_c2_outbound\.expect\.yaml does not exist\.$/,
    },
    {
      what: 'a test fixture that does not exist',
      breakIt: (dir: string) => rmSync(join(dir, 'fixtures', 'large_upload.yaml')),
      code: 'OVERSEER_TEST_FILE_MISSING',
      message: /large_upload\.sql line 5: the test fixture "fixtures\/large_upload\.yaml" does not exist/,
    },
    {
      what: 'a fixture table the importer does not know',
      breakIt: (dir: string) => {
        const file = join(dir, 'fixtures', 'large_upload.yaml');
        writeFileSync(file, readFileSync(file, 'utf8').replace('- id: flow_logs', '- id: dns_logs'));
      },
      code: 'OVERSEER_FIXTURE_INVALID',
      message:
        /large_upload\.yaml line 6: the table "dns_logs" has no Yamori equivalent the importer knows\.$/,
    },
    {
      what: 'a fixture value of the wrong type',
      breakIt: (dir: string) => {
        const file = join(dir, 'fixtures', 'feodo_c2_outbound.yaml');
        writeFileSync(file, readFileSync(file, 'utf8').replace('dst_port: 443', 'dst_port: https'));
      },
      code: 'OVERSEER_FIXTURE_INVALID',
      message:
        /feodo_c2_outbound\.yaml line 29: flow_logs\.dst_port must be integer values \(got "https"\)\.$/,
    },
    {
      what: 'a Feodo row the fixture cannot reproduce',
      breakIt: (dir: string) => {
        const file = join(dir, 'fixtures', 'feodo_c2_outbound.yaml');
        writeFileSync(file, readFileSync(file, 'utf8').replace('status: online', 'status: offline'));
      },
      code: 'OVERSEER_FIXTURE_INVALID',
      message: /abusech_feodo\.status "offline" cannot be reproduced/,
    },
    {
      what: 'SQL DuckDB cannot run after conversion',
      breakIt: (dir: string) => {
        const file = join(dir, 'telnet_to_internet.sql');
        writeFileSync(
          file,
          readFileSync(file, 'utf8').replace('STARTS_WITH(dst_addr', 'NET.IP_IN_NET(dst_addr'),
        );
      },
      code: 'OVERSEER_SQL_UNSUPPORTED',
      message: /telnet_to_internet\.sql: DuckDB cannot run the converted query: /,
    },
  ])('reports $what and plans nothing to write for it', async ({ breakIt, code, message }) => {
    const dir = copyOfFixtures();
    breakIt(dir);
    const out = join(temp(), 'rules');
    const plan = await planOverseerImport({ dir, outDir: out, today: TODAY });
    expect(plan.problems).toHaveLength(1);
    expect(plan.problems[0]).toMatchObject({ code, message: expect.stringMatching(message) as unknown });
    expect(plan.problems[0]!.hint).toContain('Nothing was written.');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to overwrite a rule folder that exists', async () => {
    const out = await importInto(FIXTURES);
    const plan = await planOverseerImport({ dir: FIXTURES, outDir: out, today: TODAY });
    expect(plan.problems.map((p) => p.code)).toEqual([
      'OVERSEER_OUTPUT_EXISTS',
      'OVERSEER_OUTPUT_EXISTS',
      'OVERSEER_OUTPUT_EXISTS',
    ]);
  });

  it('reports two overseer files that become one rule id', async () => {
    const dir = copyOfFixtures();
    writeFileSync(
      join(dir, 'telnet-copy.sql'),
      readFileSync(join(dir, 'telnet_to_internet.sql'), 'utf8').replace(
        'telnet_to_internet',
        'telnet.to.internet',
      ),
    );
    const plan = await planOverseerImport({ dir, outDir: join(temp(), 'rules'), today: TODAY });
    expect(plan.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /telnet-copy\.sql line 1: the rule id "telnet-to-internet" is also the id of .*telnet_to_internet\.sql\.$/,
      ),
    ]);
  });

  it('says so when the folder holds no overseer rules', async () => {
    await expect(
      planOverseerImport({ dir: temp(), outDir: join(temp(), 'x'), today: TODAY }),
    ).rejects.toMatchObject({
      code: 'OVERSEER_NO_RULES',
    });
  });
});
