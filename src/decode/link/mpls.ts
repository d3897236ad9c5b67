import { LLC, malformed, other } from '../decode-results.js';
import { decodeIpv4 } from '../ip/ipv4.js';
import { decodeIpv6 } from '../ip/ipv6.js';
import type { DecodeResult } from '../packet.js';
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
  frame: Uint8Array,
  off: number,
  srcMac: string | null,
  dstMac: string | null,
  vlan: number | null,
  innerVlan: number | null,
  isInsidePseudowire: boolean,
): DecodeResult {
  let pos = off;
  for (;;) {
    if (pos + 4 > frame.length) return MPLS_TRUNCATED;
    const isBottom = (frame[pos + 2]! & 0x01) !== 0;
    pos += 4;
    if (isBottom) break;
  }
  if (pos >= frame.length) return MPLS_TRUNCATED;
  const nibble = frame[pos]! >> 4;
  if (nibble === 4) return decodeIpv4(frame, pos, srcMac, dstMac, vlan, innerVlan);
  if (nibble === 6) return decodeIpv6(frame, pos, srcMac, dstMac, vlan, innerVlan);
  if (nibble !== 0 || isInsidePseudowire) return MPLS_NOT_IP;

  const inner = pos + 4;
  if (inner + 14 > frame.length) return PSEUDOWIRE_TRUNCATED;
  const etherType = (frame[inner + 12]! << 8) | frame[inner + 13]!;
  if (etherType < 0x0600) return LLC;
  return decodeEtherType(frame, inner + 14, etherType, srcMac, dstMac, vlan, innerVlan, true);
}
