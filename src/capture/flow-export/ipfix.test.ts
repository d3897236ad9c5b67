import { describe, expect, it } from 'vitest';
import type { OneWayFlow } from '../../records/index.js';
import { createFlowExportCollector, type FlowExportCollector } from './flow-export-collector.js';
import {
  encodeIpfix,
  IPV4_FLOW_FIELDS,
  u8,
  type FieldSpec,
  type FieldValue,
  type SetSpec,
} from './testing.js';

const EXPORT_S = 1_715_713_200;
const START_MS = EXPORT_S * 1000 - 4_000;
const END_MS = EXPORT_S * 1000 - 1_000;
const BASE: FieldValue[] = ['192.168.1.20', '203.0.113.9', 51234, 443, 6, 0x1b, 14, 1840];
const NTP_OFFSET_S = 2_208_988_800;

function setup(): { collector: FlowExportCollector; flows: OneWayFlow[] } {
  const flows: OneWayFlow[] = [];
  const collector = createFlowExportCollector(
    { maxExporters: 4, maxTemplatesPerExporter: 8 },
    { onFlow: (flow) => flows.push(flow) },
  );
  return { collector, flows };
}

function send(collector: FlowExportCollector, sets: SetSpec[], domainId = 0): void {
  collector.receive(encodeIpfix({ exportTimeS: EXPORT_S, domainId, sets }), '192.0.2.1', 0);
}

/** A template made of the base fields plus `extra`, and one record of it. */
function oneRecord(extra: FieldSpec[], values: FieldValue[], id = 256): SetSpec[] {
  const fields = [...IPV4_FLOW_FIELDS.slice(0, 8), ...extra];
  return [
    { kind: 'templates', templates: [{ id, fields }] },
    { kind: 'data', templateId: id, fields, records: [[...BASE, ...values]] },
  ];
}

/** NTP timestamp bytes (seconds since 1900, 32-bit fraction) of epoch microseconds. */
function ntp(micros: number): Uint8Array {
  const seconds = Math.floor(micros / 1e6) + NTP_OFFSET_S;
  const fraction = Math.round(((micros % 1e6) / 1e6) * 2 ** 32);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, seconds);
  new DataView(out.buffer).setUint32(4, fraction);
  return out;
}

