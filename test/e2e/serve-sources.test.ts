import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespacePair, namespaceSkipReason, type NamespacePair } from './router-namespace.js';
import { collect, describeRun, jsonLines, makeTempDir, runYamori, startYamori } from './testing.js';

/**
 * `yamori serve` with the flow sources it shares with `yamori capture`: live capture (tcpdump on the
 * router namespace's end of a veth pair) and conntrack (connection tracking switched on in that
 * namespace by an nftables rule). A client in the other namespace makes one TCP and one UDP exchange;
 * /healthz and /metrics, read from inside the router namespace, show the source stage healthy and
 * its flows written, and after SIGTERM the flows are in the database.
 */

const SERVER_JS = `
const net = require('node:net'); const dgram = require('node:dgram'); const addr = process.argv[2];
let up = 0; const ready = () => { if (++up === 2) console.log('ready'); };
net.createServer((s) => { s.on('data', () => s.end('pong')); s.on('error', () => {}); }).listen(8080, addr, ready);
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(7007, addr, ready);
`;
const CLIENT_JS = `
const net = require('node:net'); const dgram = require('node:dgram'); const addr = process.argv[2];
const s = net.connect(8080, addr, () => s.write('ping')); s.on('data', () => {}); s.on('end', () => s.end());
s.on('close', () => { const u = dgram.createSocket('udp4'); u.on('message', () => process.exit(0)); u.bind(0, () => u.send('hello', 7007, addr)); });
setTimeout(() => process.exit(2), 10000);
`;
/** GET from inside a namespace (the dashboard listens on that namespace's loopback). */
const GET_JS = `
const [url, token] = process.argv.slice(2);
fetch(url, token ? { headers: { Authorization: 'Bearer ' + token } } : {})
  .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))
  .catch((e) => console.log(JSON.stringify({ status: 0, body: String(e) })));
`;
const METRICS_TOKEN = 'e2e-metrics-token';
const BUILTIN_FEEDS = [
  'feodo',
  'urlhaus',
  'threatfox',
  'sslbl-ip',
  'sslbl-cert',
  'spamhaus-drop',
  'spamhaus-dropv6',
  'et-compromised',
  'tor-exits',
];

interface FlowJson {
  protocol: string;
  src_addr: string;
  dst_addr: string;
  dst_port: number;
  sensor: string;
}

interface Health {
  status: string;
  stages: { name: string; state: string; healthy: boolean; problem: string | null }[];
}

const skipReason = namespaceSkipReason(
  ['tcpdump', ['--version']],
  ['conntrack', ['--version']],
  ['nft', ['--version']],
  ['sysctl', ['--version']],
);

