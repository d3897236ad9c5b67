/**
 * Flow accounting checked against Zeek: each trace in ../shared/pcaps/zeek goes through the real
 * reader, decoder and flow table, and the flows must be Zeek's connections: the same tuples in the
 * same orientation (Zeek's originator is our src), the same packets and IP bytes per direction, the
 * same end state. Names (DNS answers, HTTP Host, TLS SNI) are checked against Zeek's other logs.
 * Where we differ from Zeek on purpose, the difference is listed with its reason; nothing else may.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCaptureFile } from '../src/capture/open-capture-file.js';
import { readCapture } from '../src/capture/read-capture.js';
import { decodePacket } from '../src/decode/decode-packet.js';
import { createFlowTable } from '../src/flow/flow-table.js';
import { testConfig } from '../src/flow/testing.js';
import type { DnsRecord, FlowRecord } from '../src/records/index.js';

const zeekDir = path.resolve(process.cwd(), '../shared/pcaps/zeek');

/** Timeouts long enough that none of Zeek's connections is split (idle timeouts at their maximum). */
const LONG_TIMEOUTS = {
  tcpIdleTimeoutS: 86_400,
  udpIdleTimeoutS: 86_400,
  otherIdleTimeoutS: 86_400,
  tcpClosedTimeoutS: 3_600,
  activeTimeoutS: 604_800,
};

interface Imported {
  flows: FlowRecord[];
  dns: DnsRecord[];
}

async function importTrace(file: string): Promise<Imported> {
  const flows: FlowRecord[] = [];
  const dns: DnsRecord[] = [];
  let n = 0;
  const table = createFlowTable(testConfig(LONG_TIMEOUTS), {
    onFlow: (f) => flows.push(f),
    onDns: (d) => dns.push(d),
    newId: () => `f${++n}`,
  });
  for await (const batch of readCapture(openCaptureFile(file), { sourceName: file })) {
    for (const p of batch) table.add(p.timestampUs, decodePacket(p.linkType, p.data), p.interfaceName);
  }
  table.flush('shutdown');
  return { flows, dns };
}

/** Rows of a Zeek TSV log as field-name → value maps. */
function readZeekLog(file: string): Record<string, string>[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const fields =
    lines
      .find((l) => l.startsWith('#fields'))
      ?.split('\t')
      .slice(1) ?? [];
  return lines
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => Object.fromEntries(l.split('\t').map((value, i) => [fields[i] ?? `${i}`, value])));
}

const PROTO_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

/** What Zeek's conn_state says, in our status words (conn.log documentation, "conn_state"). */
function statusOf(row: Record<string, string>): string {
  const state = row['conn_state'];
  if (state === 'SF') return row['proto'] === 'tcp' ? 'closed' : 'established';
  const map: Record<string, string> = {
    S0: 'unanswered',
    S1: 'established',
    OTH: 'partial',
    REJ: 'rejected',
    RSTO: 'reset',
    RSTR: 'reset',
  };
  return map[state ?? ''] ?? `unmapped ${state}`;
}

function connKey(
  proto: string | number,
  origH: string,
  origP: string | number,
  respH: string,
  respP: string | number,
): string {
  return `${proto} ${origH}:${origP} > ${respH}:${respP}`;
}

/**
 * Zeek leaves `orig_bytes`/`resp_bytes` unset ("-") for connections it did not time: single UDP
 * datagrams and a lone SYN-ACK. There the payload is still known: UDP's is the IP bytes less the
 * IP and UDP headers, and a TCP side that sent no data has none.
 */
function zeekPayload(row: Record<string, string>, side: 'orig' | 'resp'): number {
  const logged = row[`${side}_bytes`]!;
  if (logged !== '-') return Number(logged);
  if (row['proto'] === 'tcp') return 0;
  const headerBytes = row['id.orig_h']!.includes(':') ? 48 : 28;
  return Number(row[`${side}_ip_bytes`]) - Number(row[`${side}_pkts`]) * headerBytes;
}

