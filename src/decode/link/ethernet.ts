import { LLC, malformed } from '../decode-results.js';
import type { DecodeResult } from '../packet.js';
import { decodeEtherType } from './decode-ether-type.js';
import { formatMac } from './format-mac.js';

const ETHERNET_TRUNCATED = malformed('ethernet header truncated');

/** Decodes an Ethernet II frame; an 802.3 frame (length instead of EtherType) is 'other'. */
export function decodeEthernet(frame: Uint8Array): DecodeResult {
  if (frame.length < 14) return ETHERNET_TRUNCATED;
  const etherType = (frame[12]! << 8) | frame[13]!;
  if (etherType < 0x0600) return LLC;
  return decodeEtherType(frame, 14, etherType, formatMac(frame, 6), formatMac(frame, 0));
}
