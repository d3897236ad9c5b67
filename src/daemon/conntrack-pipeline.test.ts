import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConntrackSource,
  openCaptureFile,
  parseConntrackLine,
  readCapture,
  type ConntrackEvent,
} from '../capture/index.js';
import { decodePacket } from '../decode/index.js';
import { createFlowTable } from '../flow/index.js';
import { testConfig } from '../flow/testing.js';
import type { FlowRecord, StoredFlow } from '../records/index.js';
import type { Store } from '../store/index.js';
import { openMemoryStore } from '../store/testing.js';
import { createConntrackPipeline } from './conntrack-pipeline.js';

const CONFIG = {
  flow: testConfig({ homeNetworks: ['10.0.0.0/8'], maxFlows: 100 }),
  store: { maxBatchRows: 100 },
};

function events(...lines: string[]): ConntrackEvent[] {
  return lines.map((line) => parseConntrackLine(line) as ConntrackEvent);
}

// Recorded from conntrack -E on a masquerading router namespace (see conntrack-event.test.ts).
const MASQUERADED_NEW =
  '[1795887966.808760]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.1.0.2 dst=10.2.0.2 sport=33390 dport=80 [UNREPLIED] src=10.2.0.2 dst=10.2.0.1 sport=80 dport=33390 id=3721548263';
const MASQUERADED_DESTROY =
  '[1795887967.198469]\t[DESTROY] ipv4     2 tcp      6 119 TIME_WAIT src=10.1.0.2 dst=10.2.0.2 sport=33390 dport=80 packets=4 bytes=216 src=10.2.0.2 dst=10.2.0.1 sport=80 dport=33390 packets=4 bytes=218 [ASSURED] id=3721548263 [USERSPACE] portid=3195689080';
const NO_ACCOUNTING =
  '[1795887977.361114]\t[DESTROY] ipv4     2 udp      17 29 src=10.1.0.2 dst=10.1.0.1 sport=49740 dport=9999 [UNREPLIED] src=10.1.0.1 dst=10.1.0.2 sport=9999 dport=49740 id=3751905443 [USERSPACE] portid=4005500516';

describe('createConntrackPipeline', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openMemoryStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('writes one flow per DESTROY, started at its NEW event, with id, Community ID and direction', async () => {
    const pipeline = createConntrackPipeline(CONFIG, { store, timeouts: { tcp_timeout_time_wait: 120 } });
    await pipeline.ingest(events(MASQUERADED_NEW));
    expect(pipeline.stats()).toMatchObject({ newEvents: 1, openConnections: 1, flowsWritten: 0 });
    await pipeline.ingest(events(MASQUERADED_DESTROY, NO_ACCOUNTING));
    await pipeline.finish();
    expect(pipeline.stats()).toMatchObject({
      destroyEvents: 2,
      openConnections: 0,
      flowsWritten: 2,
      withoutAccounting: 1,
      offloaded: 0,
    });
    const flows = await store.listFlows();
    expect(flows.find((f) => f.protocol === 'tcp')).toMatchObject({
      srcAddr: '10.1.0.2',
      dstAddr: '10.2.0.2',
      firstSeenAt: 1795887966808760,
      lastSeenAt: 1795887966808760,
      direction: 'internal',
      sensor: 'test-sensor',
      communityId: expect.stringMatching(/^1:/),
    });
  });

  it('forgets the oldest open connection past max_flows, so a flood of NEW events stays bounded', async () => {
    const pipeline = createConntrackPipeline(
      { ...CONFIG, flow: { ...CONFIG.flow, maxFlows: 100 } },
      { store, timeouts: {} },
    );
    const flood = Array.from({ length: 500 }, (_, i) =>
      MASQUERADED_NEW.replace('sport=33390', `sport=${i + 1}`).replace('id=3721548263', `id=${i}`),
    );
    await pipeline.ingest(events(...flood));
    expect(pipeline.stats()).toMatchObject({ newEvents: 500, openConnections: 100 });
  });
});

