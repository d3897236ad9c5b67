/**
 * Frame builders for tests: each returns the bytes of one protocol layer around a payload, so a
 * test spells out a packet as nested calls. Checksums are left zero (the decoder does not check
 * them). Other folders' tests (flow/, capture/) may use these too. Not shipped.
 */
import { isIPv4, isIPv6, SocketAddress } from 'node:net';
import fc from 'fast-check';
import { LinkType } from './packet.js';

export type Bytes = Uint8Array | readonly number[];

/** Concatenates byte sequences. */
export function concat(...parts: Bytes[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function u16(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

export function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

export function macBytes(text: string): number[] {
  return text.split(':').map((part) => parseInt(part, 16));
}

export function ipv4Bytes(text: string): number[] {
  if (!isIPv4(text)) throw new Error(`not an IPv4 address: ${text}`);
  return text.split('.').map(Number);
}

/** Parses IPv6 text, including `::` and a dotted tail, into 16 bytes. */
export function ipv6Bytes(text: string): number[] {
  if (!isIPv6(text)) throw new Error(`not an IPv6 address: ${text}`);
  let hex = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = ipv4Bytes(dotted[1]!) as [number, number, number, number];
    hex = text.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const [left = '', right] = hex.split('::');
  const leftGroups = parse(left);
  const rightGroups = right === undefined ? [] : parse(right);
  const zeros = new Array<number>(8 - leftGroups.length - rightGroups.length).fill(0);
  return [...leftGroups, ...zeros, ...rightGroups].flatMap(u16);
}

export interface VlanTag {
  /** 0x8100 (802.1Q) unless given: 0x88a8 for an 802.1ad S-tag, 0x9100 for old QinQ. */
  tpid?: number;
  id: number;
  priority?: number;
}

export function ethernetFrame(
  o: { src?: string; dst?: string; etherType: number; tags?: VlanTag[] },
  payload: Bytes,
): Uint8Array {
  const tags = o.tags ?? [];
  // The first tag's TPID takes the EtherType slot; each tag then ends with the next type.
  const tagBytes = tags.flatMap((tag, i) => [
    ...u16(((tag.priority ?? 0) << 13) | tag.id),
    ...u16(i + 1 < tags.length ? (tags[i + 1]!.tpid ?? 0x8100) : o.etherType),
  ]);
  return concat(
    macBytes(o.dst ?? '02:00:00:00:00:02'),
    macBytes(o.src ?? '02:00:00:00:00:01'),
    u16(tags.length > 0 ? (tags[0]!.tpid ?? 0x8100) : o.etherType),
    tagBytes,
    payload,
  );
}

export interface Ipv4Options {
  src: string;
  dst: string;
  protocol: number;
  ttl?: number;
  id?: number;
  moreFragments?: boolean;
  /** In bytes; must be a multiple of 8. */
  fragmentOffset?: number;
  options?: Bytes;
  /** Overrides the computed total length field. */
  totalLength?: number;
  /** Overrides the computed header length field (in 32-bit words). */
  ihl?: number;
}

export function ipv4Packet(o: Ipv4Options, payload: Bytes): Uint8Array {
  const options = o.options ?? [];
  const headerLength = 20 + options.length;
  const flags = (o.moreFragments ? 0x2000 : 0) | ((o.fragmentOffset ?? 0) >> 3);
  return concat(
    [0x40 | (o.ihl ?? headerLength >> 2), 0],
    u16(o.totalLength ?? headerLength + payload.length),
    u16(o.id ?? 0),
    u16(flags),
    [o.ttl ?? 64, o.protocol],
    [0, 0],
    ipv4Bytes(o.src),
    ipv4Bytes(o.dst),
    options,
    payload,
  );
}

export function ipv6Packet(
  o: { src: string; dst: string; nextHeader: number; hopLimit?: number; payloadLength?: number },
  payload: Bytes,
): Uint8Array {
  return concat(
    [0x60, 0, 0, 0],
    u16(o.payloadLength ?? payload.length),
    [o.nextHeader, o.hopLimit ?? 64],
    ipv6Bytes(o.src),
    ipv6Bytes(o.dst),
    payload,
  );
}

/** Hop-by-hop, routing or destination options header: `lengthUnits` 8-octet units after the first 8. */
export function ipv6OptionsHeader(nextHeader: number, lengthUnits = 0): number[] {
  return [nextHeader, lengthUnits, ...new Array<number>(6 + lengthUnits * 8).fill(0)];
}

/** AH header: `lengthWords` is the RFC 4302 payload length field (32-bit words minus 2). */
export function ipv6AuthenticationHeader(nextHeader: number, lengthWords = 4): number[] {
  return [nextHeader, lengthWords, ...new Array<number>((lengthWords + 2) * 4 - 2).fill(0)];
}

export function ipv6FragmentHeader(o: {
  nextHeader: number;
  /** In bytes; must be a multiple of 8. */
  offset: number;
  more: boolean;
  id: number;
}): number[] {
  return [o.nextHeader, 0, ...u16(o.offset | (o.more ? 1 : 0)), ...u32(o.id)];
}

export interface TcpOptions {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  flags?: number;
  options?: Bytes;
  /** Overrides the computed data offset field (in 32-bit words). */
  dataOffset?: number;
}

export function tcpSegment(o: TcpOptions, payload: Bytes = []): Uint8Array {
  const options = o.options ?? [];
  const words = o.dataOffset ?? (20 + options.length) >> 2;
  return concat(
    u16(o.srcPort),
    u16(o.dstPort),
    u32(o.seq ?? 0),
    u32(o.ack ?? 0),
    [words << 4, o.flags ?? 0],
    u16(65535),
    [0, 0, 0, 0],
    options,
    payload,
  );
}

export function udpDatagram(
  o: { srcPort: number; dstPort: number; /** Overrides the computed length field. */ length?: number },
  payload: Bytes = [],
): Uint8Array {
  return concat(u16(o.srcPort), u16(o.dstPort), u16(o.length ?? 8 + payload.length), [0, 0], payload);
}

export function sctpPacket(o: { srcPort: number; dstPort: number }, payload: Bytes = []): Uint8Array {
  return concat(u16(o.srcPort), u16(o.dstPort), u32(0x01020304), u32(0), payload);
}

/** ICMP or ICMPv6 message: type, code, checksum and four type-specific bytes, then the body. */
export function icmpMessage(o: { type: number; code: number }, payload: Bytes = []): Uint8Array {
  return concat([o.type, o.code, 0, 0], u32(0x00010001), payload);
}

export function arpMessage(o: {
  operation: number;
  senderMac: string;
  senderAddr: string;
  targetMac: string;
  targetAddr: string;
}): Uint8Array {
  return concat(
    u16(1),
    u16(0x0800),
    [6, 4],
    u16(o.operation),
    macBytes(o.senderMac),
    ipv4Bytes(o.senderAddr),
    macBytes(o.targetMac),
    ipv4Bytes(o.targetAddr),
  );
}

/** An MPLS label stack; the last label gets the bottom-of-stack bit. */
export function mplsStack(labels: number[], payload: Bytes): Uint8Array {
  const entries = labels.flatMap((label, i) =>
    u32((label << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64),
  );
  return concat(entries, payload);
}

export function pppoeSession(pppProtocol: number, payload: Bytes, compressed = false): Uint8Array {
  const protocol = compressed ? [pppProtocol] : u16(pppProtocol);
  return concat([0x11, 0x00], u16(0x1234), u16(protocol.length + payload.length), protocol, payload);
}

export function linuxSll(
  o: { protocol: number; hardwareType?: number; address?: string; packetType?: number },
  payload: Bytes,
): Uint8Array {
  const address = macBytes(o.address ?? '02:00:00:00:00:01');
  return concat(
    u16(o.packetType ?? 0),
    u16(o.hardwareType ?? 1),
    u16(address.length),
    address,
    new Array<number>(8 - address.length).fill(0),
    u16(o.protocol),
    payload,
  );
}

export function linuxSll2(
  o: { protocol: number; hardwareType?: number; address?: string; packetType?: number },
  payload: Bytes,
): Uint8Array {
  const address = macBytes(o.address ?? '02:00:00:00:00:01');
  return concat(
    u16(o.protocol),
    [0, 0],
    u32(3),
    u16(o.hardwareType ?? 1),
    [o.packetType ?? 0, address.length],
    address,
    new Array<number>(8 - address.length).fill(0),
    payload,
  );
}

/** The 4-byte address family of LINKTYPE_NULL / LINKTYPE_LOOP. */
export function loopbackHeader(family: number, byteOrder: 'little' | 'big'): number[] {
  return byteOrder === 'big' ? u32(family) : u32(family).reverse();
}

/** The link-layer wrappings `arbitraryFrame` can put around an IP packet. */
export const FRAME_LINKS = [
  'ethernet',
  'ethernet-vlan',
  'ethernet-qinq',
  'mpls',
  'pppoe',
  'sll',
  'sll2',
  'null-little-endian',
  'null-big-endian',
  'loop',
  'raw',
  'raw-versioned',
] as const;
export type FrameLink = (typeof FRAME_LINKS)[number];

/** What a generated frame holds, for comparing against what the decoder reads back. */
export interface GeneratedFrame {
  linkType: number;
  frame: Uint8Array;
  link: FrameLink;
  ipVersion: 4 | 6;
  srcAddr: string;
  dstAddr: string;
  ipProto: number;
  ipBytes: number;
  srcPort: number;
  dstPort: number;
  vlan: number | null;
  innerVlan: number | null;
  payload: Uint8Array;
  /** Offset of the transport payload in `frame`. */
  payloadOffset: number;
  /** Fewest leading bytes of `frame` that still hold every header the decoder needs. */
  requiredLength: number;
}

const TRANSPORTS = { tcp: 6, udp: 17, sctp: 132, icmp: -1, gre: 47 } as const;

/** Canonical text of random IPv6 bytes, per Node. */
function ipv6Text(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/**
 * Random valid frames: any supported link wrapping, IPv4 (with options) or IPv6 (with a
 * hop-by-hop header), TCP/UDP/SCTP/ICMP or an opaque protocol, random addresses, ports and payload.
 */
export function arbitraryFrame(): fc.Arbitrary<GeneratedFrame> {
  const byte = fc.integer({ min: 0, max: 255 });
  return fc
    .record({
      link: fc.constantFrom(...FRAME_LINKS),
      ipVersion: fc.constantFrom(4 as const, 6 as const),
      transport: fc.constantFrom(...(Object.keys(TRANSPORTS) as Array<keyof typeof TRANSPORTS>)),
      src: fc.array(byte, { minLength: 16, maxLength: 16 }),
      dst: fc.array(byte, { minLength: 16, maxLength: 16 }),
      srcPort: fc.integer({ min: 0, max: 65535 }),
      dstPort: fc.integer({ min: 0, max: 65535 }),
      optionWords: fc.integer({ min: 0, max: 10 }),
      hasHopByHop: fc.boolean(),
      vlanIds: fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 4095 })),
      payload: fc.uint8Array({ maxLength: 64 }),
    })
    .map((g): GeneratedFrame => {
      const isV4 = g.ipVersion === 4;
      const ipProto = g.transport === 'icmp' ? (isV4 ? 1 : 58) : TRANSPORTS[g.transport];
      const ports = { srcPort: g.srcPort, dstPort: g.dstPort };
      const transport =
        g.transport === 'tcp'
          ? tcpSegment({ ...ports, options: new Uint8Array(4) }, g.payload)
          : g.transport === 'udp'
            ? udpDatagram(ports, g.payload)
            : g.transport === 'sctp'
              ? sctpPacket(ports, g.payload)
              : g.transport === 'icmp'
                ? icmpMessage({ type: g.srcPort & 0xff, code: g.dstPort & 0xff }, g.payload)
                : g.payload;
      const transportHeader = transport.length - g.payload.length;
      const transportRequired = g.transport === 'icmp' ? 4 : transportHeader;
      const srcAddr = isV4 ? g.src.slice(0, 4).join('.') : ipv6Text(g.src);
      const dstAddr = isV4 ? g.dst.slice(0, 4).join('.') : ipv6Text(g.dst);
      const ipHeader = isV4 ? 20 + g.optionWords * 4 : 40 + (g.hasHopByHop ? 8 : 0);
      const ip = isV4
        ? ipv4Packet(
            {
              src: srcAddr,
              dst: dstAddr,
              protocol: ipProto,
              options: new Uint8Array(g.optionWords * 4).fill(1),
            },
            transport,
          )
        : ipv6Packet(
            { src: srcAddr, dst: dstAddr, nextHeader: g.hasHopByHop ? 0 : ipProto },
            g.hasHopByHop ? concat(ipv6OptionsHeader(ipProto), transport) : transport,
          );
      const etherType = isV4 ? 0x0800 : 0x86dd;
      const [outer, inner] = g.vlanIds;
      let linkType: number = LinkType.ETHERNET;
      let vlan: number | null = null;
      let innerVlan: number | null = null;
      let frame: Uint8Array;
      switch (g.link) {
        case 'ethernet':
          frame = ethernetFrame({ etherType }, ip);
          break;
        case 'ethernet-vlan':
          frame = ethernetFrame({ etherType, tags: [{ id: outer }] }, ip);
          vlan = outer;
          break;
        case 'ethernet-qinq':
          frame = ethernetFrame({ etherType, tags: [{ tpid: 0x88a8, id: outer }, { id: inner }] }, ip);
          vlan = outer;
          innerVlan = inner;
          break;
        case 'mpls':
          frame = ethernetFrame({ etherType: 0x8847 }, mplsStack([outer, inner], ip));
          break;
        case 'pppoe':
          frame = ethernetFrame({ etherType: 0x8864 }, pppoeSession(isV4 ? 0x0021 : 0x0057, ip));
          break;
        case 'sll':
          linkType = LinkType.LINUX_SLL;
          frame = linuxSll({ protocol: etherType }, ip);
          break;
        case 'sll2':
          linkType = LinkType.LINUX_SLL2;
          frame = linuxSll2({ protocol: etherType }, ip);
          break;
        case 'null-little-endian':
        case 'null-big-endian':
          linkType = LinkType.NULL;
          frame = concat(loopbackHeader(isV4 ? 2 : 30, g.link === 'null-big-endian' ? 'big' : 'little'), ip);
          break;
        case 'loop':
          linkType = LinkType.LOOP;
          frame = concat(loopbackHeader(isV4 ? 2 : 24, 'big'), ip);
          break;
        case 'raw':
          linkType = LinkType.RAW;
          frame = ip;
          break;
        case 'raw-versioned':
          linkType = isV4 ? LinkType.IPV4 : LinkType.IPV6;
          frame = ip;
          break;
      }
      const ipOffset = frame.length - ip.length;
      return {
        linkType,
        frame,
        link: g.link,
        ipVersion: g.ipVersion,
        srcAddr,
        dstAddr,
        ipProto,
        ipBytes: ip.length,
        srcPort: g.transport === 'tcp' || g.transport === 'udp' || g.transport === 'sctp' ? g.srcPort : 0,
        dstPort: g.transport === 'tcp' || g.transport === 'udp' || g.transport === 'sctp' ? g.dstPort : 0,
        vlan,
        innerVlan,
        payload: g.payload,
        payloadOffset: ipOffset + ipHeader + transportHeader,
        requiredLength: ipOffset + ipHeader + transportRequired,
      };
    });
}

/** A small UDP/IPv4 packet shared by the link-layer tests, with the fields it should decode to. */
export const sampleIpv4 = ipv4Packet(
  { src: '192.0.2.1', dst: '198.51.100.7', protocol: 17 },
  udpDatagram({ srcPort: 1234, dstPort: 53 }, [1]),
);
export const sampleIpv4Fields = {
  ipVersion: 4,
  srcAddr: '192.0.2.1',
  dstAddr: '198.51.100.7',
  srcPort: 1234,
  dstPort: 53,
};

/** A small TCP/IPv6 packet shared by the link-layer tests, with the fields it should decode to. */
export const sampleIpv6 = ipv6Packet(
  { src: '2001:db8::a', dst: '2001:db8::b', nextHeader: 6 },
  tcpSegment({ srcPort: 5555, dstPort: 443 }),
);
export const sampleIpv6Fields = {
  ipVersion: 6,
  srcAddr: '2001:db8::a',
  dstAddr: '2001:db8::b',
  srcPort: 5555,
  dstPort: 443,
};

/** Ethernet addresses in mixed case for building frames, and the lowercase form the decoder reports. */
export const sampleMacs = { src: '00:1B:21:AA:BB:CC', dst: 'FF:FF:FF:FF:FF:FF' };
export const sampleMacFields = { srcMac: '00:1b:21:aa:bb:cc', dstMac: 'ff:ff:ff:ff:ff:ff' };
export const noLinkFields = { srcMac: null, dstMac: null, vlan: null, innerVlan: null };

export const sampleArp = arpMessage({
  operation: 1,
  senderMac: '00:1b:21:aa:bb:cc',
  senderAddr: '192.168.1.10',
  targetMac: '00:00:00:00:00:00',
  targetAddr: '192.168.1.1',
});
