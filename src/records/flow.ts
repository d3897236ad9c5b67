import type { EpochMicros } from './time.js';

/**
 * How the conversation looked when its record was written.
 * - `established`: TCP handshake completed (or, for UDP/ICMP, both sides sent).
 * - `closed`: TCP closed by FIN from both sides.
 * - `reset`: TCP ended by RST.
 * - `rejected`: the responder answered the SYN with RST.
 * - `unanswered`: only the initiator sent anything.
 * - `partial`: TCP seen without its handshake (capture started mid-connection).
 */
export type FlowStatus = 'established' | 'closed' | 'reset' | 'rejected' | 'unanswered' | 'partial';

/** Why the flow table emitted the record. */
export type FlowEndReason = 'fin' | 'rst' | 'idle_timeout' | 'active_timeout' | 'shutdown' | 'evicted';

/** Where the conversation runs relative to the configured home networks. */
export type FlowDirection = 'outbound' | 'inbound' | 'internal' | 'external';

/** TCP flag bits as on the wire (FIN=0x01 … CWR=0x80). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/**
 * One bidirectional conversation. `src` is the initiator: the SYN sender for TCP, the first sender
 * otherwise. Byte counts are IP-layer bytes (header included), as Zeek's `*_ip_bytes` and NetFlow.
 */
export interface FlowRecord {
  id: string;
  /** Lowercase protocol name: tcp, udp, icmp, icmp6, sctp, gre, esp, … or the IANA number as text. */
  protocol: string;
  /** IANA IP protocol number. */
  ipProto: number;
  ipVersion: 4 | 6;
  srcAddr: string;
  dstAddr: string;
  /** For ICMP/ICMPv6: the type of the first message (Community ID convention); 0 where there are no ports. */
  srcPort: number;
  /** For ICMP/ICMPv6: the code (or the counterpart type); 0 where there are no ports. */
  dstPort: number;
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
  srcBytes: number;
  dstBytes: number;
  srcPackets: number;
  dstPackets: number;
  /** Application payload bytes per direction (TCP/UDP payload, as seen; retransmissions included). */
  srcPayloadBytes: number;
  dstPayloadBytes: number;
  status: FlowStatus;
  endReason: FlowEndReason;
  communityId: string;
  sensor: string;
  /** Capture interface name or index, where the source knows it. */
  interface: string | null;
  srcMac: string | null;
  dstMac: string | null;
  /** Outer VLAN id (802.1Q / 802.1ad), null when untagged. */
  vlan: number | null;
  innerVlan: number | null;
  direction: FlowDirection;
  /** TLS SNI or HTTP Host sent by the initiator. */
  serverName: string | null;
  /** The DNS name the initiator resolved to `dstAddr` shortly before the flow. */
  dnsName: string | null;
  ja3: string | null;
  ja4: string | null;
  /** SHA1 (hex) of the server's leaf certificate, where the handshake shows it (TLS ≤ 1.2). */
  tlsCertSha1: string | null;
  tlsVersion: string | null;
  alpn: string | null;
  srcTcpFlags: number;
  dstTcpFlags: number;
  /**
   * Flow exports: the exporter counted 1 in this many packets, and the counts above are scaled up by it.
   * Absent (or 1) where every packet was counted: packet capture, unsampled NetFlow/IPFIX.
   */
  samplingRate?: number;
  /** True when the byte and packet counts are estimates scaled up from samples (sampled NetFlow/IPFIX, sFlow). */
  countsEstimated?: boolean;
}

/** A flow as read back from the store: the store stamps `ingestedAt` when it writes the batch. */
export interface StoredFlow extends FlowRecord {
  ingestedAt: EpochMicros;
}

/** The 13 columns of the original flow-log table, kept verbatim by the `flow_logs` view. */
export const FLOW_LOG_COLUMNS = [
  'id',
  'protocol',
  'src_addr',
  'dst_addr',
  'src_port',
  'dst_port',
  'first_seen_at',
  'last_seen_at',
  'src_bytes',
  'dst_bytes',
  'src_packets',
  'dst_packets',
  'status',
] as const;

const PROTOCOL_NAMES: Record<number, string> = {
  1: 'icmp',
  2: 'igmp',
  6: 'tcp',
  17: 'udp',
  41: 'ipv6',
  46: 'rsvp',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'icmp6',
  89: 'ospf',
  103: 'pim',
  112: 'vrrp',
  132: 'sctp',
};

export function protocolName(ipProto: number): string {
  return PROTOCOL_NAMES[ipProto] ?? String(ipProto);
}
