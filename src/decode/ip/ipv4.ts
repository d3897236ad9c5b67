import { malformed } from '../decode-results.js';
import { FrameKind, settle, type DecodedFrame } from '../decoded-frame.js';
import { decodeTransport, setIpFields } from '../transport/decode-transport.js';

const HEADER_TRUNCATED = malformed('ipv4 header truncated');
const WRONG_VERSION = malformed('ipv4 header with another version');
const IHL_TOO_SMALL = malformed('ipv4 header length below 5');
const OPTIONS_TRUNCATED = malformed('ipv4 options truncated');
const TOTAL_LENGTH_TOO_SMALL = malformed('ipv4 total length shorter than its header');

/**
 * Decodes the IPv4 packet at `off` (the frame ends at `end`) and its transport header into `f`,
 * whose link-layer fields the caller has set. A total length beyond the captured bytes is a snap
 * length cut, not an error. A total length of 0 is what TCP segmentation offload leaves in captures
 * taken on the sending host, so the captured length stands in for it (as Wireshark does).
 */
export function decodeIpv4(f: DecodedFrame, b: Uint8Array, off: number, end: number): FrameKind {
  const available = end - off;
  if (available < 20) return settle(f, HEADER_TRUNCATED);
  const first = b[off]!;
  if (first >> 4 !== 4) return settle(f, WRONG_VERSION);
  const headerLength = (first & 0x0f) << 2;
  if (headerLength < 20) return settle(f, IHL_TOO_SMALL);
  if (headerLength > available) return settle(f, OPTIONS_TRUNCATED);
  let totalLength = (b[off + 2]! << 8) | b[off + 3]!;
  if (totalLength === 0) totalLength = available;
  else if (totalLength < headerLength) return settle(f, TOTAL_LENGTH_TOO_SMALL);

  const fragmentWord = (b[off + 6]! << 8) | b[off + 7]!;
  const fragmentOffset = (fragmentWord & 0x1fff) << 3;
  setIpFields(
    f,
    4,
    off + 12,
    off + 16,
    b[off + 9]!,
    totalLength,
    b[off + 8]!,
    fragmentOffset !== 0 || (fragmentWord & 0x2000) !== 0,
    fragmentOffset,
    (b[off + 4]! << 8) | b[off + 5]!,
  );
  // Only the first fragment carries the transport header.
  if (fragmentOffset !== 0) return (f.kind = FrameKind.IP);

  const stop = off + totalLength;
  const capturedEnd = stop < end ? stop : end;
  return decodeTransport(f, b, off + headerLength, totalLength - headerLength, capturedEnd);
}
