import { describe, expect, it } from 'vitest';
import { createFlowExportCollector, OneWayRow } from '../capture/index.js';
import {
  encodeIpfix,
  encodeNetflowV5,
  encodeNetflowV9,
  encodeSflowV5,
  IPV4_FLOW_FIELDS,
  type FieldSpec,
  type FieldValue,
} from '../capture/flow-export/testing.js';
import { createFlowStitcher, type FlowStitcherConfig } from '../flow/index.js';
import type { FlowRecord, OneWayFlow } from '../records/index.js';
import { FlowBatchBuilder, unpackFlows } from '../records/index.js';
import { parseAddressWords } from './collect-address-words.js';
import { createCollectStitcher, fillRowFromFlow, type CollectStitcher } from './collect-stitcher.js';

const T0 = Date.UTC(2024, 4, 14, 19) * 1000;
const S = 1_000_000;

const CONFIG: FlowStitcherConfig = {
  homeNetworks: ['192.168.0.0/16', 'fd00::/8'],
  stitchWindowS: 15,
  maxPendingFlows: 1000,
  tcpIdleTimeoutS: 300,
  udpIdleTimeoutS: 60,
  otherIdleTimeoutS: 60,
  activeTimeoutS: 1800,
};

/** A small deterministic generator (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADDRESSES = [
  ['192.168.1.20', '203.0.113.9', '192.168.1.1', '10.0.0.2', '9.9.9.9', '224.0.0.251', '255.255.255.255'],
  ['fd00::20', '2001:db8::1', 'fe80::1', 'ff02::fb', '::ffff:192.168.1.3', '2001:db8::1:0:0:1'],
] as const;
const ICMP_TYPES = [8, 0, 3, 11, 13, 14];
const ICMP6_TYPES = [128, 129, 1, 135, 136, 143];

/** Flows of a few conversations in both directions, with every kind of record the stitcher treats apart. */
function randomFlows(
  seed: number,
  count: number,
  conversationCount: number,
  maxStepUs = 3 * S,
): { flow: OneWayFlow; nowUs: number; advance: boolean }[] {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const conversations = Array.from({ length: conversationCount }, () => {
    const isV6 = r() < 0.3;
    const family = ADDRESSES[isV6 ? 1 : 0];
    const ipProto = pick([6, 6, 17, 17, isV6 ? 58 : 1, 47]);
    const isIcmp = ipProto === 1 || ipProto === 58;
    const ipVersion: 4 | 6 = isV6 ? 6 : 4;
    return {
      ipVersion,
      ipProto,
      a: pick(family),
      b: pick(family),
      aPort: isIcmp ? pick(isV6 ? ICMP6_TYPES : ICMP_TYPES) : pick([443, 53, 51234, 40000, 40000]),
      bPort: isIcmp ? pick([0, 1, 3]) : pick([443, 53, 51234, 40000]),
      exporter: pick(['192.0.2.1', '192.0.2.2', '2001:db8::e']),
      isSampled: r() < 0.15,
    };
  });
  let nowUs = T0;
  const out: { flow: OneWayFlow; nowUs: number; advance: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const c = pick(conversations);
    const isReverse = r() < 0.5;
    nowUs += Math.floor(r() * maxStepUs);
    const first = nowUs - Math.floor(r() * 30 * S);
    const isBiflow = !c.isSampled && r() < 0.1;
    const rate = pick([1, 1, 1, 100, 2.5]);
    const isIcmp = c.ipProto === 1 || c.ipProto === 58;
    out.push({
      nowUs,
      advance: r() < 0.05,
      flow: {
        exporter: c.exporter,
        domainId: 0,
        ipVersion: c.ipVersion,
        ipProto: c.ipProto,
        srcAddr: isReverse ? c.b : c.a,
        dstAddr: isReverse ? c.a : c.b,
        // An ICMP reply carries the counterpart type; a one-way ICMP message keeps its own.
        srcPort: isIcmp ? (isReverse ? pick([0, 129, c.aPort]) : c.aPort) : isReverse ? c.bPort : c.aPort,
        dstPort: isIcmp ? c.bPort : isReverse ? c.aPort : c.bPort,
        packets: 1 + Math.floor(r() * 100),
        bytes: 40 + Math.floor(r() * 100_000),
        reversePackets: isBiflow ? Math.floor(r() * 10) : 0,
        reverseBytes: isBiflow ? 1 + Math.floor(r() * 10_000) : 0,
        firstSeenAt: first,
        lastSeenAt: first + Math.floor(r() * 20 * S),
        tcpFlags: c.ipProto === 6 ? pick([0x02, 0x12, 0x10, 0x11, 0x04, 0x1b, 0x14]) : 0,
        reverseTcpFlags: isBiflow && c.ipProto === 6 ? pick([0x12, 0x14]) : 0,
        inputInterface: pick([0, 0, 3, 7]),
        outputInterface: pick([0, 5, 2 ** 33]),
        srcMac: r() < 0.2 ? '00:11:22:33:44:55' : null,
        dstMac: r() < 0.2 ? 'aa:bb:cc:dd:ee:ff' : null,
        vlan: r() < 0.2 ? 10 : null,
        samplingRate: rate,
        countsEstimated: rate > 1,
        isPacketSample: c.isSampled,
        flowEndReason: pick([0, 0, 1, 2, 3, 4, 5]),
      },
    });
  }
  return out;
}

