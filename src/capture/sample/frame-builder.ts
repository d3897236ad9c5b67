/**
 * Builds valid Ethernet II frames (optionally 802.1Q-tagged) carrying IPv4 or IPv6 with TCP, UDP or ICMP
 * echo, and ARP frames. Every length and checksum is computed, so Wireshark validates them all. Pure
 * functions over plain objects; addresses are text.
 */

export const EtherType = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, IPV6: 0x86dd } as const;
export const IpProtocol = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** Ethernet's minimum frame length without the FCS: shorter frames are padded on the wire. */
const MIN_FRAME_BYTES = 60;

export interface EthernetHeader {
  srcMac: string;
  dstMac: string;
  /** 802.1Q VLAN id; no tag when absent. */
  vlan?: number | null;
  vlanPriority?: number;
  /** Pad to 60 bytes as a frame on the wire is (default true). */
  padToMinimum?: boolean;
}

export interface Ipv4Header {
  version: 4;
  src: string;
  dst: string;
  /** Default 64. */
  ttl?: number;
  /** Identification; default 0. */
  id?: number;
  /** Default true, as TCP stacks send. */
  dontFragment?: boolean;
  dscp?: number;
}

export interface Ipv6Header {
  version: 6;
  src: string;
  dst: string;
  /** Default 64. */
  hopLimit?: number;
  flowLabel?: number;
  trafficClass?: number;
}

export type TcpOption =
  | { kind: 'mss'; value: number }
  | { kind: 'windowScale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'timestamps'; value: number; echo: number }
  | { kind: 'nop' }
  | { kind: 'eol' };

export interface TcpSegment {
  protocol: 'tcp';
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Flag byte as on the wire (records' TcpFlag values OR-ed). */
  flags: number;
  window: number;
  options?: readonly TcpOption[];
  payload?: Uint8Array;
}

export interface UdpDatagram {
  protocol: 'udp';
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** ICMP echo on IPv4, ICMPv6 echo on IPv6. */
export interface IcmpEcho {
  protocol: 'icmp-echo';
  isReply: boolean;
  identifier: number;
  sequence: number;
  payload?: Uint8Array;
}

export interface FrameSpec {
  ethernet: EthernetHeader;
  ip: Ipv4Header | Ipv6Header;
  transport: TcpSegment | UdpDatagram | IcmpEcho;
}

export interface ArpSpec {
  ethernet: EthernetHeader;
  /** 1 request, 2 reply. */
  operation: 1 | 2;
  senderMac: string;
  senderAddr: string;
  /** 00:00:00:00:00:00 in a request. */
  targetMac: string;
  targetAddr: string;
}

export function buildFrame(spec: FrameSpec): Buffer {
  const { ethernet, ip, transport } = spec;
  const src = ip.version === 4 ? parseIpv4(ip.src) : parseIpv6(ip.src);
  const dst = ip.version === 4 ? parseIpv4(ip.dst) : parseIpv6(ip.dst);
  const l2Bytes = ethernet.vlan == null ? 14 : 18;
  const ipHeaderBytes = ip.version === 4 ? 20 : 40;
  const l4Bytes = transportLength(transport);
  const frame = allocFrame(ethernet, l2Bytes + ipHeaderBytes + l4Bytes);
  writeEthernet(frame, ethernet, ip.version === 4 ? EtherType.IPV4 : EtherType.IPV6);

  const l4At = l2Bytes + ipHeaderBytes;
  const ipProto = transportProtocol(transport, ip.version);
  if (ip.version === 4) writeIpv4(frame, l2Bytes, ip, src, dst, ipProto, ipHeaderBytes + l4Bytes);
  else writeIpv6(frame, l2Bytes, ip, src, dst, ipProto, l4Bytes);

  const checksumAt = writeTransport(frame, l4At, transport, ip.version);
  // ICMPv4 has no pseudo-header; TCP, UDP and ICMPv6 do.
  const pseudo = ipProto === IpProtocol.ICMP ? 0 : pseudoHeaderSum(src, dst, ipProto, l4Bytes);
  let checksum = foldChecksum(onesComplementSum(frame, l4At, l4At + l4Bytes, pseudo));
  if (checksum === 0 && ipProto === IpProtocol.UDP) checksum = 0xffff;
  frame.writeUInt16BE(checksum, checksumAt);
  return frame;
}

export function buildArpFrame(spec: ArpSpec): Buffer {
  const l2Bytes = spec.ethernet.vlan == null ? 14 : 18;
  const frame = allocFrame(spec.ethernet, l2Bytes + 28);
  writeEthernet(frame, spec.ethernet, EtherType.ARP);
  frame.writeUInt16BE(1, l2Bytes); // Ethernet
  frame.writeUInt16BE(EtherType.IPV4, l2Bytes + 2);
  frame[l2Bytes + 4] = 6;
  frame[l2Bytes + 5] = 4;
  frame.writeUInt16BE(spec.operation, l2Bytes + 6);
  frame.set(parseMac(spec.senderMac), l2Bytes + 8);
  frame.set(parseIpv4(spec.senderAddr), l2Bytes + 14);
  frame.set(parseMac(spec.targetMac), l2Bytes + 18);
  frame.set(parseIpv4(spec.targetAddr), l2Bytes + 24);
  return frame;
}

/** The one's-complement sum of big-endian 16-bit words in [start, end), not yet folded or inverted. */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds a running sum to 16 bits and inverts it: the Internet checksum (RFC 1071). */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, ipProto: number, l4Bytes: number): number {
  let sum = onesComplementSum(src, 0, src.length);
  sum = onesComplementSum(dst, 0, dst.length, sum);
  // IPv4 puts a 16-bit length in the pseudo-header and IPv6 a 32-bit one; for lengths under 64 KiB the sum is the same.
  return sum + ipProto + l4Bytes;
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((part) => !/^[0-9a-fA-F]{2}$/.test(part))) {
    throw new TypeError(`not a MAC address: "${text}"`);
  }
  return Uint8Array.from(parts, (part) => parseInt(part, 16));
}

export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
    throw new TypeError(`not an IPv4 address: "${text}"`);
  }
  return Uint8Array.from(parts, Number);
}

