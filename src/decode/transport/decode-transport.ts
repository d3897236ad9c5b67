import { malformed } from '../decode-results.js';
import { FrameKind, settle, type DecodedFrame } from '../decoded-frame.js';

const TCP_HEADER_TRUNCATED = malformed('tcp header truncated');
const TCP_HEADER_EXCEEDS_IP = malformed('tcp header longer than the ip payload');
const TCP_DATA_OFFSET_TOO_SMALL = malformed('tcp data offset below 5');
const TCP_OPTIONS_TRUNCATED = malformed('tcp options truncated');
const UDP_HEADER_TRUNCATED = malformed('udp header truncated');
const UDP_HEADER_EXCEEDS_IP = malformed('udp header longer than the ip payload');
const UDP_LENGTH_TOO_SMALL = malformed('udp length below 8');
const SCTP_HEADER_TRUNCATED = malformed('sctp common header truncated');
const SCTP_HEADER_EXCEEDS_IP = malformed('sctp common header longer than the ip payload');
const ICMP_HEADER_TRUNCATED = malformed('icmp header truncated');
const ICMP_HEADER_EXCEEDS_IP = malformed('icmp header longer than the ip payload');

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;
const PROTO_SCTP = 132;

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** The captured payload is [start, end), or empty when end is not past start. */
function setPayload(f: DecodedFrame, start: number, end: number, statedLength: number): void {
  f.payloadStart = start;
  f.payloadEnd = end > start ? end : start;
  f.payloadLength = statedLength;
}

/**
 * Sets the IP-layer fields and puts every transport field at its "none" value, which
 * `decodeTransport` then fills in for the first fragment or an unfragmented packet.
 */
export function setIpFields(
  f: DecodedFrame,
  ipVersion: 4 | 6,
  srcAddrAt: number,
  dstAddrAt: number,
  ipProto: number,
  ipBytes: number,
  ttl: number,
  isFragment: boolean,
  fragmentOffset: number,
  fragmentId: number,
): void {
  f.ipVersion = ipVersion;
  f.srcAddrAt = srcAddrAt;
  f.dstAddrAt = dstAddrAt;
  f.ipProto = ipProto;
  f.ipBytes = ipBytes;
  f.ttl = ttl;
  f.isFragment = isFragment;
  f.fragmentOffset = fragmentOffset;
  f.fragmentId = fragmentId;
  f.srcPort = 0;
  f.dstPort = 0;
  f.icmpType = -1;
  f.icmpCode = -1;
  f.tcpFlags = 0;
  f.tcpSeq = 0;
  f.tcpAck = 0;
  f.payloadStart = 0;
  f.payloadEnd = 0;
  f.payloadLength = 0;
}

/**
 * Reads the transport header at `off` into `f` (ports, flags, ICMP type/code, payload).
 *
 * `statedLength` is how long the IP header says the transport segment is; `capturedEnd` is where the
 * captured bytes of this IP packet end (never past the stated end, so Ethernet padding is excluded).
 * A header cut by the snap length is malformed; a payload cut by it is not, and keeps its stated length.
 * Assumes `off <= capturedEnd`.
 */
export function decodeTransport(
  f: DecodedFrame,
  b: Uint8Array,
  off: number,
  statedLength: number,
  capturedEnd: number,
): FrameKind {
  const captured = capturedEnd - off;
  switch (f.ipProto) {
    case PROTO_TCP: {
      if (captured < 20) return settle(f, statedLength < 20 ? TCP_HEADER_EXCEEDS_IP : TCP_HEADER_TRUNCATED);
      const dataOffset = (b[off + 12]! >> 4) << 2;
      if (dataOffset < 20) return settle(f, TCP_DATA_OFFSET_TOO_SMALL);
      if (dataOffset > captured) {
        return settle(f, dataOffset > statedLength ? TCP_HEADER_EXCEEDS_IP : TCP_OPTIONS_TRUNCATED);
      }
      f.srcPort = u16(b, off);
      f.dstPort = u16(b, off + 2);
      f.tcpSeq = u32(b, off + 4);
      f.tcpAck = u32(b, off + 8);
      f.tcpFlags = b[off + 13]!;
      setPayload(f, off + dataOffset, capturedEnd, statedLength - dataOffset);
      break;
    }
    case PROTO_UDP: {
      if (captured < 8) return settle(f, statedLength < 8 ? UDP_HEADER_EXCEEDS_IP : UDP_HEADER_TRUNCATED);
      const udpLength = u16(b, off + 4);
      let length = statedLength;
      if (udpLength !== 0) {
        // Zero is left by GSO captures and IPv6 jumbograms; there the IP length is the truth.
        if (udpLength < 8) return settle(f, UDP_LENGTH_TOO_SMALL);
        // A first fragment's UDP length covers the whole datagram, which is the length we report.
        if (f.isFragment || udpLength < length) length = udpLength;
      }
      f.srcPort = u16(b, off);
      f.dstPort = u16(b, off + 2);
      const stop = off + length;
      setPayload(f, off + 8, stop < capturedEnd ? stop : capturedEnd, length - 8);
      break;
    }
    case PROTO_SCTP: {
      if (captured < 12) return settle(f, statedLength < 12 ? SCTP_HEADER_EXCEEDS_IP : SCTP_HEADER_TRUNCATED);
      f.srcPort = u16(b, off);
      f.dstPort = u16(b, off + 2);
      setPayload(f, off + 12, capturedEnd, statedLength - 12);
      break;
    }
    case PROTO_ICMP:
    case PROTO_ICMPV6: {
      // Type, code and checksum are common to every message; the next four bytes vary by type
      // but are always there, so the payload starts after eight.
      if (captured < 4) return settle(f, statedLength < 4 ? ICMP_HEADER_EXCEEDS_IP : ICMP_HEADER_TRUNCATED);
      f.icmpType = b[off]!;
      f.icmpCode = b[off + 1]!;
      setPayload(f, off + 8, capturedEnd, statedLength > 8 ? statedLength - 8 : 0);
      break;
    }
    default:
      setPayload(f, off, capturedEnd, statedLength);
  }
  return (f.kind = FrameKind.IP);
}
