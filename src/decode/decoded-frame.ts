import { EMPTY_PAYLOAD, UNSUPPORTED_LINK_TYPE } from './decode-results.js';
import type { DecodeResult } from './packet.js';

/** What `decodeFrame` found; the same four outcomes as `DecodeResult['kind']`. */
export const FrameKind = { IP: 0, ARP: 1, OTHER: 2, MALFORMED: 3 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/**
 * One frame decoded in place: numbers, and offsets into the frame's bytes where `PacketSummary` has
 * text. `decodeFrame` overwrites every field it reports on, so one object serves a whole capture and
 * decoding a packet allocates nothing; addresses become text only where a consumer asks for it
 * (`decodePacket`, or the flow table when a flow is written).
 *
 * A field is meaningful only for the kinds its comment names; -1 marks "none" where `PacketSummary`
 * has null. The offsets index `bytes`, which is the caller's buffer: valid while that buffer is.
 */
export class DecodedFrame {
  kind: FrameKind = FrameKind.OTHER;
  /**
   * Capture time in microseconds since the epoch. Decoding knows no time and leaves it alone: whoever
   * holds the capture's timestamp writes it here, so that the frame carries it to the flow table
   * (a field, unlike an argument, holds a timestamp without a heap number per packet).
   */
  timestampUs = 0;
  /** OTHER and MALFORMED: the shared result `decodePacket` returns (it says what, or why). */
  outcome: DecodeResult = UNSUPPORTED_LINK_TYPE;
  bytes: Uint8Array = EMPTY_PAYLOAD;
  /** IP: offsets of the Ethernet addresses, -1 when the link layer has none. */
  srcMacAt = -1;
  dstMacAt = -1;
  /** IP and ARP: outer and inner VLAN id, -1 when untagged. */
  vlan = -1;
  innerVlan = -1;
  /** ARP: offset of the ARP message (already checked to be IPv4 over Ethernet and complete). */
  arpAt = -1;
  /** IP, and everything below: as `PacketSummary` has them, addresses as offsets of 4 or 16 bytes. */
  ipVersion: 4 | 6 = 4;
  srcAddrAt = 0;
  dstAddrAt = 0;
  ipProto = 0;
  ipBytes = 0;
  ttl = 0;
  isFragment = false;
  fragmentOffset = 0;
  fragmentId = 0;
  srcPort = 0;
  dstPort = 0;
  icmpType = -1;
  icmpCode = -1;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  /** The captured transport payload is `bytes[payloadStart, payloadEnd)`; its stated length may be more. */
  payloadStart = 0;
  payloadEnd = 0;
  payloadLength = 0;
}

/** Records a result that is not an IP packet; returns its kind. */
export function settle(frame: DecodedFrame, outcome: DecodeResult): FrameKind {
  const kind = outcome.kind === 'malformed' ? FrameKind.MALFORMED : FrameKind.OTHER;
  frame.kind = kind;
  frame.outcome = outcome;
  return kind;
}
