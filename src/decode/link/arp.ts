import { malformed, other } from '../decode-results.js';
import { formatIpv4 } from '../ip/format-ip.js';
import type { DecodeResult } from '../packet.js';
import { formatMac } from './format-mac.js';

const ARP_TRUNCATED = malformed('arp truncated');
const ARP_NOT_IPV4 = other('arp-not-ipv4-over-ethernet');

/** Decodes an ARP message for IPv4 over 6-byte hardware addresses; other ARP flavours are 'other'. */
export function decodeArp(frame: Uint8Array, off: number, vlan: number | null): DecodeResult {
  if (frame.length - off < 8) return ARP_TRUNCATED;
  const protocolType = (frame[off + 2]! << 8) | frame[off + 3]!;
  if (frame[off + 4] !== 6 || frame[off + 5] !== 4 || protocolType !== 0x0800) return ARP_NOT_IPV4;
  if (frame.length - off < 28) return ARP_TRUNCATED;
  return {
    kind: 'arp',
    arp: {
      operation: (frame[off + 6]! << 8) | frame[off + 7]!,
      senderMac: formatMac(frame, off + 8),
      senderAddr: formatIpv4(frame, off + 14),
      targetMac: formatMac(frame, off + 18),
      targetAddr: formatIpv4(frame, off + 24),
    },
    vlan,
  };
}
