import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType, type PacketSummary } from '../packet.js';
import { icmpMessage, ipv4Packet, ipv6Packet, sctpPacket, tcpSegment, udpDatagram } from '../testing.js';

const ICMP = 1;
const TCP = 6;
const UDP = 17;
const ICMPV6 = 58;
const SCTP = 132;
const v4 = { src: '10.0.0.2', dst: '10.0.0.3' };
const v6 = { src: 'fd00::2', dst: 'fd00::3' };

interface Case {
  name: string;
  linkType: number;
  frame: Uint8Array;
  expected: Partial<PacketSummary>;
  payload: number[];
}

const cases: Case[] = [
  {
    name: 'reads TCP ports, unsigned sequence numbers and the flag byte, and starts the payload after options',
    linkType: LinkType.IPV4,
    frame: ipv4Packet(
      { ...v4, protocol: TCP },
      tcpSegment(
        {
          srcPort: 443,
          dstPort: 61000,
          seq: 0xfffffff0,
          ack: 0x80000001,
          flags: 0x12,
          options: [2, 4, 5, 0xb4],
        },
        [0xaa, 0xbb],
      ),
    ),
    expected: {
      srcPort: 443,
      dstPort: 61000,
      tcpSeq: 0xfffffff0,
      tcpAck: 0x80000001,
      tcpFlags: 0x12,
      icmpType: null,
      payloadLength: 2,
    },
    payload: [0xaa, 0xbb],
  },
  {
    name: 'ends the UDP payload at the UDP length when the IP packet is longer',
    linkType: LinkType.IPV4,
    frame: ipv4Packet(
      { ...v4, protocol: UDP },
      udpDatagram({ srcPort: 53, dstPort: 3333, length: 10 }, [1, 2, 3, 4]),
    ),
    expected: { srcPort: 53, dstPort: 3333, tcpFlags: 0, payloadLength: 2 },
    payload: [1, 2],
  },
  {
    name: 'trusts the IP length over a UDP length that claims more than the packet holds',
    linkType: LinkType.IPV4,
    frame: ipv4Packet(
      { ...v4, protocol: UDP },
      udpDatagram({ srcPort: 1, dstPort: 2, length: 500 }, [1, 2, 3]),
    ),
    expected: { payloadLength: 3 },
    payload: [1, 2, 3],
  },
  {
    name: 'takes the IP length when the UDP length is 0, as segmentation offload and jumbograms leave it',
    linkType: LinkType.IPV6,
    frame: ipv6Packet(
      { ...v6, nextHeader: UDP },
      udpDatagram({ srcPort: 1, dstPort: 2, length: 0 }, [1, 2, 3]),
    ),
    expected: { payloadLength: 3 },
    payload: [1, 2, 3],
  },
  {
    name: 'reads SCTP ports and starts the payload after the 12-byte common header',
    linkType: LinkType.IPV4,
    frame: ipv4Packet(
      { ...v4, protocol: SCTP },
      sctpPacket({ srcPort: 36412, dstPort: 36412 }, [1, 0, 0, 4]),
    ),
    expected: { ipProto: SCTP, srcPort: 36412, dstPort: 36412, payloadLength: 4 },
    payload: [1, 0, 0, 4],
  },
  {
    name: 'puts ICMP type and code in their own fields, leaves the ports at 0 and starts the payload after 8 bytes',
    linkType: LinkType.IPV4,
    frame: ipv4Packet({ ...v4, protocol: ICMP }, icmpMessage({ type: 3, code: 3 }, [0x45, 0])),
    expected: { icmpType: 3, icmpCode: 3, srcPort: 0, dstPort: 0, payloadLength: 2 },
    payload: [0x45, 0],
  },
  {
    name: 'reads ICMPv6 type and code',
    linkType: LinkType.IPV6,
    frame: ipv6Packet({ ...v6, nextHeader: ICMPV6 }, icmpMessage({ type: 128, code: 0 }, [9])),
    expected: { icmpType: 128, icmpCode: 0, srcPort: 0, payloadLength: 1 },
    payload: [9],
  },
  {
    name: 'accepts an ICMP message of only type, code and checksum with an empty payload',
    linkType: LinkType.IPV4,
    frame: ipv4Packet({ ...v4, protocol: ICMP }, [8, 0, 0, 0]),
    expected: { icmpType: 8, icmpCode: 0, payloadLength: 0 },
    payload: [],
  },
];

