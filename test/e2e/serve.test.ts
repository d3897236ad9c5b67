import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNetflowV5, type V5Record } from '../../src/capture/flow-export/testing.js';
import { openDuckDbStore } from '../../src/store/index.js';
import { buildFlow } from '../../src/store/testing.js';
import { collect, describeRun, makeTempDir, startYamori } from './testing.js';

/**
 * `yamori serve` as one process: a collector fed NetFlow v5 over loopback, a feed server where one
 * feed works and one answers 500, a webhook that answers 500, and the dashboard's /healthz and
 * /metrics read over HTTP.
 */

const C2 = '91.215.85.17';
const HOME = '192.168.1.20';

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** `count` one-way UDP records from the home host, each with its own source port: each is one flow. */
function records(count: number, firstPort: number): V5Record[] {
  return Array.from({ length: count }, (_, i) => ({
    src: HOME,
    dst: '198.51.100.53',
    srcPort: firstPort + i,
    dstPort: 53,
    protocol: 17,
    packets: 1,
    bytes: 80,
    firstMs: 500_000,
    lastMs: 500_000,
  }));
}

async function sendDatagrams(port: number, datagrams: readonly Uint8Array[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

function v5(recs: V5Record[]): Uint8Array {
  return encodeNetflowV5({ sysUptimeMs: 600_000, unixSecs: Math.floor(Date.now() / 1000), records: recs });
}

/** Starts serve and resolves with the child and the dashboard URL it prints. */
async function startServe(
  db: string,
  config: string,
): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = startYamori(['--db', db, '--config', config, 'serve']);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = /dashboard: (http:\/\/\S+)/.exec(stdout);
    if (match) return { child, url: match[1]!, out: () => `${stdout}\n--- stderr\n${stderr}` };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not start\nstdout: ${stdout}\nstderr: ${stderr}`);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last === null ? '' : `: ${last}`}`);
}

function metricValue(text: string, name: string, labels: string): number | null {
  for (const row of text.split('\n')) {
    if (row.startsWith(`${name}${labels} `)) return Number(row.slice(`${name}${labels} `.length));
  }
  return null;
}

