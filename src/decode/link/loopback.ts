import { malformed, other } from '../decode-results.js';
import { decodeIpv4 } from '../ip/ipv4.js';
import { decodeIpv6 } from '../ip/ipv6.js';
import type { DecodeResult } from '../packet.js';

const LOOPBACK_TRUNCATED = malformed('loopback header truncated');
const LOOPBACK_OTHER_FAMILY = other('loopback-family-not-ip');

const AF_INET = 2;
/** AF_INET6 as NetBSD/OpenBSD, FreeBSD and macOS number it. */
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/**
 * Decodes NULL (0, family in the capturing host's byte order) and LOOP (108, network byte order).
 * Every family value fits in one byte, so the byte order shows itself: either the first or the
 * last byte is the family and the other three are zero. Both link types accept both orders.
 */
export function decodeLoopback(frame: Uint8Array): DecodeResult {
  if (frame.length < 4) return LOOPBACK_TRUNCATED;
  let family: number;
  if (frame[1] === 0 && frame[2] === 0 && frame[3] === 0) family = frame[0]!;
  else if (frame[0] === 0 && frame[1] === 0 && frame[2] === 0) family = frame[3]!;
  else return LOOPBACK_OTHER_FAMILY;
  if (family === AF_INET) return decodeIpv4(frame, 4, null, null, null, null);
  if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) {
    return decodeIpv6(frame, 4, null, null, null, null);
  }
  return LOOPBACK_OTHER_FAMILY;
}
