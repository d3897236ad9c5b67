import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType, type PacketSummary } from '../packet.js';
import {
  concat,
  icmpMessage,
  ipv6AuthenticationHeader,
  ipv6FragmentHeader,
  ipv6OptionsHeader,
  ipv6Packet,
  tcpSegment,
  udpDatagram,
} from '../testing.js';

const HOP_BY_HOP = 0;
const TCP = 6;
const UDP = 17;
const ROUTING = 43;
const FRAGMENT = 44;
const ESP = 50;
const AH = 51;
const ICMPV6 = 58;
const NONE = 59;
const DESTINATION = 60;
const base = { src: '2001:db8:0:0:0:0:0:1', dst: 'fe80:0:0:0:0202:b3ff:fe1e:8329' };

interface Case {
  name: string;
  frame: Uint8Array;
  expected: Partial<PacketSummary>;
  payloadBytes: number;
}

const cases: Case[] = [
  {
    name: 'reads addresses in RFC 5952 form, hop limit, protocol and 40 + payload length',
    frame: ipv6Packet(
      { ...base, nextHeader: UDP, hopLimit: 3 },
      udpDatagram({ srcPort: 546, dstPort: 547 }, [1, 2]),
    ),
    expected: {
      ipVersion: 6,
      srcAddr: '2001:db8::1',
      dstAddr: 'fe80::202:b3ff:fe1e:8329',
      ttl: 3,
      ipProto: UDP,
      ipBytes: 50,
      srcPort: 546,
      dstPort: 547,
      isFragment: false,
      fragmentId: 0,
      payloadLength: 2,
    },
    payloadBytes: 2,
  },
  {
    name: 'walks hop-by-hop and a first fragment header to TCP and reads its ports',
    frame: ipv6Packet(
      { ...base, nextHeader: HOP_BY_HOP },
      concat(
        ipv6OptionsHeader(FRAGMENT, 1),
        ipv6FragmentHeader({ nextHeader: TCP, offset: 0, more: true, id: 0xdeadbeef }),
        tcpSegment({ srcPort: 40000, dstPort: 22, flags: 0x18 }, [5, 5, 5]),
      ),
    ),
    expected: {
      ipProto: TCP,
      isFragment: true,
      fragmentOffset: 0,
      fragmentId: 0xdeadbeef,
      srcPort: 40000,
      dstPort: 22,
      tcpFlags: 0x18,
      ipBytes: 40 + 16 + 8 + 23,
      payloadLength: 3,
    },
    payloadBytes: 3,
  },
  {
    name: 'stops at a later fragment with the fragment header’s protocol and no ports',
    frame: ipv6Packet(
      { ...base, nextHeader: HOP_BY_HOP },
      concat(
        ipv6OptionsHeader(FRAGMENT),
        ipv6FragmentHeader({ nextHeader: UDP, offset: 1232, more: false, id: 9 }),
        udpDatagram({ srcPort: 1, dstPort: 2 }, [3]),
      ),
    ),
    expected: {
      ipProto: UDP,
      isFragment: true,
      fragmentOffset: 1232,
      fragmentId: 9,
      srcPort: 0,
      dstPort: 0,
      payloadLength: 0,
    },
    payloadBytes: 0,
  },
  {
    name: 'does not walk into a later fragment, whose bytes are data even when the next header is an extension',
    frame: ipv6Packet(
      { ...base, nextHeader: FRAGMENT },
      concat(ipv6FragmentHeader({ nextHeader: DESTINATION, offset: 8, more: true, id: 3 }), [UDP, 200, 0, 0]),
    ),
    expected: { ipProto: DESTINATION, isFragment: true, fragmentOffset: 8, srcPort: 0, payloadLength: 0 },
    payloadBytes: 0,
  },
  {
    name: 'walks routing and destination options headers',
    frame: ipv6Packet(
      { ...base, nextHeader: ROUTING },
      concat(
        ipv6OptionsHeader(DESTINATION, 2),
        ipv6OptionsHeader(UDP),
        udpDatagram({ srcPort: 7, dstPort: 8 }, [1]),
      ),
    ),
    expected: { ipProto: UDP, srcPort: 7, dstPort: 8, payloadLength: 1 },
    payloadBytes: 1,
  },
  {
    name: 'walks an authentication header, whose length counts 4-byte words',
    frame: ipv6Packet(
      { ...base, nextHeader: AH },
      concat(ipv6AuthenticationHeader(TCP, 4), tcpSegment({ srcPort: 500, dstPort: 501 })),
    ),
    expected: { ipProto: TCP, srcPort: 500, dstPort: 501, payloadLength: 0 },
    payloadBytes: 0,
  },
  {
    name: 'stops at ESP and reports its bytes as the payload',
    frame: ipv6Packet({ ...base, nextHeader: ESP }, [0, 0, 1, 0, 0, 0, 0, 1, 0xee]),
    expected: { ipProto: ESP, srcPort: 0, payloadLength: 9 },
    payloadBytes: 9,
  },
  {
    name: 'stops at no-next-header with an empty payload, even with Ethernet padding after it',
    frame: concat(ipv6Packet({ ...base, nextHeader: NONE }, []), [0, 0, 0, 0, 0, 0]),
    expected: { ipProto: NONE, ipBytes: 40, payloadLength: 0 },
    payloadBytes: 0,
  },
  {
    name: 'reads ICMPv6 type and code behind a hop-by-hop header and leaves the ports at 0',
    frame: ipv6Packet(
      { ...base, nextHeader: HOP_BY_HOP },
      concat(ipv6OptionsHeader(ICMPV6), icmpMessage({ type: 143, code: 0 }, new Uint8Array(20))),
    ),
    expected: { ipProto: ICMPV6, icmpType: 143, icmpCode: 0, srcPort: 0, dstPort: 0, payloadLength: 20 },
    payloadBytes: 20,
  },
  {
    name: 'keeps the stated lengths of a packet cut by the snap length',
    frame: ipv6Packet(
      { ...base, nextHeader: TCP },
      tcpSegment({ srcPort: 1, dstPort: 2 }, new Uint8Array(1000)),
    ).subarray(0, 100),
    expected: { ipBytes: 1060, srcPort: 1, payloadLength: 1000 },
    payloadBytes: 40,
  },
  {
    name: 'takes the captured length when the payload length is 0 but a header follows',
    frame: ipv6Packet(
      { ...base, nextHeader: TCP, payloadLength: 0 },
      tcpSegment({ srcPort: 1, dstPort: 2 }, [1, 2, 3, 4]),
    ),
    expected: { ipBytes: 64, payloadLength: 4 },
    payloadBytes: 4,
  },
];