function zeekConnection(row: Record<string, string>, withVlan: boolean): string {
  const key = connKey(
    PROTO_NUMBERS[row['proto']!] ?? row['proto']!,
    row['id.orig_h']!,
    row['id.orig_p']!,
    row['id.resp_h']!,
    row['id.resp_p']!,
  );
  const counts =
    `pkts ${row['orig_pkts']}/${row['resp_pkts']} ip_bytes ${row['orig_ip_bytes']}/${row['resp_ip_bytes']} ` +
    `payload ${zeekPayload(row, 'orig')}/${zeekPayload(row, 'resp')} ${statusOf(row)}`;
  return withVlan ? `${key} ${counts} vlan ${row['vlan']}/${row['inner_vlan']}` : `${key} ${counts}`;
}

function ourConnection(f: FlowRecord, withVlan: boolean): string {
  const key = connKey(f.ipProto, f.srcAddr, f.srcPort, f.dstAddr, f.dstPort);
  const counts =
    `pkts ${f.srcPackets}/${f.dstPackets} ip_bytes ${f.srcBytes}/${f.dstBytes} ` +
    `payload ${f.srcPayloadBytes}/${f.dstPayloadBytes} ${f.status}`;
  return withVlan ? `${key} ${counts} vlan ${f.vlan ?? '-'}/${f.innerVlan ?? '-'}` : `${key} ${counts}`;
}

/** A line of Zeek's output that we deliberately write differently, and why. */
interface Difference {
  zeek: string;
  ours: string;
  reason: string;
}

function applyDifferences(expected: string[], differences: readonly Difference[]): string[] {
  const result = [...expected];
  for (const d of differences) {
    const at = result.indexOf(d.zeek);
    expect(at, `listed difference no longer applies: ${d.zeek}`).toBeGreaterThanOrEqual(0);
    result[at] = d.ours;
  }
  return result.sort();
}

interface ConnCase {
  trace: string;
  log: string;
  withVlan?: boolean;
  differences: Difference[];
}

/**
 * Every conn.log baseline. Zeek's ARP and LLC frames are not connections, and neither are they
 * flows for us, so they need no entry. The traces hold no ICMP, so Zeek's ICMP keying (which matches
 * Community ID's, see test/community-id.test.ts) does not show here.
 */
const CONN_CASES: ConnCase[] = [
  { trace: 'wikipedia/wikipedia.pcap', log: 'wikipedia/expected/opt.basic/conn.log', differences: [] },
  {
    trace: 'wikipedia/wikipedia.pcap',
    log: 'wikipedia/expected/core.tcp.rxmit-history/conn-2.log',
    differences: [],
  },
  {
    trace: 'http_get/get.pcap',
    log: 'http_get/expected/core.tcp.reassembly-known-ports/conn.log',
    differences: [],
  },
  {
    trace: 'tcp_missing-syn/missing-syn.pcap',
    log: 'tcp_missing-syn/expected/core.tcp.missing-syn/conn.log',
    differences: [
      {
        zeek: '6 141.42.64.125:56730 > 125.190.109.199:80 pkts 11/10 ip_bytes 670/9945 payload 98/9417 closed',
        ours: '6 141.42.64.125:56730 > 125.190.109.199:80 pkts 11/10 ip_bytes 670/9945 payload 98/9417 partial',
        reason:
          'Zeek calls a connection SF when it ends normally even if its SYN was missed. We say "partial" whenever the ' +
          "initiator's SYN was not seen, because the orientation is then a guess; the FIN exchange is kept in endReason.",
      },
    ],
  },
  { trace: 'q-in-q/q-in-q.pcap', log: 'q-in-q/expected/core.q-in-q/conn.log', differences: [] },
  {
    trace: 'q-in-q/q-in-q.pcap',
    log: 'q-in-q/expected/scripts.policy.protocols.conn.vlan-logging/conn.log',
    withVlan: true,
    differences: [],
  },
  {
    trace: 'pcapng-multi-interface/pcapng-multi-interface.pcapng',
    log: 'pcapng-multi-interface/expected/core.pcapng-pktsrc/conn.log',
    differences: [],
  },
];