function toRow(flow: OneWayFlow, row: OneWayRow): void {
  expect(fillRowFromFlow(flow, row)).toBe(true);
}

interface Pair {
  reference: FlowRecord[];
  packed: CollectStitcher;
  builder: FlowBatchBuilder;
  referenceStitcher: ReturnType<typeof createFlowStitcher>;
}

function pair(config: FlowStitcherConfig): Pair {
  const reference: FlowRecord[] = [];
  let a = 0;
  let b = 0;
  const referenceStitcher = createFlowStitcher(config, {
    onFlow: (flow) => reference.push(flow),
    newId: () => `f${++a}`,
  });
  const builder = new FlowBatchBuilder();
  const packed = createCollectStitcher(config, { out: builder, newId: () => `f${++b}` });
  return { reference, packed, builder, referenceStitcher };
}

function packedFlows(builder: FlowBatchBuilder): FlowRecord[] {
  const out: FlowRecord[] = [];
  unpackFlows(builder.take(), out);
  return out;
}

describe('createCollectStitcher', () => {
  // Many conversations fill the stitcher's table (collisions, growth, deletions inside probe chains);
  // few make pairs, repeats and active timeouts; a small cap makes evictions.
  for (const [seed, maxPendingFlows, conversations] of [
    [1, 1000, 40],
    [2, 1000, 40],
    [3, 25, 40],
    [4, 40, 40],
    [5, 3, 40],
    [6, 100_000, 5000],
    [7, 800, 3000],
  ] as const) {
    it(`emits the very flows flow/'s stitcher emits, in order (seed ${seed}, ${maxPendingFlows} pending at most, ${conversations} conversations)`, () => {
      const config = { ...CONFIG, maxPendingFlows };
      const p = pair(config);
      const row = new OneWayRow();
      let packed: FlowRecord[] = [];
      const pendingSeen: number[] = [];
      const r = random(seed * 7);
      for (const { flow, nowUs, advance } of randomFlows(
        seed,
        6000,
        conversations,
        conversations > 1000 ? 2000 : 3 * S,
      )) {
        p.referenceStitcher.add(flow, nowUs);
        if (flow.isPacketSample || r() < 0.3) {
          p.packed.addFlow(flow, nowUs);
        } else {
          toRow(flow, row);
          p.packed.addRow(row, nowUs);
          // The stitcher keeps its own copy: a row reused at once must not change what waits.
          row.srcWords.fill(-1);
          row.packets = -7;
        }
        if (advance) {
          p.referenceStitcher.advance(nowUs);
          p.packed.advance(nowUs);
        }
        if (p.builder.count > 500) packed = packed.concat(packedFlows(p.builder));
        expect(p.packed.stats()).toEqual(p.referenceStitcher.stats());
        pendingSeen.push(p.packed.stats().pending);
      }
      p.referenceStitcher.flush();
      p.packed.flush();
      packed = packed.concat(packedFlows(p.builder));
      expect(p.reference.length).toBeGreaterThan(1500);
      expect(packed).toEqual(p.reference);
      expect(p.packed.stats()).toEqual(p.referenceStitcher.stats());
      const stats = p.packed.stats();
      expect(stats.paired).toBeGreaterThan(0);
      expect(stats.biflows).toBeGreaterThan(0);
      expect(stats.fromSamples).toBeGreaterThan(0);
      if (maxPendingFlows < 1000 || conversations === 3000) expect(stats.evicted).toBeGreaterThan(0);
      if (maxPendingFlows > 1500 && conversations > 1000)
        expect(Math.max(...pendingSeen)).toBeGreaterThan(1500);
    });
  }
});

const V6_FIELDS: FieldSpec[] = [
  { id: 27, length: 16 },
  { id: 28, length: 16 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 6, length: 1 },
  { id: 2, length: 8 },
  { id: 1, length: 8 },
  { id: 56, length: 6 },
  { id: 80, length: 6 },
  { id: 58, length: 2 },
  { id: 10, length: 4 },
  { id: 14, length: 4 },
  { id: 136, length: 1 },
  { id: 154, length: 8 },
  { id: 155, length: 8 },
];
const V4_BIFLOW_FIELDS: FieldSpec[] = [
  ...IPV4_FLOW_FIELDS,
  { id: 2, length: 4, enterprise: 29305 },
  { id: 1, length: 4, enterprise: 29305 },
  { id: 6, length: 1, enterprise: 29305 },
  { id: 32, length: 2 },
];

