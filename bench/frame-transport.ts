/**
 * Just enough Ethernet parsing for the bench: where a frame's TCP or UDP header is, so the capture
 * builder can count distinct 5-tuples and give replayed packets new ports. VLAN and Q-in-Q tags and
 * IPv6 extension headers are walked; fragments after the first have no ports and are left alone.
 */

export interface TransportLocation {
  ipVersion: 4 | 6;
  ipOffset: number;
  protocol: number;
  /** Offset of the TCP/UDP header; -1 when the frame carries no ports (other protocols, later fragments). */
  l4Offset: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
const IPV6_EXTENSIONS = new Set([0, 43, 60]);
const TCP = 6;
const UDP = 17;

/** Null for frames that are not IP (ARP, LLDP) or are cut before the IP header ends. */
export function locateTransport(frame: Uint8Array): TransportLocation | null {
  let offset = 12;
  if (frame.length < offset + 2) return null;
  let etherType = readU16(frame, offset);
  while (VLAN_TAGS.has(etherType) && frame.length >= offset + 6) {
    offset += 4;
    etherType = readU16(frame, offset);
  }
  offset += 2;
  if (etherType === ETHERTYPE_IPV4) return locateInIpv4(frame, offset);
  if (etherType === ETHERTYPE_IPV6) return locateInIpv6(frame, offset);
  return null;
}

function locateInIpv4(frame: Uint8Array, ipOffset: number): TransportLocation | null {
  if (frame.length < ipOffset + 20) return null;
  const headerBytes = (frame[ipOffset]! & 0x0f) * 4;
  const protocol = frame[ipOffset + 9]!;
  const fragmentOffset = readU16(frame, ipOffset + 6) & 0x1fff;
  const l4Offset = ipOffset + headerBytes;
  const hasPorts = fragmentOffset === 0 && (protocol === TCP || protocol === UDP);
  return { ipVersion: 4, ipOffset, protocol, l4Offset: hasPorts ? l4Offset : -1 };
}

function locateInIpv6(frame: Uint8Array, ipOffset: number): TransportLocation | null {
  if (frame.length < ipOffset + 40) return null;
  let protocol = frame[ipOffset + 6]!;
  let offset = ipOffset + 40;
  while (IPV6_EXTENSIONS.has(protocol) && frame.length >= offset + 2) {
    protocol = frame[offset]!;
    offset += (frame[offset + 1]! + 1) * 8;
  }
  const hasPorts = protocol === TCP || protocol === UDP;
  return { ipVersion: 6, ipOffset, protocol, l4Offset: hasPorts ? offset : -1 };
}

/** The smallest frame that holds both ports and the transport checksum. */
function checksumOffset(location: TransportLocation): number {
  return location.l4Offset + (location.protocol === TCP ? 16 : 6);
}

/**
 * A copy of the frame with every port ≥ 1024 moved by `shift` (mod the unprivileged range), and the
 * transport checksum updated incrementally (RFC 1624), so checksum-validating readers still accept it.
 * The same port maps to the same new port in both directions, so a conversation stays one flow.
 */
export function shiftEphemeralPorts(frame: Uint8Array, shift: number): Buffer {
  const out = Buffer.from(frame);
  const location = locateTransport(out);
  if (location === null || location.l4Offset < 0) return out;
  const checksumAt = checksumOffset(location);
  if (out.length < checksumAt + 2) return out;
  let checksum = readU16(out, checksumAt);
  // UDP over IPv4 may carry no checksum at all (zero); it must stay zero.
  const hasChecksum = !(location.protocol === UDP && checksum === 0);
  for (const at of [location.l4Offset, location.l4Offset + 2]) {
    const port = readU16(out, at);
    if (port < 1024) continue;
    const moved = 1024 + ((port - 1024 + shift) % 64512);
    out.writeUInt16BE(moved, at);
    if (hasChecksum) checksum = updateChecksum(checksum, port, moved);
  }
  if (hasChecksum)
    out.writeUInt16BE(location.protocol === UDP && checksum === 0 ? 0xffff : checksum, checksumAt);
  return out;
}

/** HC' = ~(~HC + ~m + m'), RFC 1624 equation 3. */
function updateChecksum(checksum: number, oldWord: number, newWord: number): number {
  let sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + newWord;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * A key shared by both directions of a conversation: protocol, and the two address:port ends in a
 * fixed order. Frames without ports key on the addresses alone.
 */
export function conversationKey(frame: Uint8Array): string | null {
  const location = locateTransport(frame);
  if (location === null) return null;
  const addressBytes = location.ipVersion === 4 ? 4 : 16;
  const srcAt = location.ipOffset + (location.ipVersion === 4 ? 12 : 8);
  const dstAt = srcAt + addressBytes;
  if (frame.length < dstAt + addressBytes) return null;
  const hasPorts = location.l4Offset >= 0 && frame.length >= location.l4Offset + 4;
  const src = endpoint(frame, srcAt, addressBytes, hasPorts ? readU16(frame, location.l4Offset) : -1);
  const dst = endpoint(frame, dstAt, addressBytes, hasPorts ? readU16(frame, location.l4Offset + 2) : -1);
  return src < dst ? `${location.protocol}|${src}|${dst}` : `${location.protocol}|${dst}|${src}`;
}

function endpoint(frame: Uint8Array, at: number, length: number, port: number): string {
  return `${Buffer.from(frame.buffer, frame.byteOffset + at, length).toString('hex')}:${port}`;
}

function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}
