import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType, type PacketSummary } from '../packet.js';
import { concat, ipv4Packet, tcpSegment, udpDatagram } from '../testing.js';

const TCP = 6;
const UDP = 17;
const base = { src: '192.168.1.20', dst: '203.0.113.9' };
const payload1400 = new Uint8Array(1400).fill(0xab);

interface Case {
  name: string;
  frame: Uint8Array;
  expected: Partial<PacketSummary>;
  payloadBytes?: number;
}

const cases: Case[] = [
  {
    name: 'reads addresses, protocol, TTL, identification and the total length of an unfragmented packet',
    frame: ipv4Packet(
      { ...base, protocol: TCP, ttl: 57, id: 0xbeef },
      tcpSegment({ srcPort: 50000, dstPort: 443 }, [1, 2, 3]),
    ),
    expected: {
      ipVersion: 4,
      srcAddr: '192.168.1.20',
      dstAddr: '203.0.113.9',
      ipProto: TCP,
      ttl: 57,
      ipBytes: 43,
      fragmentId: 0xbeef,
      isFragment: false,
      fragmentOffset: 0,
      srcPort: 50000,
      dstPort: 443,
      payloadLength: 3,
    },
    payloadBytes: 3,
  },
  {
    name: 'skips options to find the transport header',
    frame: ipv4Packet(
      { ...base, protocol: UDP, options: [0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00] },
      udpDatagram({ srcPort: 68, dstPort: 67 }, [7, 7]),
    ),
    expected: { ipBytes: 38, srcPort: 68, dstPort: 67, payloadLength: 2 },
    payloadBytes: 2,
  },
  {
    name: 'reads ports from a first fragment and marks it as a fragment at offset 0',
    frame: ipv4Packet(
      { ...base, protocol: UDP, id: 77, moreFragments: true },
      udpDatagram({ srcPort: 5000, dstPort: 53, length: 3008 }, new Uint8Array(1472)),
    ),
    expected: {
      isFragment: true,
      fragmentOffset: 0,
      fragmentId: 77,
      srcPort: 5000,
      dstPort: 53,
      ipBytes: 1500,
      payloadLength: 3000,
    },
    payloadBytes: 1472,
  },
  {
    name: 'leaves ports at 0 and the payload empty for a middle fragment',
    frame: ipv4Packet(
      { ...base, protocol: UDP, id: 77, moreFragments: true, fragmentOffset: 1480 },
      udpDatagram({ srcPort: 5000, dstPort: 53 }, new Uint8Array(100)),
    ),
    expected: {
      isFragment: true,
      fragmentOffset: 1480,
      fragmentId: 77,
      ipProto: UDP,
      srcPort: 0,
      dstPort: 0,
      payloadLength: 0,
    },
    payloadBytes: 0,
  },
  {
    name: 'marks the last fragment (offset set, more-fragments clear) as a fragment',
    frame: ipv4Packet({ ...base, protocol: TCP, fragmentOffset: 2960 }, new Uint8Array(40)),
    expected: { isFragment: true, fragmentOffset: 2960, srcPort: 0, ipBytes: 60 },
    payloadBytes: 0,
  },
  {
    name: 'keeps the stated lengths of a packet cut by the snap length',
    frame: ipv4Packet(
      { ...base, protocol: TCP },
      tcpSegment({ srcPort: 1, dstPort: 80 }, payload1400),
    ).subarray(0, 96),
    expected: { ipBytes: 1440, srcPort: 1, dstPort: 80, payloadLength: 1400 },
    payloadBytes: 56,
  },
  {
    name: 'excludes bytes after the total length, such as Ethernet padding, from the payload',
    frame: concat(
      ipv4Packet({ ...base, protocol: UDP }, udpDatagram({ srcPort: 9, dstPort: 9 }, [1])),
      [0, 0, 0],
    ),
    expected: { ipBytes: 29, payloadLength: 1 },
    payloadBytes: 1,
  },
  {
    name: 'takes the captured length when the total length is 0, as segmentation offload leaves it',
    frame: ipv4Packet(
      { ...base, protocol: TCP, totalLength: 0 },
      tcpSegment({ srcPort: 1, dstPort: 2 }, payload1400),
    ),
    expected: { ipBytes: 1440, payloadLength: 1400 },
    payloadBytes: 1400,
  },
  {
    name: 'reports an unknown protocol with ports 0 and its whole payload',
    frame: ipv4Packet({ ...base, protocol: 47 }, [0, 0, 0x08, 0x00, 9, 9]),
    expected: { ipProto: 47, srcPort: 0, dstPort: 0, icmpType: null, payloadLength: 6 },
    payloadBytes: 6,
  },
];

describe('decodePacket on IPv4', () => {
  it.each(cases)('$name', ({ frame, expected, payloadBytes }) => {
    const result = decodePacket(LinkType.IPV4, frame);
    if (result.kind !== 'ip') throw new Error(`expected ip, got ${JSON.stringify(result)}`);
    expect(result.packet).toMatchObject(expected);
    if (payloadBytes !== undefined) expect(result.packet.payload.length).toBe(payloadBytes);
  });

  const malformed: Array<[string, Uint8Array, string]> = [
    [
      'a header shorter than 20 bytes',
      ipv4Packet({ ...base, protocol: TCP }, []).subarray(0, 19),
      'truncated',
    ],
    [
      'a header length field below 5',
      ipv4Packet({ ...base, protocol: UDP, ihl: 4 }, udpDatagram({ srcPort: 1, dstPort: 2 })),
      'below 5',
    ],
    [
      'options beyond the captured bytes',
      ipv4Packet({ ...base, protocol: UDP, ihl: 15 }, [1, 2, 3]),
      'options',
    ],
    [
      'a total length shorter than the header',
      ipv4Packet({ ...base, protocol: UDP, totalLength: 12 }, [1, 2, 3]),
      'total length',
    ],
    ['a version other than 4 on an IPv4 link', concat([0x65], new Uint8Array(39)), 'version'],
  ];

  it.each(malformed)('reports %s as malformed', (_name, frame, reasonPart) => {
    const result = decodePacket(LinkType.IPV4, frame);
    expect(result.kind).toBe('malformed');
    if (result.kind === 'malformed') expect(result.reason).toContain(reasonPart);
  });
});
