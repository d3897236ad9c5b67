import { describe, expect, it } from 'vitest';
import type { FlowRecord, OneWayFlow } from '../records/index.js';
import { TcpFlag } from '../records/index.js';
import { communityId } from './community-id.js';
import { createFlowStitcher, type FlowStitcher, type FlowStitcherConfig } from './flow-stitcher.js';

const T0 = Date.UTC(2024, 4, 14, 19) * 1000;
const S = 1_000_000;

const CONFIG: FlowStitcherConfig = {
  homeNetworks: ['192.168.0.0/16'],
  stitchWindowS: 15,
  maxPendingFlows: 1000,
  tcpIdleTimeoutS: 300,
  udpIdleTimeoutS: 60,
  otherIdleTimeoutS: 60,
  activeTimeoutS: 1800,
};

function oneWay(overrides: Partial<OneWayFlow> = {}): OneWayFlow {
  return {
    exporter: '192.0.2.1',
    domainId: 0,
    ipVersion: 4,
    ipProto: 6,
    srcAddr: '192.168.1.20',
    dstAddr: '203.0.113.9',
    srcPort: 51234,
    dstPort: 443,
    packets: 14,
    bytes: 1840,
    reversePackets: 0,
    reverseBytes: 0,
    firstSeenAt: T0,
    lastSeenAt: T0 + 2 * S,
    tcpFlags: TcpFlag.SYN | TcpFlag.ACK | TcpFlag.PSH | TcpFlag.FIN,
    reverseTcpFlags: 0,
    inputInterface: 3,
    outputInterface: 5,
    srcMac: null,
    dstMac: null,
    vlan: null,
    samplingRate: 1,
    countsEstimated: false,
    isPacketSample: false,
    flowEndReason: 0,
    ...overrides,
  };
}

/** The reverse direction of a record, with its own counts. */
function reverse(flow: OneWayFlow, overrides: Partial<OneWayFlow> = {}): OneWayFlow {
  return oneWay({
    ...flow,
    srcAddr: flow.dstAddr,
    dstAddr: flow.srcAddr,
    srcPort: flow.dstPort,
    dstPort: flow.srcPort,
    inputInterface: flow.outputInterface,
    outputInterface: flow.inputInterface,
    packets: 16,
    bytes: 12_400,
    ...overrides,
  });
}

function setup(config: Partial<FlowStitcherConfig> = {}): { stitcher: FlowStitcher; flows: FlowRecord[] } {
  const flows: FlowRecord[] = [];
  let next = 0;
  const stitcher = createFlowStitcher(
    { ...CONFIG, ...config },
    { onFlow: (flow) => flows.push(flow), newId: () => `f${++next}` },
  );
  return { stitcher, flows };
}

