import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespacePair, namespaceSkipReason, type NamespacePair } from './router-namespace.js';
import {
  collect,
  describeRun,
  jsonLines,
  makeTempDir,
  runYamori,
  startYamori,
  type RunResult,
} from './testing.js';

/**
 * `yamori capture --conntrack` for real: yamori runs in the "router" namespace, where an nftables rule
 * switches connection tracking on; a client in the other namespace opens a TCP connection and a UDP
 * exchange to it. The entries are then deleted with `conntrack -D` so that they end now rather than
 * after their timeouts, and the flows yamori stored are read back.
 */

interface FlowJson {
  protocol: string;
  src_addr: string;
  src_port: number;
  dst_addr: string;
  dst_port: number;
  src_packets: number;
  dst_packets: number;
  src_bytes: number;
  dst_bytes: number;
  status: string;
  end_reason: string;
  direction: string;
  sensor: string;
}

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

const skipReason = namespaceSkipReason(
  ['conntrack', ['--version']],
  ['nft', ['--version']],
  ['sysctl', ['--version']],
);

describe.skipIf(skipReason !== null)(
  skipReason === null
    ? 'yamori capture --conntrack in a network namespace'
    : `yamori capture --conntrack in a network namespace (skipped: ${skipReason})`,
  () => {
    const dir = makeTempDir('conntrack');
    let pair: NamespacePair;
    let servers: ChildProcess | null = null;
    const inRouter = (): string[] => ['ip', 'netns', 'exec', pair.router];

    /** Runs capture --conntrack, makes the traffic, ends the entries, stops yamori; returns its run and the flows it stored. */
    async function captureOnce(db: string): Promise<{ capture: RunResult; flows: FlowJson[] }> {
      const config = join(dir, 'yamori.yaml');
      writeFileSync(
        config,
        `sensor: e2e-router\nhome_networks: [${pair.routerAddr}/24]\nstore:\n  flush_interval_ms: 200\n`,
      );
      const yamori = startYamori(['--db', db, '--config', config, 'capture', '--conntrack'], {
        prefix: inRouter(),
      });
      let stderr = '';
      yamori.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const finished = collect(yamori, 60_000);
      const deadline = Date.now() + 15_000;
      while (!/^info capturing/m.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`yamori capture --conntrack did not start: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      pair.exec(pair.client, process.execPath, join(dir, 'client.cjs'), pair.routerAddr);
      pair.exec(pair.router, 'conntrack', '-D');
      await new Promise((resolve) => setTimeout(resolve, 500));
      yamori.kill('SIGINT');
      const capture = await finished;
      const listed = await runYamori(['--db', db, 'flows', '--json', '--limit', '100']);
      expect(listed.code, describeRun(listed)).toBe(0);
      return { capture, flows: jsonLines<FlowJson>(listed.stdout) };
    }

    beforeAll(async () => {
      pair = createNamespacePair('ct');
      writeFileSync(join(dir, 'server.cjs'), SERVER_JS);
      writeFileSync(join(dir, 'client.cjs'), CLIENT_JS);
      writeFileSync(
        join(dir, 'rules.nft'),
        'table inet yamori_e2e {\n  chain input {\n    type filter hook input priority 0;\n    ct state new counter\n  }\n}\n',
      );
      pair.exec(pair.router, 'nft', '-f', join(dir, 'rules.nft'));
      servers = spawn(
        'ip',
        ['netns', 'exec', pair.router, process.execPath, join(dir, 'server.cjs'), pair.routerAddr],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      await new Promise<void>((resolve) => servers!.stdout!.once('data', () => resolve()));
    });
    afterAll(() => {
      servers?.kill('SIGKILL');
      pair?.remove();
      rmSync(dir, { recursive: true, force: true });
    });

    it('stores each connection when conntrack ends it, with both directions counted', async () => {
      pair.exec(
        pair.router,
        'sysctl',
        '-qw',
        'net.netfilter.nf_conntrack_acct=1',
        'net.netfilter.nf_conntrack_timestamp=1',
      );
      const { capture, flows } = await captureOnce(join(dir, 'with-accounting.duckdb'));
      expect(capture.code, describeRun(capture)).toBe(0);
      expect(capture.stdout).toMatch(
        /^captured \d+ conntrack events: 2 flows, 0 connections still open \(not written\); conntrack lost events 0 times, restarted 0 times\n$/,
      );
      expect(capture.stderr).not.toMatch(/^(warn|error) /m);
      expect(flows.map((f) => `${f.protocol} ${f.src_addr} > ${f.dst_addr}:${f.dst_port}`).sort()).toEqual([
        `tcp ${pair.clientAddr} > ${pair.routerAddr}:8080`,
        `udp ${pair.clientAddr} > ${pair.routerAddr}:7007`,
      ]);
      const tcp = flows.find((f) => f.protocol === 'tcp')!;
      // Handshake, "ping", "pong" and both FINs: at least four packets each way, each at least a 20-byte IP header more than its payload.
      expect(tcp.src_packets).toBeGreaterThanOrEqual(4);
      expect(tcp.dst_packets).toBeGreaterThanOrEqual(4);
      expect(tcp).toMatchObject({
        status: 'closed',
        end_reason: 'fin',
        direction: 'internal',
        sensor: 'e2e-router',
      });
      // One datagram each way: 20 (IP) + 8 (UDP) + 5 ("hello").
      expect(flows.find((f) => f.protocol === 'udp')).toMatchObject({
        src_packets: 1,
        dst_packets: 1,
        src_bytes: 33,
        dst_bytes: 33,
        status: 'established',
      });
    });

    it('warns once that accounting is off, and stores the flows without counts', async () => {
      pair.exec(pair.router, 'sysctl', '-qw', 'net.netfilter.nf_conntrack_acct=0');
      const { capture, flows } = await captureOnce(join(dir, 'without-accounting.duckdb'));
      pair.exec(pair.router, 'sysctl', '-qw', 'net.netfilter.nf_conntrack_acct=1');
      expect(capture.code, describeRun(capture)).toBe(0);
      expect(capture.stderr.match(/^warn conntrack accounting is off: /gm)).toHaveLength(1);
      expect(capture.stderr).toContain('sysctl -w net.netfilter.nf_conntrack_acct=1');
      expect(flows).toHaveLength(2);
      expect(flows.every((f) => f.src_packets === 0 && f.dst_bytes === 0)).toBe(true);
    });
  },
);
