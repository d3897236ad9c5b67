import { malformed, UNSUPPORTED_LINK_TYPE } from './decode-results.js';
import { decodeIpv4 } from './ip/ipv4.js';
import { decodeIpv6 } from './ip/ipv6.js';
import { decodeEthernet } from './link/ethernet.js';
import { decodeLinuxSll, decodeLinuxSll2 } from './link/linux-sll.js';
import { decodeLoopback } from './link/loopback.js';
import { LinkType, type DecodeResult } from './packet.js';

const RAW_NOT_IP = malformed('raw ip packet is neither ipv4 nor ipv6');
const RAW_EMPTY = malformed('raw ip packet is empty');

function decodeRawIp(frame: Uint8Array): DecodeResult {
  if (frame.length === 0) return RAW_EMPTY;
  const version = frame[0]! >> 4;
  if (version === 4) return decodeIpv4(frame, 0, null, null, null, null);
  if (version === 6) return decodeIpv6(frame, 0, null, null, null, null);
  return RAW_NOT_IP;
}

/**
 * Decodes one captured frame of the given pcap link type down to the transport header.
 *
 * Pure and total: no I/O, never throws. Every read is bounds-checked; the try/catch is a last
 * guard so that a decoder bug costs one packet (reported as malformed) rather than a capture.
 * `payload` in the result is a view into `frame`, so the caller must not reuse `frame`'s memory
 * while it keeps the result. An unknown link type is 'other', since the bytes may be fine.
 */
export function decodePacket(linkType: number, frame: Uint8Array): DecodeResult {
  try {
    switch (linkType) {
      case LinkType.ETHERNET:
        return decodeEthernet(frame);
      case LinkType.RAW:
      case LinkType.RAW_12:
      case LinkType.RAW_OPENBSD:
        return decodeRawIp(frame);
      case LinkType.IPV4:
        return decodeIpv4(frame, 0, null, null, null, null);
      case LinkType.IPV6:
        return decodeIpv6(frame, 0, null, null, null, null);
      case LinkType.LINUX_SLL:
        return decodeLinuxSll(frame);
      case LinkType.LINUX_SLL2:
        return decodeLinuxSll2(frame);
      case LinkType.NULL:
      case LinkType.LOOP:
        return decodeLoopback(frame);
      default:
        return UNSUPPORTED_LINK_TYPE;
    }
  } catch (err) {
    return { kind: 'malformed', reason: `internal error: ${err instanceof Error ? err.message : 'unknown'}` };
  }
}
