/**
 * Helpers for tests of rules and the engine: rule folders written to a temp dir, and a rule built in
 * memory. Not shipped (tsconfig.build.json leaves testing.ts out).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadRules } from './load-rules.js';
import type { LoadedRule } from './rule.js';

/** A rule.yaml that passes the schema, as data; override any key (undefined removes it). */
export function ruleYaml(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const yaml: Record<string, unknown> = {
    id: 'test-outbound-ssh',
    title: 'Outbound SSH',
    description: 'A device opened SSH to the internet.',
    severity: 'low',
    status: 'test',
    tags: ['attack.t1021', 'test'],
    schedule: { every: '5m' },
    dedup: ['device_addr', 'remote_addr'],
    entities: { device_addr: 'device_addr', remote_addr: 'remote_addr' },
    alert_title: '{device_name} opened SSH to {remote_addr}',
    false_positives: ['none known'],
    triage: 'Ask who did it.',
    references: ['https://attack.mitre.org/techniques/T1021/'],
    requires: { tables: ['flows'] },
    author: 'test',
    created: '2026-11-28',
    ...overrides,
  };
  for (const [key, value] of Object.entries(yaml)) if (value === undefined) delete yaml[key];
  return yaml;
}

export const SSH_SQL = `-- One row per device and server.
SELECT src_addr AS device_addr, dst_addr AS remote_addr, count(*) AS connections,
       min(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at
FROM flows
WHERE ingested_at >= $window_start AND ingested_at < $window_end
  AND direction = 'outbound' AND dst_port = 22
GROUP BY src_addr, dst_addr
`;

export const SSH_TESTS = `cases:
  - name: fires on outbound SSH
    given:
      flows: [{ dst_addr: 198.51.100.20, dst_port: 22, first_seen_at: -5m }]
    expect:
      - { remote_addr: 198.51.100.20, connections: 1 }
  - name: stays quiet for HTTPS
    given:
      flows: [{ dst_addr: 198.51.100.20, dst_port: 443, first_seen_at: -5m }]
    expect: []
`;

export interface RuleFiles {
  /** Folder below the rules dir; the id by default. */
  folder?: string;
  yaml?: Record<string, unknown> | string;
  sql?: string | null;
  tests?: string | null;
  extra?: Record<string, string>;
}

/** A fresh temp folder to write rules into. */
export function tempRulesDir(): string {
  return mkdtempSync(join(tmpdir(), 'yamori-rules-'));
}

/** Writes one rule folder (null leaves a file out) and returns its path. */
export function writeRule(dir: string, files: RuleFiles = {}): string {
  const yaml = files.yaml ?? ruleYaml();
  const id = typeof yaml === 'string' ? 'rule' : String(yaml['id']);
  const folder = join(dir, files.folder ?? id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'rule.yaml'), typeof yaml === 'string' ? yaml : stringify(yaml));
  if (files.sql !== null) writeFileSync(join(folder, 'rule.sql'), files.sql ?? SSH_SQL);
  if (files.tests !== null) writeFileSync(join(folder, 'rule.test.yaml'), files.tests ?? SSH_TESTS);
  for (const [name, text] of Object.entries(files.extra ?? {})) {
    mkdirSync(join(folder, name, '..'), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
  return folder;
}

/** Writes one rule to a fresh temp folder and loads it; throws if it does not load. */
export function loadTestRule(files: RuleFiles = {}): LoadedRule {
  const dir = tempRulesDir();
  writeRule(dir, files);
  const collection = loadRules([{ dir, origin: 'user' }]);
  const rule = collection.rules[0];
  if (rule === undefined) {
    throw new Error(
      `the test rule did not load: ${collection.problems.map((p) => p.error.message).join('; ')}`,
    );
  }
  return rule;
}