describe.skipIf(!existsSync(zeekDir))("flows match Zeek's conn.log (needs ../shared/pcaps/zeek)", () => {
  for (const c of CONN_CASES) {
    it(`gives ${c.trace} the connections of ${path.basename(path.dirname(c.log))}/${path.basename(c.log)}`, async () => {
      const { flows } = await importTrace(path.join(zeekDir, c.trace));
      const rows = readZeekLog(path.join(zeekDir, c.log));
      expect(rows.length).toBeGreaterThan(0);
      const expected = applyDifferences(
        rows.map((r) => zeekConnection(r, c.withVlan === true)),
        c.differences,
      );
      expect(flows.map((f) => ourConnection(f, c.withVlan === true)).sort()).toEqual(expected);
    });
  }

  it('ends every flow of a trace at shutdown, since the long timeouts never fire', async () => {
    const { flows } = await importTrace(path.join(zeekDir, 'wikipedia/wikipedia.pcap'));
    expect(new Set(flows.map((f) => f.endReason))).toEqual(new Set(['shutdown']));
  });

  it('writes the Community ID that Zeek logged for the HTTP GET connection', async () => {
    const { flows } = await importTrace(path.join(zeekDir, 'http_get/get.pcap'));
    const cut = readFileSync(
      path.join(zeekDir, 'http_get/expected/scripts.policy.protocols.conn.community-id-logging/conn.log.cut'),
      'utf8',
    );
    const line = cut
      .split('\n')
      .find((l) => !l.startsWith('#') && l.includes('\t'))!
      .split('\t');
    expect(
      flows.map((f) => [
        f.srcAddr,
        String(f.srcPort),
        f.dstAddr,
        String(f.dstPort),
        f.protocol,
        f.communityId,
      ]),
    ).toEqual([[line[0], line[1], line[2], line[3], line[4], line[6]]]);
  });
});

describe.skipIf(!existsSync(zeekDir))(
  "names match Zeek's dns.log, http.log and ssl.log (needs ../shared/pcaps/zeek)",
  () => {
    it('reports the answers Zeek logged for every DNS response from port 53, and only those', async () => {
      const { dns } = await importTrace(path.join(zeekDir, 'wikipedia/wikipedia.pcap'));
      // mDNS (5353), LLMNR (5355) and NetBIOS (137) rows are left out on purpose: those are local
      // announcements and lookups, not the answers a resolver gave, so they do not name flows.
      const rows = readZeekLog(path.join(zeekDir, 'wikipedia/expected/opt.basic/dns.log')).filter(
        (r) => r['id.resp_p'] === '53',
      );
      const expected = rows.map((r) => {
        const ttls =
          r['TTLs'] === '-'
            ? '-'
            : r['TTLs']!.split(',')
                .map((t) => String(Number(t)))
                .join(',');
        return `${r['id.orig_h']} ${r['query']} ${r['rcode_name']} ${r['answers']} ${ttls}`;
      });
      const responses = new Map<number, DnsRecord[]>();
      for (const d of dns) responses.set(d.seenAt, [...(responses.get(d.seenAt) ?? []), d]);
      const ours = [...responses.values()].map((records) => {
        const first = records[0]!;
        const answered = records.filter((r) => r.answer !== '');
        const answers = answered.length === 0 ? '-' : answered.map((r) => r.answer).join(',');
        const ttls = answered.length === 0 ? '-' : answered.map((r) => String(r.ttl)).join(',');
        return `${first.clientAddr} ${first.queryName} ${first.rcode} ${answers} ${ttls}`;
      });
      expect(ours.sort()).toEqual(expected.sort());
    });

    it("names each HTTP connection with the Host of its first request in Zeek's http.log", async () => {
      const { flows } = await importTrace(path.join(zeekDir, 'wikipedia/wikipedia.pcap'));
      const rows = readZeekLog(path.join(zeekDir, 'wikipedia/expected/opt.basic/http.log')).filter(
        (r) => r['trans_depth'] === '1',
      );
      const expected = rows.map((r) => `${r['id.orig_h']}:${r['id.orig_p']} ${r['host']}`);
      const additions = [
        {
          ours: '141.142.220.118:35634 www.wikipedia.org',
          reason:
            'Zeek logs no HTTP for a connection whose start it missed. We read the first payload the initiator sent even ' +
            'without the handshake, and here that payload is a complete GET with its Host.',
        },
      ];
      const ours = flows
        .filter((f) => f.serverName !== null)
        .map((f) => `${f.srcAddr}:${f.srcPort} ${f.serverName}`);
      expect(ours.sort()).toEqual([...expected, ...additions.map((d) => d.ours)].sort());
    });

    it("takes the SNI Zeek's ssl.log shows, and JA3 and certificate SHA1 as tshark computes them", async () => {
      const { flows } = await importTrace(
        path.join(zeekDir, 'tls_tls-conn-with-extensions/tls-conn-with-extensions.pcap'),
      );
      const [row] = readZeekLog(
        path.join(zeekDir, 'tls_tls-conn-with-extensions/expected/scripts.base.protocols.ssl.basic/ssl.log'),
      );
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({
        srcAddr: row!['id.orig_h'],
        srcPort: Number(row!['id.orig_p']),
        serverName: row!['server_name'],
        tlsVersion: row!['version'],
        // tshark 4.0: -Y 'tls.handshake.type==1' -e tls.handshake.ja3, and SHA1 of the first tls.handshake.certificate.
        ja3: '62351d5ea3cd4f21f697965b10a9bbbe',
        tlsCertSha1: '82437e7830614e2500679d121590d25381de1dac',
      });
    });
  },
);

