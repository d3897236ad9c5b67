import type { FlowDirection, FlowEndReason, FlowRecord, FlowStatus } from '../records/index.js';
import { TcpFlag, protocolName } from '../records/index.js';
import type { ListNode } from './flow-list.js';
import { flowDirection } from './home-network-matcher.js';
import type { StreamInspection } from './stream-inspection.js';

/** Which expiry list a flow sits on; each has its own idle timeout. */
export const FlowClass = { TCP: 0, UDP: 1, OTHER: 2, CLOSED: 3 } as const;
export type FlowClass = (typeof FlowClass)[keyof typeof FlowClass];

/**
 * One live conversation. A class with every field set in the constructor keeps one hidden class for
 * all flows, which matters with a million of them. Counters belong to the current record and are
 * reset by an active-timeout split; the TCP facts below them describe the whole conversation.
 */
export class FlowState implements ListNode<FlowState> {
  prev: FlowState | null = null;
  next: FlowState | null = null;
  /** Index chain and hash (see FlowIndex); `isRemoved` once the flow has left the table. */
  bucketNext: FlowState | null = null;
  hash = 0;
  isRemoved = false;
  flowClass: FlowClass;
  readonly direction: FlowDirection;

  firstSeenUs: number;
  lastSeenUs: number;
  srcBytes = 0;
  dstBytes = 0;
  srcPackets = 0;
  dstPackets = 0;
  srcPayloadBytes = 0;
  dstPayloadBytes = 0;
  srcTcpFlags = 0;
  dstTcpFlags = 0;

  // Conversation-wide TCP facts, kept across active-timeout splits.
  startedWithSyn = false;
  responderSent = false;
  responderSyn = false;
  responderRst = false;
  responderPayload = false;
  rstSeen = false;
  srcFin = false;
  dstFin = false;
  closeReason: 'fin' | 'rst' | null = null;
  /** Next expected sequence number per direction, for in-order payload inspection; -1 unknown. */
  srcNextSeq = -1;
  dstNextSeq = -1;

  communityId: string | null = null;
  dnsName: string | null = null;
  serverName: string | null = null;
  ja3: string | null = null;
  ja4: string | null = null;
  alpn: string | null = null;
  tlsVersion: string | null = null;
  tlsCertSha1: string | null = null;
  /** Payload parsing in progress, or null when there is none (not started, or finished and freed). */
  inspection: StreamInspection | null = null;
  /** True once payload inspection has decided it has nothing (more) to learn from this flow. */
  inspectionDone = false;

  constructor(
    readonly ipProto: number,
    readonly ipVersion: 4 | 6,
    readonly srcAddr: string,
    readonly dstAddr: string,
    readonly srcPort: number,
    readonly dstPort: number,
    /** ICMP types without a reply type: the tuple keeps its order (Community ID's one-way rule). */
    readonly isOneWay: boolean,
    /** Whether src is the first end of the table key (see `isSrcFirstInKey`). */
    readonly isKeySrcFirst: boolean,
    readonly vlan: number | null,
    readonly innerVlan: number | null,
    readonly iface: string | null,
    readonly srcMac: string | null,
    readonly dstMac: string | null,
    /** Whether each end lies in the home networks (decided once, at creation). */
    readonly isSrcHome: boolean,
    readonly isDstHome: boolean,
    readonly isMulticastDst: boolean,
    timestampUs: number,
  ) {
    this.direction = flowDirection(isSrcHome, isDstHome, isMulticastDst);
    this.firstSeenUs = timestampUs;
    this.lastSeenUs = timestampUs;
    this.flowClass = ipProto === 6 ? FlowClass.TCP : ipProto === 17 ? FlowClass.UDP : FlowClass.OTHER;
  }

  /** Starts the next record of the same conversation (active timeout): counters reset, facts kept. */
  resetCounters(timestampUs: number): void {
    this.firstSeenUs = timestampUs;
    this.lastSeenUs = timestampUs;
    this.srcBytes = 0;
    this.dstBytes = 0;
    this.srcPackets = 0;
    this.dstPackets = 0;
    this.srcPayloadBytes = 0;
    this.dstPayloadBytes = 0;
    this.srcTcpFlags = 0;
    this.dstTcpFlags = 0;
  }

  status(): FlowStatus {
    if (this.ipProto !== 6) return this.responderSent ? 'established' : 'unanswered';
    // Without the initiator's SYN the orientation is a guess; say so rather than how it ended.
    if (!this.startedWithSyn) return 'partial';
    if (!this.responderSent) return 'unanswered';
    if (!this.responderSyn && this.responderRst && !this.responderPayload) return 'rejected';
    if (this.srcFin && this.dstFin) return 'closed';
    if (this.rstSeen) return 'reset';
    return 'established';
  }

  toRecord(id: string, endReason: FlowEndReason, sensor: string, communityId: string): FlowRecord {
    return {
      id,
      protocol: protocolName(this.ipProto),
      ipProto: this.ipProto,
      ipVersion: this.ipVersion,
      srcAddr: this.srcAddr,
      dstAddr: this.dstAddr,
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      firstSeenAt: this.firstSeenUs,
      lastSeenAt: this.lastSeenUs,
      srcBytes: this.srcBytes,
      dstBytes: this.dstBytes,
      srcPackets: this.srcPackets,
      dstPackets: this.dstPackets,
      srcPayloadBytes: this.srcPayloadBytes,
      dstPayloadBytes: this.dstPayloadBytes,
      status: this.status(),
      endReason,
      communityId,
      sensor,
      interface: this.iface,
      srcMac: this.srcMac,
      dstMac: this.dstMac,
      vlan: this.vlan,
      innerVlan: this.innerVlan,
      direction: this.direction,
      serverName: this.serverName,
      dnsName: this.dnsName,
      ja3: this.ja3,
      ja4: this.ja4,
      tlsCertSha1: this.tlsCertSha1,
      tlsVersion: this.tlsVersion,
      alpn: this.alpn,
      srcTcpFlags: this.srcTcpFlags,
      dstTcpFlags: this.dstTcpFlags,
    };
  }
}

/** Records how a TCP packet changes the conversation's state; returns true when it closes the flow. */
export function applyTcpFlags(
  flow: FlowState,
  fromSrc: boolean,
  flags: number,
  payloadLength: number,
): boolean {
  if (fromSrc) {
    flow.srcTcpFlags |= flags;
    if ((flags & TcpFlag.FIN) !== 0) flow.srcFin = true;
  } else {
    flow.dstTcpFlags |= flags;
    flow.responderSent = true;
    if ((flags & TcpFlag.SYN) !== 0) flow.responderSyn = true;
    if ((flags & TcpFlag.RST) !== 0) flow.responderRst = true;
    if ((flags & TcpFlag.FIN) !== 0) flow.dstFin = true;
    if (payloadLength > 0) flow.responderPayload = true;
  }
  if ((flags & TcpFlag.RST) !== 0) flow.rstSeen = true;
  if (flow.closeReason !== null) return false;
  if ((flags & TcpFlag.RST) !== 0) flow.closeReason = 'rst';
  else if (flow.srcFin && flow.dstFin) flow.closeReason = 'fin';
  return flow.closeReason !== null;
}