describe('decodePacket on IPv6', () => {
  it.each(cases)('$name', ({ frame, expected, payloadBytes }) => {
    const result = decodePacket(LinkType.IPV6, frame);
    if (result.kind !== 'ip') throw new Error(`expected ip, got ${JSON.stringify(result)}`);
    expect(result.packet).toMatchObject(expected);
    expect(result.packet.payload.length).toBe(payloadBytes);
  });

  const withHopByHop = ipv6Packet(
    { ...base, nextHeader: HOP_BY_HOP },
    concat(ipv6OptionsHeader(UDP, 2), udpDatagram({ srcPort: 1, dstPort: 2 })),
  );
  const malformed: Array<[string, Uint8Array, string]> = [
    [
      'a header shorter than 40 bytes',
      ipv6Packet({ ...base, nextHeader: UDP }, []).subarray(0, 39),
      'header truncated',
    ],
    ['a version other than 6 on an IPv6 link', concat([0x45], new Uint8Array(59)), 'version'],
    [
      'an extension header cut by the capture',
      withHopByHop.subarray(0, 40 + 16),
      'extension header truncated',
    ],
    [
      'an extension header cut before its length byte',
      withHopByHop.subarray(0, 41),
      'extension header truncated',
    ],
    [
      'an extension header longer than the payload length',
      ipv6Packet({ ...base, nextHeader: HOP_BY_HOP, payloadLength: 8 }, ipv6OptionsHeader(UDP, 2)),
      'longer than the payload length',
    ],
    [
      'a fragment header cut by the capture',
      ipv6Packet(
        { ...base, nextHeader: FRAGMENT },
        ipv6FragmentHeader({ nextHeader: UDP, offset: 0, more: true, id: 1 }),
      ).subarray(0, 44),
      'extension header truncated',
    ],
  ];

  it.each(malformed)('reports %s as malformed', (_name, frame, reasonPart) => {
    const result = decodePacket(LinkType.IPV6, frame);
    expect(result.kind).toBe('malformed');
    if (result.kind === 'malformed') expect(result.reason).toContain(reasonPart);
  });
});
