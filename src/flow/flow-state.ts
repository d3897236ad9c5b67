import type { FlowDirection, FlowEndReason, FlowRecord, FlowStatus } from '../records/index.js';
import { TcpFlag, protocolName } from '../records/index.js';
import type { ListNode } from './flow-list.js';
import { flowDirection } from './home-network-matcher.js';
import type { StreamInspection } from './stream-inspection.js';

/** Which expiry list a flow sits on; each has its own idle timeout. */
export const FlowClass = { TCP: 0, UDP: 1, OTHER: 2, CLOSED: 3 } as const;
export type FlowClass = (typeof FlowClass)[keyof typeof FlowClass];

// Bits of `FlowState.bits`: a million flows make every field count, and fifteen booleans in one small
// integer take the room of one field instead of fifteen.
const IS_REMOVED = 1 << 0;
const STARTED_WITH_SYN = 1 << 1;
const RESPONDER_SENT = 1 << 2;
const RESPONDER_SYN = 1 << 3;
const RESPONDER_RST = 1 << 4;
const RESPONDER_PAYLOAD = 1 << 5;
const RST_SEEN = 1 << 6;
const SRC_FIN = 1 << 7;
const DST_FIN = 1 << 8;
const INSPECTION_DONE = 1 << 9;
const IS_ONE_WAY = 1 << 10;
const IS_KEY_SRC_FIRST = 1 << 11;
const IS_SRC_HOME = 1 << 12;
const IS_DST_HOME = 1 << 13;
const IS_MULTICAST_DST = 1 << 14;
const CLOSED_BY_FIN = 1 << 15;
const CLOSED_BY_RST = 1 << 16;
const SRC_SEQ_KNOWN = 1 << 17;
const DST_SEQ_KNOWN = 1 << 18;
const IS_IPV6 = 1 << 19;

const US_PER_S = 1_000_000;

/**
 * What few flows have: names, TLS facts and payload parsing in progress. Created on the first write,
 * so a flow without any (a scan, a handshake that never carried data) does not pay for the fields.
 */
export class FlowExtras {
  dnsName: string | null = null;
  serverName: string | null = null;
  ja3: string | null = null;
  ja4: string | null = null;
  alpn: string | null = null;
  tlsVersion: string | null = null;
  tlsCertSha1: string | null = null;
  inspection: StreamInspection | null = null;
}

/**
 * One live conversation. A class with every field set in the constructor keeps one hidden class for
 * all flows, which matters with a million of them; so does its size, hence the packed flag bits and
 * the lazily created `FlowExtras`. The fields the index compares come first, so a lookup reads one
 * or two cache lines of the flow. Counters belong to the current record and are reset by an
 * active-timeout split; the TCP facts in `bits` describe the whole conversation.
 */
export class FlowState implements ListNode<FlowState> {
  /** Index chain and hash (see FlowIndex). */
  hash = 0;
  bucketNext: FlowState | null = null;
  readonly ipProto: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly vlan: number | null;
  readonly innerVlan: number | null;
  bits: number;
  prev: FlowState | null = null;
  next: FlowState | null = null;
  flowClass: FlowClass;

  // Times as whole seconds and the microseconds past them: both small integers stored in the object,
  // where a microsecond timestamp (above 2^31) would be a separate heap number, read on every packet.
  private firstSeenS: number;
  private firstSeenRestUs: number;
  private lastSeenS: number;
  private lastSeenRestUs: number;
  srcBytes = 0;
  dstBytes = 0;
  srcPackets = 0;
  dstPackets = 0;
  srcPayloadBytes = 0;
  dstPayloadBytes = 0;
  /** The TCP flags seen from each side: src in the low 16 bits, dst in the high. */
  private tcpFlags = 0;
  // Sequence numbers as signed 32-bit values (see `srcNextSeq`): small integers live in the object,
  // while unsigned ones above 2^31 would each be a separate heap number.
  private srcSeq = 0;
  private dstSeq = 0;

  readonly iface: string | null;
  readonly srcMac: string | null;
  readonly dstMac: string | null;
  extras: FlowExtras | null = null;