const isRoot = process.getuid?.() === 0;
const has = (command: string, args: string[]): boolean =>
  spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const skipReason = !isRoot
  ? 'not running as root'
  : !has('ip', ['-V'])
    ? 'ip (iproute2) is not installed'
    : !has('conntrack', ['--version'])
      ? 'conntrack is not installed'
      : !has('nft', ['--version'])
        ? 'nft is not installed (it switches connection tracking on in the namespace)'
        : !has('tcpdump', ['--version'])
          ? 'tcpdump is not installed (it records the reference)'
          : null;

/** A TCP server that answers each request with RESPONSE bytes and closes, and a UDP echo. */
const SERVERS_JS = `
const net = require('node:net'); const dgram = require('node:dgram');
const [addr, tcpPort, requestBytes, responseBytes, udpPort] = process.argv.slice(2);
let ready = 0; const up = () => { if (++ready === 2) console.log('ready'); };
net.createServer((s) => { let got = 0; s.on('data', (c) => { got += c.length; if (got >= Number(requestBytes)) s.end(Buffer.alloc(Number(responseBytes), 0x61)); }); s.on('error', () => {}); }).listen(Number(tcpPort), addr, up);
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(Number(udpPort), addr, up);
`;
const CLIENT_JS = `
const net = require('node:net'); const dgram = require('node:dgram');
const [addr, tcpPort, requestBytes, responseBytes, udpPort] = process.argv.slice(2);
const s = net.connect(Number(tcpPort), addr, () => s.write(Buffer.alloc(Number(requestBytes), 0x62)));
let got = 0; s.on('data', (c) => { got += c.length; }); s.on('end', () => s.end());
s.on('close', () => {
  if (got !== Number(responseBytes)) process.exit(1);
  const u = dgram.createSocket('udp4'); const sizes = [100, 200, 300]; let i = 0;
  const send = () => u.send(Buffer.alloc(sizes[i]), Number(udpPort), addr);
  u.on('message', () => (++i === sizes.length ? process.exit(0) : send())); u.bind(0, send);
});
setTimeout(() => process.exit(2), 10000);
`;

