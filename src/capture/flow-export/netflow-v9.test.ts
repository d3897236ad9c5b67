import { describe, expect, it } from 'vitest';
import type { OneWayFlow } from '../../records/index.js';
import { createFlowExportCollector, type FlowExportCollector } from './flow-export-collector.js';
import { encodeNetflowV9, type FieldSpec, type SetSpec } from './testing.js';

const UNIX_S = 1_715_713_200;
const UPTIME_MS = 3_600_000;

/** v9's classic IPv4 template: addresses, ports, protocol, flags, counters, FIRST/LAST_SWITCHED. */
const V4_FIELDS: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 6, length: 1 },
  { id: 2, length: 4 },
  { id: 1, length: 4 },
  { id: 22, length: 4 },
  { id: 21, length: 4 },
  { id: 10, length: 2 },
  { id: 14, length: 2 },
];
const V4_RECORD = [
  '192.168.1.20',
  '203.0.113.9',
  51234,
  443,
  6,
  0x1b,
  14,
  1840,
  UPTIME_MS - 4_000,
  UPTIME_MS - 1_000,
  3,
  5,
];

const V6_FIELDS: FieldSpec[] = [
  { id: 27, length: 16 },
  { id: 28, length: 16 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 2, length: 8 },
  { id: 1, length: 8 },
  { id: 22, length: 4 },
  { id: 21, length: 4 },
];

function datagram(sets: SetSpec[], sourceId = 0): Uint8Array {
  return encodeNetflowV9({ sysUptimeMs: UPTIME_MS, unixSecs: UNIX_S, sourceId, sets });
}

function setup(): { collector: FlowExportCollector; flows: OneWayFlow[] } {
  const flows: OneWayFlow[] = [];
  const collector = createFlowExportCollector(
    { maxExporters: 4, maxTemplatesPerExporter: 8 },
    { onFlow: (flow) => flows.push(flow) },
  );
  return { collector, flows };
}

