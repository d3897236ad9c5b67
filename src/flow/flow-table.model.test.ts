/**
 * The flow table against a reference model: a plain Map-based table written for clarity, for the
 * cases both can state simply (UDP, TCP without SYN/FIN/RST, ICMP echo, an opaque protocol; idle and
 * active timeouts; eviction past maxFlows; out-of-order timestamps). Random packet sequences must give
 * the same records, with the same counts, in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodeResult } from '../decode/index.js';
import type { FlowRecord } from '../records/index.js';
import { TcpFlag } from '../records/index.js';
import { S, packet, recordingTable, testConfig } from './testing.js';

interface ModelFlow {
  proto: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  first: number;
  last: number;
  srcPackets: number;
  dstPackets: number;
  srcBytes: number;
  dstBytes: number;
}

type Emitted = Pick<
  FlowRecord,
  | 'ipProto'
  | 'srcAddr'
  | 'dstAddr'
  | 'srcPort'
  | 'dstPort'
  | 'firstSeenAt'
  | 'lastSeenAt'
  | 'srcPackets'
  | 'dstPackets'
  | 'srcBytes'
  | 'dstBytes'
  | 'endReason'
>;

const TIMEOUTS_S = { tcp: 50, udp: 20, other: 30 };
const ACTIVE_S = 40;

/** Lists in the table's order (TCP, UDP, other), each a Map in last-touched order. */
class ModelTable {
  private readonly lists = [
    new Map<string, ModelFlow>(),
    new Map<string, ModelFlow>(),
    new Map<string, ModelFlow>(),
  ];
  readonly emitted: Emitted[] = [];

  constructor(private readonly maxFlows: number) {}

  private static listOf(proto: number): number {
    return proto === 6 ? 0 : proto === 17 ? 1 : 2;
  }

  private static timeoutUs(proto: number): number {
    return (proto === 6 ? TIMEOUTS_S.tcp : proto === 17 ? TIMEOUTS_S.udp : TIMEOUTS_S.other) * S;
  }

  private get size(): number {
    return this.lists.reduce((n, list) => n + list.size, 0);
  }

  private emit(flow: ModelFlow, endReason: FlowRecord['endReason']): void {
    this.emitted.push({
      ipProto: flow.proto,
      srcAddr: flow.src,
      dstAddr: flow.dst,
      srcPort: flow.srcPort,
      dstPort: flow.dstPort,
      firstSeenAt: flow.first,
      lastSeenAt: flow.last,
      srcPackets: flow.srcPackets,
      dstPackets: flow.dstPackets,
      srcBytes: flow.srcBytes,
      dstBytes: flow.dstBytes,
      endReason,
    });
  }

  add(p: ModelPacket): void {
    const list = this.lists[ModelTable.listOf(p.proto)]!;
    const ends = [`${p.src}|${p.srcPort}`, `${p.dst}|${p.dstPort}`].sort();
    const key = `${p.proto}|${ends.join('|')}`;
    let flow = list.get(key);
    if (flow !== undefined) {
      list.delete(key);
      if (p.t - flow.last >= ModelTable.timeoutUs(p.proto)) {
        this.emit(flow, 'idle_timeout');
        flow = undefined;
      } else if (p.t - flow.first >= ACTIVE_S * S) {
        this.emit(flow, 'active_timeout');
        flow = { ...flow, first: p.t, last: p.t, srcPackets: 0, dstPackets: 0, srcBytes: 0, dstBytes: 0 };
      }
    }
    if (flow === undefined) {
      if (this.size >= this.maxFlows) this.evictOldest();
      // A reply from a well-known port to an ephemeral one is taken as the server's (TCP without SYN, UDP).
      const flip = (p.proto === 6 || p.proto === 17) && p.srcPort < 1024 && p.dstPort >= 1024;
      flow = {
        proto: p.proto,
        src: flip ? p.dst : p.src,
        dst: flip ? p.src : p.dst,
        srcPort: flip ? p.dstPort : p.srcPort,
        dstPort: flip ? p.srcPort : p.dstPort,
        first: p.t,
        last: p.t,
        srcPackets: 0,
        dstPackets: 0,
        srcBytes: 0,
        dstBytes: 0,
      };
    }
    if (p.src === flow.src && p.srcPort === flow.srcPort) {
      flow.srcPackets++;
      flow.srcBytes += p.bytes;
    } else {
      flow.dstPackets++;
      flow.dstBytes += p.bytes;
    }
    if (p.t > flow.last) flow.last = p.t;
    else if (p.t < flow.first) flow.first = p.t;
    list.set(key, flow);
  }

  private evictOldest(): void {
    let oldest: { list: Map<string, ModelFlow>; key: string; flow: ModelFlow } | null = null;
    for (const list of this.lists) {
      const head = list.entries().next();
      if (head.done === true) continue;
      const [key, flow] = head.value;
      if (oldest === null || flow.last < oldest.flow.last) oldest = { list, key, flow };
    }
    if (oldest === null) return;
    oldest.list.delete(oldest.key);
    this.emit(oldest.flow, 'evicted');
  }

  advance(now: number): void {
    for (const list of this.lists) {
      for (const [key, flow] of list) {
        if (now - flow.last < ModelTable.timeoutUs(flow.proto)) break;
        list.delete(key);
        this.emit(flow, 'idle_timeout');
      }
    }
  }