describe.skipIf(skipReason !== null)(
  skipReason === null
    ? 'conntrack flows for real, in network namespaces made for the test'
    : `conntrack flows for real, in network namespaces (skipped: ${skipReason})`,
  () => {
    const tag = `${process.pid % 100_000}${randomInt(10, 99)}`;
    const nsA = `ymr-cta-${tag}`;
    const nsB = `ymr-ctb-${tag}`;
    const vethA = `ycta${tag}`;
    const vethB = `yctb${tag}`;
    const subnet = `10.214.${randomInt(0, 256)}`;
    const addrA = `${subnet}.1`;
    const addrB = `${subnet}.2`;
    const dir = mkdtempSync(join(tmpdir(), 'yamori-ct-live-'));
    const reference = join(dir, 'reference.pcap');
    const children: ChildProcess[] = [];
    const run = (...argv: string[]): string =>
      execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 15_000 });
    let stored: StoredFlow[] = [];
    let captured: FlowRecord[] = [];
    let store: Store;

    const waitFor = async (check: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const start = (...argv: string[]): { child: ChildProcess; out: () => string } => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let text = '';
      child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
      return { child, out: () => text };
    };

    beforeAll(async () => {
      run('ip', 'netns', 'add', nsA);
      run('ip', 'netns', 'add', nsB);
      run('ip', '-n', nsA, 'link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB, 'netns', nsB);
      for (const [ns, dev, addr] of [
        [nsA, vethA, addrA],
        [nsB, vethB, addrB],
      ] as const) {
        for (const name of ['all', 'default', dev])
          run('ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${name}.disable_ipv6=1`);
        run('ip', '-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
        run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
        run('ip', '-n', ns, 'link', 'set', dev, 'up');
      }
      // Accounting and timestamps are per namespace; a rule that uses conntrack switches tracking on here.
      run(
        'ip',
        'netns',
        'exec',
        nsA,
        'sysctl',
        '-qw',
        'net.netfilter.nf_conntrack_acct=1',
        'net.netfilter.nf_conntrack_timestamp=1',
      );
      writeFileSync(
        join(dir, 'rules.nft'),
        'table inet yamori_test {\n  chain input {\n    type filter hook input priority 0;\n    ct state new counter\n  }\n}\n',
      );
      run('ip', 'netns', 'exec', nsA, 'nft', '-f', join(dir, 'rules.nft'));
      writeFileSync(join(dir, 'servers.cjs'), SERVERS_JS);
      writeFileSync(join(dir, 'client.cjs'), CLIENT_JS);
      const servers = start(
        'ip',
        'netns',
        'exec',
        nsA,
        process.execPath,
        join(dir, 'servers.cjs'),
        addrA,
        '8080',
        '3000',
        '5000',
        '7007',
      );
      await waitFor(() => servers.out().includes('ready'), servers.out);
      const tcpdump = start(
        'ip',
        'netns',
        'exec',
        nsB,
        'tcpdump',
        '-i',
        vethB,
        '-n',
        '-U',
        '--immediate-mode',
        '-w',
        reference,
      );
      await waitFor(() => tcpdump.out().includes('listening on'), tcpdump.out);

      store = await openMemoryStore();
      const pipeline = createConntrackPipeline(CONFIG, { store, timeouts: {} });
      const source = createConntrackSource(
        { conntrackPath: 'conntrack', restartDelayMs: 100 },
        { commandPrefix: ['ip', 'netns', 'exec', nsA] },
      );
      await source.start();
      const reading = (async () => {
        for await (const batch of source.events()) await pipeline.ingest(batch);
      })();
      run(
        'ip',
        'netns',
        'exec',
        nsB,
        process.execPath,
        join(dir, 'client.cjs'),
        addrA,
        '8080',
        '3000',
        '5000',
        '7007',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Ends both entries now (a flush is what a reload does), rather than after their timeouts.
      run('ip', 'netns', 'exec', nsA, 'conntrack', '-D');
      await waitFor(
        () => pipeline.stats().destroyEvents >= 2,
        () => JSON.stringify(pipeline.stats()),
      );
      await source.stop();
      await reading;
      await pipeline.finish();
      tcpdump.child.kill('SIGINT');
      await new Promise((resolve) => tcpdump.child.once('close', resolve));
      stored = await store.listFlows({ limit: 100 });

      // The reference: the same traffic as the other end of the link saw it, through the pcap import.
      const table = createFlowTable(CONFIG.flow, { onFlow: (f) => captured.push(f) });
      for await (const batch of readCapture(openCaptureFile(reference), { sourceName: reference })) {
        for (const p of batch) table.add(p.timestampUs, decodePacket(p.linkType, p.data), p.interfaceName);
      }
      table.flush('shutdown');
      captured = captured.filter((f) => f.protocol === 'tcp' || f.protocol === 'udp');
    }, 60_000);

    afterAll(async () => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const ns of [nsA, nsB]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
      await store?.close();
    });

    const counts = (f: FlowRecord): string =>
      `${f.protocol} ${f.srcAddr}:${f.srcPort} > ${f.dstAddr}:${f.dstPort} pkts ${f.srcPackets}/${f.dstPackets} bytes ${f.srcBytes}/${f.dstBytes} ${f.status}`;

    it('stores the TCP and UDP connections with the packets and bytes the wire carried each way', () => {
      expect(captured).toHaveLength(2);
      expect(stored.map(counts).sort()).toEqual(captured.map(counts).sort());
      expect(stored.every((f) => f.srcAddr === addrB && f.dstAddr === addrA)).toBe(true);
    });

    it('starts each flow when its first packet crossed, by the NEW event', () => {
      for (const flow of stored) {
        const reference = captured.find((f) => f.srcPort === flow.srcPort && f.protocol === flow.protocol)!;
        // The NEW event is stamped when conntrack reads it, just after the packet reached the namespace.
        expect(Math.abs(flow.firstSeenAt - reference.firstSeenAt), counts(flow)).toBeLessThan(200_000);
        expect(flow.lastSeenAt).toBeGreaterThanOrEqual(flow.firstSeenAt);
      }
    });

    it('marks the flows as deleted from outside, with the Community ID of their tuple', () => {
      for (const flow of stored) {
        const reference = captured.find((f) => f.srcPort === flow.srcPort && f.protocol === flow.protocol)!;
        expect(flow.communityId).toBe(reference.communityId);
        expect(flow.endReason).toBe(flow.protocol === 'tcp' ? 'fin' : 'evicted');
      }
    });
  },
);
