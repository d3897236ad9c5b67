import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OneWayFlow } from '../../records/index.js';
import { DROP_REASONS } from './drop-reason.js';
import { createFlowExportCollector, type FlowExportCollector } from './flow-export-collector.js';
import {
  encodeIpfix,
  encodeNetflowV5,
  encodeNetflowV9,
  encodeSflowV5,
  IPV4_FLOW_FIELDS,
  type FieldValue,
} from './testing.js';

const EXPORT_S = 1_715_713_200;
const RECORD: FieldValue[] = [
  '192.168.1.20',
  '203.0.113.9',
  51234,
  443,
  6,
  0x1b,
  14,
  1840,
  EXPORT_S * 1000,
  EXPORT_S * 1000,
];

const IPFIX_TEMPLATE = encodeIpfix({
  exportTimeS: EXPORT_S,
  sets: [{ kind: 'templates', templates: [{ id: 256, fields: IPV4_FLOW_FIELDS }] }],
});
const IPFIX_DATA = encodeIpfix({
  exportTimeS: EXPORT_S,
  sets: [{ kind: 'data', templateId: 256, fields: IPV4_FLOW_FIELDS, records: [RECORD, RECORD] }],
});
const V9_BOTH = encodeNetflowV9({
  sysUptimeMs: 1000,
  unixSecs: EXPORT_S,
  sets: [
    { kind: 'templates', templates: [{ id: 256, fields: IPV4_FLOW_FIELDS }] },
    { kind: 'data', templateId: 256, fields: IPV4_FLOW_FIELDS, records: [RECORD] },
  ],
});
const V5 = encodeNetflowV5({
  sysUptimeMs: 1000,
  unixSecs: EXPORT_S,
  records: [
    {
      src: '10.0.0.1',
      dst: '10.0.0.2',
      srcPort: 1,
      dstPort: 2,
      protocol: 17,
      packets: 1,
      bytes: 60,
      firstMs: 0,
      lastMs: 0,
    },
  ],
});
const SFLOW = encodeSflowV5({
  agent: '192.0.2.9',
  samples: [
    {
      kind: 'flow',
      samplingRate: 4,
      records: [
        {
          kind: 'sampled-ipv4',
          length: 60,
          protocol: 6,
          src: '10.0.0.1',
          dst: '10.0.0.2',
          srcPort: 1,
          dstPort: 2,
          tcpFlags: 2,
        },
      ],
    },
  ],
});
const VALID = [IPFIX_TEMPLATE, IPFIX_DATA, V9_BOTH, V5, SFLOW];

function setup(
  maxTemplatesPerExporter = 16,
  maxExporters = 16,
): { collector: FlowExportCollector; flows: OneWayFlow[] } {
  const flows: OneWayFlow[] = [];
  const collector = createFlowExportCollector(
    { maxExporters, maxTemplatesPerExporter },
    { onFlow: (flow) => flows.push(flow) },
  );
  return { collector, flows };
}

function totalDrops(collector: FlowExportCollector): number {
  const drops = collector.stats().drops;
  return DROP_REASONS.reduce((sum, reason) => sum + drops[reason], 0);
}

