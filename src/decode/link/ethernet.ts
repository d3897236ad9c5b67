import { LLC, malformed } from '../decode-results.js';
import { settle, type DecodedFrame, type FrameKind } from '../decoded-frame.js';
import { decodeEtherType } from './decode-ether-type.js';

const ETHERNET_TRUNCATED = malformed('ethernet header truncated');

/** Decodes the Ethernet II frame in [start, end); an 802.3 frame (length instead of EtherType) is 'other'. */
export function decodeEthernet(f: DecodedFrame, b: Uint8Array, start: number, end: number): FrameKind {
  if (end - start < 14) return settle(f, ETHERNET_TRUNCATED);
  const etherType = (b[start + 12]! << 8) | b[start + 13]!;
  if (etherType < 0x0600) return settle(f, LLC);
  f.srcMacAt = start + 6;
  f.dstMacAt = start;
  return decodeEtherType(f, b, start + 14, end, etherType, false);
}
