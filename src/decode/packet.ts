/**
 * Link-layer types (pcap LINKTYPE_* values) the decoder understands.
 * https://www.tcpdump.org/linktypes.html
 */
export const LinkType = {
  NULL: 0, // BSD loopback: 4-byte address family in host byte order
  ETHERNET: 1,
  RAW: 101, // raw IPv4/IPv6, version from the first nibble
  RAW_OPENBSD: 14, // DLT_RAW as OpenBSD numbers it; pcap files from there use 14 for raw IP
  RAW_12: 12, // DLT_RAW on some BSDs
  LOOP: 108, // OpenBSD loopback: 4-byte address family in network byte order
  LINUX_SLL: 113,
  LINUX_SLL2: 276,
  IPV4: 228,
  IPV6: 229,
} as const;

/** Layer 2–4 summary of one packet. Addresses are text (dotted quad, RFC 5952 IPv6). */
export interface PacketSummary {
  srcMac: string | null;
  dstMac: string | null;
  /** Outer VLAN id (802.1Q or 802.1ad S-tag), null when untagged. */
  vlan: number | null;
  /** Inner VLAN id of a QinQ frame. */
  innerVlan: number | null;
  ipVersion: 4 | 6;
  srcAddr: string;
  dstAddr: string;
  /** Transport protocol number after IPv6 extension headers. */
  ipProto: number;
  /** IP-layer length as the header states it (IPv4 total length; IPv6 40 + payload length). */
  ipBytes: number;
  ttl: number;
  /** True when this is a fragment other than an unfragmented datagram (offset > 0 or more-fragments set). */
  isFragment: boolean;
  /** Offset in bytes of this fragment's data in the datagram; 0 for the first or unfragmented. */
  fragmentOffset: number;
  /** IPv4 identification or IPv6 fragment header identification; 0 where there is none. */
  fragmentId: number;
  /** Ports for TCP/UDP/SCTP; 0 for non-first fragments and portless protocols. */
  srcPort: number;
  dstPort: number;
  /** ICMP/ICMPv6 type and code; null for other protocols. */
  icmpType: number | null;
  icmpCode: number | null;
  /** TCP flag byte; 0 for other protocols. */
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  /** Transport payload as captured (may be shorter than `payloadLength` when the snap length cut it). */
  payload: Uint8Array;
  /** Transport payload length as the headers state it. */
  payloadLength: number;
}

export interface ArpSummary {
  operation: number;
  senderMac: string;
  senderAddr: string;
  targetMac: string;
  targetAddr: string;
}

/** What `decodePacket` found. Only `malformed` counts as an error; `other` is valid but not IP (LLC, LLDP, …). */
export type DecodeResult =
  | { kind: 'ip'; packet: PacketSummary }
  | { kind: 'arp'; arp: ArpSummary; vlan: number | null }
  | { kind: 'other'; what: string }
  | { kind: 'malformed'; reason: string };