describe('createFlowStitcher', () => {
  it('joins the two directions of a TCP connection into one flow with the SYN sender as source', () => {
    const { stitcher, flows } = setup();
    const client = oneWay();
    const server = reverse(client, {
      tcpFlags: TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN,
      lastSeenAt: T0 + 3 * S,
    });
    stitcher.add(server, T0);
    expect(flows).toEqual([]);
    stitcher.add(client, T0);
    expect(flows).toEqual([
      expect.objectContaining({
        id: 'f1',
        protocol: 'tcp',
        srcAddr: '192.168.1.20',
        dstAddr: '203.0.113.9',
        srcPort: 51234,
        dstPort: 443,
        srcPackets: 14,
        srcBytes: 1840,
        dstPackets: 16,
        dstBytes: 12_400,
        firstSeenAt: T0,
        lastSeenAt: T0 + 3 * S,
        status: 'closed',
        endReason: 'fin',
        sensor: '192.0.2.1',
        interface: 'in=3,out=5',
        direction: 'outbound',
        communityId: communityId({
          ipProto: 6,
          srcAddr: '192.168.1.20',
          dstAddr: '203.0.113.9',
          srcPort: 51234,
          dstPort: 443,
        }),
        samplingRate: 1,
        countsEstimated: false,
      }),
    ]);
    expect(stitcher.stats()).toMatchObject({ paired: 1, pending: 0 });
  });

  const initiatorCases: {
    description: string;
    a: Partial<OneWayFlow>;
    b: Partial<OneWayFlow>;
    srcPort: number;
  }[] = [
    {
      description: 'takes the side that alone sent SYN as the initiator of a TCP flow',
      a: { srcPort: 443, dstPort: 51234, tcpFlags: TcpFlag.ACK | TcpFlag.RST, firstSeenAt: T0 - S },
      b: { srcPort: 51234, dstPort: 443, tcpFlags: TcpFlag.SYN },
      srcPort: 51234,
    },
    {
      description: 'takes the side that started first when both show the same flags',
      a: { srcPort: 5353, dstPort: 40000, ipProto: 17, tcpFlags: 0, firstSeenAt: T0 + 1000 },
      b: { srcPort: 40000, dstPort: 5353, ipProto: 17, tcpFlags: 0, firstSeenAt: T0 },
      srcPort: 40000,
    },
    {
      description: 'takes the higher source port as the client when both started in the same millisecond',
      a: { srcPort: 53, dstPort: 43927, ipProto: 17, tcpFlags: 0 },
      b: { srcPort: 43927, dstPort: 53, ipProto: 17, tcpFlags: 0 },
      srcPort: 43927,
    },
  ];
  for (const { description, a, b, srcPort } of initiatorCases) {
    it(description, () => {
      const { stitcher, flows } = setup();
      const first = oneWay(a);
      stitcher.add(first, T0);
      stitcher.add(reverse(first, b), T0);
      expect(flows).toHaveLength(1);
      expect(flows[0]!.srcPort).toBe(srcPort);
    });
  }

  it('marks a SYN answered only by RST as rejected', () => {
    const { stitcher, flows } = setup();
    const client = oneWay({ tcpFlags: TcpFlag.SYN, packets: 1, bytes: 60 });
    stitcher.add(client, T0);
    stitcher.add(reverse(client, { tcpFlags: TcpFlag.RST | TcpFlag.ACK, packets: 1, bytes: 40 }), T0);
    expect(flows[0]).toMatchObject({ status: 'rejected', endReason: 'rst' });
  });

  it('pairs an ICMP echo request with its reply through their counterpart types', () => {
    const { stitcher, flows } = setup();
    const request = oneWay({ ipProto: 1, srcPort: 8, dstPort: 0, tcpFlags: 0 });
    stitcher.add(reverse(request, { srcPort: 0, dstPort: 0, firstSeenAt: T0 + 500 }), T0);
    stitcher.add(request, T0);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      protocol: 'icmp',
      srcAddr: '192.168.1.20',
      srcPort: 8,
      dstPort: 0,
      status: 'established',
    });
  });

  it.each([
    { name: 'ICMP echo', ipProto: 1, request: 8, reply: 0 },
    { name: 'ICMP timestamp', ipProto: 1, request: 13, reply: 14 },
    { name: 'ICMPv6 echo', ipProto: 58, request: 128, reply: 129 },
    { name: 'ICMPv6 neighbour solicitation', ipProto: 58, request: 135, reply: 136 },
    { name: 'ICMPv6 router solicitation', ipProto: 58, request: 133, reply: 134 },
  ])(
    'makes the asker the initiator of a $name pair that starts in the same instant',
    ({ ipProto, request, reply }) => {
      const { stitcher, flows } = setup();
      const asked = oneWay({ ipProto, srcPort: request, dstPort: 0, tcpFlags: 0 });
      const answer = reverse(asked, { srcPort: reply, dstPort: 0 });
      // Both records carry the same first and last times; either may arrive first.
      stitcher.add(asked, T0);
      stitcher.add(answer, T0);
      stitcher.add(answer, T0 + S);
      stitcher.add(asked, T0 + S);
      expect(flows).toHaveLength(2);
      for (const flow of flows) {
        expect(flow).toMatchObject({ srcAddr: asked.srcAddr, srcPort: request, dstPort: reply });
      }
    },
  );

  it('stores a record whose reverse never comes as a one-sided flow once the window has passed', () => {
    const { stitcher, flows } = setup();
    stitcher.add(oneWay({ tcpFlags: TcpFlag.SYN, packets: 3 }), T0);
    stitcher.advance(T0 + 14 * S);
    expect(flows).toEqual([]);
    stitcher.advance(T0 + 15 * S);
    expect(flows).toEqual([
      expect.objectContaining({
        srcPackets: 3,
        dstPackets: 0,
        dstBytes: 0,
        status: 'unanswered',
        dstTcpFlags: 0,
      }),
    ]);
    expect(stitcher.stats()).toMatchObject({ oneSided: 1, pending: 0 });
  });

  it('does not pair records whose times lie further apart than the window', () => {
    const { stitcher, flows } = setup();
    const early = oneWay({ ipProto: 17, tcpFlags: 0 });
    stitcher.add(early, T0);
    stitcher.add(reverse(early, { firstSeenAt: T0 + 100 * S, lastSeenAt: T0 + 101 * S }), T0);
    stitcher.flush();
    expect(flows.map((f) => [f.srcAddr, f.dstPackets])).toEqual([
      ['192.168.1.20', 0],
      ['203.0.113.9', 0],
    ]);
  });

  it('lets a second record of the same direction send the first one on alone', () => {
    const { stitcher, flows } = setup();
    stitcher.add(oneWay({ flowEndReason: 2 }), T0);
    stitcher.add(oneWay({ firstSeenAt: T0 + 1800 * S, lastSeenAt: T0 + 1801 * S }), T0 + S);
    expect(flows).toEqual([expect.objectContaining({ endReason: 'active_timeout', dstPackets: 0 })]);
    expect(stitcher.stats().pending).toBe(1);
  });

  it('keeps records from different exporters apart', () => {
    const { stitcher, flows } = setup();
    const a = oneWay();
    stitcher.add(a, T0);
    stitcher.add(reverse(a, { exporter: '192.0.2.2' }), T0);
    expect(flows).toEqual([]);
    expect(stitcher.stats().pending).toBe(2);
  });

  it('turns an RFC 5103 biflow record into one flow at once', () => {
    const { stitcher, flows } = setup();
    stitcher.add(
      oneWay({ reversePackets: 16, reverseBytes: 12_400, reverseTcpFlags: 0x1b, flowEndReason: 3 }),
      T0,
    );
    expect(flows[0]).toMatchObject({
      srcPackets: 14,
      dstPackets: 16,
      dstBytes: 12_400,
      dstTcpFlags: 0x1b,
      endReason: 'fin',
    });
    expect(stitcher.stats().biflows).toBe(1);
  });

  it('marks counts scaled by a sampling rate as estimates', () => {
    const { stitcher, flows } = setup();
    const a = oneWay({ samplingRate: 100, countsEstimated: true, packets: 1400 });
    stitcher.add(a, T0);
    stitcher.add(reverse(a), T0);
    expect(flows[0]).toMatchObject({ samplingRate: 100, countsEstimated: true });
  });

  it('adds up sampled packets of both directions into one flow, written once idle', () => {
    const { stitcher, flows } = setup();
    const sample = oneWay({
      ipProto: 17,
      srcPort: 50000,
      dstPort: 53,
      packets: 100,
      bytes: 6000,
      tcpFlags: 0,
      isPacketSample: true,
      samplingRate: 100,
      countsEstimated: true,
      firstSeenAt: T0,
      lastSeenAt: T0,
    });
    stitcher.add(sample, T0);
    stitcher.add({ ...sample, firstSeenAt: T0 + S, lastSeenAt: T0 + S }, T0 + S);
    stitcher.add(
      reverse(sample, { packets: 100, bytes: 12_000, firstSeenAt: T0 + 2 * S, lastSeenAt: T0 + 2 * S }),
      T0 + 2 * S,
    );
    stitcher.advance(T0 + 61 * S);
    expect(flows).toEqual([]);
    stitcher.advance(T0 + 62 * S);
    expect(flows).toEqual([
      expect.objectContaining({
        srcPort: 50000,
        srcPackets: 200,
        srcBytes: 12_000,
        dstPackets: 100,
        dstBytes: 12_000,
        firstSeenAt: T0,
        lastSeenAt: T0 + 2 * S,
        status: 'established',
        endReason: 'idle_timeout',
        samplingRate: 100,
        countsEstimated: true,
      }),
    ]);
  });

  it('emits the oldest waiting record early when the pending cap is reached', () => {
    const { stitcher, flows } = setup({ maxPendingFlows: 100 });
    for (let port = 1; port <= 150; port++) stitcher.add(oneWay({ srcPort: port }), T0);
    expect(stitcher.stats()).toMatchObject({ pending: 100, evicted: 50 });
    expect(flows.map((f) => f.srcPort)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('writes everything it holds on flush', () => {
    const { stitcher, flows } = setup();
    stitcher.add(oneWay(), T0);
    stitcher.add(oneWay({ isPacketSample: true, srcPort: 1 }), T0);
    stitcher.flush();
    expect(flows.map((f) => f.endReason).sort()).toEqual(['fin', 'shutdown']);
    expect(stitcher.stats().pending).toBe(0);
  });
});