describe.skipIf(skipReason !== null)(
  skipReason === null
    ? 'yamori serve with a capture or conntrack source in a network namespace'
    : `yamori serve with a capture or conntrack source (skipped: ${skipReason})`,
  () => {
    const dir = makeTempDir('serve-sources');
    let pair: NamespacePair;
    let servers: ChildProcess | null = null;

    const get = (url: string, token?: string): { status: number; body: string } =>
      JSON.parse(
        pair.exec(pair.router, process.execPath, join(dir, 'get.cjs'), url, ...(token ? [token] : [])),
      ) as { status: number; body: string };

    async function poll<T>(what: string, probe: () => T | null, describe: () => string): Promise<T> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const value = probe();
        if (value !== null) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${describe()}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }

    /**
     * Runs serve with `source` in the router namespace, makes the traffic (then `afterTraffic`), waits
     * until /metrics counts `flows` flows and /healthz shows the stage healthy, stops serve with
     * SIGTERM and returns the flows stored.
     */
    async function serveOnce(
      source: 'capture' | 'conntrack',
      flows: number,
      afterTraffic: () => void,
    ): Promise<{ health: Health; stored: FlowJson[] }> {
      const db = join(dir, `${source}.duckdb`);
      const config = join(dir, `${source}.yaml`);
      writeFileSync(
        config,
        [
          `sensor: e2e-serve-${source}`,
          `home_networks: [${pair.routerAddr}/24]`,
          'serve:',
          `  source: ${source}`,
          `  metrics_token: ${METRICS_TOKEN}`,
          'capture:',
          `  interface: ${pair.routerDev}`,
          'store:',
          '  flush_interval_ms: 200',
          'flow:',
          '  tcp_closed_timeout_s: 1',
          '  udp_idle_timeout_s: 1',
          'web:',
          '  listen: 127.0.0.1:0',
          'intel:',
          '  feeds:',
          ...BUILTIN_FEEDS.map((name) => `    ${name}: { enabled: false }`),
          '',
        ].join('\n'),
      );
      const yamori = startYamori(['--db', db, '--config', config, 'serve'], {
        prefix: ['ip', 'netns', 'exec', pair.router],
      });
      let stdout = '';
      let stderr = '';
      yamori.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      yamori.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const finished = collect(yamori, 90_000);
      const output = (): string => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
      try {
        const url = await poll(
          'the dashboard URL',
          () => /dashboard: (http:\/\/\S+)/.exec(stdout)?.[1] ?? null,
          output,
        );
        await poll('the source capturing', () => (/^info capturing/m.test(stderr) ? true : null), output);
        pair.exec(pair.client, process.execPath, join(dir, 'client.cjs'), pair.routerAddr);
        afterTraffic();
        const metric = new RegExp(`^yamori_flows_written_total\\{source="${source}"\\} (\\d+)$`, 'm');
        await poll(
          `${flows} flows in /metrics`,
          () => {
            const written = metric.exec(get(`${url}/metrics`, METRICS_TOKEN).body);
            return written !== null && Number(written[1]) >= flows ? true : null;
          },
          output,
        );
        const health = JSON.parse(get(`${url}/healthz`).body) as Health;
        yamori.kill('SIGTERM');
        const result = await finished;
        expect(result.code, describeRun(result)).toBe(0);
        const listed = await runYamori(['--db', db, 'flows', '--json', '--limit', '100']);
        expect(listed.code, describeRun(listed)).toBe(0);
        return { health, stored: jsonLines<FlowJson>(listed.stdout) };
      } finally {
        yamori.kill('SIGKILL');
      }
    }

    const conversations = (flows: FlowJson[]): string[] =>
      flows.map((f) => `${f.protocol} ${f.src_addr} > ${f.dst_addr}:${f.dst_port}`).sort();

    beforeAll(async () => {
      pair = createNamespacePair('sv');
      writeFileSync(join(dir, 'server.cjs'), SERVER_JS);
      writeFileSync(join(dir, 'client.cjs'), CLIENT_JS);
      writeFileSync(join(dir, 'get.cjs'), GET_JS);
      writeFileSync(
        join(dir, 'rules.nft'),
        'table inet yamori_e2e {\n  chain input {\n    type filter hook input priority 0;\n    ct state new counter\n  }\n}\n',
      );
      pair.exec(pair.router, 'nft', '-f', join(dir, 'rules.nft'));
      pair.exec(
        pair.router,
        'sysctl',
        '-qw',
        'net.netfilter.nf_conntrack_acct=1',
        'net.netfilter.nf_conntrack_timestamp=1',
      );
      servers = spawn(
        'ip',
        ['netns', 'exec', pair.router, process.execPath, join(dir, 'server.cjs'), pair.routerAddr],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      await new Promise<void>((resolve) => servers!.stdout!.once('data', () => resolve()));
    });
    afterAll(() => {
      servers?.kill('SIGKILL');
      pair?.remove();
      rmSync(dir, { recursive: true, force: true });
    });

    it('captures live traffic with tcpdump, reports the capture stage healthy, and stores the flows', async () => {
      const { health, stored } = await serveOnce('capture', 2, () => undefined);
      expect(health.stages.find((s) => s.name === 'capture')).toMatchObject({
        state: 'running',
        healthy: true,
      });
      expect(conversations(stored)).toEqual([
        `tcp ${pair.clientAddr} > ${pair.routerAddr}:8080`,
        `udp ${pair.clientAddr} > ${pair.routerAddr}:7007`,
      ]);
      expect(stored.every((f) => f.sensor === 'e2e-serve-capture')).toBe(true);
    });

    it('stores each connection conntrack ends, and reports the conntrack stage healthy', async () => {
      const { health, stored } = await serveOnce('conntrack', 2, () =>
        // End the entries now rather than after their timeouts.
        pair.exec(pair.router, 'conntrack', '-D'),
      );
      expect(health.stages.find((s) => s.name === 'conntrack')).toMatchObject({
        state: 'running',
        healthy: true,
      });
      expect(conversations(stored)).toEqual([
        `tcp ${pair.clientAddr} > ${pair.routerAddr}:8080`,
        `udp ${pair.clientAddr} > ${pair.routerAddr}:7007`,
      ]);
      expect(stored.every((f) => f.sensor === 'e2e-serve-conntrack')).toBe(true);
    });
  },
);