describe('yamori serve', () => {
  const dir = makeTempDir('serve');
  let feedPort = 0;
  let hookPort = 0;
  const hookRequests: string[] = [];
  const feedServer = createServer((req, res) => {
    if (req.url === '/c2.txt')
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`# test list\n${C2}\n`);
    else res.writeHead(500).end('broken');
  });
  const hookServer = createServer((req, res) => {
    hookRequests.push(req.url ?? '');
    req.resume();
    res.writeHead(500).end('notifier down');
  });

  const writeConfig = (path: string, collectPort: number, stitchWindowS: number): void => {
    writeFileSync(
      path,
      [
        'home_networks: [192.168.1.0/24]',
        'serve:',
        '  source: collect',
        '  metrics_token: test-metrics-token',
        'collect:',
        `  listen: ["127.0.0.1:${collectPort}"]`,
        `  stitch_window_s: ${stitchWindowS}`,
        'web:',
        '  listen: 127.0.0.1:0',
        'intel:',
        '  fetch_retries: 0',
        '  feeds:',
        // Built-in feeds stay off: the test never leaves loopback.
        ...[
          'feodo',
          'urlhaus',
          'threatfox',
          'sslbl-ip',
          'sslbl-cert',
          'spamhaus-drop',
          'spamhaus-dropv6',
          'et-compromised',
          'tor-exits',
        ].map((name) => `    ${name}: { enabled: false }`),
        `    c2-list: { url: "http://127.0.0.1:${feedPort}/c2.txt", format: text-list, type: ipv4, threat: botnet_cc }`,
        `    broken-list: { url: "http://127.0.0.1:${feedPort}/broken.txt", format: text-list, type: ipv4, threat: botnet_cc }`,
        'alert:',
        '  channels:',
        '    hook:',
        '      type: webhook',
        `      url: http://127.0.0.1:${hookPort}/hook`,
        '  routes:',
        '    - name: everything',
        '      when: "true"',
        '      notify: [hook]',
        '  delivery:',
        '    timeout_s: 5',
        '',
      ].join('\n'),
    );
  };

  beforeAll(async () => {
    feedPort = await listen(feedServer);
    hookPort = await listen(hookServer);
  });
  afterAll(async () => {
    feedServer.closeAllConnections();
    hookServer.closeAllConnections();
    await new Promise<void>((resolve) => feedServer.close(() => resolve()));
    await new Promise<void>((resolve) => hookServer.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps collecting and detecting with a broken feed and a failing notifier, and reports both unhealthy', async () => {
    const db = join(dir, 'health.duckdb');
    const config = join(dir, 'health.yaml');
    const collectPort = await freeUdpPort();
    writeConfig(config, collectPort, 0);
    // Traffic to the listed address, stored before serve starts: the first rule run must find it.
    const store = await openDuckDbStore({ database: { path: db }, maxBatchRows: 100, flushIntervalMs: 1000 });
    const nowUs = Date.now() * 1000;
    await store.writeFlows([
      buildFlow({
        srcAddr: HOME,
        dstAddr: C2,
        firstSeenAt: nowUs - 60_000_000,
        lastSeenAt: nowUs - 50_000_000,
      }),
    ]);
    await store.close();

    const { child, url, out } = await startServe(db, config);
    try {
      await sendDatagrams(collectPort, [v5(records(20, 40_000))]);
      const auth = { Authorization: 'Bearer test-metrics-token' };
      expect((await fetch(`${url}/metrics`)).status).toBe(401);

      const health = await waitFor('feeds and delivery unhealthy', async () => {
        const response = await fetch(`${url}/healthz`);
        const body = (await response.json()) as {
          status: string;
          stages: { name: string; state: string; healthy: boolean; problem: string | null }[];
        };
        const byName = new Map(body.stages.map((s) => [s.name, s]));
        return byName.get('feeds')?.healthy === false && byName.get('delivery')?.healthy === false
          ? { status: response.status, body, byName }
          : null;
      });
      expect(health.status).toBe(503);
      expect(health.body.status).toBe('unhealthy');
      expect(health.body.stages.map((s) => s.name)).toEqual([
        'collect',
        'feeds',
        'rules',
        'retention',
        'delivery',
        'web',
        'rollups',
      ]);
      expect(health.byName.get('feeds')!.problem).toContain('broken-list');
      expect(health.byName.get('feeds')!.problem).not.toContain('c2-list');
      expect(health.byName.get('delivery')!.problem).toMatch(/deliveries failed/);
      for (const name of ['collect', 'rules', 'retention', 'web', 'rollups']) {
        expect(health.byName.get(name), out()).toMatchObject({ state: 'running', healthy: true });
      }
      expect(hookRequests.length).toBeGreaterThan(0);

      const metrics = await waitFor('the collected flows in /metrics', async () => {
        const text = await (await fetch(`${url}/metrics`, { headers: auth })).text();
        return metricValue(text, 'yamori_flows_written_total', '{source="collect"}') === 20 ? text : null;
      });
      expect(metricValue(metrics, 'yamori_source_packets_total', '{source="collect"}')).toBe(1);
      expect(metricValue(metrics, 'yamori_stage_up', '{stage="feeds"}')).toBe(0);
      expect(metricValue(metrics, 'yamori_stage_up', '{stage="delivery"}')).toBe(0);
      expect(metricValue(metrics, 'yamori_stage_up', '{stage="rules"}')).toBe(1);
      expect(metrics).toMatch(/^yamori_feed_healthy\{feed="broken-list",status="[a-z-]+"\} 0$/m);
      expect(metrics, metrics).not.toMatch(/^yamori_feed_healthy\{feed="broken-list",status="healthy"\}/m);
      expect(metricValue(metrics, 'yamori_feed_healthy', '{feed="c2-list",status="healthy"}')).toBe(1);
      expect(metricValue(metrics, 'yamori_feed_runs_total', '{feed="broken-list",status="error"}')).toBe(1);
      expect(metricValue(metrics, 'yamori_feed_runs_total', '{feed="c2-list",status="ok"}')).toBe(1);
      expect(
        metricValue(metrics, 'yamori_rule_alerts_total', '{kind="new",rule="intel-outbound-to-c2-address"}'),
      ).toBe(1);
      expect(
        metricValue(metrics, 'yamori_rule_runs_total', '{rule="intel-outbound-to-c2-address",status="ok"}'),
      ).toBe(1);
      expect(metricValue(metrics, 'yamori_deliveries_total', '{result="retry"}')).toBeGreaterThanOrEqual(1);
      expect(metricValue(metrics, 'yamori_deliveries_total', '{result="sent"}')).toBe(0);
      expect(metrics).toMatch(/^# TYPE yamori_rule_run_duration_seconds gauge$/m);
    } finally {
      child.kill('SIGTERM');
    }
    const result = await collect(child, 30_000);
    expect(result.code, describeRun(result)).toBe(0);
  }, 90_000);

  it('writes every flow the collector received when SIGTERM arrives, the held ones too', async () => {
    const db = join(dir, 'stop.duckdb');
    const config = join(dir, 'stop.yaml');
    const collectPort = await freeUdpPort();
    // A long stitch window holds every one-way record in memory until the stop.
    writeConfig(config, collectPort, 3_600);
    const { child, url, out } = await startServe(db, config);
    const datagrams = Array.from({ length: 100 }, (_, i) => v5(records(30, 10_000 + i * 30)));
    let received = 0;
    try {
      await sendDatagrams(collectPort, datagrams);
      // Acknowledged: counted by the collector (its metrics) before the signal.
      received = await waitFor('the datagrams counted', async () => {
        const text = await (
          await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer test-metrics-token' } })
        ).text();
        const value = metricValue(text, 'yamori_source_packets_total', '{source="collect"}');
        return value === datagrams.length ? value : null;
      });
      const text = await (
        await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer test-metrics-token' } })
      ).text();
      expect(metricValue(text, 'yamori_flows_written_total', '{source="collect"}'), out()).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    const result = await collect(child, 30_000);
    expect(result.code, describeRun(result)).toBe(0);
    expect(received).toBe(100);
    const store = await openDuckDbStore({ database: { path: db }, maxBatchRows: 100, flushIntervalMs: 1000 });
    try {
      expect(await store.countFlows()).toBe(3_000);
    } finally {
      await store.close();
    }
  }, 90_000);
});
