import { malformed } from '../decode-results.js';
import type { DecodeResult } from '../packet.js';
import { decodeTransport } from '../transport/decode-transport.js';
import { createPacketSummary } from './create-packet-summary.js';
import { formatIpv6 } from './format-ip.js';

const HEADER_TRUNCATED = malformed('ipv6 header truncated');
const WRONG_VERSION = malformed('ipv6 header with another version');
const EXTENSION_TRUNCATED = malformed('ipv6 extension header truncated');
const EXTENSION_EXCEEDS_PAYLOAD = malformed('ipv6 extension header longer than the payload length');

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTHENTICATION = 51;
const NO_NEXT_HEADER = 59;
const DESTINATION_OPTIONS = 60;

/**
 * Decodes the IPv6 packet at `off`, walks hop-by-hop, routing, fragment, destination-options and
 * AH headers to the transport protocol, and decodes its header. ESP and no-next-header end the
 * walk: what follows is opaque. A payload length of 0 with something following is a jumbogram or
 * a segmentation-offload capture, so the captured length stands in for it.
 */
export function decodeIpv6(
  frame: Uint8Array,
  off: number,
  srcMac: string | null,
  dstMac: string | null,
  vlan: number | null,
  innerVlan: number | null,
): DecodeResult {
  const available = frame.length - off;
  if (available < 40) return HEADER_TRUNCATED;
  if (frame[off]! >> 4 !== 6) return WRONG_VERSION;
  let nextHeader = frame[off + 6]!;
  let payloadLength = (frame[off + 4]! << 8) | frame[off + 5]!;
  if (payloadLength === 0 && nextHeader !== NO_NEXT_HEADER) payloadLength = available - 40;
  const end = off + 40 + payloadLength;
  const capturedEnd = end < frame.length ? end : frame.length;

  let pos = off + 40;
  let isFragment = false;
  let fragmentOffset = 0;
  let fragmentId = 0;
  // Every header moves `pos` forward by at least 8 bytes, so the walk ends within the frame.
  walk: for (;;) {
    let headerLength: number;
    switch (nextHeader) {
      case HOP_BY_HOP:
      case ROUTING:
      case DESTINATION_OPTIONS:
        if (pos + 2 > capturedEnd) return pos + 2 > end ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED;
        headerLength = (frame[pos + 1]! + 1) << 3;
        break;
      case AUTHENTICATION:
        if (pos + 2 > capturedEnd) return pos + 2 > end ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED;
        headerLength = (frame[pos + 1]! + 2) << 2;
        break;
      case FRAGMENT: {
        headerLength = 8;
        if (pos + 8 > capturedEnd) return pos + 8 > end ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED;
        const word = (frame[pos + 2]! << 8) | frame[pos + 3]!;
        fragmentOffset = word & 0xfff8;
        isFragment = fragmentOffset !== 0 || (word & 1) !== 0;
        fragmentId =
          ((frame[pos + 4]! << 24) | (frame[pos + 5]! << 16) | (frame[pos + 6]! << 8) | frame[pos + 7]!) >>>
          0;
        break;
      }
      default:
        break walk;
    }
    if (pos + headerLength > capturedEnd) {
      return pos + headerLength > end ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED;
    }
    nextHeader = frame[pos]!;
    pos += headerLength;
    // Only the first fragment carries the transport header.
    if (fragmentOffset !== 0) break;
  }

  const p = createPacketSummary(
    srcMac,
    dstMac,
    vlan,
    innerVlan,
    6,
    formatIpv6(frame, off + 8),
    formatIpv6(frame, off + 24),
    nextHeader,
    40 + payloadLength,
    frame[off + 7]!,
    isFragment,
    fragmentOffset,
    fragmentId,
  );
  if (fragmentOffset !== 0) return { kind: 'ip', packet: p };
  return decodeTransport(p, frame, pos, end - pos, capturedEnd);
}
