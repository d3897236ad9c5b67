import { LLC, malformed, other } from '../decode-results.js';
import { settle, type DecodedFrame, type FrameKind } from '../decoded-frame.js';
import { decodeIpv4 } from '../ip/ipv4.js';
import { decodeIpv6 } from '../ip/ipv6.js';
import { decodeEtherType } from './decode-ether-type.js';

const MPLS_TRUNCATED = malformed('mpls label stack truncated');
const PSEUDOWIRE_TRUNCATED = malformed('mpls pseudowire ethernet header truncated');
const MPLS_NOT_IP = other('mpls-not-ip');

/**
 * Skips the MPLS label stack at `off` to its bottom entry. MPLS does not say what it carries, so
 * the first nibble after the stack decides, as routers and Wireshark do: 4 is IPv4, 6 is IPv6, and
 * 0 is the control word of an Ethernet pseudowire (RFC 4448), whose inner frame is decoded with
 * the outer MACs kept (they belong to the link that was captured). Anything else is 'other'.
 */
export function decodeMpls(
  f: DecodedFrame,
  b: Uint8Array,
  off: number,
  end: number,
  isInsidePseudowire: boolean,
): FrameKind {
  let pos = off;
  for (;;) {
    if (pos + 4 > end) return settle(f, MPLS_TRUNCATED);
    const isBottom = (b[pos + 2]! & 0x01) !== 0;
    pos += 4;
    if (isBottom) break;
  }
  if (pos >= end) return settle(f, MPLS_TRUNCATED);
  const nibble = b[pos]! >> 4;
  if (nibble === 4) return decodeIpv4(f, b, pos, end);
  if (nibble === 6) return decodeIpv6(f, b, pos, end);
  if (nibble !== 0 || isInsidePseudowire) return settle(f, MPLS_NOT_IP);

  const inner = pos + 4;
  if (inner + 14 > end) return settle(f, PSEUDOWIRE_TRUNCATED);
  const etherType = (b[inner + 12]! << 8) | b[inner + 13]!;
  if (etherType < 0x0600) return settle(f, LLC);
  return decodeEtherType(f, b, inner + 14, end, etherType, true);
}
