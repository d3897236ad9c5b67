import { DecodedFrame, FrameKind, type PacketSummary } from '../decode/index.js';
import { writeAddress } from './address-bytes.js';

const SRC_ADDR_AT = 0;
const DST_ADDR_AT = 16;
const SRC_MAC_AT = 32;
const DST_MAC_AT = 38;
const PAYLOAD_AT = 44;

/**
 * Turns a `PacketSummary` (text addresses, as `decodePacket` and tests make them) back into the
 * `DecodedFrame` form the flow table works on: addresses, MACs and payload are written into one
 * buffer of this object's, which the next `load` reuses. Used by `FlowTable.add`; the import path
 * decodes straight into a `DecodedFrame` and never comes here.
 */
export class SummaryFrame {
  readonly frame = new DecodedFrame();
  private buffer = new Uint8Array(256);

  load(p: PacketSummary): DecodedFrame {
    const need = PAYLOAD_AT + p.payload.length;
    if (need > this.buffer.length) this.buffer = new Uint8Array(Math.max(need, this.buffer.length * 2));
    const b = this.buffer;
    b.fill(0, 0, PAYLOAD_AT);
    // The decoder only ever produces valid addresses; anything else stays all zeros.
    writeAddress(p.srcAddr, b, SRC_ADDR_AT);
    writeAddress(p.dstAddr, b, DST_ADDR_AT);
    b.set(p.payload, PAYLOAD_AT);
    const f = this.frame;
    f.kind = FrameKind.IP;
    f.bytes = b;
    f.srcMacAt = writeMac(p.srcMac, b, SRC_MAC_AT) ? SRC_MAC_AT : -1;
    f.dstMacAt = writeMac(p.dstMac, b, DST_MAC_AT) ? DST_MAC_AT : -1;
    f.vlan = p.vlan ?? -1;
    f.innerVlan = p.innerVlan ?? -1;
    f.ipVersion = p.ipVersion;
    f.srcAddrAt = SRC_ADDR_AT;
    f.dstAddrAt = DST_ADDR_AT;
    f.ipProto = p.ipProto;
    f.ipBytes = p.ipBytes;
    f.ttl = p.ttl;
    f.isFragment = p.isFragment;
    f.fragmentOffset = p.fragmentOffset;
    f.fragmentId = p.fragmentId;
    f.srcPort = p.srcPort;
    f.dstPort = p.dstPort;
    f.icmpType = p.icmpType ?? -1;
    f.icmpCode = p.icmpCode ?? -1;
    f.tcpFlags = p.tcpFlags;
    f.tcpSeq = p.tcpSeq;
    f.tcpAck = p.tcpAck;
    f.payloadStart = PAYLOAD_AT;
    f.payloadEnd = PAYLOAD_AT + p.payload.length;
    f.payloadLength = p.payloadLength;
    return f;
  }
}

/** Writes 'aa:bb:cc:dd:ee:ff' (either case) as six bytes; false for null or other text. */
function writeMac(text: string | null, out: Uint8Array, at: number): boolean {
  if (text === null || text.length !== 17) return false;
  for (let i = 0; i < 6; i++) {
    const value = parseInt(text.slice(3 * i, 3 * i + 2), 16);
    if (Number.isNaN(value) || (i < 5 && text[3 * i + 2] !== ':')) return false;
    out[at + i] = value;
  }
  return true;
}