describe('decodeTransport', () => {
  it.each(cases)('$name', ({ linkType, frame, expected, payload }) => {
    const result = decodePacket(linkType, frame);
    if (result.kind !== 'ip') throw new Error(`expected ip, got ${JSON.stringify(result)}`);
    expect(result.packet).toMatchObject(expected);
    expect(Array.from(result.packet.payload)).toEqual(payload);
  });

  it('returns the payload as a view into the frame, not a copy', () => {
    const frame = ipv4Packet({ ...v4, protocol: UDP }, udpDatagram({ srcPort: 1, dstPort: 2 }, [7, 8, 9]));
    const result = decodePacket(LinkType.IPV4, frame);
    if (result.kind !== 'ip') throw new Error('expected ip');
    expect(result.packet.payload.buffer).toBe(frame.buffer);
    expect(result.packet.payload.byteOffset).toBe(28);
  });

  const tcp = (o: Parameters<typeof tcpSegment>[0]): Uint8Array =>
    ipv4Packet({ ...v4, protocol: TCP }, tcpSegment(o));
  const malformed: Array<[string, Uint8Array, string]> = [
    ['a TCP data offset below 5', tcp({ srcPort: 1, dstPort: 2, dataOffset: 4 }), 'tcp data offset below 5'],
    [
      'TCP options beyond the captured bytes',
      ipv4Packet(
        { ...v4, protocol: TCP, totalLength: 80 },
        tcpSegment({ srcPort: 1, dstPort: 2, dataOffset: 15 }),
      ),
      'tcp options truncated',
    ],
    [
      'a TCP data offset beyond the IP payload',
      ipv4Packet(
        { ...v4, protocol: TCP, totalLength: 60 },
        tcpSegment({ srcPort: 1, dstPort: 2, options: new Uint8Array(40) }),
      ),
      'tcp header longer than the ip payload',
    ],
    [
      'a TCP header cut by the capture',
      tcp({ srcPort: 1, dstPort: 2 }).subarray(0, 35),
      'tcp header truncated',
    ],
    [
      'a TCP header longer than the IP payload',
      ipv4Packet({ ...v4, protocol: TCP, totalLength: 30 }, tcpSegment({ srcPort: 1, dstPort: 2 })),
      'tcp header longer than the ip payload',
    ],
    [
      'a UDP length below 8',
      ipv4Packet({ ...v4, protocol: UDP }, udpDatagram({ srcPort: 1, dstPort: 2, length: 7 })),
      'udp length below 8',
    ],
    [
      'a UDP header cut by the capture',
      ipv4Packet({ ...v4, protocol: UDP, totalLength: 28 }, [0, 1, 0, 2]),
      'udp header truncated',
    ],
    [
      'an SCTP header cut by the capture',
      ipv4Packet({ ...v4, protocol: SCTP, totalLength: 60 }, new Uint8Array(8)),
      'sctp',
    ],
    [
      'an ICMP header of 3 bytes',
      ipv4Packet({ ...v4, protocol: ICMP }, [8, 0, 0]),
      'icmp header longer than the ip payload',
    ],
  ];

  it.each(malformed)('reports %s as malformed', (_name, frame, reasonPart) => {
    const result = decodePacket(LinkType.IPV4, frame);
    expect(result.kind).toBe('malformed');
    if (result.kind === 'malformed') expect(result.reason).toContain(reasonPart);
  });
});
