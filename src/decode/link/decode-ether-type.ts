import { LLC, malformed, other } from '../decode-results.js';
import { decodeIpv4 } from '../ip/ipv4.js';
import { decodeIpv6 } from '../ip/ipv6.js';
import type { DecodeResult } from '../packet.js';
import { decodeArp } from './arp.js';
import { decodeMpls } from './mpls.js';
import { decodePppoeSession } from './pppoe.js';

const VLAN_TRUNCATED = malformed('vlan tag truncated');
const LLDP = other('lldp');
const EAPOL = other('eapol');
const PPPOE_DISCOVERY = other('pppoe-discovery');

/**
 * Decodes what follows an EtherType (or an SLL protocol field, which uses the same numbers) at
 * `off`. VLAN tags of any of the three TPIDs are peeled first: the first id goes to `vlan`, the
 * next to `innerVlan`, and deeper tags are skipped. `vlan`/`innerVlan` come in already set when
 * this frame is tunnelled inside another (an MPLS pseudowire), and `isInsidePseudowire` stops a
 * second level of tunnelling so that hostile nesting cannot recurse deeply.
 */
export function decodeEtherType(
  frame: Uint8Array,
  off: number,
  etherType: number,
  srcMac: string | null,
  dstMac: string | null,
  outerVlan: number | null = null,
  outerInnerVlan: number | null = null,
  isInsidePseudowire = false,
): DecodeResult {
  let type = etherType;
  let pos = off;
  let vlan = outerVlan;
  let innerVlan = outerInnerVlan;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (pos + 4 > frame.length) return VLAN_TRUNCATED;
    const id = ((frame[pos]! & 0x0f) << 8) | frame[pos + 1]!;
    if (vlan === null) vlan = id;
    else if (innerVlan === null) innerVlan = id;
    type = (frame[pos + 2]! << 8) | frame[pos + 3]!;
    pos += 4;
  }
  switch (type) {
    case 0x0800:
      return decodeIpv4(frame, pos, srcMac, dstMac, vlan, innerVlan);
    case 0x86dd:
      return decodeIpv6(frame, pos, srcMac, dstMac, vlan, innerVlan);
    case 0x0806:
      return decodeArp(frame, pos, vlan);
    case 0x8847:
    case 0x8848:
      return decodeMpls(frame, pos, srcMac, dstMac, vlan, innerVlan, isInsidePseudowire);
    case 0x8864:
      return decodePppoeSession(frame, pos, srcMac, dstMac, vlan, innerVlan);
    case 0x8863:
      return PPPOE_DISCOVERY;
    case 0x88cc:
      return LLDP;
    case 0x888e:
      return EAPOL;
    default:
      // Below 0x0600 the field is an 802.3 length (an LLC frame, such as spanning tree).
      if (type < 0x0600) return LLC;
      return other('ethertype-0x' + type.toString(16).padStart(4, '0'));
  }
}
