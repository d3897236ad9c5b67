/**
 * The rules that pair one-way flow-export records into bidirectional flows, shared by flow/'s
 * record stitcher and the collector's numeric one (daemon/collect-stitcher.ts), so both judge a
 * conversation the same way.
 */
import type { FlowEndReason, FlowStatus } from '../records/index.js';
import { TcpFlag } from '../records/index.js';

const TCP = 6;
const UDP = 17;

/** ICMP types that ask (echo, timestamp, information, address mask, router solicitation). */
export const ICMP4_REQUESTS: ReadonlySet<number> = new Set([8, 13, 15, 17, 10]);
/** ICMPv6 types that ask (echo, MLD query, router and neighbour solicitation, node information, home agent discovery). */
export const ICMP6_REQUESTS: ReadonlySet<number> = new Set([128, 130, 133, 135, 139, 144]);

/** Which stitching class a protocol is in: TCP 0, UDP 1, anything else 2. */
export function stitchClassOf(ipProto: number): number {
  return ipProto === TCP ? 0 : ipProto === UDP ? 1 : 2;
}

/** A SYN without ACK: the direction that sent it opened the connection. */
export function isPureSyn(flags: number): boolean {
  return (flags & TcpFlag.SYN) !== 0 && (flags & TcpFlag.ACK) === 0;
}

/** A stitched flow's status from each direction's TCP flags and whether the other direction answered. */
export function stitchedStatusOf(
  ipProto: number,
  srcFlags: number,
  dstFlags: number,
  isAnswered: boolean,
): FlowStatus {
  if (ipProto !== TCP) return isAnswered ? 'established' : 'unanswered';
  if ((srcFlags & TcpFlag.SYN) === 0) return 'partial';
  if (!isAnswered) return 'unanswered';
  if ((dstFlags & TcpFlag.SYN) === 0 && (dstFlags & TcpFlag.RST) !== 0) return 'rejected';
  if ((srcFlags & TcpFlag.FIN) !== 0 && (dstFlags & TcpFlag.FIN) !== 0) return 'closed';
  if (((srcFlags | dstFlags) & TcpFlag.RST) !== 0) return 'reset';
  return 'established';
}

/** IPFIX flowEndReason (RFC 5102) as FlowRecord's reason; from the TCP flags where the exporter gives none. */
export function exportEndReasonOf(flowEndReason: number, tcpFlags: number): FlowEndReason {
  switch (flowEndReason) {
    case 1:
      return 'idle_timeout';
    case 2:
      return 'active_timeout';
    case 4:
      return 'shutdown';
    case 5:
      return 'evicted';
  }
  if ((tcpFlags & TcpFlag.RST) !== 0) return 'rst';
  if ((tcpFlags & TcpFlag.FIN) !== 0) return 'fin';
  return 'idle_timeout';
}