export function parseIpv6(text: string): Uint8Array {
  const halves = text.split('::');
  if (halves.length > 2) throw new TypeError(`not an IPv6 address: "${text}"`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = head.length + tail.length;
  if ((halves.length === 1 && groups !== 8) || groups > 8 || (halves.length === 2 && groups > 7)) {
    throw new TypeError(`not an IPv6 address: "${text}"`);
  }
  const out = new Uint8Array(16);
  const write = (group: string, index: number): void => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) throw new TypeError(`not an IPv6 address: "${text}"`);
    const value = parseInt(group, 16);
    out[index * 2] = value >> 8;
    out[index * 2 + 1] = value & 0xff;
  };
  head.forEach((group, i) => write(group, i));
  tail.forEach((group, i) => write(group, 8 - tail.length + i));
  return out;
}

function allocFrame(ethernet: EthernetHeader, length: number): Buffer {
  const padded = ethernet.padToMinimum === false ? length : Math.max(length, MIN_FRAME_BYTES);
  return Buffer.alloc(padded);
}

function writeEthernet(frame: Buffer, ethernet: EthernetHeader, etherType: number): void {
  frame.set(parseMac(ethernet.dstMac), 0);
  frame.set(parseMac(ethernet.srcMac), 6);
  if (ethernet.vlan == null) {
    frame.writeUInt16BE(etherType, 12);
    return;
  }
  frame.writeUInt16BE(EtherType.VLAN, 12);
  frame.writeUInt16BE((((ethernet.vlanPriority ?? 0) & 7) << 13) | (ethernet.vlan & 0xfff), 14);
  frame.writeUInt16BE(etherType, 16);
}

function writeIpv4(
  frame: Buffer,
  at: number,
  ip: Ipv4Header,
  src: Uint8Array,
  dst: Uint8Array,
  ipProto: number,
  totalLength: number,
): void {
  frame[at] = 0x45;
  frame[at + 1] = (ip.dscp ?? 0) << 2;
  frame.writeUInt16BE(totalLength, at + 2);
  frame.writeUInt16BE((ip.id ?? 0) & 0xffff, at + 4);
  frame.writeUInt16BE(ip.dontFragment === false ? 0 : 0x4000, at + 6);
  frame[at + 8] = ip.ttl ?? 64;
  frame[at + 9] = ipProto;
  frame.set(src, at + 12);
  frame.set(dst, at + 16);
  frame.writeUInt16BE(foldChecksum(onesComplementSum(frame, at, at + 20)), at + 10);
}