const hasEditcap = spawnSync('editcap', ['-h']).status === 0;

describe.skipIf(!existsSync(zeekDir) || !hasEditcap)(
  'the same traffic as pcap and as pcapng gives the same flows (needs ../shared and editcap)',
  () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'yamori-flows-'));
    afterAll(() => rmSync(workDir, { recursive: true, force: true }));

    for (const trace of [
      'wikipedia/wikipedia.pcap',
      'http_get/get.pcap',
      'q-in-q/q-in-q.pcap',
      'tls_tls-conn-with-extensions/tls-conn-with-extensions.pcap',
    ]) {
      it(`imports ${trace} and its pcapng conversion identically`, async () => {
        const converted = path.join(workDir, `${path.basename(trace)}.pcapng`);
        const result = spawnSync('editcap', ['-F', 'pcapng', path.join(zeekDir, trace), converted]);
        expect(result.status, String(result.stderr)).toBe(0);
        const fromPcap = await importTrace(path.join(zeekDir, trace));
        const fromPcapng = await importTrace(converted);
        expect(fromPcap.flows.length).toBeGreaterThan(0);
        expect(fromPcapng).toEqual(fromPcap);
      });
    }
  },
);

const samplesDir = path.resolve(process.cwd(), '../shared/pcaps/samples');

/** One conversation: protocol, endpoints in a fixed order, and packets each way. */
function conversation(proto: string, a: string, b: string, aToB: number, bToA: number): string {
  return a < b ? `${proto} ${a} ${b} ${aToB} ${bToA}` : `${proto} ${b} ${a} ${bToA} ${aToB}`;
}

/**
 * A line of `tshark -q -z conv,tcp -z conv,udp`, reduced to "proto A B frames(B→A) frames(A→B)"
 * (tshark's "<-" column first), as the sample expectations below are written.
 */
function fromTshark(line: string): string {
  const [proto, a, b, bToA, aToB] = line.split(' ') as [string, string, string, string, string];
  return conversation(proto, a, b, Number(aToB), Number(bToA));
}

/** Our flows summed per conversation, so a conversation cut into several records still compares as one. */
function conversationsOf(flows: FlowRecord[]): string[] {
  const sums = new Map<string, [number, number]>();
  for (const f of flows) {
    if (f.protocol !== 'tcp' && f.protocol !== 'udp') continue;
    const src = `${f.srcAddr}:${f.srcPort}`;
    const dst = `${f.dstAddr}:${f.dstPort}`;
    const key = src < dst ? `${f.protocol} ${src} ${dst}` : `${f.protocol} ${dst} ${src}`;
    const counts = sums.get(key) ?? [0, 0];
    if (src < dst) {
      counts[0] += f.srcPackets;
      counts[1] += f.dstPackets;
    } else {
      counts[0] += f.dstPackets;
      counts[1] += f.srcPackets;
    }
    sums.set(key, counts);
  }
  return [...sums].map(([key, [ab, ba]]) => `${key} ${ab} ${ba}`).sort();
}

