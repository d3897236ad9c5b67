import { LLC, malformed, other } from '../decode-results.js';
import { settle, type DecodedFrame, type FrameKind } from '../decoded-frame.js';
import { decodeIpv4 } from '../ip/ipv4.js';
import { decodeIpv6 } from '../ip/ipv6.js';
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
 * next to `innerVlan`, and deeper tags are skipped. `f.vlan`/`f.innerVlan` come in already set when
 * this frame is tunnelled inside another (an MPLS pseudowire), and `isInsidePseudowire` stops a
 * second level of tunnelling so that hostile nesting cannot recurse deeply.
 */
export function decodeEtherType(
  f: DecodedFrame,
  b: Uint8Array,
  off: number,
  end: number,
  etherType: number,
  isInsidePseudowire: boolean,
): FrameKind {
  let type = etherType;
  let pos = off;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (pos + 4 > end) return settle(f, VLAN_TRUNCATED);
    const id = ((b[pos]! & 0x0f) << 8) | b[pos + 1]!;
    if (f.vlan === -1) f.vlan = id;
    else if (f.innerVlan === -1) f.innerVlan = id;
    type = (b[pos + 2]! << 8) | b[pos + 3]!;
    pos += 4;
  }
  switch (type) {
    case 0x0800:
      return decodeIpv4(f, b, pos, end);
    case 0x86dd:
      return decodeIpv6(f, b, pos, end);
    case 0x0806:
      return decodeArp(f, b, pos, end);
    case 0x8847:
    case 0x8848:
      return decodeMpls(f, b, pos, end, isInsidePseudowire);
    case 0x8864:
      return decodePppoeSession(f, b, pos, end);
    case 0x8863:
      return settle(f, PPPOE_DISCOVERY);
    case 0x88cc:
      return settle(f, LLDP);
    case 0x888e:
      return settle(f, EAPOL);
    default:
      // Below 0x0600 the field is an 802.3 length (an LLC frame, such as spanning tree).
      if (type < 0x0600) return settle(f, LLC);
      return settle(f, other('ethertype-0x' + type.toString(16).padStart(4, '0')));
  }
}