function writeIpv6(
  frame: Buffer,
  at: number,
  ip: Ipv6Header,
  src: Uint8Array,
  dst: Uint8Array,
  ipProto: number,
  payloadLength: number,
): void {
  const trafficClass = ip.trafficClass ?? 0;
  frame.writeUInt32BE(((6 << 28) | (trafficClass << 20) | ((ip.flowLabel ?? 0) & 0xfffff)) >>> 0, at);
  frame.writeUInt16BE(payloadLength, at + 4);
  frame[at + 6] = ipProto;
  frame[at + 7] = ip.hopLimit ?? 64;
  frame.set(src, at + 8);
  frame.set(dst, at + 24);
}

function transportProtocol(transport: FrameSpec['transport'], ipVersion: 4 | 6): number {
  if (transport.protocol === 'tcp') return IpProtocol.TCP;
  if (transport.protocol === 'udp') return IpProtocol.UDP;
  return ipVersion === 4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
}

function transportLength(transport: FrameSpec['transport']): number {
  if (transport.protocol === 'tcp') {
    return 20 + paddedOptionsLength(transport.options) + (transport.payload?.length ?? 0);
  }
  if (transport.protocol === 'udp') return 8 + transport.payload.length;
  return 8 + (transport.payload?.length ?? 0);
}

/** Writes the transport header and payload with a zero checksum; returns where the checksum goes. */
function writeTransport(
  frame: Buffer,
  at: number,
  transport: FrameSpec['transport'],
  ipVersion: 4 | 6,
): number {
  if (transport.protocol === 'udp') {
    frame.writeUInt16BE(transport.srcPort, at);
    frame.writeUInt16BE(transport.dstPort, at + 2);
    frame.writeUInt16BE(8 + transport.payload.length, at + 4);
    frame.set(transport.payload, at + 8);
    return at + 6;
  }
  if (transport.protocol === 'icmp-echo') {
    const [request, reply] = ipVersion === 4 ? [8, 0] : [128, 129];
    frame[at] = transport.isReply ? reply : request;
    frame[at + 1] = 0;
    frame.writeUInt16BE(transport.identifier, at + 4);
    frame.writeUInt16BE(transport.sequence, at + 6);
    if (transport.payload) frame.set(transport.payload, at + 8);
    return at + 2;
  }
  const optionsLength = paddedOptionsLength(transport.options);
  frame.writeUInt16BE(transport.srcPort, at);
  frame.writeUInt16BE(transport.dstPort, at + 2);
  frame.writeUInt32BE(transport.seq >>> 0, at + 4);
  frame.writeUInt32BE(transport.ack >>> 0, at + 8);
  frame[at + 12] = ((20 + optionsLength) / 4) << 4;
  frame[at + 13] = transport.flags;
  frame.writeUInt16BE(transport.window, at + 14);
  writeTcpOptions(frame, at + 20, transport.options ?? []);
  if (transport.payload) frame.set(transport.payload, at + 20 + optionsLength);
  return at + 16;
}

const OPTION_LENGTHS = { mss: 4, windowScale: 3, sackPermitted: 2, timestamps: 10, nop: 1, eol: 1 } as const;

function paddedOptionsLength(options: readonly TcpOption[] | undefined): number {
  if (!options) return 0;
  const raw = options.reduce((total, option) => total + OPTION_LENGTHS[option.kind], 0);
  const padded = Math.ceil(raw / 4) * 4;
  if (padded > 40) throw new RangeError(`TCP options take ${padded} bytes; at most 40 fit`);
  return padded;
}

/** Unused trailing bytes stay zero, which is end-of-options padding. */
function writeTcpOptions(frame: Buffer, at: number, options: readonly TcpOption[]): void {
  let i = at;
  for (const option of options) {
    switch (option.kind) {
      case 'mss':
        frame[i] = 2;
        frame[i + 1] = 4;
        frame.writeUInt16BE(option.value, i + 2);
        break;
      case 'windowScale':
        frame[i] = 3;
        frame[i + 1] = 3;
        frame[i + 2] = option.shift;
        break;
      case 'sackPermitted':
        frame[i] = 4;
        frame[i + 1] = 2;
        break;
      case 'timestamps':
        frame[i] = 8;
        frame[i + 1] = 10;
        frame.writeUInt32BE(option.value >>> 0, i + 2);
        frame.writeUInt32BE(option.echo >>> 0, i + 6);
        break;
      case 'nop':
        frame[i] = 1;
        break;
      case 'eol':
        frame[i] = 0;
        break;
    }
    i += OPTION_LENGTHS[option.kind];
  }
}