describe('decodeNetflowV9', () => {
  it('decodes data records with the template sent before them in the same datagram', () => {
    const { collector, flows } = setup();
    collector.receive(
      datagram([
        { kind: 'templates', templates: [{ id: 256, fields: V4_FIELDS }] },
        { kind: 'data', templateId: 256, fields: V4_FIELDS, records: [V4_RECORD] },
      ]),
      '192.0.2.1',
      0,
    );
    expect(flows).toEqual([
      expect.objectContaining({
        exporter: '192.0.2.1',
        srcAddr: '192.168.1.20',
        dstAddr: '203.0.113.9',
        srcPort: 51234,
        dstPort: 443,
        ipProto: 6,
        tcpFlags: 0x1b,
        packets: 14,
        bytes: 1840,
        firstSeenAt: (UNIX_S * 1000 - 4_000) * 1000,
        lastSeenAt: (UNIX_S * 1000 - 1_000) * 1000,
        inputInterface: 3,
        outputInterface: 5,
      }),
    ]);
  });

  it('decodes IPv6 records with 8-byte counters', () => {
    const { collector, flows } = setup();
    collector.receive(
      datagram([
        { kind: 'templates', templates: [{ id: 300, fields: V6_FIELDS }] },
        {
          kind: 'data',
          templateId: 300,
          fields: V6_FIELDS,
          records: [['fd00::20', '2001:db8::9', 50000, 53, 17, 2, 5_000_000_000, UPTIME_MS, UPTIME_MS]],
        },
      ]),
      '192.0.2.1',
      0,
    );
    expect(flows[0]).toMatchObject({
      ipVersion: 6,
      srcAddr: 'fd00::20',
      dstAddr: '2001:db8::9',
      ipProto: 17,
      packets: 2,
      bytes: 5_000_000_000,
    });
  });

  it('drops data that arrives before its template, then decodes it once the template came', () => {
    const { collector, flows } = setup();
    const data: SetSpec = { kind: 'data', templateId: 256, fields: V4_FIELDS, records: [V4_RECORD] };
    collector.receive(datagram([data]), '192.0.2.1', 0);
    expect(flows).toEqual([]);
    expect(collector.stats().drops.no_template).toBe(1);
    collector.receive(
      datagram([{ kind: 'templates', templates: [{ id: 256, fields: V4_FIELDS }] }]),
      '192.0.2.1',
      0,
    );
    collector.receive(datagram([data]), '192.0.2.1', 0);
    expect(flows).toHaveLength(1);
  });

  it('keeps templates apart per source id', () => {
    const { collector, flows } = setup();
    collector.receive(
      datagram([{ kind: 'templates', templates: [{ id: 256, fields: V4_FIELDS }] }], 1),
      '192.0.2.1',
      0,
    );
    collector.receive(
      datagram([{ kind: 'data', templateId: 256, fields: V4_FIELDS, records: [V4_RECORD] }], 2),
      '192.0.2.1',
      0,
    );
    expect(flows).toEqual([]);
    expect(collector.stats().drops.no_template).toBe(1);
  });

  it('applies a refreshed template that changes the layout under the same id', () => {
    const { collector, flows } = setup();
    collector.receive(
      datagram([{ kind: 'templates', templates: [{ id: 256, fields: V4_FIELDS }] }]),
      '192.0.2.1',
      0,
    );
    collector.receive(
      datagram([{ kind: 'templates', templates: [{ id: 256, fields: V6_FIELDS }] }]),
      '192.0.2.1',
      0,
    );
    collector.receive(
      datagram([
        {
          kind: 'data',
          templateId: 256,
          fields: V6_FIELDS,
          records: [['fd00::1', 'fd00::2', 1, 2, 17, 1, 60, UPTIME_MS, UPTIME_MS]],
        },
      ]),
      '192.0.2.1',
      0,
    );
    expect(flows[0]).toMatchObject({ srcAddr: 'fd00::1', ipVersion: 6 });
    expect(collector.stats().exporters[0]).toMatchObject({ templates: 1, templatesReceived: 2 });
  });

  it('scales counts by the rate of the sampler an options record announced, skipping the scope fields', () => {
    const { collector, flows } = setup();
    const optionFields: FieldSpec[] = [
      { id: 48, length: 1 },
      { id: 49, length: 1 },
      { id: 50, length: 4 },
    ];
    const scope: FieldSpec[] = [{ id: 1, length: 4 }]; // v9 scope "system": not element 1 (octets)
    const fields = [...V4_FIELDS, { id: 48, length: 1 }];
    collector.receive(
      datagram([
        { kind: 'options-templates', templates: [{ id: 260, scope, fields: optionFields }] },
        {
          kind: 'data',
          templateId: 260,
          fields: [...scope, ...optionFields],
          records: [[0xc0000201, 7, 2, 512]],
        },
        { kind: 'templates', templates: [{ id: 256, fields }] },
        { kind: 'data', templateId: 256, fields, records: [[...V4_RECORD, 7]] },
      ]),
      '192.0.2.1',
      0,
    );
    expect(flows[0]).toMatchObject({
      packets: 14 * 512,
      bytes: 1840 * 512,
      samplingRate: 512,
      countsEstimated: true,
    });
  });

  it('reads SAMPLING_INTERVAL carried in the data record itself', () => {
    const { collector, flows } = setup();
    const fields = [...V4_FIELDS, { id: 34, length: 4 }];
    collector.receive(
      datagram([
        { kind: 'templates', templates: [{ id: 256, fields }] },
        { kind: 'data', templateId: 256, fields, records: [[...V4_RECORD, 10]] },
      ]),
      '192.0.2.1',
      0,
    );
    expect(flows[0]).toMatchObject({ packets: 140, samplingRate: 10 });
  });

  it('ignores the padding at the end of a flowset', () => {
    const { collector, flows } = setup();
    const fields: FieldSpec[] = V4_FIELDS.slice(0, 5); // 13-byte records
    const record = V4_RECORD.slice(0, 5);
    const set = datagram([{ kind: 'templates', templates: [{ id: 256, fields }] }]);
    const data = datagram([{ kind: 'data', templateId: 256, fields, records: [record, record] }]);
    // Pad the data flowset from 30 to 32 bytes, as exporters do, and fix its length.
    const padded = new Uint8Array(data.length + 2);
    padded.set(data);
    padded[22] = 0;
    padded[23] = 32;
    collector.receive(set, '192.0.2.1', 0);
    collector.receive(padded, '192.0.2.1', 0);
    expect(flows).toHaveLength(2);
    expect(collector.stats().drops).toMatchObject({ truncated: 0, bad_set: 0 });
  });

  const hostile: { description: string; sets: SetSpec[]; reason: string }[] = [
    {
      description: 'refuses a template whose fields run past the end of its flowset',
      sets: [{ kind: 'raw', setId: 0, body: Uint8Array.from([1, 0, 0, 200, 0, 8, 0, 4]) }],
      reason: 'bad_template',
    },
    {
      description: 'refuses a template with a reserved id',
      sets: [{ kind: 'templates', templates: [{ id: 255, fields: V4_FIELDS }] }],
      reason: 'bad_template',
    },
    {
      description: 'refuses a template whose records would be zero bytes long',
      sets: [{ kind: 'templates', templates: [{ id: 256, fields: [{ id: 8, length: 0 }] }] }],
      reason: 'bad_template',
    },
    {
      description: 'stops at a flowset whose length runs past the datagram',
      sets: [{ kind: 'raw', setId: 256, body: new Uint8Array(8), length: 400 }],
      reason: 'bad_set',
    },
    {
      description: 'stops at a flowset shorter than its own header',
      sets: [{ kind: 'raw', setId: 256, body: new Uint8Array(8), length: 2 }],
      reason: 'bad_set',
    },
  ];
  for (const { description, sets, reason } of hostile) {
    it(description, () => {
      const { collector, flows } = setup();
      collector.receive(datagram(sets), '192.0.2.1', 0);
      expect(flows).toEqual([]);
      expect(collector.stats().drops[reason as 'bad_set']).toBe(1);
      expect(collector.stats().exporters[0]?.templates).toBe(0);
    });
  }
});
