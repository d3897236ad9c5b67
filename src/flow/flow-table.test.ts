import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodeResult } from '../decode/index.js';
import type { FlowRecord } from '../records/index.js';
import { TcpFlag } from '../records/index.js';
import { communityId } from './community-id.js';
import { PAGE_BYTES, PAGE_SIZE } from './flow-slots.js';
import { createFlowTable, RECLAIM_BYTES } from './flow-table.js';
import { type Endpoint, S, icmp, packet, recordingTable, tcp, testConfig, udp } from './testing.js';

const { SYN, ACK, FIN, RST, PSH } = TcpFlag;
const client: Endpoint = { addr: '192.168.1.10', port: 50000, mac: '02:00:00:00:00:0a' };
const server: Endpoint = { addr: '93.184.216.34', port: 443, mac: '02:00:00:00:00:01' };
const T0 = 1_700_000_000 * S;

/** Feeds packets 1 ms apart from T0, then advances far enough to close everything, and returns the records. */
function run(packets: DecodeResult[], overrides = {}): FlowRecord[] {
  const { table, flows } = recordingTable(overrides);
  packets.forEach((p, i) => table.add(T0 + i * 1000, p, 'eth0'));
  table.advance(T0 + 100_000 * S);
  expect(table.stats().liveFlows).toBe(0);
  return flows;
}

const handshake = [tcp(client, server, SYN), tcp(server, client, SYN | ACK), tcp(client, server, ACK)];

