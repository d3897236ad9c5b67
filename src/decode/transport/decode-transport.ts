import { EMPTY_PAYLOAD, malformed } from '../decode-results.js';
import type { DecodeResult, PacketSummary } from '../packet.js';

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

function view(frame: Uint8Array, start: number, end: number): Uint8Array {
  return end > start ? frame.subarray(start, end) : EMPTY_PAYLOAD;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/**
 * Reads the transport header at `off` into `p` (ports, flags, ICMP type/code, payload).
 *
 * `statedLength` is how long the IP header says the transport segment is; `capturedEnd` is where the
 * captured bytes of this IP packet end (never past the stated end, so Ethernet padding is excluded).
 * A header cut by the snap length is malformed; a payload cut by it is not, and keeps its stated length.
 * Assumes `off <= capturedEnd`.
 */
export function decodeTransport(
  p: PacketSummary,
  frame: Uint8Array,
  off: number,
  statedLength: number,
  capturedEnd: number,
): DecodeResult {
  const captured = capturedEnd - off;
  switch (p.ipProto) {
    case PROTO_TCP: {
      if (captured < 20) return statedLength < 20 ? TCP_HEADER_EXCEEDS_IP : TCP_HEADER_TRUNCATED;
      const dataOffset = (frame[off + 12]! >> 4) << 2;
      if (dataOffset < 20) return TCP_DATA_OFFSET_TOO_SMALL;
      if (dataOffset > captured) {
        return dataOffset > statedLength ? TCP_HEADER_EXCEEDS_IP : TCP_OPTIONS_TRUNCATED;
      }
      p.srcPort = u16(frame, off);
      p.dstPort = u16(frame, off + 2);
      p.tcpSeq = u32(frame, off + 4);
      p.tcpAck = u32(frame, off + 8);
      p.tcpFlags = frame[off + 13]!;
      p.payload = view(frame, off + dataOffset, capturedEnd);
      p.payloadLength = statedLength - dataOffset;
      break;
    }
    case PROTO_UDP: {
      if (captured < 8) return statedLength < 8 ? UDP_HEADER_EXCEEDS_IP : UDP_HEADER_TRUNCATED;
      const udpLength = u16(frame, off + 4);
      let length = statedLength;
      if (udpLength !== 0) {
        // Zero is left by GSO captures and IPv6 jumbograms; there the IP length is the truth.
        if (udpLength < 8) return UDP_LENGTH_TOO_SMALL;
        // A first fragment's UDP length covers the whole datagram, which is the length we report.
        if (p.isFragment || udpLength < length) length = udpLength;
      }
      p.srcPort = u16(frame, off);
      p.dstPort = u16(frame, off + 2);
      const end = off + length;
      p.payload = view(frame, off + 8, end < capturedEnd ? end : capturedEnd);
      p.payloadLength = length - 8;
      break;
    }
    case PROTO_SCTP: {
      if (captured < 12) return statedLength < 12 ? SCTP_HEADER_EXCEEDS_IP : SCTP_HEADER_TRUNCATED;
      p.srcPort = u16(frame, off);
      p.dstPort = u16(frame, off + 2);
      p.payload = view(frame, off + 12, capturedEnd);
      p.payloadLength = statedLength - 12;
      break;
    }
    case PROTO_ICMP:
    case PROTO_ICMPV6: {
      // Type, code and checksum are common to every message; the next four bytes vary by type
      // but are always there, so the payload starts after eight.
      if (captured < 4) return statedLength < 4 ? ICMP_HEADER_EXCEEDS_IP : ICMP_HEADER_TRUNCATED;
      p.icmpType = frame[off]!;
      p.icmpCode = frame[off + 1]!;
      p.payload = view(frame, off + 8, capturedEnd);
      p.payloadLength = statedLength > 8 ? statedLength - 8 : 0;
      break;
    }
    default:
      p.payload = view(frame, off, capturedEnd);
      p.payloadLength = statedLength;
  }
  return { kind: 'ip', packet: p };
}