interface SampleCase {
  file: string;
  /** From `tshark -r FILE -q -z conv,tcp -z conv,udp` (tshark 4.0), reduced as `fromTshark` reads it. */
  tshark: string[];
  /** tshark conversations we do not produce, with the reason. */
  notOurs?: { line: string; reason: string }[];
  /** Flows of other protocols, by reading `tshark -r FILE -Y 'not tcp and not udp' -V`: "proto src:port > dst:port pkts a/b vlan". */
  others?: string[];
  /**
   * DNS records: for each response from port 53, one per A/AAAA/CNAME/NS/PTR/DNAME answer, or one
   * when it has no answers (from `tshark -Y 'dns.flags.response==1' -e dns.count.answers -e dns.resp.type`).
   */
  dnsRecords: number;
}

const SAMPLE_CASES: SampleCase[] = [
  {
    file: 'pcapplusplus_QinQ_802.1_AD.pcapng',
    tshark: [],
    // tshark: ieee8021ad.id 30, vlan.id 100, ip.proto 253, ip.len 1474.
    others: ['253 192.85.1.22:0 > 192.85.1.14:0 pkts 1/0 bytes 1474/0 vlan 30/100'],
    dnsRecords: 0,
  },
  {
    file: 'pcapplusplus_dns_over_tcp.pcapng',
    tshark: [
      'tcp 2001:558:feed::1:53 2601:647:4b02:1d20:b1d3:e782:aec8:2511:56752 0 2',
      'tcp 103.230.234.100:23767 165.21.83.88:53 1 1',
    ],
    // tshark counts 2 responses: it takes frame 4 for a retransmission of frame 1 (same sequence
    // number). Frame 4 is stamped six years after frame 1, so for us it starts a new flow, and the
    // (different, complete) DNS message it carries is reported: 1 + 1 + 1.
    dnsRecords: 3,
  },
  {
    file: 'pcapplusplus_ipv6.pcapng',
    tshark: [
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:67c:21b4:107::b:4342 0 3',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:590::451f:1f62:4342 0 3',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:4f8:3:d::61:4342 0 2',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:4f8:3:d::60:4342 0 2',
      'udp 192.168.1.110:4342 203.181.249.172:4342 0 2',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:418:0:1000::63:4342 0 2',
      'udp 2607:f2c0:f00f:b001::face:b00c:4341 2001:4f8:3:d::60:4341 0 2',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:40b0:7500:205::9353:8321:4342 0 1',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:700:0:52e::4:4342 0 1',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:6c8:41:100:0:2:1:c:4342 0 1',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:67c:21b4:108::b:4342 0 1',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:200:e000:17::17:4342 0 1',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:418:0:1000::613:4342 0 1',
      'udp 2607:f2c0:f00f:b001::face:b00c:4342 2001:418:4:1:deaf:bebe:0:10d:4342 0 1',
      'udp 192.168.1.110:4342 147.83.131.33:4342 0 1',
      'udp 192.168.1.110:4342 202.51.247.10:4342 0 1',
      'udp 192.168.1.110:4342 158.38.1.92:4342 0 1',
      'udp 192.168.1.110:4342 193.162.145.46:4342 0 1',
      'udp 192.168.1.110:4342 217.8.98.35:4342 0 1',
      'udp 192.168.1.110:4342 217.8.98.33:4342 0 1',
      'udp 192.168.1.110:4342 129.250.1.63:4342 0 1',
      'udp 192.168.1.110:4342 173.36.193.25:4342 0 1',
      'udp 192.168.1.110:4342 198.6.255.37:4342 0 1',
      'udp 192.168.1.110:4342 149.20.48.60:4342 0 1',
      'udp 192.168.1.110:4342 69.31.31.98:4342 0 1',
      'udp 192.168.1.110:4342 84.88.16.10:4342 0 1',
      'udp 153.16.31.80:4342 23.91.153.57:4342 0 1',
    ],
    notOurs: [
      {
        line: 'udp 153.16.31.80:4342 23.91.153.57:4342 0 1',
        reason:
          'tshark decodes the IPv4/UDP packet inside the LISP Encapsulated Control Message from 192.168.1.110 to ' +
          '84.88.16.10; the decoder does not open LISP, so that packet counts once, in the outer flow.',
      },
    ],
    dnsRecords: 0,
  },
  {
    file: 'pcapplusplus_many_interfaces-1.pcapng',
    tshark: [
      'tcp 192.168.1.139:50981 74.125.228.227:443 11 17',
      'tcp 192.168.1.139:50982 74.125.228.227:443 1 3',
      'udp 192.168.1.139:64144 74.125.228.227:443 2 6',
      'udp 173.194.204.189:443 192.168.1.139:52425 1 2',
      'udp 192.168.1.139:17500 255.255.255.255:17500 0 2',
      'udp 192.168.1.139:17500 192.168.1.255:17500 0 2',
      'udp 192.168.1.139:49748 192.168.1.1:53 1 1',
      'udp 192.168.1.139:123 17.253.12.253:123 1 1',
      'udp 192.168.1.139:65057 192.168.1.1:53 1 1',
      'udp 192.168.1.139:51752 192.168.1.1:53 1 1',
      'udp 192.168.1.139:50455 192.168.1.1:53 1 1',
      'udp 192.168.1.139:61638 192.168.1.1:53 1 1',
      'udp 192.168.1.139:52230 192.168.1.1:53 1 1',
      'udp 192.168.1.139:39276 192.168.1.1:53 1 1',
      'udp 192.168.1.139:50989 173.194.121.54:443 0 1',
    ],
    dnsRecords: 19,
  },
  {
    file: 'pcapplusplus_pcapng-example.pcapng',
    tshark: [
      'tcp 127.0.0.1:40304 127.0.0.1:3306 30 29',
      'tcp 130.217.250.145:6000 130.217.250.13:34374 12 8',
      'tcp 130.217.250.13:34558 130.217.250.142:6000 5 10',
      'tcp 130.217.250.129:6000 130.217.250.13:60478 6 5',
      'tcp 130.217.250.136:6000 130.217.250.13:39950 5 5',
      'tcp 130.217.250.129:6000 130.217.250.13:57635 4 6',
      'tcp 130.217.250.128:6000 130.217.250.13:52615 3 4',
      'tcp 130.217.250.13:35938 130.217.250.129:6000 3 3',
      'tcp 130.217.250.128:6000 130.217.250.13:55023 3 2',
      'tcp 130.217.250.128:6000 130.217.250.13:55013 2 2',
      'tcp 2404:6800:8004::68:80 2404:138:4002:4000:230:48ff:fedd:53:50243 2 2',
      'tcp 130.217.250.13:55338 130.217.250.16:22 1 2',
      'tcp 198.202.88.52:41071 130.217.250.13:8810 1 1',
      'tcp 130.217.250.136:6000 130.217.250.13:39908 1 1',
      'tcp 130.217.250.13:46244 130.217.250.129:6000 0 1',
    ],
    dnsRecords: 0,
  },
  {
    file: 'tcpreplay_test.pcap',
    tshark: [
      'tcp 172.16.11.12:64581 216.34.181.45:80 33 21',
      'tcp 172.16.11.12:64584 96.17.211.172:80 6 7',
      'tcp 172.16.11.12:64583 96.17.211.172:80 5 6',
      'tcp 2001:4958:15a0:24:c1b3:b766:7fff:d0b3:43250 2606:4700::6812:69c:80 4 6',
      'tcp 172.16.11.12:64585 96.17.211.172:80 4 6',
      'tcp 172.16.11.12:64565 74.125.19.17:443 4 5',
      'tcp 172.16.11.12:64582 96.17.211.172:80 4 5',
      'udp 172.16.11.12:60392 172.16.11.1:53 2 2',
      'udp 172.16.11.12:57238 172.16.11.1:53 2 2',
      'udp 172.16.11.12:54639 172.16.11.1:53 1 1',
      'udp 172.16.11.12:59368 172.16.11.1:53 1 1',
      'udp 172.16.11.12:59222 172.16.11.1:53 1 1',
      'udp 172.16.11.12:59925 172.16.11.1:53 1 1',
      'udp 172.16.11.12:50282 172.16.11.1:53 1 1',
      'udp 172.16.11.12:59785 172.16.11.1:53 1 1',
      'udp 172.16.11.12:51370 172.16.11.1:53 1 1',
      'udp 172.16.11.12:57360 172.16.11.1:53 1 1',
      'udp 172.16.11.12:56758 172.16.11.1:53 1 1',
      'udp 172.16.11.12:51145 172.16.11.1:53 1 1',
    ],
    others: [
      '1 10.31.0.1:8 > 10.34.0.1:0 pkts 1/1 bytes 255/84 vlan -/-',
      // Five echo requests over MPLS and five plain replies: one conversation.
      '1 192.168.10.1:8 > 192.168.40.1:0 pkts 5/5 bytes 500/500 vlan -/-',
      // Inside an MPLS pseudowire (control word, Ethernet, 802.1Q 1); tshark -V decodes it, its conv table does not.
      '1 192.168.1.1:8 > 192.168.1.2:0 pkts 5/5 bytes 500/500 vlan 1/-',
      // Six port-unreachable errors (type 3, code 3) quoting DNS queries.
      '1 172.16.11.12:3 > 172.16.11.1:3 pkts 6/0 bytes 336/0 vlan -/-',
      '2 235.247.89.226:0 > 224.0.0.1:0 pkts 3/0 bytes 84/0 vlan -/-',
      '88 10.1.2.2:0 > 224.0.0.10:0 pkts 1/0 bytes 60/0 vlan -/-',
    ],
    dnsRecords: 17,
  },
];

