import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  describeRun,
  hasCommand,
  jsonLines,
  makeTempDir,
  runYamori,
  startYamori,
  type RunResult,
} from './testing.js';

/**
 * `yamori capture` for real: two network namespaces made for this run, joined by a veth pair. Servers
 * run in namespace A, where yamori captures; clients in namespace B make TCP, UDP, ICMP and DNS
 * traffic to them. Every packet stays between the two namespaces.
 */

const isRoot = process.getuid?.() === 0;
const hasIp = hasCommand('ip', ['-V']);
const hasTcpdump = hasCommand('tcpdump', ['--version']);
const hasTshark = hasCommand('tshark', ['-v']);
const hasPing = hasCommand('ping', ['-V']);
const skipReason = !isRoot
  ? 'not running as root'
  : !hasIp
    ? 'ip (iproute2) is not installed'
    : !hasTcpdump
      ? 'tcpdump is not installed'
      : null;

const TCP_PORT = 8080;
const UDP_ECHO_PORT = 7007;
const TCP_REQUEST_BYTES = 3_000;
const TCP_RESPONSE_BYTES = 5_000;
const UDP_SIZES = [100, 200, 300];
const PING_COUNT = 3;
const PING_PAYLOAD_BYTES = 56;
const DNS_NAME = 'probe.ymr-e2e.test';
const DNS_TTL = 300;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;
const ICMP_ECHO_HEADER = 8;

/** Servers for namespace A: TCP (read a request, answer, close), UDP echo, and DNS for one name. */
const SERVERS_JS = `
const net = require('node:net');
const dgram = require('node:dgram');
const [addr, tcpPort, requestBytes, responseBytes, echoPort, dnsName, ttl] = process.argv.slice(2);
let listening = 0;
const ready = () => { if (++listening === 3) console.log('ready'); };
net.createServer((socket) => {
  let got = 0;
  socket.on('data', (chunk) => {
    got += chunk.length;
    if (got >= Number(requestBytes)) socket.end(Buffer.alloc(Number(responseBytes), 0x61));
  });
  socket.on('error', () => {});
}).listen(Number(tcpPort), addr, ready);
const echo = dgram.createSocket('udp4');
echo.on('message', (message, from) => echo.send(message, from.port, from.address));
echo.bind(Number(echoPort), addr, ready);
const dns = dgram.createSocket('udp4');
dns.on('message', (query, from) => {
  // Header, then the question as asked, then one A record pointing back at the question's name.
  const answer = Buffer.alloc(16);
  answer.writeUInt16BE(0xc00c, 0);
  answer.writeUInt16BE(1, 2);
  answer.writeUInt16BE(1, 4);
  answer.writeUInt32BE(Number(ttl), 6);
  answer.writeUInt16BE(4, 10);
  addr.split('.').forEach((octet, i) => answer.writeUInt8(Number(octet), 12 + i));
  const response = Buffer.concat([query, answer]);
  response.writeUInt16BE(0x8180, 2); // response, recursion desired and available, NOERROR
  response.writeUInt16BE(1, 6); // one answer
  dns.send(response, from.port, from.address);
});
dns.bind(53, addr, ready);
`;

/** One client step for namespace B; prints {"port": local port} once the exchange is complete. */
const CLIENT_JS = `
const net = require('node:net');
const dgram = require('node:dgram');
const [step, addr, ...args] = process.argv.slice(2);
const done = (port) => { console.log(JSON.stringify({ port })); process.exit(0); };
setTimeout(() => { console.error('client step timed out'); process.exit(1); }, 10000);
if (step === 'tcp') {
  const [port, requestBytes, responseBytes] = args.map(Number);
  let localPort = 0;
  const socket = net.connect(port, addr, () => {
    localPort = socket.localPort; // gone once the socket closes
    socket.write(Buffer.alloc(requestBytes, 0x62));
  });
  let got = 0;
  socket.on('data', (chunk) => { got += chunk.length; });
  socket.on('end', () => socket.end());
  socket.on('close', () => (got === responseBytes ? done(localPort) : process.exit(1)));
} else if (step === 'udp') {
  const [port, ...sizes] = args.map(Number);
  const socket = dgram.createSocket('udp4');
  let next = 0;
  const send = () => socket.send(Buffer.alloc(sizes[next], 0x63), port, addr);
  socket.on('message', () => (++next === sizes.length ? done(socket.address().port) : send()));
  socket.bind(0, send);
} else if (step === 'dns') {
  const [name] = args;
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.of(label.length), Buffer.from(label)]));
  const header = Buffer.from([0x4e, 0x21, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const query = Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => done(socket.address().port));
  socket.bind(0, () => socket.send(query, 53, addr));
}
`;

