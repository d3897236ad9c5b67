import { protocolName, TcpFlag, type FlowEndReason, type FlowStatus } from '../../records/index.js';
import type { LoggedFlow } from '../logged-flow.js';
import { parseLogTime } from '../log-fields.js';
import { countAt, listAt, objectAt, textAt, type JsonObject } from './eve-values.js';

/** Suricata's protocol names (its protocol table, upper case in eve) and their numbers. */
const PROTOCOLS: Record<string, number> = {
  TCP: 6,
  UDP: 17,
  ICMP: 1,
  'IPV6-ICMP': 58,
  ICMPV6: 58,
  SCTP: 132,
  GRE: 47,
  ESP: 50,
  AH: 51,
  IGMP: 2,
};

/** Flow endings Suricata logs in `flow.reason`, for flows that did not end by FIN or RST. */
const REASONS: Record<string, FlowEndReason> = {
  timeout: 'idle_timeout',
  shutdown: 'shutdown',
  forced: 'evicted',
};

/**
 * Reads a `flow` event as a flow. Suricata's flow is already bidirectional: `src_*` is the side that
 * opened it (toserver), `pkts_toserver`/`bytes_toserver` are its counts. Suricata counts whole captured
 * frames, link-layer header included, so `linkHeaderBytes` per packet (14 for Ethernet) is taken off to
 * give the IP-layer bytes FlowRecord counts. Payload bytes are not logged and are written as 0.
 * Returns the reason as text when a field the flow needs is missing or malformed.
 */
export function readEveFlow(event: JsonObject, linkHeaderBytes: number): LoggedFlow | string {
  const flow = objectAt(event, 'flow');
  const srcAddr = textAt(event, 'src_ip');
  const dstAddr = textAt(event, 'dest_ip');
  const proto = textAt(event, 'proto');
  if (flow === null || srcAddr === null || dstAddr === null || proto === null) {
    return 'a flow event without flow, src_ip, dest_ip or proto';
  }
  const ipVersion = srcAddr.includes(':') ? 6 : 4;
  if (dstAddr.includes(':') !== (ipVersion === 6)) return `"${srcAddr}" → "${dstAddr}" mixes IPv4 and IPv6`;
  const ipProto = protocolNumber(proto);
  if (ipProto === -1) return `proto "${proto}" is not a protocol`;
  const start = textAt(flow, 'start');
  const end = textAt(flow, 'end');
  const firstSeenAt = start === null ? Number.NaN : parseLogTime(start);
  const lastSeenAt = end === null ? firstSeenAt : parseLogTime(end);
  if (Number.isNaN(firstSeenAt) || Number.isNaN(lastSeenAt)) return 'flow.start or flow.end is not a time';
  const srcPackets = countAt(flow, 'pkts_toserver');
  const dstPackets = countAt(flow, 'pkts_toclient');
  const srcFrameBytes = countAt(flow, 'bytes_toserver');
  const dstFrameBytes = countAt(flow, 'bytes_toclient');
  if ([srcPackets, dstPackets, srcFrameBytes, dstFrameBytes].some(Number.isNaN)) {
    return 'flow packet or byte counts that are not numbers';
  }
  const isIcmp = ipProto === 1 || ipProto === 58;
  const srcPort = isIcmp ? countAt(event, 'icmp_type') : countAt(event, 'src_port');
  const dstPort = isIcmp ? countAt(event, 'icmp_code') : countAt(event, 'dest_port');
  const hasPorts = ipProto === 6 || ipProto === 17 || ipProto === 132 || isIcmp;
  const tcp = objectAt(event, 'tcp');
  const srcTcpFlags = ipProto === 6 ? hexFlags(textAt(tcp, 'tcp_flags_ts')) : 0;
  const dstTcpFlags = ipProto === 6 ? hexFlags(textAt(tcp, 'tcp_flags_tc')) : 0;
  const status =
    ipProto === 6
      ? tcpStatus(srcTcpFlags, dstTcpFlags, dstPackets)
      : dstPackets > 0
        ? 'established'
        : 'unanswered';
  const vlans = listAt(event, 'vlan');
  const ether = objectAt(event, 'ether');
  return {
    protocol: protocolName(ipProto),
    ipProto,
    ipVersion,
    srcAddr,
    dstAddr,
    srcPort: hasPorts && !Number.isNaN(srcPort) ? srcPort : 0,
    dstPort: hasPorts && !Number.isNaN(dstPort) ? dstPort : 0,
    firstSeenAt,
    lastSeenAt,
    srcBytes: Math.max(0, srcFrameBytes - srcPackets * linkHeaderBytes),
    dstBytes: Math.max(0, dstFrameBytes - dstPackets * linkHeaderBytes),
    srcPackets,
    dstPackets,
    srcPayloadBytes: 0,
    dstPayloadBytes: 0,
    status,
    endReason: endReasonOf(status, textAt(flow, 'reason')),
    communityId: textAt(event, 'community_id'),
    isIcmpCodeAsPort: isIcmp,
    sensor: textAt(event, 'host'),
    interface: textAt(event, 'in_iface'),
    srcMac: firstMac(ether, 'src_mac', 'src_macs'),
    dstMac: firstMac(ether, 'dest_mac', 'dest_macs'),
    vlan: vlanAt(vlans, 0),
    innerVlan: vlanAt(vlans, 1),
    serverName: null,
    dnsName: null,
    ja3: null,
    ja4: null,
    tlsCertSha1: null,
    tlsVersion: null,
    alpn: null,
    srcTcpFlags,
    dstTcpFlags,
  };
}

function protocolNumber(proto: string): number {
  const known = PROTOCOLS[proto.toUpperCase()];
  if (known !== undefined) return known;
  // Suricata writes protocols without a name as their number, zero-padded ("047").
  if (/^\d{1,3}$/.test(proto) && Number(proto) <= 255) return Number(proto);
  return -1;
}

function hexFlags(text: string | null): number {
  if (text === null || !/^[0-9a-fA-F]{1,2}$/.test(text)) return 0;
  return Number.parseInt(text, 16);
}

/**
 * TCP status as the flow table decides it, from the flags each side sent: no SYN from the opener is
 * `partial`; no reply `unanswered`; a reply with RST and no SYN `rejected`; FIN both ways `closed`;
 * any RST `reset`. (Whether the responder sent payload before its RST is not logged.)
 */
function tcpStatus(srcFlags: number, dstFlags: number, responderPackets: number): FlowStatus {
  if ((srcFlags & TcpFlag.SYN) === 0) return 'partial';
  if (responderPackets === 0) return 'unanswered';
  if ((dstFlags & TcpFlag.SYN) === 0 && (dstFlags & TcpFlag.RST) !== 0) return 'rejected';
  if ((srcFlags & TcpFlag.FIN) !== 0 && (dstFlags & TcpFlag.FIN) !== 0) return 'closed';
  if (((srcFlags | dstFlags) & TcpFlag.RST) !== 0) return 'reset';
  return 'established';
}

function endReasonOf(status: FlowStatus, reason: string | null): FlowEndReason {
  if (status === 'closed') return 'fin';
  if (status === 'reset' || status === 'rejected') return 'rst';
  return REASONS[reason ?? ''] ?? 'idle_timeout';
}

function firstMac(ether: JsonObject | null, single: string, list: string): string | null {
  const one = textAt(ether, single);
  if (one !== null) return one.toLowerCase();
  const first = listAt(ether, list)?.[0];
  return typeof first === 'string' ? first.toLowerCase() : null;
}

function vlanAt(vlans: unknown[] | null, at: number): number | null {
  const id = vlans?.[at];
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < 4096 ? id : null;
}
