import { malformed } from '../decode-results.js';
import { FrameKind, settle, type DecodedFrame } from '../decoded-frame.js';
import { decodeTransport, setIpFields } from '../transport/decode-transport.js';

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
 * Decodes the IPv6 packet at `off` (the frame ends at `end`) into `f`, walks hop-by-hop, routing,
 * fragment, destination-options and AH headers to the transport protocol, and decodes its header.
 * ESP and no-next-header end the walk: what follows is opaque. A payload length of 0 with something
 * following is a jumbogram or a segmentation-offload capture, so the captured length stands in for it.
 */
export function decodeIpv6(f: DecodedFrame, b: Uint8Array, off: number, end: number): FrameKind {
  const available = end - off;
  if (available < 40) return settle(f, HEADER_TRUNCATED);
  if (b[off]! >> 4 !== 6) return settle(f, WRONG_VERSION);
  let nextHeader = b[off + 6]!;
  let payloadLength = (b[off + 4]! << 8) | b[off + 5]!;
  if (payloadLength === 0 && nextHeader !== NO_NEXT_HEADER) payloadLength = available - 40;
  const stop = off + 40 + payloadLength;
  const capturedEnd = stop < end ? stop : end;

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
        if (pos + 2 > capturedEnd)
          return settle(f, pos + 2 > stop ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED);
        headerLength = (b[pos + 1]! + 1) << 3;
        break;
      case AUTHENTICATION:
        if (pos + 2 > capturedEnd)
          return settle(f, pos + 2 > stop ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED);
        headerLength = (b[pos + 1]! + 2) << 2;
        break;
      case FRAGMENT: {
        headerLength = 8;
        if (pos + 8 > capturedEnd)
          return settle(f, pos + 8 > stop ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED);
        const word = (b[pos + 2]! << 8) | b[pos + 3]!;
        fragmentOffset = word & 0xfff8;
        isFragment = fragmentOffset !== 0 || (word & 1) !== 0;
        fragmentId = ((b[pos + 4]! << 24) | (b[pos + 5]! << 16) | (b[pos + 6]! << 8) | b[pos + 7]!) >>> 0;
        break;
      }
      default:
        break walk;
    }
    if (pos + headerLength > capturedEnd) {
      return settle(f, pos + headerLength > stop ? EXTENSION_EXCEEDS_PAYLOAD : EXTENSION_TRUNCATED);
    }
    nextHeader = b[pos]!;
    pos += headerLength;
    // Only the first fragment carries the transport header.
    if (fragmentOffset !== 0) break;
  }

  setIpFields(
    f,
    6,
    off + 8,
    off + 24,
    nextHeader,
    40 + payloadLength,
    b[off + 7]!,
    isFragment,
    fragmentOffset,
    fragmentId,
  );
  if (fragmentOffset !== 0) return (f.kind = FrameKind.IP);
  return decodeTransport(f, b, pos, stop - pos, capturedEnd);
}
