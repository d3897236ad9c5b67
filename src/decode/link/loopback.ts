import { malformed, other } from '../decode-results.js';
import { settle, type DecodedFrame, type FrameKind } from '../decoded-frame.js';
import { decodeIpv4 } from '../ip/ipv4.js';
import { decodeIpv6 } from '../ip/ipv6.js';

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
export function decodeLoopback(f: DecodedFrame, b: Uint8Array, start: number, end: number): FrameKind {
  if (end - start < 4) return settle(f, LOOPBACK_TRUNCATED);
  let family: number;
  if (b[start + 1] === 0 && b[start + 2] === 0 && b[start + 3] === 0) family = b[start]!;
  else if (b[start] === 0 && b[start + 1] === 0 && b[start + 2] === 0) family = b[start + 3]!;
  else return settle(f, LOOPBACK_OTHER_FAMILY);
  if (family === AF_INET) return decodeIpv4(f, b, start + 4, end);
  if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) {
    return decodeIpv6(f, b, start + 4, end);
  }
  return settle(f, LOOPBACK_OTHER_FAMILY);
}
