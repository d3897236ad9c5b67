import { malformed } from '../decode-results.js';
import type { DecodeResult } from '../packet.js';
import { decodeTransport } from '../transport/decode-transport.js';
import { createPacketSummary } from './create-packet-summary.js';
import { formatIpv4 } from './format-ip.js';

const HEADER_TRUNCATED = malformed('ipv4 header truncated');
const WRONG_VERSION = malformed('ipv4 header with another version');
const IHL_TOO_SMALL = malformed('ipv4 header length below 5');
const OPTIONS_TRUNCATED = malformed('ipv4 options truncated');
const TOTAL_LENGTH_TOO_SMALL = malformed('ipv4 total length shorter than its header');

/**
 * Decodes the IPv4 packet at `off` and its transport header. The link-layer fields are passed
 * through to the summary. A total length beyond the captured bytes is a snap length cut, not an
 * error. A total length of 0 is what TCP segmentation offload leaves in captures taken on the
 * sending host, so the captured length stands in for it (as Wireshark does).
 */
export function decodeIpv4(
  frame: Uint8Array,
  off: number,
  srcMac: string | null,
  dstMac: string | null,
  vlan: number | null,
  innerVlan: number | null,
): DecodeResult {
  const available = frame.length - off;
  if (available < 20) return HEADER_TRUNCATED;
  const first = frame[off]!;
  if (first >> 4 !== 4) return WRONG_VERSION;
  const headerLength = (first & 0x0f) << 2;
  if (headerLength < 20) return IHL_TOO_SMALL;
  if (headerLength > available) return OPTIONS_TRUNCATED;
  let totalLength = (frame[off + 2]! << 8) | frame[off + 3]!;
  if (totalLength === 0) totalLength = available;
  else if (totalLength < headerLength) return TOTAL_LENGTH_TOO_SMALL;

  const fragmentWord = (frame[off + 6]! << 8) | frame[off + 7]!;
  const fragmentOffset = (fragmentWord & 0x1fff) << 3;
  const p = createPacketSummary(
    srcMac,
    dstMac,
    vlan,
    innerVlan,
    4,
    formatIpv4(frame, off + 12),
    formatIpv4(frame, off + 16),
    frame[off + 9]!,
    totalLength,
    frame[off + 8]!,
    fragmentOffset !== 0 || (fragmentWord & 0x2000) !== 0,
    fragmentOffset,
    (frame[off + 4]! << 8) | frame[off + 5]!,
  );
  // Only the first fragment carries the transport header.
  if (fragmentOffset !== 0) return { kind: 'ip', packet: p };

  const end = off + totalLength;
  const capturedEnd = end < frame.length ? end : frame.length;
  return decodeTransport(p, frame, off + headerLength, totalLength - headerLength, capturedEnd);
}