describe('createFlowTable: TCP status and end reason', () => {
  const cases: {
    description: string;
    packets: DecodeResult[];
    status: string;
    endReason: string;
    src: string;
  }[] = [
    {
      description: 'closes after FIN from both sides, counting the trailing ACK',
      packets: [
        ...handshake,
        tcp(client, server, FIN | ACK),
        tcp(server, client, FIN | ACK),
        tcp(client, server, ACK),
      ],
      status: 'closed',
      endReason: 'fin',
      src: client.addr,
    },
    {
      description: 'is reset by a RST after the handshake',
      packets: [...handshake, tcp(server, client, RST)],
      status: 'reset',
      endReason: 'rst',
      src: client.addr,
    },
    {
      description: 'is rejected when the responder answers the SYN with RST',
      packets: [tcp(client, server, SYN), tcp(server, client, RST | ACK)],
      status: 'rejected',
      endReason: 'rst',
      src: client.addr,
    },
    {
      description: 'is unanswered when only the SYN was seen',
      packets: [tcp(client, server, SYN), tcp(client, server, SYN)],
      status: 'unanswered',
      endReason: 'idle_timeout',
      src: client.addr,
    },
    {
      description: 'stays established while open, ending by idle timeout',
      packets: [...handshake, tcp(client, server, PSH | ACK, { payloadLength: 10 })],
      status: 'established',
      endReason: 'idle_timeout',
      src: client.addr,
    },
    {
      description: 'takes the receiver of a lone SYN-ACK as the initiator (partial)',
      packets: [tcp(server, client, SYN | ACK), tcp(client, server, ACK)],
      status: 'partial',
      endReason: 'idle_timeout',
      src: client.addr,
    },
    {
      description: 'takes the first sender as initiator when the handshake was missed',
      packets: [
        tcp(client, { addr: server.addr, port: 8443 }, ACK),
        tcp({ addr: server.addr, port: 8443 }, client, ACK),
      ],
      status: 'partial',
      endReason: 'idle_timeout',
      src: client.addr,
    },
    {
      description: 'guesses a mid-stream packet from a well-known port is the server replying',
      packets: [tcp(server, client, PSH | ACK, { payloadLength: 100 }), tcp(client, server, ACK)],
      status: 'partial',
      endReason: 'idle_timeout',
      src: client.addr,
    },
  ];
  for (const c of cases) {
    it(c.description, () => {
      const flows = run(c.packets);
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ status: c.status, endReason: c.endReason, srcAddr: c.src });
    });
  }

  it('counts packets, IP bytes, payload bytes and flags per direction', () => {
    const flows = run([
      ...handshake,
      tcp(client, server, PSH | ACK, { payloadLength: 100 }),
      tcp(server, client, PSH | ACK, { payloadLength: 1000 }),
      tcp(client, server, FIN | ACK),
      tcp(server, client, FIN | ACK),
      tcp(client, server, ACK),
    ]);
    expect(flows[0]).toMatchObject({
      protocol: 'tcp',
      ipProto: 6,
      ipVersion: 4,
      srcAddr: client.addr,
      srcPort: client.port,
      dstAddr: server.addr,
      dstPort: server.port,
      srcPackets: 5,
      dstPackets: 3,
      srcBytes: 5 * 40 + 100,
      dstBytes: 3 * 40 + 1000,
      srcPayloadBytes: 100,
      dstPayloadBytes: 1000,
      srcTcpFlags: SYN | ACK | PSH | FIN,
      dstTcpFlags: SYN | ACK | PSH | FIN,
      firstSeenAt: T0,
      lastSeenAt: T0 + 7000,
      srcMac: client.mac,
      dstMac: server.mac,
      interface: 'eth0',
      sensor: 'test-sensor',
      direction: 'outbound',
      id: 'flow-1',
    });
  });

  it('writes the Community ID of the flow tuple', () => {
    const [flow] = run(handshake);
    expect(flow!.communityId).toBe(
      communityId({
        ipProto: 6,
        srcAddr: client.addr,
        dstAddr: server.addr,
        srcPort: client.port,
        dstPort: server.port,
      }),
    );
  });

  it('emits a closed flow only after tcpClosedTimeoutS of quiet', () => {
    const { table, flows } = recordingTable({ tcpClosedTimeoutS: 5 });
    [...handshake, tcp(client, server, FIN | ACK), tcp(server, client, FIN | ACK)].forEach((p) =>
      table.add(T0, p, null),
    );
    table.advance(T0 + 4 * S);
    expect(flows).toHaveLength(0);
    table.add(T0 + 4 * S, tcp(client, server, ACK), null);
    table.advance(T0 + 8 * S);
    expect(flows).toHaveLength(0);
    table.advance(T0 + 9 * S);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ srcPackets: 4, endReason: 'fin', lastSeenAt: T0 + 4 * S });
  });

  it('starts a new flow when a SYN reuses the ports of a closed one', () => {
    const { table, flows } = recordingTable();
    [...handshake, tcp(server, client, RST)].forEach((p) => table.add(T0, p, null));
    table.add(T0 + S, tcp(client, server, SYN), null);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ status: 'reset', srcPackets: 2 });
    table.flush('shutdown');
    expect(flows[1]).toMatchObject({ status: 'unanswered', endReason: 'shutdown', srcPackets: 1 });
  });
});