/** Datagrams of every protocol, from two exporters, as `yamori collect` receives them. */
function randomDatagrams(seed: number, count: number): { datagram: Uint8Array; exporter: string }[] {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const v4 = ['192.168.1.20', '203.0.113.9', '192.168.1.1', '10.0.0.2'];
  const v6 = ['fd00::20', '2001:db8::1', 'fd00::30'];
  const out: { datagram: Uint8Array; exporter: string }[] = [];
  const exportS = T0 / S;
  for (let i = 0; i < count; i++) {
    const exporter = pick(['192.0.2.1', '192.0.2.2']);
    const kind = pick(['ipfix4', 'ipfix6', 'v9', 'v5', 'sflow']);
    const ms = (exportS + i) * 1000;
    if (kind === 'ipfix4') {
      const records: FieldValue[][] = Array.from({ length: 1 + Math.floor(r() * 20) }, () => {
        const isReverse = r() < 0.5;
        const [a, b] = [pick(v4), pick(v4)];
        const proto = pick([6, 17, 1]);
        const isBiflow = r() < 0.1;
        return [
          isReverse ? b : a,
          isReverse ? a : b,
          proto === 1 ? 0 : pick([443, 51234]),
          proto === 1 ? pick([0x0800, 0x0000, 0x0301]) : pick([443, 51234]),
          proto,
          proto === 6 ? pick([0x02, 0x12, 0x11]) : 0,
          1 + Math.floor(r() * 50),
          40 + Math.floor(r() * 9000),
          ms - Math.floor(r() * 10_000),
          ms,
          isBiflow ? 3 : 0,
          isBiflow ? 300 : 0,
          isBiflow ? 0x12 : 0,
          proto === 1 ? pick([0x0800, 0x0000]) : 0,
        ];
      });
      out.push({
        exporter,
        datagram: encodeIpfix({
          exportTimeS: exportS + i,
          sets: [
            { kind: 'templates', templates: [{ id: 256, fields: V4_BIFLOW_FIELDS }] },
            { kind: 'data', templateId: 256, fields: V4_BIFLOW_FIELDS, records },
          ],
        }),
      });
    } else if (kind === 'ipfix6') {
      const ntp = (exportS + i + 2_208_988_800) * 2 ** 32;
      const records: FieldValue[][] = Array.from({ length: 1 + Math.floor(r() * 10) }, () => {
        const isReverse = r() < 0.5;
        const [a, b] = [pick(v6), pick(v6)];
        return [
          isReverse ? b : a,
          isReverse ? a : b,
          isReverse ? 53 : 40000,
          isReverse ? 40000 : 53,
          17,
          0,
          1 + Math.floor(r() * 50),
          40 + Math.floor(r() * 9000),
          pick(['00:11:22:33:44:55', '02:00:00:00:00:01']),
          '66:77:88:99:aa:bb',
          pick([0, 10, 4095]),
          pick([0, 3]),
          pick([0, 9]),
          pick([0, 1, 2]),
          ntp - 2 ** 32,
          ntp,
        ];
      });
      out.push({
        exporter,
        datagram: encodeIpfix({
          exportTimeS: exportS + i,
          domainId: 7,
          sets: [
            { kind: 'templates', templates: [{ id: 300, fields: V6_FIELDS }] },
            { kind: 'data', templateId: 300, fields: V6_FIELDS, records },
          ],
        }),
      });
    } else if (kind === 'v9') {
      const fields: FieldSpec[] = [
        { id: 8, length: 4 },
        { id: 12, length: 4 },
        { id: 7, length: 2 },
        { id: 11, length: 2 },
        { id: 4, length: 1 },
        { id: 2, length: 4 },
        { id: 1, length: 4 },
        { id: 22, length: 4 },
        { id: 21, length: 4 },
        { id: 34, length: 4 },
      ];
      const records: FieldValue[][] = Array.from({ length: 1 + Math.floor(r() * 10) }, () => {
        const isReverse = r() < 0.5;
        const [a, b] = [pick(v4), pick(v4)];
        return [
          isReverse ? b : a,
          isReverse ? a : b,
          5353,
          5353,
          17,
          2,
          200,
          9000,
          10_000,
          12_000,
          pick([0, 10]),
        ];
      });
      out.push({
        exporter,
        datagram: encodeNetflowV9({
          sysUptimeMs: 20_000,
          unixSecs: exportS + i,
          sets: [
            { kind: 'templates', templates: [{ id: 260, fields }] },
            { kind: 'data', templateId: 260, fields, records },
          ],
        }),
      });
    } else if (kind === 'v5') {
      out.push({
        exporter,
        datagram: encodeNetflowV5({
          sysUptimeMs: 50_000,
          unixSecs: exportS + i,
          sampling: pick([0, 0x4000 | 64]),
          records: Array.from({ length: 1 + Math.floor(r() * 30) }, () => {
            const isReverse = r() < 0.5;
            const [a, b] = [pick(v4), pick(v4)];
            return {
              src: isReverse ? b : a,
              dst: isReverse ? a : b,
              srcPort: isReverse ? 80 : 41000,
              dstPort: isReverse ? 41000 : 80,
              protocol: 6,
              packets: 5,
              bytes: 900,
              firstMs: 40_000,
              lastMs: 49_000,
              tcpFlags: pick([0x02, 0x12, 0x1b]),
              input: pick([0, 2]),
              output: 4,
            };
          }),
        }),
      });
    } else {
      out.push({
        exporter,
        datagram: encodeSflowV5({
          agent: exporter,
          samples: Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
            const isReverse = r() < 0.5;
            const [a, b] = [pick(v4), pick(v4)];
            return {
              kind: 'flow' as const,
              samplingRate: pick([1, 512]),
              input: 2,
              records: [
                {
                  kind: 'sampled-ipv4' as const,
                  length: 1500,
                  protocol: 6,
                  src: isReverse ? b : a,
                  dst: isReverse ? a : b,
                  srcPort: isReverse ? 443 : 50000,
                  dstPort: isReverse ? 50000 : 443,
                  tcpFlags: 0x10,
                },
              ],
            };
          }),
        }),
      });
    }
  }
  return out;
}