  constructor(
    ipProto: number,
    ipVersion: 4 | 6,
    srcAddr: string,
    dstAddr: string,
    srcPort: number,
    dstPort: number,
    /** ICMP types without a reply type: the tuple keeps its order (Community ID's one-way rule). */
    isOneWay: boolean,
    /** Whether src is the first end of the table key (see `isSrcFirstInKey`). */
    isKeySrcFirst: boolean,
    vlan: number | null,
    innerVlan: number | null,
    iface: string | null,
    srcMac: string | null,
    dstMac: string | null,
    /** Whether each end lies in the home networks (decided once, at creation). */
    isSrcHome: boolean,
    isDstHome: boolean,
    isMulticastDst: boolean,
    timestampUs: number,
  ) {
    this.ipProto = ipProto;
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    this.srcAddr = srcAddr;
    this.dstAddr = dstAddr;
    this.vlan = vlan;
    this.innerVlan = innerVlan;
    this.bits =
      (isOneWay ? IS_ONE_WAY : 0) |
      (isKeySrcFirst ? IS_KEY_SRC_FIRST : 0) |
      (isSrcHome ? IS_SRC_HOME : 0) |
      (isDstHome ? IS_DST_HOME : 0) |
      (isMulticastDst ? IS_MULTICAST_DST : 0) |
      (ipVersion === 6 ? IS_IPV6 : 0);
    this.flowClass = ipProto === 6 ? FlowClass.TCP : ipProto === 17 ? FlowClass.UDP : FlowClass.OTHER;
    const seconds = Math.floor(timestampUs / US_PER_S);
    this.firstSeenS = seconds;
    this.firstSeenRestUs = timestampUs - seconds * US_PER_S;
    this.lastSeenS = seconds;
    this.lastSeenRestUs = this.firstSeenRestUs;
    this.iface = iface;
    this.srcMac = srcMac;
    this.dstMac = dstMac;
  }

