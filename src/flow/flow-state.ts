import type { FlowStatus } from '../records/index.js';
import { TcpFlag } from '../records/index.js';
import type { StreamInspection } from './stream-inspection.js';

/** Which expiry list a flow sits on; each has its own idle timeout. */
export const FlowClass = { TCP: 0, UDP: 1, OTHER: 2, CLOSED: 3 } as const;
export type FlowClass = (typeof FlowClass)[keyof typeof FlowClass];

/**
 * Bits of a flow record's flag word (`I_BITS` in flow-slots.ts). The TCP facts describe the whole
 * conversation and survive an active-timeout split; the rest are fixed when the flow is created.
 */
export const FlowBit = {
  STARTED_WITH_SYN: 1 << 1,
  RESPONDER_SENT: 1 << 2,
  RESPONDER_SYN: 1 << 3,
  RESPONDER_RST: 1 << 4,
  RESPONDER_PAYLOAD: 1 << 5,
  RST_SEEN: 1 << 6,
  SRC_FIN: 1 << 7,
  DST_FIN: 1 << 8,
  /** Payload inspection has decided it has nothing (more) to learn from this flow. */
  INSPECTION_DONE: 1 << 9,
  /** ICMP types without a reply type: the tuple keeps its order (Community ID's one-way rule). */
  IS_ONE_WAY: 1 << 10,
  IS_SRC_HOME: 1 << 12,
  IS_DST_HOME: 1 << 13,
  IS_MULTICAST_DST: 1 << 14,
  CLOSED_BY_FIN: 1 << 15,
  CLOSED_BY_RST: 1 << 16,
  /** The next expected sequence number from that side is known (`I_SRC_SEQ`, `I_DST_SEQ`). */
  SRC_SEQ_KNOWN: 1 << 17,
  DST_SEQ_KNOWN: 1 << 18,
  IS_IPV6: 1 << 19,
  HAS_SRC_MAC: 1 << 20,
  HAS_DST_MAC: 1 << 21,
} as const;

const CLOSED = FlowBit.CLOSED_BY_FIN | FlowBit.CLOSED_BY_RST;

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

/** True once a FIN from both sides or a RST has closed the conversation. */
export function isClosed(bits: number): boolean {
  return (bits & CLOSED) !== 0;
}

/** Records how one TCP packet changes the conversation's facts; returns the new flag word. */
export function applyTcpFlags(bits: number, fromSrc: boolean, flags: number, payloadLength: number): number {
  let next = bits;
  if (fromSrc) {
    if ((flags & TcpFlag.FIN) !== 0) next |= FlowBit.SRC_FIN;
  } else {
    next |= FlowBit.RESPONDER_SENT;
    if ((flags & TcpFlag.SYN) !== 0) next |= FlowBit.RESPONDER_SYN;
    if ((flags & TcpFlag.RST) !== 0) next |= FlowBit.RESPONDER_RST;
    if ((flags & TcpFlag.FIN) !== 0) next |= FlowBit.DST_FIN;
    if (payloadLength > 0) next |= FlowBit.RESPONDER_PAYLOAD;
  }
  if ((flags & TcpFlag.RST) !== 0) next |= FlowBit.RST_SEEN;
  if ((next & CLOSED) !== 0) return next;
  if ((flags & TcpFlag.RST) !== 0) return next | FlowBit.CLOSED_BY_RST;
  if ((next & (FlowBit.SRC_FIN | FlowBit.DST_FIN)) === (FlowBit.SRC_FIN | FlowBit.DST_FIN))
    return next | FlowBit.CLOSED_BY_FIN;
  return next;
}

/** Why a closed flow ended. */
export function closeReason(bits: number): 'fin' | 'rst' {
  return (bits & FlowBit.CLOSED_BY_RST) !== 0 ? 'rst' : 'fin';
}

/** The record's `status`, from the conversation's facts. */
export function flowStatus(ipProto: number, bits: number): FlowStatus {
  if (ipProto !== 6) return (bits & FlowBit.RESPONDER_SENT) !== 0 ? 'established' : 'unanswered';
  // Without the initiator's SYN the orientation is a guess; say so rather than how it ended.
  if ((bits & FlowBit.STARTED_WITH_SYN) === 0) return 'partial';
  if ((bits & FlowBit.RESPONDER_SENT) === 0) return 'unanswered';
  const answers = bits & (FlowBit.RESPONDER_SYN | FlowBit.RESPONDER_RST | FlowBit.RESPONDER_PAYLOAD);
  if (answers === FlowBit.RESPONDER_RST) return 'rejected';
  if ((bits & (FlowBit.SRC_FIN | FlowBit.DST_FIN)) === (FlowBit.SRC_FIN | FlowBit.DST_FIN)) return 'closed';
  if ((bits & FlowBit.RST_SEEN) !== 0) return 'reset';
  return 'established';
}
