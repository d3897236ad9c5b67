import { malformed, UNSUPPORTED_LINK_TYPE } from './decode-results.js';
import { DecodedFrame, FrameKind, settle } from './decoded-frame.js';
import { createPacketSummary } from './ip/create-packet-summary.js';
import { decodeIpv4 } from './ip/ipv4.js';
import { decodeIpv6 } from './ip/ipv6.js';
import { arpSummary } from './link/arp.js';
import { decodeEthernet } from './link/ethernet.js';
import { decodeLinuxSll, decodeLinuxSll2 } from './link/linux-sll.js';
import { decodeLoopback } from './link/loopback.js';
import { LinkType, type DecodeResult } from './packet.js';

const RAW_NOT_IP = malformed('raw ip packet is neither ipv4 nor ipv6');
const RAW_EMPTY = malformed('raw ip packet is empty');

function decodeRawIp(f: DecodedFrame, b: Uint8Array, start: number, end: number): FrameKind {
  if (end <= start) return settle(f, RAW_EMPTY);
  const version = b[start]! >> 4;
  if (version === 4) return decodeIpv4(f, b, start, end);
  if (version === 6) return decodeIpv6(f, b, start, end);
  return settle(f, RAW_NOT_IP);
}

function decodeLink(f: DecodedFrame, linkType: number, b: Uint8Array, start: number, end: number): FrameKind {
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(f, b, start, end);
    case LinkType.RAW:
    case LinkType.RAW_12:
    case LinkType.RAW_OPENBSD:
      return decodeRawIp(f, b, start, end);
    case LinkType.IPV4:
      return decodeIpv4(f, b, start, end);
    case LinkType.IPV6:
      return decodeIpv6(f, b, start, end);
    case LinkType.LINUX_SLL:
      return decodeLinuxSll(f, b, start, end);
    case LinkType.LINUX_SLL2:
      return decodeLinuxSll2(f, b, start, end);
    case LinkType.NULL:
    case LinkType.LOOP:
      return decodeLoopback(f, b, start, end);
    default:
      return settle(f, UNSUPPORTED_LINK_TYPE);
  }
}

/**
 * Decodes the frame in `bytes[start, end)` of the given pcap link type down to the transport header,
 * into `f` (see `DecodedFrame`), and returns what it is. This is the decoder: `decodePacket` is this
 * plus text.
 *
 * Pure and total: no I/O, never throws, allocates nothing for a valid packet. Every read is
 * bounds-checked against `end`; the try/catch is a last guard so that a decoder bug costs one
 * packet (reported as malformed) rather than a capture. An unknown link type is 'other', since the
 * bytes may be fine.
 */
export function decodeFrame(
  f: DecodedFrame,
  linkType: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): FrameKind {
  f.bytes = bytes;
  f.srcMacAt = -1;
  f.dstMacAt = -1;
  f.vlan = -1;
  f.innerVlan = -1;
  f.arpAt = -1;
  try {
    return decodeLink(f, linkType, bytes, start, end);
  } catch (err) {
    return settle(f, internalError(err));
  }
}

function internalError(err: unknown): DecodeResult {
  return { kind: 'malformed', reason: `internal error: ${err instanceof Error ? err.message : 'unknown'}` };
}

/**
 * Decodes one captured frame of the given pcap link type down to the transport header, with
 * addresses as text. Pure and total, as `decodeFrame`. `payload` in the result is a view into
 * `frame`, so the caller must not reuse `frame`'s memory while it keeps the result.
 */
export function decodePacket(linkType: number, frame: Uint8Array): DecodeResult {
  const f = new DecodedFrame();
  try {
    switch (decodeFrame(f, linkType, frame, 0, frame.length)) {
      case FrameKind.IP:
        return { kind: 'ip', packet: createPacketSummary(f) };
      case FrameKind.ARP:
        return { kind: 'arp', arp: arpSummary(frame, f.arpAt), vlan: f.vlan < 0 ? null : f.vlan };
      default:
        return f.outcome;
    }
  } catch (err) {
    // The text forms read the frame again; the same guard covers them.
    return internalError(err);
  }
}
