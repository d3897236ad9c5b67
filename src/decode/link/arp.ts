import { malformed, other } from '../decode-results.js';
import { FrameKind, settle, type DecodedFrame } from '../decoded-frame.js';
import { formatIpv4 } from '../ip/format-ip.js';
import type { ArpSummary } from '../packet.js';
import { formatMac } from './format-mac.js';

const ARP_TRUNCATED = malformed('arp truncated');
const ARP_NOT_IPV4 = other('arp-not-ipv4-over-ethernet');

/** Checks the ARP message at `off`: IPv4 over 6-byte hardware addresses; other ARP flavours are 'other'. */
export function decodeArp(f: DecodedFrame, b: Uint8Array, off: number, end: number): FrameKind {
  if (end - off < 8) return settle(f, ARP_TRUNCATED);
  const protocolType = (b[off + 2]! << 8) | b[off + 3]!;
  if (b[off + 4] !== 6 || b[off + 5] !== 4 || protocolType !== 0x0800) return settle(f, ARP_NOT_IPV4);
  if (end - off < 28) return settle(f, ARP_TRUNCATED);
  f.arpAt = off;
  return (f.kind = FrameKind.ARP);
}

/** The message `decodeArp` accepted at `off`, with its addresses as text. */
export function arpSummary(b: Uint8Array, off: number): ArpSummary {
  return {
    operation: (b[off + 6]! << 8) | b[off + 7]!,
    senderMac: formatMac(b, off + 8),
    senderAddr: formatIpv4(b, off + 14),
    targetMac: formatMac(b, off + 18),
    targetAddr: formatIpv4(b, off + 24),
  };
}