describe('createFlowExportCollector', () => {
  it('tells the four protocols apart by their first bytes', () => {
    const { collector } = setup();
    collector.receive(IPFIX_TEMPLATE, '192.0.2.1', 0);
    collector.receive(V9_BOTH, '192.0.2.2', 0);
    collector.receive(V5, '192.0.2.3', 0);
    collector.receive(SFLOW, '192.0.2.4', 0);
    const byExporter = Object.fromEntries(collector.stats().exporters.map((e) => [e.exporter, e.protocol]));
    expect(byExporter).toEqual({
      '192.0.2.1': 'ipfix',
      '192.0.2.2': 'netflow9',
      '192.0.2.3': 'netflow5',
      '192.0.2.4': 'sflow5',
    });
  });

  it('keeps NetFlow v9 and IPFIX templates of the same id and domain from one address apart', () => {
    const { collector, flows } = setup();
    // IPFIX template 256 (addresses first), then a v9 template 256 (ports first), both domain 0.
    const V9_FIELDS = [
      ...IPV4_FLOW_FIELDS.slice(2, 4),
      ...IPV4_FLOW_FIELDS.slice(0, 2),
      ...IPV4_FLOW_FIELDS.slice(4),
    ];
    const v9Record = [RECORD[2]!, RECORD[3]!, RECORD[0]!, RECORD[1]!, ...RECORD.slice(4)];
    collector.receive(IPFIX_TEMPLATE, '192.0.2.1', 0);
    collector.receive(
      encodeNetflowV9({
        sysUptimeMs: 1000,
        unixSecs: EXPORT_S,
        sets: [{ kind: 'templates', templates: [{ id: 256, fields: V9_FIELDS }] }],
      }),
      '192.0.2.1',
      0,
    );
    collector.receive(IPFIX_DATA, '192.0.2.1', 0);
    collector.receive(
      encodeNetflowV9({
        sysUptimeMs: 1000,
        unixSecs: EXPORT_S,
        sets: [{ kind: 'data', templateId: 256, fields: V9_FIELDS, records: [v9Record] }],
      }),
      '192.0.2.1',
      0,
    );
    expect(flows.map((f) => [f.srcAddr, f.dstAddr, f.srcPort, f.dstPort, f.domainId])).toEqual([
      ['192.168.1.20', '203.0.113.9', 51234, 443, 0],
      ['192.168.1.20', '203.0.113.9', 51234, 443, 0],
      ['192.168.1.20', '203.0.113.9', 51234, 443, 0],
    ]);
    expect(collector.stats().exporters[0]).toMatchObject({ templates: 2, records: 3 });
    expect(totalDrops(collector)).toBe(0);
  });

  it('counts a datagram of an unknown version, and a one-byte datagram, without throwing', () => {
    const { collector } = setup();
    collector.receive(Uint8Array.from([0, 7, 0, 0, 0, 0]), '192.0.2.1', 0);
    collector.receive(Uint8Array.from([9]), '192.0.2.1', 0);
    expect(collector.stats().drops).toMatchObject({ unknown_version: 1, truncated: 1 });
    expect(collector.stats().datagrams).toBe(2);
  });

  it('survives random bytes: never throws, and every datagram is decoded or counted', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), (datagrams) => {
        const { collector } = setup(4, 4);
        for (const datagram of datagrams) collector.receive(datagram, '192.0.2.1', 0);
        const stats = collector.stats();
        expect(stats.datagrams).toBe(datagrams.length);
        expect(stats.drops.decoder_error).toBe(0);
        expect(stats.exporters[0]?.templates ?? 0).toBeLessThanOrEqual(4);
      }),
      { numRuns: 300 },
    );
  });

  it('survives valid datagrams cut short or with bytes flipped, with every record from a real field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (valid, cut, flips) => {
          const { collector, flows } = setup(4, 4);
          collector.receive(IPFIX_TEMPLATE, '192.0.2.1', 0);
          const bytes = Uint8Array.from(valid.subarray(0, valid.length - (cut % valid.length)));
          for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
          collector.receive(bytes, '192.0.2.1', 0);
          expect(collector.stats().drops.decoder_error).toBe(0);
          for (const flow of flows) {
            expect(flow.lastSeenAt).toBeGreaterThanOrEqual(flow.firstSeenAt);
            expect(Number.isFinite(flow.bytes) && flow.bytes >= 0).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses templates past the cap for the flooding exporter while another exporter keeps flowing', () => {
    const { collector, flows } = setup(8);
    collector.receive(IPFIX_TEMPLATE, '192.0.2.50', 0);
    for (let id = 256; id < 256 + 1000; id++) {
      collector.receive(
        encodeIpfix({
          exportTimeS: EXPORT_S,
          sets: [{ kind: 'templates', templates: [{ id, fields: IPV4_FLOW_FIELDS }] }],
        }),
        '192.0.2.66',
        0,
      );
    }
    collector.receive(IPFIX_DATA, '192.0.2.50', 0);
    const flooder = collector.stats().exporters.find((e) => e.exporter === '192.0.2.66')!;
    expect(flooder.templates).toBe(8);
    expect(flooder.drops.template_limit).toBe(992);
    expect(flows).toHaveLength(2);
    expect(flows.every((flow) => flow.exporter === '192.0.2.50')).toBe(true);
  });

  it('still refreshes a template it already holds when at the cap', () => {
    const { collector, flows } = setup(1);
    collector.receive(IPFIX_TEMPLATE, '192.0.2.1', 0);
    collector.receive(IPFIX_TEMPLATE, '192.0.2.1', 0);
    collector.receive(IPFIX_DATA, '192.0.2.1', 0);
    expect(collector.stats().drops.template_limit).toBe(0);
    expect(flows).toHaveLength(2);
  });

  it('forgets the longest-silent exporter past max exporters, keeping its counts in the totals', () => {
    const { collector, flows } = setup(16, 2);
    collector.receive(IPFIX_TEMPLATE, '192.0.2.1', 0);
    collector.receive(V5, '192.0.2.2', 1);
    collector.receive(IPFIX_TEMPLATE, '192.0.2.2', 2);
    collector.receive(V5, '192.0.2.3', 3);
    const stats = collector.stats();
    expect(stats.exporters.map((e) => e.exporter)).toEqual(['192.0.2.3', '192.0.2.2']);
    expect(stats.exportersEvicted).toBe(1);
    expect(stats.datagrams).toBe(4);
    // The forgotten exporter's templates went with it: its data now waits for a template again.
    collector.receive(IPFIX_DATA, '192.0.2.1', 4);
    expect(collector.stats().drops.no_template).toBe(1);
    expect(flows).toHaveLength(2);
  });

  it('drops data records that come before their template and holds nothing for later', () => {
    const { collector, flows } = setup();
    for (let i = 0; i < 100; i++) collector.receive(IPFIX_DATA, '192.0.2.1', 0);
    collector.receive(IPFIX_TEMPLATE, '192.0.2.1', 0);
    expect(flows).toEqual([]);
    expect(collector.stats().drops.no_template).toBe(100);
    expect(totalDrops(collector)).toBe(100);
  });
});
