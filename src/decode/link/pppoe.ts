import { malformed, other } from '../decode-results.js';
import { settle, type DecodedFrame, type FrameKind } from '../decoded-frame.js';
import { decodeIpv4 } from '../ip/ipv4.js';
import { decodeIpv6 } from '../ip/ipv6.js';

const PPPOE_TRUNCATED = malformed('pppoe session header truncated');
const PPP_NOT_IP = other('ppp-not-ip');

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * Decodes a PPPoE session frame at `off`: the 6-byte PPPoE header, then the PPP protocol field.
 * That field may be compressed to one byte (an odd first byte, RFC 1661 §6.5) even though PPPoE
 * discourages it, so both forms are read.
 */
export function decodePppoeSession(f: DecodedFrame, b: Uint8Array, off: number, end: number): FrameKind {
  if (off + 7 > end) return settle(f, PPPOE_TRUNCATED);
  let protocol = b[off + 6]!;
  let ipOff = off + 7;
  if ((protocol & 0x01) === 0) {
    if (off + 8 > end) return settle(f, PPPOE_TRUNCATED);
    protocol = (protocol << 8) | b[off + 7]!;
    ipOff = off + 8;
  }
  if (protocol === PPP_IPV4) return decodeIpv4(f, b, ipOff, end);
  if (protocol === PPP_IPV6) return decodeIpv6(f, b, ipOff, end);
  return settle(f, PPP_NOT_IP);
}