describe('decodeIpfix', () => {
  const timeCases: { description: string; sets: SetSpec[]; first: number; last: number }[] = [
    {
      description: 'reads flowStartMilliseconds / flowEndMilliseconds',
      sets: oneRecord(
        [
          { id: 152, length: 8 },
          { id: 153, length: 8 },
        ],
        [START_MS, END_MS],
      ),
      first: START_MS * 1000,
      last: END_MS * 1000,
    },
    {
      description: 'reads flowStartSeconds / flowEndSeconds',
      sets: oneRecord(
        [
          { id: 150, length: 4 },
          { id: 151, length: 4 },
        ],
        [EXPORT_S - 4, EXPORT_S - 1],
      ),
      first: (EXPORT_S - 4) * 1e6,
      last: (EXPORT_S - 1) * 1e6,
    },
    {
      description: 'reads flowStartMicroseconds / flowEndMicroseconds in NTP format',
      sets: oneRecord(
        [
          { id: 154, length: 8 },
          { id: 155, length: 8 },
        ],
        [ntp(START_MS * 1000 + 250), ntp(END_MS * 1000 + 750)],
      ),
      first: START_MS * 1000 + 250,
      last: END_MS * 1000 + 750,
    },
    {
      description: 'reads flowStartDeltaMicroseconds / flowEndDeltaMicroseconds back from the export time',
      sets: oneRecord(
        [
          { id: 158, length: 4 },
          { id: 159, length: 4 },
        ],
        [4_000_000, 1_000_000],
      ),
      first: START_MS * 1000,
      last: END_MS * 1000,
    },
    {
      description: 'reads sysUpTime times against systemInitTimeMilliseconds in the same record',
      sets: oneRecord(
        [
          { id: 160, length: 8 },
          { id: 22, length: 4 },
          { id: 21, length: 4 },
        ],
        [START_MS - 60_000, 60_000, 63_000],
      ),
      first: START_MS * 1000,
      last: END_MS * 1000,
    },
    {
      description: 'takes the end from flowStartMilliseconds plus flowDurationMilliseconds',
      sets: oneRecord(
        [
          { id: 152, length: 8 },
          { id: 161, length: 4 },
        ],
        [START_MS, 3_000],
      ),
      first: START_MS * 1000,
      last: END_MS * 1000,
    },
  ];
  for (const { description, sets, first, last } of timeCases) {
    it(description, () => {
      const { collector, flows } = setup();
      send(collector, sets);
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ firstSeenAt: first, lastSeenAt: last, packets: 14, bytes: 1840 });
    });
  }

  it('reads sysUpTime times against the boot time an options record announced', () => {
    const { collector, flows } = setup();
    const scope: FieldSpec[] = [{ id: 149, length: 4 }];
    const options: FieldSpec[] = [{ id: 160, length: 8 }];
    send(collector, [
      { kind: 'options-templates', templates: [{ id: 400, scope, fields: options }] },
      { kind: 'data', templateId: 400, fields: [...scope, ...options], records: [[0, START_MS - 10_000]] },
      ...oneRecord(
        [
          { id: 22, length: 4 },
          { id: 21, length: 4 },
        ],
        [10_000, 13_000],
      ),
    ]);
    expect(flows[0]).toMatchObject({ firstSeenAt: START_MS * 1000, lastSeenAt: END_MS * 1000 });
  });

  it('steps over variable-length fields in the short and the long length form', () => {
    const { collector, flows } = setup();
    const fields: FieldSpec[] = [
      { id: 8, length: 4 },
      { id: 96, length: 65535 }, // applicationName
      { id: 12, length: 4 },
      { id: 94, length: 65535 }, // applicationDescription
      { id: 4, length: 1 },
      { id: 2, length: 4 },
      { id: 1, length: 4 },
    ];
    send(collector, [
      { kind: 'templates', templates: [{ id: 256, fields }] },
      {
        kind: 'data',
        templateId: 256,
        fields,
        records: [
          ['10.0.0.1', new Uint8Array(3).fill(65), '10.0.0.2', new Uint8Array(300).fill(66), 17, 1, 60],
          ['10.0.0.3', new Uint8Array(0), '10.0.0.4', new Uint8Array(254), 17, 2, 120],
        ],
      },
    ]);
    expect(flows.map((f) => [f.srcAddr, f.dstAddr, f.packets, f.bytes])).toEqual([
      ['10.0.0.1', '10.0.0.2', 1, 60],
      ['10.0.0.3', '10.0.0.4', 2, 120],
    ]);
  });

  it('steps over enterprise-specific fields, including ones that reuse a standard id', () => {
    const { collector, flows } = setup();
    const fields: FieldSpec[] = [
      { id: 8, length: 4 },
      { id: 8, length: 4, enterprise: 9 }, // not sourceIPv4Address: Cisco's element 8
      { id: 12, length: 4 },
      { id: 1000, length: 65535, enterprise: 2636 },
      { id: 4, length: 1 },
      { id: 2, length: 4 },
      { id: 1, length: 4 },
    ];
    send(collector, [
      { kind: 'templates', templates: [{ id: 256, fields }] },
      {
        kind: 'data',
        templateId: 256,
        fields,
        records: [['10.0.0.1', '1.2.3.4', '10.0.0.2', u8(1, 2), 6, 3, 180]],
      },
    ]);
    expect(flows[0]).toMatchObject({ srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', packets: 3, bytes: 180 });
  });

  it('reads both directions of an RFC 5103 biflow record', () => {
    const { collector, flows } = setup();
    send(
      collector,
      oneRecord(
        [
          { id: 2, length: 4, enterprise: 29305 },
          { id: 1, length: 4, enterprise: 29305 },
          { id: 6, length: 1, enterprise: 29305 },
        ],
        [16, 12_400, 0x12],
      ),
    );
    expect(flows[0]).toMatchObject({
      packets: 14,
      reversePackets: 16,
      reverseBytes: 12_400,
      reverseTcpFlags: 0x12,
    });
  });

  it('forgets a withdrawn template, and every template after a withdraw-all', () => {
    const { collector, flows } = setup();
    const data = oneRecord([], [])[1]!;
    send(collector, oneRecord([], [], 256).slice(0, 1));
    send(collector, oneRecord([], [], 257).slice(0, 1));
    send(collector, [{ kind: 'withdraw', ids: [256] }, data]);
    expect(flows).toEqual([]);
    expect(collector.stats().exporters[0]).toMatchObject({ templates: 1, templatesWithdrawn: 1 });
    send(collector, [{ kind: 'withdraw', ids: [2] }]);
    expect(collector.stats().exporters[0]).toMatchObject({ templates: 0, templatesWithdrawn: 2 });
  });

  const samplingCases: { description: string; options: FieldSpec[]; values: FieldValue[]; rate: number }[] = [
    { description: 'samplingInterval', options: [{ id: 34, length: 4 }], values: [100], rate: 100 },
    { description: 'samplerRandomInterval', options: [{ id: 50, length: 4 }], values: [64], rate: 64 },
    {
      description: 'samplingPacketInterval and samplingPacketSpace',
      options: [
        { id: 305, length: 4 },
        { id: 306, length: 4 },
      ],
      values: [1, 9],
      rate: 10,
    },
  ];
  for (const { description, options, values, rate } of samplingCases) {
    it(`scales counts by the rate an options record gives as ${description}`, () => {
      const { collector, flows } = setup();
      const scope: FieldSpec[] = [{ id: 302, length: 4 }];
      send(collector, [
        { kind: 'options-templates', templates: [{ id: 400, scope, fields: options }] },
        { kind: 'data', templateId: 400, fields: [...scope, ...options], records: [[1, ...values]] },
        ...oneRecord([{ id: 302, length: 4 }], [1]),
      ]);
      expect(flows[0]).toMatchObject({
        packets: 14 * rate,
        bytes: 1840 * rate,
        samplingRate: rate,
        countsEstimated: true,
      });
    });
  }

  it('uses a domain-wide rate for records that name no selector', () => {
    const { collector, flows } = setup();
    const scope: FieldSpec[] = [{ id: 149, length: 4 }];
    const options: FieldSpec[] = [{ id: 34, length: 4 }];
    send(collector, [
      { kind: 'options-templates', templates: [{ id: 400, scope, fields: options }] },
      { kind: 'data', templateId: 400, fields: [...scope, ...options], records: [[0, 4]] },
      ...oneRecord([], []),
    ]);
    expect(flows[0]).toMatchObject({ packets: 56, samplingRate: 4 });
  });

  const hostile: { description: string; datagram: Uint8Array; reason: string }[] = [
    {
      description: 'drops a message header cut short',
      datagram: encodeIpfix({ exportTimeS: EXPORT_S, sets: [] }).subarray(0, 12),
      reason: 'truncated',
    },
    {
      description: 'drops a message whose length field is longer than the datagram',
      datagram: encodeIpfix({ exportTimeS: EXPORT_S, sets: [], length: 400 }),
      reason: 'truncated',
    },
    {
      description: 'drops a message whose length field is shorter than its header',
      datagram: encodeIpfix({ exportTimeS: EXPORT_S, sets: [], length: 8 }),
      reason: 'bad_header',
    },
    {
      description: 'refuses a template that claims more fields than the datagram holds',
      datagram: encodeIpfix({
        exportTimeS: EXPORT_S,
        sets: [{ kind: 'raw', setId: 2, body: Uint8Array.from([1, 0, 0xff, 0xff, 0, 8, 0, 4]) }],
      }),
      reason: 'bad_template',
    },
    {
      description: 'refuses an options template with more scope fields than fields',
      datagram: encodeIpfix({
        exportTimeS: EXPORT_S,
        sets: [{ kind: 'raw', setId: 3, body: Uint8Array.from([1, 0, 0, 1, 0, 2, 0, 34, 0, 4]) }],
      }),
      reason: 'bad_template',
    },
    {
      description: 'drops a record whose variable-length field runs past the set',
      datagram: encodeIpfix({
        exportTimeS: EXPORT_S,
        sets: [
          {
            kind: 'templates',
            templates: [
              {
                id: 256,
                fields: [
                  { id: 8, length: 4 },
                  { id: 96, length: 65535 },
                ],
              },
            ],
          },
          { kind: 'raw', setId: 256, body: Uint8Array.from([10, 0, 0, 1, 255, 1, 0, 0]) },
        ],
      }),
      reason: 'truncated',
    },
  ];
  for (const { description, datagram, reason } of hostile) {
    it(description, () => {
      const { collector, flows } = setup();
      collector.receive(datagram, '192.0.2.1', 0);
      expect(flows).toEqual([]);
      expect(collector.stats().drops[reason as 'truncated']).toBe(1);
    });
  }
});