describe('the collector with onRecord and createCollectStitcher', () => {
  it('store the very flows that the collector with onFlow and flow/ stitcher do, for every protocol', () => {
    const p = pair(CONFIG);
    const options = { maxExporters: 8, maxTemplatesPerExporter: 16 };
    let nowUs = 0;
    const referenceCollector = createFlowExportCollector(options, {
      onFlow: (flow) => p.referenceStitcher.add(flow, nowUs),
    });
    const collector = createFlowExportCollector(options, {
      onFlow: (flow) => p.packed.addFlow(flow, nowUs),
      onRecord: (row) => p.packed.addRow(row, nowUs),
    });
    const datagrams = randomDatagrams(11, 600);
    for (let i = 0; i < datagrams.length; i++) {
      nowUs = T0 + i * 200_000;
      const { datagram, exporter } = datagrams[i]!;
      referenceCollector.receive(datagram, exporter, nowUs);
      collector.receive(datagram, exporter, nowUs);
      if (i % 50 === 49) {
        p.referenceStitcher.advance(nowUs);
        p.packed.advance(nowUs);
      }
    }
    p.referenceStitcher.flush();
    p.packed.flush();
    const packed = packedFlows(p.builder);
    expect(collector.stats()).toEqual(referenceCollector.stats());
    expect(collector.stats().records).toBeGreaterThan(2000);
    expect(Object.values(collector.stats().drops).every((n) => n === 0)).toBe(true);
    expect(packed).toEqual(p.reference);
    const stats = p.packed.stats();
    expect(stats).toEqual(p.referenceStitcher.stats());
    expect(stats.paired).toBeGreaterThan(0);
    expect(stats.biflows).toBeGreaterThan(0);
    expect(stats.fromSamples).toBeGreaterThan(0);
    // Every field kind the datagrams carry came through somewhere.
    expect(packed.some((f) => f.ipVersion === 6 && f.srcMac !== null && f.vlan !== null)).toBe(true);
    expect(packed.some((f) => f.interface !== null && f.samplingRate! > 1)).toBe(true);
  });
});

describe('parseAddressWords', () => {
  it.each([
    ['192.168.1.20', [0xc0a80114, 0, 0, 0]],
    ['255.255.255.255', [-1, 0, 0, 0]],
    ['2001:db8::1', [0x20010db8, 0, 0, 1]],
    ['::', [0, 0, 0, 0]],
    ['::ffff:192.168.1.3', [0, 0, 0xffff, 0xc0a80103]],
    ['fe80::1:2:3:4', [0xfe800000, 0, 0x00010002, 0x00030004]],
    ['1:2:3:4:5:6:7:8', [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
  ])('reads %s as its words', (text, words) => {
    const out = new Int32Array(4);
    expect(parseAddressWords(text, out)).toBe(true);
    expect([...out]).toEqual(words.map((w) => w | 0));
  });

  it.each(['1.2.3', '1.2.3.256', 'x::1', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7'])(
    'refuses %s',
    (text) => {
      expect(parseAddressWords(text, new Int32Array(4))).toBe(false);
    },
  );
});
