import type { EpochMicros } from './time.js';

/**
 * One direction of a conversation as a flow exporter reports it (a NetFlow v5/v9 or IPFIX data record),
 * or one sampled packet (sFlow). The collector in capture/ makes these; flow/'s stitcher joins the two
 * directions into a FlowRecord. Counts are already scaled by the sampling rate.
 */
export interface OneWayFlow {
  /** Address of the exporter that sent the record (the datagram's source), IPv4-mapped IPv6 unwrapped. */
  exporter: string;
  /** NetFlow v9 source id or IPFIX observation domain; 0 for NetFlow v5 and sFlow. */
  domainId: number;
  ipVersion: 4 | 6;
  ipProto: number;
  srcAddr: string;
  dstAddr: string;
  /** For ICMP/ICMPv6: the message type (FlowRecord's convention). */
  srcPort: number;
  /** For ICMP/ICMPv6: the message code. */
  dstPort: number;
  packets: number;
  /** IP-layer bytes (header included), as NetFlow's octet counts. */
  bytes: number;
  /** Reverse direction of an RFC 5103 biflow record (softflowd -b); 0 otherwise. */
  reversePackets: number;
  reverseBytes: number;
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
  /** TCP flags OR-ed over the direction's packets; 0 for other protocols. */
  tcpFlags: number;
  reverseTcpFlags: number;
  /** SNMP ifIndex of the input and output interface; 0 where the exporter does not say. */
  inputInterface: number;
  outputInterface: number;
  srcMac: string | null;
  dstMac: string | null;
  vlan: number | null;
  /** The exporter counted 1 in this many packets; 1 when unsampled. */
  samplingRate: number;
  /** True when the counts were scaled up from samples. */
  countsEstimated: boolean;
  /** True for one sampled packet (sFlow), which the stitcher aggregates like a flow table does. */
  isPacketSample: boolean;
  /** IPFIX flowEndReason (1 idle, 2 active, 3 end detected, 4 forced, 5 lack of resources); 0 unknown. */
  flowEndReason: number;
}
