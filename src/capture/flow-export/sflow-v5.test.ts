import { describe, expect, it } from 'vitest';
import type { OneWayFlow } from '../../records/index.js';
import { TcpFlag } from '../../records/index.js';
import { buildFrame } from '../sample/frame-builder.js';
import { createFlowExportCollector } from './flow-export-collector.js';
import { encodeSflowV5, u8, type SflowSample } from './testing.js';

const ARRIVED_US = 1_715_713_200_000_000;

const TCP_FRAME = buildFrame({
  ethernet: { srcMac: '02:00:00:00:00:0a', dstMac: '02:00:00:00:00:01', vlan: 20 },
  ip: { version: 4, src: '192.168.1.10', dst: '93.184.216.34' },
  transport: {
    protocol: 'tcp',
    srcPort: 50000,
    dstPort: 443,
    seq: 1,
    ack: 0,
    flags: TcpFlag.SYN,
    window: 1024,
  },
});
const ICMP6_FRAME = buildFrame({
  ethernet: { srcMac: '02:00:00:00:00:0a', dstMac: '02:00:00:00:00:01' },
  ip: { version: 6, src: 'fd00::10', dst: '2001:db8::1' },
  transport: {
    protocol: 'icmp-echo',
    isReply: false,
    identifier: 7,
    sequence: 1,
    payload: new Uint8Array(56),
  },
});

function decode(samples: SflowSample[]): { flows: OneWayFlow[]; drops: Record<string, number> } {
  const flows: OneWayFlow[] = [];
  const collector = createFlowExportCollector(
    { maxExporters: 4, maxTemplatesPerExporter: 4 },
    { onFlow: (flow) => flows.push(flow) },
  );
  collector.receive(encodeSflowV5({ agent: '192.0.2.7', samples }), '192.0.2.7', ARRIVED_US);
  return { flows, drops: collector.stats().drops };
}

describe('decodeSflowV5', () => {
  const cases: { description: string; samples: SflowSample[]; expected: Partial<OneWayFlow>[] }[] = [
    {
      description: 'turns a sampled Ethernet frame into a flow of sampling_rate packets of its IP length',
      samples: [
        {
          kind: 'flow',
          samplingRate: 1000,
          input: 2,
          output: 7,
          records: [{ kind: 'raw-header', protocol: 1, frame: TCP_FRAME }],
        },
      ],
      expected: [
        {
          srcAddr: '192.168.1.10',
          dstAddr: '93.184.216.34',
          srcPort: 50000,
          dstPort: 443,
          ipProto: 6,
          tcpFlags: TcpFlag.SYN,
          packets: 1000,
          bytes: 40_000,
          samplingRate: 1000,
          countsEstimated: true,
          isPacketSample: true,
          inputInterface: 2,
          outputInterface: 7,
          srcMac: '02:00:00:00:00:0a',
          vlan: 20,
          firstSeenAt: ARRIVED_US,
          lastSeenAt: ARRIVED_US,
        },
      ],
    },
    {
      description: 'reads the expanded flow sample and keeps ICMPv6 type and code in the ports',
      samples: [
        {
          kind: 'flow',
          expanded: true,
          samplingRate: 256,
          input: 70_000,
          records: [{ kind: 'raw-header', protocol: 1, frame: ICMP6_FRAME }],
        },
      ],
      expected: [
        {
          ipVersion: 6,
          ipProto: 58,
          srcPort: 128,
          dstPort: 0,
          packets: 256,
          bytes: 256 * 104,
          inputInterface: 70_000,
        },
      ],
    },
    {
      description: 'falls back to the sampled IPv4 record when there is no raw header',
      samples: [
        {
          kind: 'flow',
          samplingRate: 10,
          records: [
            {
              kind: 'sampled-ipv4',
              length: 1500,
              protocol: 17,
              src: '10.0.0.1',
              dst: '10.0.0.2',
              srcPort: 5000,
              dstPort: 53,
              tcpFlags: 0,
            },
          ],
        },
      ],
      expected: [{ srcAddr: '10.0.0.1', dstPort: 53, ipProto: 17, packets: 10, bytes: 15_000 }],
    },
    {
      description: 'skips counter samples',
      samples: [
        { kind: 'counters' },
        { kind: 'flow', samplingRate: 1, records: [{ kind: 'raw-header', protocol: 1, frame: TCP_FRAME }] },
      ],
      expected: [{ packets: 1, countsEstimated: false }],
    },
  ];
  for (const { description, samples, expected } of cases) {
    it(description, () => {
      const { flows, drops } = decode(samples);
      expect(flows).toHaveLength(expected.length);
      flows.forEach((flow, i) => expect(flow).toMatchObject(expected[i]!));
      expect(Object.values(drops).every((count) => count === 0)).toBe(true);
    });
  }

  it('counts a sample whose packet header is not IP as bad_sample', () => {
    const arp = u8(...new Array<number>(12).fill(0xff), 0x08, 0x06, ...new Array<number>(28).fill(0));
    const { flows, drops } = decode([
      { kind: 'flow', samplingRate: 8, records: [{ kind: 'raw-header', protocol: 1, frame: arp }] },
    ]);
    expect(flows).toEqual([]);
    expect(drops['bad_sample']).toBe(1);
  });

  it('drops a sample whose length runs past the datagram', () => {
    const collector = createFlowExportCollector(
      { maxExporters: 1, maxTemplatesPerExporter: 1 },
      { onFlow: () => undefined },
    );
    const datagram = encodeSflowV5({
      agent: '192.0.2.7',
      samples: [
        { kind: 'flow', samplingRate: 8, records: [{ kind: 'raw-header', protocol: 1, frame: TCP_FRAME }] },
      ],
    });
    collector.receive(datagram.subarray(0, datagram.length - 10), '192.0.2.7', 0);
    expect(collector.stats().drops.truncated).toBe(1);
  });
});
