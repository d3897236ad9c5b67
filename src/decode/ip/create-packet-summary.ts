import { EMPTY_PAYLOAD } from '../decode-results.js';
import type { PacketSummary } from '../packet.js';

/**
 * Builds the summary with the transport fields at their "none" values; `decodeTransport` fills them
 * in. One literal site keeps every summary on the same hidden class, which keeps the consumers'
 * property reads monomorphic.
 */
export function createPacketSummary(
  srcMac: string | null,
  dstMac: string | null,
  vlan: number | null,
  innerVlan: number | null,
  ipVersion: 4 | 6,
  srcAddr: string,
  dstAddr: string,
  ipProto: number,
  ipBytes: number,
  ttl: number,
  isFragment: boolean,
  fragmentOffset: number,
  fragmentId: number,
): PacketSummary {
  return {
    srcMac,
    dstMac,
    vlan,
    innerVlan,
    ipVersion,
    srcAddr,
    dstAddr,
    ipProto,
    ipBytes,
    ttl,
    isFragment,
    fragmentOffset,
    fragmentId,
    srcPort: 0,
    dstPort: 0,
    icmpType: null,
    icmpCode: null,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    payload: EMPTY_PAYLOAD,
    payloadLength: 0,
  };
}
