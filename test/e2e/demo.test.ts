import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOME_NETWORK_DEVICES, SAMPLE_INDICATORS } from '../../src/capture/index.js';
import {
  collect,
  describeRun,
  jsonLines,
  makeTempDir,
  runYamori,
  startYamori,
  type RunResult,
} from './testing.js';

const mac = (name: string): string => HOME_NETWORK_DEVICES.find((d) => d.name === name)!.mac;
const CAMERA = mac(SAMPLE_INDICATORS.beaconDevice);
const LAPTOP = mac(SAMPLE_INDICATORS.badDomainDevice);

interface AlertJson {
  rule_id: string;
  device_mac: string | null;
  remote_addr: string | null;
  title: string;
  indicator_sources: string[];
}

/** The two findings the sample network hides, whatever else the rules raise. */
function expectSampleFindings(alerts: readonly AlertJson[]): void {
  expect(alerts).toContainEqual(
    expect.objectContaining({
      rule_id: 'intel-outbound-to-c2-address',
      device_mac: CAMERA,
      remote_addr: SAMPLE_INDICATORS.c2Address,
      indicator_sources: ['feodo'],
    }),
  );
  const badDomain = alerts.filter(
    (alert) =>
      alert.device_mac === LAPTOP &&
      alert.indicator_sources.includes('urlhaus') &&
      alert.title.includes(SAMPLE_INDICATORS.badDomain),
  );
  expect(badDomain.length, JSON.stringify(alerts, null, 1)).toBeGreaterThan(0);
}

describe('yamori demo', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('demo');
  });

  describe('--no-serve', () => {
    let run: RunResult;
    beforeAll(async () => {
      run = await runYamori(['demo', '--no-serve', '--dir', join(dir, 'table')]);
    });

    it('fetches both sample feeds from its local server and prints the alerts they lead to', () => {
      expect(run.code, describeRun(run)).toBe(0);
      expect(run.stdout).toMatch(/from a local server \(127\.0\.0\.1:\d+\)/);
      expect(run.stdout).toMatch(/^ {3}feodo: HTTP 200, 4 indicators listed$/m);
      expect(run.stdout).toMatch(/^ {3}urlhaus: HTTP 200, 6 indicators listed$/m);
      const c2Row = run.stdout.split('\n').find((line) => line.includes('intel-outbound-to-c2-address'));
      expect(c2Row, describeRun(run)).toMatch(
        new RegExp(`contacted ${SAMPLE_INDICATORS.c2Address.replaceAll('.', '\\.')}, listed by feodo`),
      );
      const domainRows = run.stdout
        .split('\n')
        .filter((line) => / intel-\S+ /.test(line) && line.includes(SAMPLE_INDICATORS.badDomain));
      expect(domainRows.length, describeRun(run)).toBeGreaterThan(0);
      for (const row of domainRows) expect(row).toContain('listed by urlhaus');
    });

    it('leaves the alerts in the demo database, with the camera and the laptop named', async () => {
      const db = join(dir, 'table', 'yamori.duckdb');
      expect(existsSync(db)).toBe(true);
      const listed = await runYamori(['--db', db, 'alerts', 'list', '--json']);
      expect(listed.code, describeRun(listed)).toBe(0);
      expectSampleFindings(jsonLines<AlertJson>(listed.stdout));
    });
  });

  it('--json prints the alerts as JSON lines and nothing else on standard output', async () => {
    const run = await runYamori(['demo', '--no-serve', '--json', '--dir', join(dir, 'json')]);
    expect(run.code, describeRun(run)).toBe(0);
    const alerts = jsonLines<AlertJson>(run.stdout);
    expect(alerts.length).toBe(run.stdout.trim().split('\n').length);
    expectSampleFindings(alerts);
    expect(run.stderr).toContain('fetched sample feeds');
  });

  describe('serving', () => {
    let child: ChildProcess;
    let done: Promise<RunResult>;
    let banner: { url: string; password: string };
    beforeAll(async () => {
      child = startYamori(['demo', '--dir', join(dir, 'serve')]);
      done = collect(child, 120_000);
      banner = await readBanner(child, done);
    });
    afterAll(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('serves the dashboard on loopback, where its one-time password shows the alerts', async () => {
      expect(banner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const login = await fetch(`${banner.url}/api/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: banner.password }),
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const response = await fetch(`${banner.url}/api/alerts`, { headers: { Cookie: cookie } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        alerts: {
          ruleId: string;
          deviceMac: string | null;
          remoteAddr: string | null;
          title: string;
          indicatorSources: string[];
        }[];
      };
      expectSampleFindings(
        body.alerts.map((a) => ({
          rule_id: a.ruleId,
          device_mac: a.deviceMac,
          remote_addr: a.remoteAddr,
          title: a.title,
          indicator_sources: a.indicatorSources,
        })),
      );
      const refused = await fetch(`${banner.url}/api/alerts`);
      expect(refused.status).toBe(401);
    });

    it('stops cleanly on SIGTERM', async () => {
      child.kill('SIGTERM');
      const result = await done;
      expect([result.code, result.signal], describeRun(result)).toEqual([0, null]);
      expect(result.stderr).not.toMatch(/^error /m);
    });
  });
});

/** Waits for the URL and the one-time password the demo prints once the dashboard listens. */
function readBanner(
  child: ChildProcess,
  done: Promise<RunResult>,
): Promise<{ url: string; password: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`yamori demo printed no URL in 90 s:\n${text}`)), 90_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const url = /^dashboard: (http:\/\/\S+)$/m.exec(text)?.[1];
      const password = /one-time password: (\S+)$/m.exec(text)?.[1];
      if (url !== undefined && password !== undefined) {
        clearTimeout(timer);
        resolve({ url, password });
      }
    });
    done.then((result) => {
      clearTimeout(timer);
      reject(new Error(`yamori demo exited before it served\n${describeRun(result)}`));
    }, reject);
  });
}
