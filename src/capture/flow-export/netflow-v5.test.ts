import { describe, expect, it } from 'vitest';
import type { OneWayFlow } from '../../records/index.js';
import { createFlowExportCollector } from './flow-export-collector.js';
import { encodeNetflowV5, type V5Record } from './testing.js';

const EXPORT_S = 1_715_713_200; // 2024-05-14T19:00:00Z
const UPTIME_MS = 600_000;

function decode(datagram: Uint8Array): { flows: OneWayFlow[]; drops: Record<string, number> } {
  const flows: OneWayFlow[] = [];
  const collector = createFlowExportCollector(
    { maxExporters: 4, maxTemplatesPerExporter: 4 },
    { onFlow: (flow) => flows.push(flow) },
  );
  collector.receive(datagram, '192.0.2.1', 0);
  return { flows, drops: collector.stats().drops };
}

const TCP: V5Record = {
  src: '192.168.1.20',
  dst: '203.0.113.9',
  srcPort: 51234,
  dstPort: 443,
  protocol: 6,
  packets: 14,
  bytes: 1840,
  firstMs: UPTIME_MS - 5_000,
  lastMs: UPTIME_MS - 2_500,
  tcpFlags: 0x1b,
  input: 3,
  output: 5,
};

describe('decodeNetflowV5', () => {
  const cases: {
    description: string;
    datagram: Uint8Array;
    expected: Partial<OneWayFlow>[];
  }[] = [
    {
      description: 'places sysUptime times on the wall clock of the header',
      datagram: encodeNetflowV5({
        sysUptimeMs: UPTIME_MS,
        unixSecs: EXPORT_S,
        unixNsecs: 250_000_000,
        records: [TCP],
      }),
      expected: [
        {
          srcAddr: '192.168.1.20',
          dstAddr: '203.0.113.9',
          srcPort: 51234,
          dstPort: 443,
          ipProto: 6,
          ipVersion: 4,
          packets: 14,
          bytes: 1840,
          tcpFlags: 0x1b,
          inputInterface: 3,
          outputInterface: 5,
          firstSeenAt: (EXPORT_S * 1000 + 250 - 5_000) * 1000,
          lastSeenAt: (EXPORT_S * 1000 + 250 - 2_500) * 1000,
          samplingRate: 1,
          countsEstimated: false,
        },
      ],
    },
    {
      description:
        'keeps a flow that started before the 32-bit uptime counter wrapped just before the export',
      datagram: encodeNetflowV5({
        sysUptimeMs: 1_000,
        unixSecs: EXPORT_S,
        records: [{ ...TCP, firstMs: 0xffffffff - 999, lastMs: 500 }],
      }),
      expected: [
        { firstSeenAt: (EXPORT_S * 1000 - 2_000) * 1000, lastSeenAt: (EXPORT_S * 1000 - 500) * 1000 },
      ],
    },
    {
      description: 'reads ICMP type and code from the destination port (type × 256 + code)',
      datagram: encodeNetflowV5({
        sysUptimeMs: UPTIME_MS,
        unixSecs: EXPORT_S,
        records: [{ ...TCP, protocol: 1, srcPort: 0, dstPort: 3 * 256 + 1, tcpFlags: 0 }],
      }),
      expected: [{ ipProto: 1, srcPort: 3, dstPort: 1 }],
    },
    {
      description: 'scales counts by the header sampling interval and marks them as estimates',
      datagram: encodeNetflowV5({
        sysUptimeMs: UPTIME_MS,
        unixSecs: EXPORT_S,
        sampling: (1 << 14) | 100,
        records: [TCP],
      }),
      expected: [{ packets: 1400, bytes: 184_000, samplingRate: 100, countsEstimated: true }],
    },
    {
      description: 'decodes every record of a full datagram',
      datagram: encodeNetflowV5({
        sysUptimeMs: UPTIME_MS,
        unixSecs: EXPORT_S,
        records: Array.from({ length: 30 }, (_, i) => ({ ...TCP, srcPort: 40_000 + i })),
      }),
      expected: Array.from({ length: 30 }, (_, i) => ({ srcPort: 40_000 + i })),
    },
  ];
  for (const { description, datagram, expected } of cases) {
    it(description, () => {
      const { flows } = decode(datagram);
      expect(flows).toHaveLength(expected.length);
      flows.forEach((flow, i) => expect(flow).toMatchObject(expected[i]!));
    });
  }

  const hostile: { description: string; datagram: Uint8Array; reason: string }[] = [
    {
      description: 'drops a header cut short',
      datagram: encodeNetflowV5({ sysUptimeMs: 0, unixSecs: EXPORT_S, records: [] }).subarray(0, 20),
      reason: 'truncated',
    },
    {
      description: 'drops a datagram whose count claims more records than it holds',
      datagram: encodeNetflowV5({ sysUptimeMs: 0, unixSecs: EXPORT_S, records: [TCP], count: 2 }),
      reason: 'truncated',
    },
    {
      description: 'drops a datagram that claims no records',
      datagram: encodeNetflowV5({ sysUptimeMs: 0, unixSecs: EXPORT_S, records: [] }),
      reason: 'bad_header',
    },
  ];
  for (const { description, datagram, reason } of hostile) {
    it(description, () => {
      const { flows, drops } = decode(datagram);
      expect(flows).toEqual([]);
      expect(drops[reason]).toBe(1);
    });
  }
});
