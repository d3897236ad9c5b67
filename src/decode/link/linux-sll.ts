import { LLC, malformed, other } from '../decode-results.js';
import type { DecodeResult } from '../packet.js';
import { decodeEtherType } from './decode-ether-type.js';
import { formatMac } from './format-mac.js';

const SLL_TRUNCATED = malformed('linux cooked header truncated');
const SLL2_TRUNCATED = malformed('linux cooked v2 header truncated');
const NETLINK = other('netlink');
const COOKED_NOT_ETHERTYPE = other('cooked-protocol-not-ethertype');

const ARPHRD_ETHER = 1;
const ARPHRD_NETLINK = 824;
const ETH_P_802_3 = 0x0001;
const ETH_P_802_2 = 0x0004;

/**
 * Shared tail of both cooked formats. The link-layer address is the sender's, so it becomes
 * `srcMac` when it is an Ethernet address; a cooked header never records the destination.
 */
function decodeCooked(
  frame: Uint8Array,
  off: number,
  hardwareType: number,
  protocol: number,
  addressLength: number,
  addressOff: number,
): DecodeResult {
  if (hardwareType === ARPHRD_NETLINK) return NETLINK;
  if (protocol < 0x0600) {
    return protocol === ETH_P_802_2 || protocol === ETH_P_802_3 ? LLC : COOKED_NOT_ETHERTYPE;
  }
  const srcMac = hardwareType === ARPHRD_ETHER && addressLength === 6 ? formatMac(frame, addressOff) : null;
  return decodeEtherType(frame, off, protocol, srcMac, null);
}

/** LINKTYPE_LINUX_SLL (113): packet type, ARPHRD type, address length, 8-byte address, protocol. */
export function decodeLinuxSll(frame: Uint8Array): DecodeResult {
  if (frame.length < 16) return SLL_TRUNCATED;
  return decodeCooked(
    frame,
    16,
    (frame[2]! << 8) | frame[3]!,
    (frame[14]! << 8) | frame[15]!,
    (frame[4]! << 8) | frame[5]!,
    6,
  );
}

/** LINKTYPE_LINUX_SLL2 (276): protocol, reserved, interface index, ARPHRD type, packet type, address. */
export function decodeLinuxSll2(frame: Uint8Array): DecodeResult {
  if (frame.length < 20) return SLL2_TRUNCATED;
  return decodeCooked(frame, 20, (frame[8]! << 8) | frame[9]!, (frame[0]! << 8) | frame[1]!, frame[11]!, 12);
}