function otherFlow(f: FlowRecord): string {
  return `${f.ipProto} ${f.srcAddr}:${f.srcPort} > ${f.dstAddr}:${f.dstPort} pkts ${f.srcPackets}/${f.dstPackets} bytes ${f.srcBytes}/${f.dstBytes} vlan ${f.vlan ?? '-'}/${f.innerVlan ?? '-'}`;
}

describe.skipIf(!existsSync(samplesDir))(
  "flows of the sample captures match tshark's conversations (needs ../shared/pcaps/samples)",
  () => {
    for (const c of SAMPLE_CASES) {
      it(`turns ${c.file} into tshark's conversations and ${c.dnsRecords} DNS records`, async () => {
        const { flows, dns } = await importTrace(path.join(samplesDir, c.file));
        const skipped = new Set((c.notOurs ?? []).map((n) => n.line));
        expect([...skipped].every((line) => c.tshark.includes(line))).toBe(true);
        const expected = c.tshark.filter((line) => !skipped.has(line)).map(fromTshark);
        expect(conversationsOf(flows)).toEqual(expected.sort());
        const others = flows.filter((f) => f.protocol !== 'tcp' && f.protocol !== 'udp').map(otherFlow);
        expect(others.sort()).toEqual([...(c.others ?? [])].sort());
        expect(dns).toHaveLength(c.dnsRecords);
      });
    }

    it('splits a conversation whose timestamps jump by years into one record per stretch', async () => {
      // Frames 1 and 4 of dns_over_tcp are six years apart; the first frame of the MySQL conversation
      // in pcapng-example is stamped 1472003999 s before the rest.
      const dnsOverTcp = await importTrace(path.join(samplesDir, 'pcapplusplus_dns_over_tcp.pcapng'));
      expect(
        dnsOverTcp.flows
          .filter((f) => f.srcPort === 56752)
          .map((f) => [f.endReason, f.srcPackets, f.dstPackets]),
      ).toEqual([
        ['idle_timeout', 0, 1],
        ['shutdown', 0, 1],
      ]);
      const example = await importTrace(path.join(samplesDir, 'pcapplusplus_pcapng-example.pcapng'));
      expect(
        example.flows
          .filter((f) => f.dstPort === 3306)
          .map((f) => [f.endReason, f.srcPackets + f.dstPackets]),
      ).toEqual([
        ['idle_timeout', 1],
        ['shutdown', 58],
      ]);
    });

    it('reads the DNS answers carried over TCP, and orients the flow whose query was not captured', async () => {
      const { flows, dns } = await importTrace(path.join(samplesDir, 'pcapplusplus_dns_over_tcp.pcapng'));
      expect(flows.find((f) => f.srcPort === 56752)).toMatchObject({
        srcAddr: '2601:647:4b02:1d20:b1d3:e782:aec8:2511',
        dstPort: 53,
        status: 'partial',
      });
      expect(
        dns.map((d) => [d.transport, d.clientAddr, d.queryName, d.rcode, d.answerType, d.answer]),
      ).toEqual([
        ['tcp', '2601:647:4b02:1d20:b1d3:e782:aec8:2511', 'github.com', 'NOERROR', 'A', '192.30.255.113'],
        ['tcp', '103.230.234.100', 'cole-tech.net', 'NXDOMAIN', 'AAAA', ''],
        ['tcp', '2601:647:4b02:1d20:b1d3:e782:aec8:2511', 'github.com', 'NOERROR', 'A', '192.30.255.113'],
      ]);
    });

    it('writes the interface of the first packet of each flow, and the earliest timestamp across interfaces', async () => {
      const { flows } = await importTrace(path.join(samplesDir, 'pcapplusplus_many_interfaces-1.pcapng'));
      // tshark -e frame.interface_name -e frame.time_epoch: the Dropbox LAN-sync broadcasts were
      // captured on en0 (frames 1, 2) and again on lo0 (frames 3, 4), the lo0 copies stamped earlier.
      // The interface is not part of the flow key, so each broadcast and its copy make one flow.
      expect(new Set(flows.map((f) => f.interface))).toEqual(new Set(['en0']));
      expect(
        flows
          .filter((f) => f.srcPort === 17500)
          .map((f) => [f.dstAddr, f.srcPackets, f.firstSeenAt, f.lastSeenAt]),
      ).toEqual([
        ['255.255.255.255', 2, 1439753725701568, 1439753725701607],
        ['192.168.1.255', 2, 1439753725701822, 1439753725701855],
      ]);
    });

    it('turns the DNS sample into one flow per query and a record per answer', async () => {
      const { flows, dns } = await importTrace(path.join(samplesDir, 'pcapplusplus_DnsPackets.pcap'));
      // tshark -q -z conv,udp lists 219 conversations holding all 464 frames; 212 responses come from
      // port 53 and carry 961 records as counted for SAMPLE_CASES (mDNS and LLMNR are not read).
      expect(flows).toHaveLength(219);
      expect(flows.every((f) => f.protocol === 'udp')).toBe(true);
      expect(flows.reduce((n, f) => n + f.srcPackets + f.dstPackets, 0)).toBe(464);
      expect(dns).toHaveLength(961);
      expect(new Set(dns.map((d) => d.seenAt)).size).toBe(212);
    });

    it('names flows from the DNS answers and TLS handshakes in the capture', async () => {
      const { flows } = await importTrace(path.join(samplesDir, 'pcapplusplus_many_interfaces-1.pcapng'));
      // tshark -Y 'tls.handshake.type==1' -e tls.handshake.extensions_server_name -e tls.handshake.ja3.
      expect(
        flows.filter((f) => f.serverName !== null).map((f) => [f.srcPort, f.serverName, f.dnsName, f.ja3]),
      ).toEqual([
        [50981, 'clients6.google.com', 'clients6.google.com', '06ac73054dde9c9e7947fed24457fe9c'],
        [50982, 'clients6.google.com', 'clients6.google.com', '624f05d5bd91b08b2d8c395c32358f19'],
      ]);
    });
  },
);
