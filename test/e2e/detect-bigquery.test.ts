import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emulatorBigQueryConfig, useBigQueryEmulator } from '../../src/store/bigquery/testing.js';
import { describeRun, jsonLines, makeTempDir, REPO_ROOT, runYamori } from './testing.js';

const CAPTURE = join(REPO_ROOT, '../shared/pcaps/zeek/wikipedia/wikipedia.pcap');
const RULE = 'intel-outbound-to-c2-address';

interface RunJson {
  rule_id: string;
  status: string;
  rows: number;
  alerts_created: number;
  alerts_updated: number;
  error: { code: string; message: string } | null;
  passes: { pass: string; rows: number }[];
}

interface AlertJson {
  rule_id: string;
  title: string;
  count: number;
  device_name: string | null;
  device_mac: string | null;
  remote_addr: string | null;
  indicator_sources: string[];
  evidence: Record<string, unknown>[];
  provenance: { pass: string }[];
}

const emulator = useBigQueryEmulator();

/**
 * The retro-hunt scenario of detect.test.ts (issue 4) with the store on BigQuery (the emulator on
 * loopback): the capture is imported, the rules run and find nothing, indicators arrive later, and
 * the rule then finds the old traffic once (rule.bigquery.sql), and nothing when run again; an
 * indicator whose validity ended before the capture adds nothing.
 */
describe.skipIf(!existsSync(CAPTURE) || emulator.skipReason !== null)(
  `retro-hunt on a BigQuery store (needs ../shared/pcaps and the emulator${emulator.skipReason ? `: ${emulator.skipReason}` : ''})`,
  () => {
    const dir = makeTempDir('detect-bigquery');
    const config = join(dir, 'yamori.yaml');
    // No --db: nothing is kept locally; --store bigquery as a sensor or server would use it.
    const yamori = (...args: string[]) =>
      runYamori(['--store', 'bigquery', '--config', config, ...args], { timeoutMs: 600_000 });

    beforeAll(() => {
      const bigquery = emulatorBigQueryConfig(emulator.get());
      writeFileSync(
        config,
        [
          'home_networks: [141.142.220.0/24]',
          'bigquery:',
          `  project: ${bigquery.project}`,
          `  dataset: ${bigquery.dataset}`,
          `  endpoint: ${bigquery.endpoint}`,
          // Flows go in through the Storage Write API (the default write method) on the emulator's gRPC port.
          `  storage_endpoint: ${bigquery.storageEndpoint}`,
          'detect:',
          '  dns_resolvers: [141.142.2.2]',
          'intel:',
          '  grace_period_h: 0',
          '  feeds:',
          '    c2-list: { url: "http://127.0.0.1:9/c2.txt", format: text-list, type: ipv4, threat: botnet_cc }',
          '    old-intel: { url: "http://127.0.0.1:9/old.json", format: stix21 }',
          '',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'c2.txt'), '# test list\n208.80.152.118\n');
      writeFileSync(
        join(dir, 'old.json'),
        JSON.stringify({
          type: 'bundle',
          id: 'bundle--6f1e4b8e-3c42-4d1a-9d38-0c7d9a0f2b11',
          objects: [
            {
              type: 'indicator',
              spec_version: '2.1',
              id: 'indicator--2f0b1c55-4a4c-4b8e-8d57-1e2f3a4b5c6d',
              created: '2010-01-01T00:00:00.000Z',
              modified: '2010-01-01T00:00:00.000Z',
              pattern_type: 'stix',
              pattern: "[ipv4-addr:value = '208.80.152.2']",
              indicator_types: ['malicious-activity'],
              valid_from: '2010-01-01T00:00:00Z',
              valid_until: '2011-01-01T00:00:00Z',
            },
          ],
        }),
      );
    });

    it('imports the capture into the dataset, and a first run of the rule finds nothing', async () => {
      const imported = await yamori('import', 'pcap', CAPTURE);
      expect(imported.code, describeRun(imported)).toBe(0);
      const run = await yamori('rules', 'run', RULE, '--json', '--no-notify');
      expect(run.code, describeRun(run)).toBe(0);
      expect(jsonLines<RunJson>(run.stdout)).toMatchObject([
        { rule_id: RULE, status: 'ok', alerts_created: 0 },
      ]);
    }, 900_000);

    it('finds the traffic to the address listed later exactly once, as on DuckDB', async () => {
      for (const [feed, file] of [
        ['c2-list', 'c2.txt'],
        ['old-intel', 'old.json'],
      ] as const) {
        const update = await yamori('feeds', 'update', feed, '--file', join(dir, file));
        expect(update.code, describeRun(update)).toBe(0);
      }
      const run = await yamori('rules', 'run', RULE, '--json', '--no-notify');
      expect(run.code, describeRun(run)).toBe(0);
      const [report] = jsonLines<RunJson>(run.stdout);
      expect(report, describeRun(run)).toMatchObject({
        rule_id: RULE,
        status: 'ok',
        rows: 1,
        alerts_created: 1,
      });
      expect(report?.passes).toMatchObject([
        { pass: 'window', rows: 0 },
        { pass: 'retro-hunt', rows: 1 },
      ]);
      const alerts = jsonLines<AlertJson>((await yamori('alerts', 'list', '--json')).stdout);
      expect(alerts).toHaveLength(1);
      const alert = alerts[0]!;
      expect(alert).toMatchObject({
        rule_id: RULE,
        remote_addr: '208.80.152.118',
        indicator_sources: ['c2-list'],
        count: 1,
      });
      expect(alert.device_mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(alert.title).toBe(
        `${alert.device_name} contacted 208.80.152.118, listed by c2-list as botnet_cc`,
      );
      expect(alert.evidence[0]).toMatchObject({
        device_addr: '141.142.220.118',
        remote_addr: '208.80.152.118',
      });
      expect(alert.provenance).toMatchObject([{ pass: 'retro-hunt' }]);
    }, 900_000);

    it('adds no alert when run again', async () => {
      const run = await yamori('rules', 'run', RULE, '--json', '--no-notify');
      expect(jsonLines<RunJson>(run.stdout)[0], describeRun(run)).toMatchObject({
        status: 'ok',
        rows: 0,
        alerts_created: 0,
        alerts_updated: 0,
      });
      expect(jsonLines((await yamori('alerts', 'list', '--json')).stdout)).toHaveLength(1);
    }, 900_000);
  },
);