  flush(): void {
    for (const list of this.lists) {
      for (const flow of list.values()) this.emit(flow, 'shutdown');
      list.clear();
    }
  }
}

interface ModelPacket {
  t: number;
  proto: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  bytes: number;
}

function decoded(p: ModelPacket): DecodeResult {
  const isIcmp = p.proto === 1;
  return packet({
    srcAddr: p.src,
    dstAddr: p.dst,
    ipProto: p.proto,
    srcPort: isIcmp ? 0 : p.srcPort,
    dstPort: isIcmp ? 0 : p.dstPort,
    // ICMP echo request (8) and reply (0): the ports the model gives them are the type and its counterpart.
    icmpType: isIcmp ? p.srcPort : null,
    icmpCode: isIcmp ? 0 : null,
    tcpFlags: p.proto === 6 ? TcpFlag.ACK : 0,
    ipBytes: p.bytes,
  });
}

const V4 = ['192.168.1.10', '192.168.1.20', '8.8.8.8', '93.184.216.34'];
const V6 = ['fd00:1::10', '2001:db8::1'];

const arbitraryPacket = fc
  .record({
    family: fc.constantFrom(V4, V4, V4, V6),
    a: fc.nat(),
    b: fc.nat(),
    proto: fc.constantFrom(6, 17, 1, 47),
    ports: fc.constantFrom([40000, 443], [443, 40000], [53, 53], [40001, 40000], [123, 123], [8, 0], [0, 8]),
    bytes: fc.integer({ min: 20, max: 1500 }),
    dt: fc.oneof(
      fc.integer({ min: 0, max: 3 * S }),
      fc.integer({ min: 0, max: 60 * S }),
      fc.integer({ min: -S, max: 0 }),
    ),
    advance: fc.boolean(),
  })
  .map((r) => {
    const src = r.family[r.a % r.family.length]!;
    const dst = r.family[r.b % r.family.length]!;
    // ICMP gets echo types as its ports; the others never use 8/0.
    const [srcPort, dstPort] =
      r.proto === 1
        ? r.ports[0] === 0
          ? [0, 8]
          : [8, 0]
        : r.ports[0] === 8 || r.ports[0] === 0
          ? [40000, 443]
          : r.ports;
    return {
      ...r,
      src,
      dst,
      srcPort: srcPort,
      dstPort: dstPort,
      proto: r.family === V6 && r.proto === 1 ? 17 : r.proto,
    };
  });

describe('createFlowTable against a reference model', () => {
  it('emits the same records, in the same order, for any packet sequence', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryPacket, { maxLength: 150 }),
        fc.integer({ min: 1, max: 6 }),
        (packets, maxFlows) => {
          const model = new ModelTable(maxFlows);
          const { table, flows } = recordingTable({
            ...testConfig(),
            maxFlows,
            tcpIdleTimeoutS: TIMEOUTS_S.tcp,
            udpIdleTimeoutS: TIMEOUTS_S.udp,
            otherIdleTimeoutS: TIMEOUTS_S.other,
            activeTimeoutS: ACTIVE_S,
          });
          let t = 1_700_000_000 * S;
          for (const r of packets) {
            t += r.dt;
            const p: ModelPacket = {
              t,
              proto: r.proto,
              src: r.src,
              dst: r.dst,
              srcPort: r.srcPort,
              dstPort: r.dstPort,
              bytes: r.bytes,
            };
            model.add(p);
            table.add(t, decoded(p), null);
            if (r.advance) {
              model.advance(t);
              table.advance(t);
            }
          }
          model.flush();
          table.flush('shutdown');
          const actual = flows.map((f): Emitted => ({
            ipProto: f.ipProto,
            srcAddr: f.srcAddr,
            dstAddr: f.dstAddr,
            srcPort: f.srcPort,
            dstPort: f.dstPort,
            firstSeenAt: f.firstSeenAt,
            lastSeenAt: f.lastSeenAt,
            srcPackets: f.srcPackets,
            dstPackets: f.dstPackets,
            srcBytes: f.srcBytes,
            dstBytes: f.dstBytes,
            endReason: f.endReason,
          }));
          expect(actual).toEqual(model.emitted);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps up with the model across index growth: thousands of flows, then all of them again', () => {
    const model = new ModelTable(100_000);
    const { table, flows } = recordingTable({
      maxFlows: 100_000,
      udpIdleTimeoutS: TIMEOUTS_S.udp,
      activeTimeoutS: ACTIVE_S,
    });
    let t = 1_700_000_000 * S;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        t += 10;
        const p: ModelPacket = {
          t,
          proto: 17,
          src: '192.168.1.10',
          dst: '8.8.8.8',
          srcPort: 1024 + i,
          dstPort: 53,
          bytes: 60 + round,
        };
        model.add(p);
        table.add(t, decoded(p), null);
      }
    }
    model.flush();
    table.flush('shutdown');
    expect(flows).toHaveLength(5000);
    expect(flows.map((f) => [f.srcPort, f.srcPackets, f.srcBytes, f.firstSeenAt, f.lastSeenAt])).toEqual(
      model.emitted.map((f) => [f.srcPort, f.srcPackets, f.srcBytes, f.firstSeenAt, f.lastSeenAt]),
    );
  });
});