interface FlowJson {
  protocol: string;
  src_addr: string;
  dst_addr: string;
  src_port: number;
  dst_port: number;
  src_bytes: number;
  dst_bytes: number;
  src_packets: number;
  dst_packets: number;
  src_payload_bytes: number;
  dst_payload_bytes: number;
  status: string;
  end_reason: string;
  direction: string;
  dns_name: string | null;
  sensor: string;
}

/** Packets and IP bytes per direction: `src` from the client in namespace B, `dst` from the server. */
interface Counts {
  srcPackets: number;
  dstPackets: number;
  srcBytes: number;
  dstBytes: number;
}

const flowKey = (protocol: string, clientPort: number, serverPort: number): string =>
  `${protocol} ${clientPort}->${serverPort}`;

/** Polls `check` until it holds, or fails with `describe()` after the deadline. */
async function waitFor(check: () => boolean, describe: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Collects a running child's stderr as text, so a test can wait for a line in it. */
function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return () => text;
}

describe.skipIf(skipReason !== null)(
  skipReason === null
    ? 'yamori capture on a veth pair between two network namespaces'
    : `yamori capture on a veth pair (skipped: ${skipReason})`,
  () => {
    const tag = `${process.pid % 100_000}${randomInt(10, 99)}`;
    const nsA = `ymr-a-${tag}`;
    const nsB = `ymr-b-${tag}`;
    const vethA = `ymra${tag}`;
    const vethB = `ymrb${tag}`;
    const subnet = `10.213.${randomInt(0, 256)}`;
    const addrA = `${subnet}.1`;
    const addrB = `${subnet}.2`;
    const dir = makeTempDir('live');
    const db = join(dir, 'live.duckdb');
    const config = join(dir, 'yamori.yaml');
    const referencePcap = join(dir, 'reference.pcap');
    const inA = ['ip', 'netns', 'exec', nsA];
    const inB = ['ip', 'netns', 'exec', nsB];
    const children: ChildProcess[] = [];

    const run = (argv: readonly string[]): string =>
      execFileSync(argv[0]!, argv.slice(1), {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 15_000,
      });
    const clientStep = (...args: string[]): number => {
      const printed = run([...inB, process.execPath, join(dir, 'client.cjs'), ...args]);
      return (JSON.parse(printed) as { port: number }).port;
    };

    // What the scenario produced, read by the tests below.
    let capture: RunResult;
    let flows: FlowJson[] = [];
    let dnsRecords: Record<string, unknown>[] = [];
    const ports = { tcpFirst: 0, tcpSecond: 0, udp: 0, dns: 0 };

    beforeAll(async () => {
      run(['ip', 'netns', 'add', nsA]);
      run(['ip', 'netns', 'add', nsB]);
      run(['ip', '-n', nsA, 'link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB, 'netns', nsB]);
      // No IPv6: neighbour discovery and MLD would add packets that no test traffic made.
      for (const [ns, dev] of [
        [nsA, vethA],
        [nsB, vethB],
      ] as const) {
        for (const name of ['all', 'default', dev]) {
          run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${name}.disable_ipv6=1`]);
        }
      }
      run(['ip', '-n', nsA, 'addr', 'add', `${addrA}/24`, 'dev', vethA]);
      run(['ip', '-n', nsB, 'addr', 'add', `${addrB}/24`, 'dev', vethB]);
      for (const [ns, dev] of [
        [nsA, vethA],
        [nsB, vethB],
      ] as const) {
        run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
        run(['ip', '-n', ns, 'link', 'set', dev, 'up']);
      }
      writeFileSync(join(dir, 'servers.cjs'), SERVERS_JS);
      writeFileSync(join(dir, 'client.cjs'), CLIENT_JS);
      // Short timeouts, so that TCP and ICMP flows are written while capturing; UDP flows outlive the
      // run and are written at shutdown.
      writeFileSync(
        config,
        [
          'sensor: e2e-live',
          `home_networks: [${subnet}.0/24]`,
          'store:',
          '  flush_interval_ms: 200',
          'flow:',
          '  tcp_idle_timeout_s: 30',
          '  tcp_closed_timeout_s: 1',
          '  other_idle_timeout_s: 2',
          '  udp_idle_timeout_s: 600',
          '',
        ].join('\n'),
      );

      const servers = spawnChild([
        ...inA,
        process.execPath,
        join(dir, 'servers.cjs'),
        addrA,
        String(TCP_PORT),
        String(TCP_REQUEST_BYTES),
        String(TCP_RESPONSE_BYTES),
        String(UDP_ECHO_PORT),
        DNS_NAME,
        String(DNS_TTL),
      ]);
      let serversOut = '';
      servers.stdout?.on('data', (chunk: Buffer) => (serversOut += chunk.toString()));
      const serversErr = stderrOf(servers);
      await waitFor(
        () => serversOut.includes('ready'),
        () => `servers did not start: ${serversErr()}`,
      );

      // The second opinion: tcpdump on the other end of the link writes what crossed it.
      const reference = spawnChild([
        ...inB,
        'tcpdump',
        '-i',
        vethB,
        '-n',
        '-U',
        '--immediate-mode',
        '-w',
        referencePcap,
      ]);
      const referenceErr = stderrOf(reference);
      await waitFor(
        () => referenceErr().includes('listening on'),
        () => `reference tcpdump did not start: ${referenceErr()}`,
      );

      const yamori = startYamori(['--db', db, '--config', config, 'capture', '--interface', vethA], {
        prefix: inA,
      });
      children.push(yamori);
      let yamoriErr = '';
      yamori.stderr?.on('data', (chunk: Buffer) => (yamoriErr += chunk.toString('utf8')));
      const finished = collect(yamori, 60_000);
      await waitFor(
        () => /^info capturing/m.test(yamoriErr),
        () => `yamori capture did not start: ${yamoriErr}`,
      );

      ports.tcpFirst = clientStep(
        'tcp',
        addrA,
        String(TCP_PORT),
        String(TCP_REQUEST_BYTES),
        String(TCP_RESPONSE_BYTES),
      );
      ports.udp = clientStep('udp', addrA, String(UDP_ECHO_PORT), ...UDP_SIZES.map(String));
      if (hasPing) {
        run([
          ...inB,
          'ping',
          '-q',
          '-n',
          '-c',
          String(PING_COUNT),
          '-i',
          '0.2',
          '-s',
          String(PING_PAYLOAD_BYTES),
          '-W',
          '2',
          addrA,
        ]);
      }
      ports.dns = clientStep('dns', addrA, DNS_NAME);
      ports.tcpSecond = clientStep(
        'tcp',
        addrA,
        String(TCP_PORT),
        String(TCP_REQUEST_BYTES),
        String(TCP_RESPONSE_BYTES),
      );
      // Past the closed-TCP and ICMP timeouts (plus a flush interval), so those flows are written
      // while capturing; the UDP flows stay in memory until the stop.
      await new Promise((resolve) => setTimeout(resolve, 3_500));

      yamori.kill('SIGINT');
      capture = await finished;
      reference.kill('SIGINT');
      await collect(reference, 15_000);

      const listed = await runYamori(['--db', db, 'flows', '--json', '--limit', '1000']);
      expect(listed.code, describeRun(listed)).toBe(0);
      flows = jsonLines<FlowJson>(listed.stdout);
      const answers = await runYamori(['--db', db, 'dns', '--json']);
      expect(answers.code, describeRun(answers)).toBe(0);
      dnsRecords = jsonLines(answers.stdout);
    });

    afterAll(async () => {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('close', resolve));
        }
      }
      for (const ns of [nsA, nsB]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    });

    /** Starts a helper process (servers, the reference tcpdump), kept so afterAll can end it. */
    function spawnChild(argv: string[]): ChildProcess {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    }

    const expectedKeys = (): string[] =>
      [
        flowKey('tcp', ports.tcpFirst, TCP_PORT),
        flowKey('tcp', ports.tcpSecond, TCP_PORT),
        flowKey('udp', ports.udp, UDP_ECHO_PORT),
        flowKey('udp', ports.dns, 53),
        ...(hasPing ? [flowKey('icmp', 8, 0)] : []),
      ].sort();

    const flowByKey = (key: string): FlowJson => {
      const found = flows.filter((f) => flowKey(f.protocol, f.src_port, f.dst_port) === key);
      expect(found, key).toHaveLength(1);
      return found[0]!;
    };

    it('exits 0 on SIGINT and prints a summary with the kernel’s drops', () => {
      expect(capture.code, describeRun(capture)).toBe(0);
      const summary = new RegExp(
        `^captured ([\\d,]+) packets on ${vethA}: (\\d+) flows, (\\d+) DNS answers, 0 malformed; ` +
          `kernel dropped (\\d+), tcpdump restarted 0 times\\n$`,
      );
      expect(capture.stdout).toMatch(summary);
      const [, , flowCount, dnsCount, kernelDrops] = summary.exec(capture.stdout)!;
      expect(Number(flowCount)).toBe(expectedKeys().length);
      expect(Number(dnsCount)).toBe(1);
      expect(Number(kernelDrops)).toBe(0);
      // tcpdump never died and no write failed.
      expect(capture.stderr).not.toMatch(/^(warn|error) /m);
    });

    it('stores exactly the conversations that were made, once each, between the two namespaces', () => {
      expect(flows.map((f) => flowKey(f.protocol, f.src_port, f.dst_port)).sort()).toEqual(expectedKeys());
      for (const flow of flows) {
        expect(flow).toMatchObject({
          src_addr: addrB,
          dst_addr: addrA,
          direction: 'internal',
          sensor: 'e2e-live',
        });
      }
    });

    it.skipIf(!hasPing)(
      hasPing
        ? 'counts the ping’s echo requests and replies'
        : 'counts a ping (skipped: ping is not installed)',
      () => {
        const bytes = PING_COUNT * (IPV4_HEADER + ICMP_ECHO_HEADER + PING_PAYLOAD_BYTES);
        expect(flowByKey(flowKey('icmp', 8, 0))).toMatchObject({
          src_packets: PING_COUNT,
          dst_packets: PING_COUNT,
          src_bytes: bytes,
          dst_bytes: bytes,
          status: 'established',
          end_reason: 'idle_timeout',
        });
      },
    );

    it('counts the UDP and DNS bytes that were sent, and writes those flows at shutdown', () => {
      const udpBytes = UDP_SIZES.reduce((sum, size) => sum + IPV4_HEADER + UDP_HEADER + size, 0);
      expect(flowByKey(flowKey('udp', ports.udp, UDP_ECHO_PORT))).toMatchObject({
        src_packets: UDP_SIZES.length,
        dst_packets: UDP_SIZES.length,
        src_bytes: udpBytes,
        dst_bytes: udpBytes,
        src_payload_bytes: UDP_SIZES.reduce((a, b) => a + b, 0),
        status: 'established',
        end_reason: 'shutdown',
      });
      // Query: 12-byte header, the name as labels, type and class. Answer: 16 more bytes.
      const queryBytes = 12 + DNS_NAME.length + 2 + 4;
      expect(flowByKey(flowKey('udp', ports.dns, 53))).toMatchObject({
        src_packets: 1,
        dst_packets: 1,
        src_bytes: IPV4_HEADER + UDP_HEADER + queryBytes,
        dst_bytes: IPV4_HEADER + UDP_HEADER + queryBytes + 16,
        end_reason: 'shutdown',
      });
    });

    it('sees both TCP connections through their handshake and close, written by timeout while running', () => {
      for (const port of [ports.tcpFirst, ports.tcpSecond]) {
        expect(flowByKey(flowKey('tcp', port, TCP_PORT))).toMatchObject({
          src_payload_bytes: TCP_REQUEST_BYTES,
          dst_payload_bytes: TCP_RESPONSE_BYTES,
          status: 'closed',
          end_reason: 'fin',
        });
      }
    });

    it.skipIf(!hasTshark)(
      hasTshark
        ? 'counts packets and IP bytes per direction as tcpdump saw them on the other end of the link'
        : 'counts packets and IP bytes as tcpdump saw them (skipped: tshark is not installed)',
      () => {
        const seen = countsFromPcap(referencePcap, addrB);
        expect([...seen.keys()].sort()).toEqual(expectedKeys());
        for (const [key, counts] of seen) {
          const flow = flowByKey(key);
          expect(
            {
              srcPackets: flow.src_packets,
              dstPackets: flow.dst_packets,
              srcBytes: flow.src_bytes,
              dstBytes: flow.dst_bytes,
            },
            key,
          ).toEqual(counts);
        }
      },
    );

    it('stores the DNS answer, and names the later flow to the answered address with it', () => {
      expect(dnsRecords).toEqual([
        expect.objectContaining({
          client_addr: addrB,
          server_addr: addrA,
          query_name: DNS_NAME,
          answer_type: 'A',
          answer: addrA,
          ttl: DNS_TTL,
          rcode: 'NOERROR',
        }),
      ]);
      expect(flowByKey(flowKey('tcp', ports.tcpSecond, TCP_PORT)).dns_name).toBe(DNS_NAME);
      // The first connection came before the answer.
      expect(flowByKey(flowKey('tcp', ports.tcpFirst, TCP_PORT)).dns_name).toBeNull();
    });
  },
);

/** Packets and IP bytes per flow and direction in a pcap, read by tshark (IPv4, first header only). */
function countsFromPcap(pcap: string, clientAddr: string): Map<string, Counts> {
  const text = execFileSync(
    'tshark',
    [
      '-r',
      pcap,
      '-Y',
      'ip',
      '-T',
      'fields',
      '-E',
      'separator=\t',
      '-E',
      'occurrence=f',
      '-e',
      'ip.src',
      '-e',
      'ip.proto',
      '-e',
      'ip.len',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.dstport',
      '-e',
      'udp.srcport',
      '-e',
      'udp.dstport',
      '-e',
      'icmp.type',
    ],
    // tshark warns on stderr when run as root; only its output matters.
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const counts = new Map<string, Counts>();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const [src, proto, len, tcpSrc, tcpDst, udpSrc, udpDst] = line.split('\t');
    const fromClient = src === clientAddr;
    let key: string;
    if (proto === '6' || proto === '17') {
      const [sport, dport] = proto === '6' ? [tcpSrc, tcpDst] : [udpSrc, udpDst];
      const [clientPort, serverPort] = fromClient ? [sport, dport] : [dport, sport];
      key = flowKey(proto === '6' ? 'tcp' : 'udp', Number(clientPort), Number(serverPort));
    } else if (proto === '1') {
      key = flowKey('icmp', 8, 0);
    } else {
      key = `ip proto ${proto}`;
    }
    const entry = counts.get(key) ?? { srcPackets: 0, dstPackets: 0, srcBytes: 0, dstBytes: 0 };
    if (fromClient) {
      entry.srcPackets++;
      entry.srcBytes += Number(len);
    } else {
      entry.dstPackets++;
      entry.dstBytes += Number(len);
    }
    counts.set(key, entry);
  }
  return counts;
}
