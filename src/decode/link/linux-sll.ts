import { LLC, malformed, other } from '../decode-results.js';
import { settle, type DecodedFrame, type FrameKind } from '../decoded-frame.js';
import { decodeEtherType } from './decode-ether-type.js';

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
  f: DecodedFrame,
  b: Uint8Array,
  off: number,
  end: number,
  hardwareType: number,
  protocol: number,
  addressLength: number,
  addressAt: number,
): FrameKind {
  if (hardwareType === ARPHRD_NETLINK) return settle(f, NETLINK);
  if (protocol < 0x0600) {
    return settle(f, protocol === ETH_P_802_2 || protocol === ETH_P_802_3 ? LLC : COOKED_NOT_ETHERTYPE);
  }
  if (hardwareType === ARPHRD_ETHER && addressLength === 6) f.srcMacAt = addressAt;
  return decodeEtherType(f, b, off, end, protocol, false);
}

/** LINKTYPE_LINUX_SLL (113): packet type, ARPHRD type, address length, 8-byte address, protocol. */
export function decodeLinuxSll(f: DecodedFrame, b: Uint8Array, start: number, end: number): FrameKind {
  if (end - start < 16) return settle(f, SLL_TRUNCATED);
  return decodeCooked(
    f,
    b,
    start + 16,
    end,
    (b[start + 2]! << 8) | b[start + 3]!,
    (b[start + 14]! << 8) | b[start + 15]!,
    (b[start + 4]! << 8) | b[start + 5]!,
    start + 6,
  );
}

/** LINKTYPE_LINUX_SLL2 (276): protocol, reserved, interface index, ARPHRD type, packet type, address. */
export function decodeLinuxSll2(f: DecodedFrame, b: Uint8Array, start: number, end: number): FrameKind {
  if (end - start < 20) return settle(f, SLL2_TRUNCATED);
  return decodeCooked(
    f,
    b,
    start + 20,
    end,
    (b[start + 8]! << 8) | b[start + 9]!,
    (b[start]! << 8) | b[start + 1]!,
    b[start + 11]!,
    start + 12,
  );
}