  private flag(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  private setFlag(bit: number, value: boolean): void {
    this.bits = value ? this.bits | bit : this.bits & ~bit;
  }

  private writableExtras(): FlowExtras {
    return (this.extras ??= new FlowExtras());
  }

  get firstSeenUs(): number {
    return this.firstSeenS * US_PER_S + this.firstSeenRestUs;
  }
  set firstSeenUs(value: number) {
    const seconds = Math.floor(value / US_PER_S);
    this.firstSeenS = seconds;
    this.firstSeenRestUs = value - seconds * US_PER_S;
  }
  get lastSeenUs(): number {
    return this.lastSeenS * US_PER_S + this.lastSeenRestUs;
  }
  set lastSeenUs(value: number) {
    const seconds = Math.floor(value / US_PER_S);
    this.lastSeenS = seconds;
    this.lastSeenRestUs = value - seconds * US_PER_S;
  }
  get srcTcpFlags(): number {
    return this.tcpFlags & 0xffff;
  }
  set srcTcpFlags(value: number) {
    this.tcpFlags = (this.tcpFlags & ~0xffff) | (value & 0xffff);
  }
  get dstTcpFlags(): number {
    return this.tcpFlags >>> 16;
  }
  set dstTcpFlags(value: number) {
    this.tcpFlags = (this.tcpFlags & 0xffff) | ((value & 0xffff) << 16);
  }
  get ipVersion(): 4 | 6 {
    return this.flag(IS_IPV6) ? 6 : 4;
  }
  get isOneWay(): boolean {
    return this.flag(IS_ONE_WAY);
  }
  get isKeySrcFirst(): boolean {
    return this.flag(IS_KEY_SRC_FIRST);
  }
  get isSrcHome(): boolean {
    return this.flag(IS_SRC_HOME);
  }
  get isDstHome(): boolean {
    return this.flag(IS_DST_HOME);
  }
  get isMulticastDst(): boolean {
    return this.flag(IS_MULTICAST_DST);
  }
  get direction(): FlowDirection {
    return flowDirection(this.isSrcHome, this.isDstHome, this.isMulticastDst);
  }

  /** True once the flow has left the table. */
  get isRemoved(): boolean {
    return this.flag(IS_REMOVED);
  }
  set isRemoved(value: boolean) {
    this.setFlag(IS_REMOVED, value);
  }
  // Conversation-wide TCP facts, kept across active-timeout splits.
  get startedWithSyn(): boolean {
    return this.flag(STARTED_WITH_SYN);
  }
  set startedWithSyn(value: boolean) {
    this.setFlag(STARTED_WITH_SYN, value);
  }
  get responderSent(): boolean {
    return this.flag(RESPONDER_SENT);
  }
  set responderSent(value: boolean) {
    this.setFlag(RESPONDER_SENT, value);
  }
  get responderSyn(): boolean {
    return this.flag(RESPONDER_SYN);
  }
  set responderSyn(value: boolean) {
    this.setFlag(RESPONDER_SYN, value);
  }
  get responderRst(): boolean {
    return this.flag(RESPONDER_RST);
  }
  set responderRst(value: boolean) {
    this.setFlag(RESPONDER_RST, value);
  }
  get responderPayload(): boolean {
    return this.flag(RESPONDER_PAYLOAD);
  }
  set responderPayload(value: boolean) {
    this.setFlag(RESPONDER_PAYLOAD, value);
  }
  get rstSeen(): boolean {
    return this.flag(RST_SEEN);
  }
  set rstSeen(value: boolean) {
    this.setFlag(RST_SEEN, value);
  }
  get srcFin(): boolean {
    return this.flag(SRC_FIN);
  }
  set srcFin(value: boolean) {
    this.setFlag(SRC_FIN, value);
  }
  get dstFin(): boolean {
    return this.flag(DST_FIN);
  }
  set dstFin(value: boolean) {
    this.setFlag(DST_FIN, value);
  }
  get closeReason(): 'fin' | 'rst' | null {
    return this.flag(CLOSED_BY_RST) ? 'rst' : this.flag(CLOSED_BY_FIN) ? 'fin' : null;
  }
  set closeReason(value: 'fin' | 'rst' | null) {
    this.bits =
      (this.bits & ~(CLOSED_BY_FIN | CLOSED_BY_RST)) |
      (value === 'rst' ? CLOSED_BY_RST : value === 'fin' ? CLOSED_BY_FIN : 0);
  }
  /** True once payload inspection has decided it has nothing (more) to learn from this flow. */
  get inspectionDone(): boolean {
    return this.flag(INSPECTION_DONE);
  }
  set inspectionDone(value: boolean) {
    this.setFlag(INSPECTION_DONE, value);
  }

  /** Next expected sequence number per direction, for in-order payload inspection; -1 unknown. */
  get srcNextSeq(): number {
    return this.flag(SRC_SEQ_KNOWN) ? this.srcSeq >>> 0 : -1;
  }
  set srcNextSeq(value: number) {
    this.setFlag(SRC_SEQ_KNOWN, value !== -1);
    this.srcSeq = value | 0;
  }
  get dstNextSeq(): number {
    return this.flag(DST_SEQ_KNOWN) ? this.dstSeq >>> 0 : -1;
  }
  set dstNextSeq(value: number) {
    this.setFlag(DST_SEQ_KNOWN, value !== -1);
    this.dstSeq = value | 0;
  }

  get dnsName(): string | null {
    return this.extras === null ? null : this.extras.dnsName;
  }
  set dnsName(value: string | null) {
    if (value !== null || this.extras !== null) this.writableExtras().dnsName = value;
  }
  get serverName(): string | null {
    return this.extras === null ? null : this.extras.serverName;
  }
  set serverName(value: string | null) {
    if (value !== null || this.extras !== null) this.writableExtras().serverName = value;
  }
  get ja3(): string | null {
    return this.extras === null ? null : this.extras.ja3;
  }
  set ja3(value: string | null) {
    if (value !== null || this.extras !== null) this.writableExtras().ja3 = value;
  }
  get ja4(): string | null {
    return this.extras === null ? null : this.extras.ja4;
  }
  set ja4(value: string | null) {
    if (value !== null || this.extras !== null) this.writableExtras().ja4 = value;
  }
  get alpn(): string | null {
    return this.extras === null ? null : this.extras.alpn;
  }
  set alpn(value: string | null) {
    if (value !== null || this.extras !== null) this.writableExtras().alpn = value;
  }
  get tlsVersion(): string | null {
    return this.extras === null ? null : this.extras.tlsVersion;
  }
  set tlsVersion(value: string | null) {
    if (value !== null || this.extras !== null) this.writableExtras().tlsVersion = value;
  }
  get tlsCertSha1(): string | null {
    return this.extras === null ? null : this.extras.tlsCertSha1;
  }
  set tlsCertSha1(value: string | null) {
    if (value !== null || this.extras !== null) this.writableExtras().tlsCertSha1 = value;
  }
  /** Payload parsing in progress, or null when there is none (not started, or finished and freed). */
  get inspection(): StreamInspection | null {
    return this.extras === null ? null : this.extras.inspection;
  }
  set inspection(value: StreamInspection | null) {
    if (value !== null || this.extras !== null) this.writableExtras().inspection = value;
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
    this.tcpFlags = 0;
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
    const extras = this.extras;
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
      serverName: extras === null ? null : extras.serverName,
      dnsName: extras === null ? null : extras.dnsName,
      ja3: extras === null ? null : extras.ja3,
      ja4: extras === null ? null : extras.ja4,
      tlsCertSha1: extras === null ? null : extras.tlsCertSha1,
      tlsVersion: extras === null ? null : extras.tlsVersion,
      alpn: extras === null ? null : extras.alpn,
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
