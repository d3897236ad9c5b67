import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { YamoriError } from '../errors/index.js';

const EXAMPLE = 'custom/custom-ssh-to-internet';

const EXAMPLE_YAML = `id: custom-ssh-to-internet
title: Device opened SSH to a host on the internet
description: >
  A device on the home network connected to an SSH server on the internet. On a home network that
  is usually a person at a laptop; from a camera, a TV or a plug it is not.
severity: low
status: experimental
tags: [attack.t1021.004, custom]
schedule: { every: 10m }
dedup: [device_addr, remote_addr]
entities:
  device_mac: device_mac
  device_addr: device_addr
  remote_addr: remote_addr
alert_title: '{device_name} opened SSH to {remote_addr}'
false_positives:
  - Someone in the household administering a server.
triage: >
  Check which device it is. A laptop or a workstation is probably fine; anything else deserves a look.
references: [https://attack.mitre.org/techniques/T1021/004/]
requires: { tables: [flows] }
author: me
created: ${new Date().toISOString().slice(0, 10)}
`;

const EXAMPLE_SQL = `-- One row per device and server, so a long session split into several flows is one alert.
SELECT
  src_addr AS device_addr,
  max(src_mac) AS device_mac,
  dst_addr AS remote_addr,
  count(*) AS connections,
  sum(src_bytes) AS bytes_sent,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM flows
WHERE ingested_at >= $window_start AND ingested_at < $window_end
  AND direction = 'outbound' AND protocol = 'tcp' AND dst_port = 22
GROUP BY src_addr, dst_addr
`;

const EXAMPLE_TESTS = `cases:
  - name: fires on an outbound SSH connection
    given:
      flows:
        - { src_addr: 192.168.1.23, dst_addr: 198.51.100.20, dst_port: 22, first_seen_at: -5m }
    expect:
      - { device_addr: 192.168.1.23, remote_addr: 198.51.100.20, connections: 1 }
  - name: stays quiet for SSH inside the home network
    given:
      flows:
        - { src_addr: 192.168.1.23, dst_addr: 192.168.1.2, dst_port: 22, first_seen_at: -5m }
    expect: []
`;

function workflow(version: string): string {
  return `# Runs the rule tests and collection checks on every pull request (and on pushes to main).
name: yamori rules
on:
  pull_request:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
      - run: npx --yes yamori@${version} rules test . --junit rules-junit.xml
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: rules-junit
          path: rules-junit.xml
`;
}

const README = `# Detection rules

One folder per rule: \`rule.yaml\`, \`rule.sql\`, \`rule.test.yaml\` (and optionally \`fixtures/\`).
The format is in Yamori's docs/writing-rules.md.

- \`yamori rules test .\` checks every rule and runs its test cases (CI runs it on each pull request).
- Add this folder to \`detect.rules_dirs\` in the config so \`yamori rules run\` and the daemon run it.
`;

/**
 * Writes a new rules folder: one example rule with its tests, a README, and a GitHub Actions workflow
 * that runs "yamori rules test" on pull requests, pinned to `version`. Returns the files written.
 * Throws RULE_INIT_NOT_EMPTY when `dir` exists and holds anything (nothing is written then).
 */
export function initRulesFolder(dir: string, version: string): string[] {
  let existing: string[] = [];
  try {
    existing = readdirSync(dir);
  } catch {
    existing = [];
  }
  if (existing.length > 0) {
    throw new YamoriError('RULE_INIT_NOT_EMPTY', { path: dir, example: existing.slice(0, 3).join(', ') });
  }
  const files: [string, string][] = [
    ['README.md', README],
    [join(EXAMPLE, 'rule.yaml'), EXAMPLE_YAML],
    [join(EXAMPLE, 'rule.sql'), EXAMPLE_SQL],
    [join(EXAMPLE, 'rule.test.yaml'), EXAMPLE_TESTS],
    [join('.github', 'workflows', 'yamori-rules.yml'), workflow(version)],
  ];
  for (const [name, text] of files) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return files.map(([name]) => join(dir, name));
}
