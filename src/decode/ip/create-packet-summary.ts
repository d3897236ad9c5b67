import { EMPTY_PAYLOAD } from '../decode-results.js';
import type { DecodedFrame } from '../decoded-frame.js';
import { formatMac } from '../link/format-mac.js';
import type { PacketSummary } from '../packet.js';
import { formatIpv4, formatIpv6 } from './format-ip.js';

/**
 * The text form of an IP frame that `decodeFrame` decoded. One literal site keeps every summary on
 * the same hidden class, which keeps the consumers' property reads monomorphic. `payload` is a view
 * into the frame's bytes.
 */
export function createPacketSummary(f: DecodedFrame): PacketSummary {
  const b = f.bytes;
  const isV4 = f.ipVersion === 4;
  return {
    srcMac: f.srcMacAt < 0 ? null : formatMac(b, f.srcMacAt),
    dstMac: f.dstMacAt < 0 ? null : formatMac(b, f.dstMacAt),
    vlan: f.vlan < 0 ? null : f.vlan,
    innerVlan: f.innerVlan < 0 ? null : f.innerVlan,
    ipVersion: f.ipVersion,
    srcAddr: isV4 ? formatIpv4(b, f.srcAddrAt) : formatIpv6(b, f.srcAddrAt),
    dstAddr: isV4 ? formatIpv4(b, f.dstAddrAt) : formatIpv6(b, f.dstAddrAt),
    ipProto: f.ipProto,
    ipBytes: f.ipBytes,
    ttl: f.ttl,
    isFragment: f.isFragment,
    fragmentOffset: f.fragmentOffset,
    fragmentId: f.fragmentId,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    icmpType: f.icmpType < 0 ? null : f.icmpType,
    icmpCode: f.icmpCode < 0 ? null : f.icmpCode,
    tcpFlags: f.tcpFlags,
    tcpSeq: f.tcpSeq,
    tcpAck: f.tcpAck,
    payload: f.payloadEnd > f.payloadStart ? b.subarray(f.payloadStart, f.payloadEnd) : EMPTY_PAYLOAD,
    payloadLength: f.payloadLength,
  };
}