describe('createFlowTable: UDP, ICMP and other protocols', () => {
  const dnsServer: Endpoint = { addr: '192.168.1.1', port: 53 };

  it('makes one established flow of a UDP request and its response', () => {
    const flows = run([udp(client, dnsServer), udp(dnsServer, client)]);
    expect(flows).toEqual([
      expect.objectContaining({
        protocol: 'udp',
        srcAddr: client.addr,
        dstPort: 53,
        status: 'established',
        srcPackets: 1,
        dstPackets: 1,
      }),
    ]);
  });

  it('keeps the requester as initiator when only the response from port 53 was captured', () => {
    const flows = run([udp(dnsServer, client)]);
    expect(flows[0]).toMatchObject({
      srcAddr: client.addr,
      srcPort: client.port,
      dstPort: 53,
      srcPackets: 0,
      dstPackets: 1,
    });
  });

  it('never takes a multicast destination for the initiator', () => {
    const flows = run([udp({ addr: '192.168.1.9', port: 137 }, { addr: '224.0.0.251', port: 5353 })]);
    expect(flows[0]).toMatchObject({ srcAddr: '192.168.1.9', status: 'unanswered', direction: 'internal' });
  });

  it('pairs an ICMP echo request with its reply, ports being type and counterpart type', () => {
    const flows = run([
      icmp(client.addr, server.addr, 8),
      icmp(server.addr, client.addr, 0),
      icmp(client.addr, server.addr, 8),
    ]);
    expect(flows).toEqual([
      expect.objectContaining({
        protocol: 'icmp',
        srcAddr: client.addr,
        srcPort: 8,
        dstPort: 0,
        srcPackets: 2,
        dstPackets: 1,
        status: 'established',
      }),
    ]);
    expect(flows[0]!.communityId).toBe(
      communityId({ ipProto: 1, srcAddr: client.addr, dstAddr: server.addr, srcPort: 8, dstPort: 0 }),
    );
  });

  it('keeps one-way ICMP messages apart from each other, keyed by type and code', () => {
    const flows = run([
      icmp(server.addr, client.addr, 3, 3),
      icmp(server.addr, client.addr, 3, 1),
      icmp(client.addr, server.addr, 3, 3),
    ]);
    expect(flows.map((f) => [f.srcAddr, f.srcPort, f.dstPort, f.status])).toEqual([
      [server.addr, 3, 3, 'unanswered'],
      [server.addr, 3, 1, 'unanswered'],
      [client.addr, 3, 3, 'unanswered'],
    ]);
  });

  it('pairs ICMPv6 neighbour solicitation and advertisement', () => {
    const flows = run([icmp('fe80::1', 'fe80::2', 135), icmp('fe80::2', 'fe80::1', 136)]);
    expect(flows).toEqual([
      expect.objectContaining({
        protocol: 'icmp6',
        ipVersion: 6,
        srcPort: 135,
        dstPort: 136,
        status: 'established',
      }),
    ]);
  });

  it('gives portless protocols port 0 and pairs both directions', () => {
    const flows = run([
      packet({ srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', ipProto: 47 }),
      packet({ srcAddr: '10.0.0.2', dstAddr: '10.0.0.1', ipProto: 47 }),
    ]);
    expect(flows).toEqual([
      expect.objectContaining({ protocol: 'gre', srcPort: 0, dstPort: 0, srcPackets: 1, dstPackets: 1 }),
    ]);
  });

  it('keeps flows on different VLANs (outer or inner) apart', () => {
    const flows = run([
      udp(client, dnsServer, undefined, { vlan: 10 }),
      udp(client, dnsServer, undefined, { vlan: 20 }),
      udp(client, dnsServer, undefined, { vlan: 10, innerVlan: 5 }),
      udp(dnsServer, client, undefined, { vlan: 10 }),
    ]);
    expect(flows.map((f) => [f.vlan, f.innerVlan, f.srcPackets, f.dstPackets])).toEqual([
      [20, null, 1, 0],
      [10, 5, 1, 0],
      [10, null, 1, 1],
    ]);
  });
});

describe('createFlowTable: timeouts and memory bounds', () => {
  const peer: Endpoint = { addr: '8.8.8.8', port: 53 };

  it('splits a flow quiet for longer than the idle timeout into two records', () => {
    const { table, flows } = recordingTable({ udpIdleTimeoutS: 60 });
    table.add(T0, udp(client, peer), null);
    table.add(T0 + 61 * S, udp(client, peer), null);
    table.flush('shutdown');
    expect(flows.map((f) => [f.endReason, f.firstSeenAt])).toEqual([
      ['idle_timeout', T0],
      ['shutdown', T0 + 61 * S],
    ]);
  });

  it('flushes at most the given number of flows per call and says when the table is empty', () => {
    const { table, flows } = recordingTable();
    for (let port = 1; port <= 5; port++) table.add(T0 + port, udp({ ...client, port }, peer), null);
    expect(table.flush('shutdown', 2)).toBe(false);
    expect(flows.map((f) => f.srcPort)).toEqual([1, 2]);
    expect(table.flush('shutdown', 2)).toBe(false);
    expect(table.flush('shutdown', 2)).toBe(true);
    expect(flows.map((f) => f.srcPort)).toEqual([1, 2, 3, 4, 5]);
    expect(table.stats().liveFlows).toBe(0);
  });

  it('finds a flow still open after a partial shutdown flush (the index is built again)', () => {
    const { table, flows } = recordingTable();
    for (let port = 1; port <= 5; port++) table.add(T0 + port, udp({ ...client, port }, peer), null);
    expect(table.flush('shutdown', 2)).toBe(false);
    expect(table.stats().liveFlows).toBe(3);
    // Flow 4 is still open: its reply and its next request are its own, not new flows.
    table.add(T0 + S, udp(peer, { ...client, port: 4 }), null);
    table.add(T0 + 2 * S, udp({ ...client, port: 4 }, peer), null);
    // Flow 1 was written: a packet of its tuple starts a new flow.
    table.add(T0 + 3 * S, udp({ ...client, port: 1 }, peer), null);
    expect(table.stats().liveFlows).toBe(4);
    expect(table.flush('shutdown')).toBe(true);
    expect(flows.map((f) => f.srcPort)).toEqual([1, 2, 3, 5, 4, 1]);
    const four = flows.find((f) => f.srcPort === 4)!;
    expect([four.srcPackets, four.dstPackets, four.status, four.lastSeenAt]).toEqual([
      2,
      1,
      'established',
      T0 + 2 * S,
    ]);
    expect(table.stats().liveFlows).toBe(0);
  });

  it('asks for its memory to be reclaimed once per 16 MB let go of while it is emptied, never before', () => {
    let reclaims = 0;
    const flows: FlowRecord[] = [];
    const table = createFlowTable(testConfig({ maxFlows: 1_000_000 }), {
      onFlow: (f) => flows.push(f),
      reclaimMemory: () => reclaims++,
    });
    // 12 full pages of 16,384 flows, each page about 1.8 MB with its Ethernet addresses, and an index
    // of 2^19 entries (4 MB): some 26 MB let go of in all.
    const count = 12 * PAGE_SIZE;
    for (let i = 0; i < count; i++) {
      table.add(
        T0 + i,
        udp({ addr: `10.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}`, port: 40000 }, peer),
        null,
      );
    }
    table.advance(T0 + count);
    expect(reclaims).toBe(0);
    expect(table.flush('shutdown', PAGE_SIZE)).toBe(false);
    // The index (4 MB) and one page: not yet 16 MB.
    expect(reclaims).toBe(0);
    expect(table.flush('shutdown')).toBe(true);
    expect(flows).toHaveLength(count);
    expect(reclaims).toBe(Math.floor((4 * 2 ** 20 + 12 * PAGE_BYTES) / RECLAIM_BYTES));
    expect(reclaims).toBe(1);
  });

  it('lets emptied pages go during a shutdown flush and still accounts flows that reuse their ids', () => {
    const { table, flows } = recordingTable({ maxFlows: 100_000 });
    const endpoint = (i: number): Endpoint => ({
      addr: `10.1.${i >> 8}.${i & 0xff}`,
      port: 40000 + (i % 1000),
    });
    // Three pages' worth of flows, then most of them written out.
    const first = 3 * PAGE_SIZE;
    for (let i = 0; i < first; i++) table.add(T0 + i, udp(endpoint(i), peer), null);
    expect(table.flush('shutdown', 2 * PAGE_SIZE + 10)).toBe(false);
    expect(flows).toHaveLength(2 * PAGE_SIZE + 10);
    // New flows take the freed ids (of pages that were let go) and count like any other.
    for (let i = 0; i < 9000; i++) {
      const from = endpoint(first + i);
      table.add(T0 + S, udp(from, peer, new Uint8Array(7)), null);
      table.add(T0 + 2 * S, udp(peer, from, new Uint8Array(9)), null);
    }
    expect(table.flush('shutdown')).toBe(true);
    expect(flows).toHaveLength(first + 9000);
    expect(new Set(flows.map((f) => `${f.srcAddr}:${f.srcPort}`)).size).toBe(first + 9000);
    const reused = flows.slice(first);
    expect(
      reused.every(
        (f, i) =>
          f.srcAddr === endpoint(first + i).addr &&
          f.srcPackets === 1 &&
          f.dstPackets === 1 &&
          f.srcPayloadBytes === 7 &&
          f.dstPayloadBytes === 9 &&
          f.firstSeenAt === T0 + S &&
          f.lastSeenAt === T0 + 2 * S,
      ),
    ).toBe(true);
    expect(table.stats().liveFlows).toBe(0);
  });

  it('keeps each IPv6 flow its own addresses while flows come and go, across a shutdown flush', () => {
    const { table, flows } = recordingTable({ maxFlows: 100_000 });
    const v6peer: Endpoint = { addr: '2001:db8::53', port: 53 };
    const endpoint = (i: number): Endpoint => ({
      addr: `fd00:1::1:${(i + 1).toString(16)}`,
      port: 40000 + (i % 1000),
    });
    // More flows than one page of the address pool holds, interleaved with IPv4 flows.
    const first = 20_000;
    for (let i = 0; i < first; i++) {
      table.add(T0 + i, udp(endpoint(i), v6peer, new Uint8Array(1)), null);
      if (i % 4 === 0) table.add(T0 + i, udp({ addr: `10.2.${i >> 8}.${i & 0xff}`, port: 5000 }, peer), null);
    }
    expect(table.flush('shutdown', 12_000)).toBe(false);
    // New IPv6 flows take the released entries; their replies must find them.
    for (let i = first; i < first + 6000; i++) {
      table.add(T0 + S, udp(endpoint(i), v6peer, new Uint8Array(3)), null);
      table.add(T0 + 2 * S, udp(v6peer, endpoint(i), new Uint8Array(5)), null);
    }
    expect(table.flush('shutdown')).toBe(true);
    const v6flows = flows.filter((f) => f.ipVersion === 6);
    expect(v6flows).toHaveLength(first + 6000);
    const byAddr = new Map(v6flows.map((f) => [f.srcAddr, f]));
    for (let i = 0; i < first + 6000; i++) {
      const f = byAddr.get(endpoint(i).addr);
      expect(f).toMatchObject({
        srcPort: endpoint(i).port,
        dstAddr: '2001:db8::53',
        dstPort: 53,
        srcPackets: 1,
        dstPackets: i < first ? 0 : 1,
        srcPayloadBytes: i < first ? 1 : 3,
        dstPayloadBytes: i < first ? 0 : 5,
      });
    }
    expect(flows.filter((f) => f.ipVersion === 4)).toHaveLength(first / 4);
  });

  it('emits nothing until advance() passes the idle timeout', () => {
    const { table, flows } = recordingTable({ udpIdleTimeoutS: 60 });
    table.add(T0, udp(client, peer), null);
    table.advance(T0 + 59 * S);
    expect(flows).toHaveLength(0);
    table.advance(T0 + 60 * S);
    expect(flows).toHaveLength(1);
  });

  it('cuts a long flow at the active timeout and continues it with the same orientation and facts', () => {
    const { table, flows } = recordingTable({ activeTimeoutS: 10, tcpIdleTimeoutS: 300 });
    handshake.forEach((p) => table.add(T0, p, null));
    for (let s = 1; s <= 25; s++)
      table.add(T0 + s * S, tcp(server, client, ACK, { payloadLength: 10 }), null);
    table.flush('shutdown');
    expect(flows.map((f) => [f.endReason, f.status, f.srcAddr, f.srcPackets, f.dstPackets])).toEqual([
      ['active_timeout', 'established', client.addr, 2, 10],
      ['active_timeout', 'established', client.addr, 0, 10],
      ['shutdown', 'established', client.addr, 0, 6],
    ]);
    expect(new Set(flows.map((f) => f.communityId)).size).toBe(1);
    expect(new Set(flows.map((f) => f.id)).size).toBe(3);
  });

  it('evicts the least recently seen flow past maxFlows and counts it', () => {
    const { table, flows } = recordingTable({ maxFlows: 2 });
    const hosts = ['8.8.8.1', '8.8.8.2', '8.8.8.3'];
    table.add(T0, udp(client, { addr: hosts[0]!, port: 53 }), null);
    table.add(T0 + 1, udp(client, { addr: hosts[1]!, port: 53 }), null);
    table.add(T0 + 2, udp(client, { addr: hosts[0]!, port: 53 }), null);
    table.add(T0 + 3, udp(client, { addr: hosts[2]!, port: 53 }), null);
    expect(flows).toEqual([expect.objectContaining({ dstAddr: hosts[1], endReason: 'evicted' })]);
    expect(table.stats()).toMatchObject({ evicted: 1, liveFlows: 2, emitted: 1 });
  });

  it('attributes later fragments to the flow of their first fragment and counts orphans', () => {
    const { table, flows } = recordingTable();
    const first = udp(client, peer, new Uint8Array(1472), {
      isFragment: true,
      fragmentId: 7,
      ipBytes: 1500,
      payloadLength: 2000,
    });
    const later = packet({
      srcAddr: client.addr,
      dstAddr: peer.addr,
      ipProto: 17,
      isFragment: true,
      fragmentId: 7,
      fragmentOffset: 1480,
      ipBytes: 556,
    });
    const orphan = packet({
      srcAddr: client.addr,
      dstAddr: peer.addr,
      ipProto: 17,
      isFragment: true,
      fragmentId: 8,
      fragmentOffset: 1480,
      ipBytes: 100,
    });
    table.add(T0, first, null);
    table.add(T0 + 1, later, null);
    table.add(T0 + 2, orphan, null);
    table.flush('shutdown');
    expect(flows).toEqual([
      expect.objectContaining({ srcPort: client.port, srcPackets: 2, srcBytes: 2056, srcPayloadBytes: 2000 }),
    ]);
    expect(table.stats()).toMatchObject({ fragmentsWithoutFirst: 1, fragmentBytesWithoutFirst: 100 });
  });

  it('forgets a first fragment after the reassembly timeout', () => {
    const { table } = recordingTable();
    table.add(T0, udp(client, peer, new Uint8Array(8), { isFragment: true, fragmentId: 9 }), null);
    table.advance(T0 + 31 * S);
    table.add(
      T0 + 31 * S,
      packet({
        srcAddr: client.addr,
        dstAddr: peer.addr,
        ipProto: 17,
        isFragment: true,
        fragmentId: 9,
        fragmentOffset: 8,
      }),
      null,
    );
    expect(table.stats().fragmentsWithoutFirst).toBe(1);
  });

  it('counts malformed and non-IP frames without making flows', () => {
    const { table, flows } = recordingTable();
    table.add(T0, { kind: 'malformed', reason: 'ipv4 header truncated' }, null);
    table.add(T0, { kind: 'other', what: 'llc' }, null);
    table.add(
      T0,
      {
        kind: 'arp',
        arp: { operation: 1, senderMac: 'a', senderAddr: 'b', targetMac: 'c', targetAddr: 'd' },
        vlan: null,
      },
      null,
    );
    table.flush('shutdown');
    expect(flows).toHaveLength(0);
    expect(table.stats()).toMatchObject({ malformed: 1, nonIp: 2, ipPackets: 0 });
  });
});

describe('createFlowTable: direction', () => {
  const cases: [string, string, string, string][] = [
    ['home to the internet', '192.168.1.10', '8.8.8.8', 'outbound'],
    ['internet to home', '8.8.8.8', '192.168.1.10', 'inbound'],
    ['home to home', '192.168.1.10', '192.168.1.20', 'internal'],
    ['neither end at home', '8.8.8.8', '1.1.1.1', 'external'],
    ['home to a multicast group', '192.168.1.10', '239.255.255.250', 'internal'],
    ['home to the limited broadcast address', '192.168.1.10', '255.255.255.255', 'internal'],
    ['outside to a multicast group', '8.8.8.8', '224.0.0.1', 'external'],
    ['IPv6 home to the internet', 'fd00:1::10', '2001:db8::1', 'outbound'],
    ['IPv6 home to a multicast group', 'fd00:1::10', 'ff02::fb', 'internal'],
  ];
  for (const [description, src, dst, direction] of cases) {
    it(`calls ${description} ${direction}`, () => {
      const flows = run([udp({ addr: src, port: 40000 }, { addr: dst, port: 40001 })]);
      expect(flows[0]!.direction).toBe(direction);
    });
  }
});

describe('createFlowTable: conservation under hostile input', () => {
  const addrs = ['192.168.1.10', '192.168.1.10', '8.8.8.8', '224.0.0.1', 'fd00:1::1', '10.0.0.1'];
  const arbPacket = fc
    .record({
      src: fc.constantFrom(...addrs),
      dst: fc.constantFrom(...addrs),
      proto: fc.constantFrom(1, 6, 17, 47, 58, 132),
      srcPort: fc.constantFrom(0, 53, 80, 443, 40000),
      dstPort: fc.constantFrom(0, 53, 80, 443, 40000),
      flags: fc.integer({ min: 0, max: 255 }),
      seq: fc.integer({ min: 0, max: 0xffffffff }),
      icmpType: fc.integer({ min: 0, max: 255 }),
      ipBytes: fc.integer({ min: 20, max: 65535 }),
      payload: fc.uint8Array({ maxLength: 64 }),
      fragmentOffset: fc.constantFrom(0, 0, 0, 8, 1480),
      isFragment: fc.boolean(),
      fragmentId: fc.integer({ min: 0, max: 3 }),
      vlan: fc.constantFrom(null, 1),
      kind: fc.constantFrom('ip', 'ip', 'ip', 'ip', 'malformed', 'other'),
      dtUs: fc.integer({ min: -1000, max: 120 * S }),
    })
    .map((r): { dtUs: number; result: DecodeResult } => ({
      dtUs: r.dtUs,
      result:
        r.kind === 'malformed'
          ? { kind: 'malformed', reason: 'x' }
          : r.kind === 'other'
            ? { kind: 'other', what: 'llc' }
            : packet({
                srcAddr: r.src.includes(':') ? 'fd00:1::2' : r.src,
                dstAddr: r.src.includes(':')
                  ? r.dst.replace(/^[\d.]+$/, 'fd00:1::3')
                  : r.dst.includes(':')
                    ? '8.8.4.4'
                    : r.dst,
                ipProto: r.proto,
                srcPort: r.srcPort,
                dstPort: r.dstPort,
                tcpFlags: r.proto === 6 ? r.flags : 0,
                tcpSeq: r.seq,
                icmpType: r.proto === 1 || r.proto === 58 ? r.icmpType : null,
                icmpCode: r.proto === 1 || r.proto === 58 ? 0 : null,
                ipBytes: r.ipBytes,
                payload: r.payload,
                isFragment: r.isFragment || r.fragmentOffset > 0,
                fragmentOffset: r.fragmentOffset,
                fragmentId: r.fragmentId,
                vlan: r.vlan,
              }),
    }));

  it('never throws, and emitted flows hold exactly the packets and bytes added (minus orphan fragments)', () => {
    fc.assert(
      fc.property(
        fc.array(arbPacket, { maxLength: 200 }),
        fc.integer({ min: 1, max: 8 }),
        (packets, maxFlows) => {
          const { table, flows } = recordingTable({
            maxFlows: Math.max(1, maxFlows),
            activeTimeoutS: 100,
            tcpClosedTimeoutS: 0,
          });
          let now = T0;
          let addedPackets = 0;
          let addedBytes = 0;
          for (const { dtUs, result } of packets) {
            now += dtUs;
            table.add(now, result, null);
            if (result.kind === 'ip') {
              addedPackets++;
              addedBytes += result.packet.ipBytes;
            }
            if (dtUs > 30 * S) table.advance(now);
          }
          table.flush('shutdown');
          const stats = table.stats();
          const emittedPackets = flows.reduce((n, f) => n + f.srcPackets + f.dstPackets, 0);
          const emittedBytes = flows.reduce((n, f) => n + f.srcBytes + f.dstBytes, 0);
          expect(emittedPackets + stats.fragmentsWithoutFirst).toBe(addedPackets);
          expect(emittedBytes + stats.fragmentBytesWithoutFirst).toBe(addedBytes);
          expect(stats.liveFlows).toBe(0);
          expect(stats.emitted).toBe(flows.length);
          expect(flows.every((f) => f.srcPackets + f.dstPackets > 0)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
