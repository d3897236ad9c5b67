/**
 * Reads the UDP datagrams that name things: DNS responses (source port 53) and DHCP (ports 67/68).
 * Each datagram stands alone, so there is no per-flow state.
 */
import { decodeDhcp } from '../decode/index.js';
import { decodeDnsMessage } from '../decode/index.js';
import { reportDnsResponse } from './dns-answers.js';
import type { InspectionContext } from './inspection-context.js';

const DHCP_ACK = 5;
const UNSPECIFIED = '0.0.0.0';

/** One UDP datagram as inspection needs it, in the packet's own direction. */
export interface InspectedDatagram {
  srcPort: number;
  dstPort: number;
  srcAddr: string;
  dstAddr: string;
  /** The captured payload. */
  payload: Uint8Array;
}

/** Whether `inspectUdpPayload` reads datagrams between these ports (so others need not be prepared). */
export function isInspectedDatagram(srcPort: number, dstPort: number): boolean {
  return srcPort === 53 || srcPort === 67 || srcPort === 68 || dstPort === 67 || dstPort === 68;
}

export function inspectUdpPayload(d: InspectedDatagram, timestampUs: number, ctx: InspectionContext): void {
  if (d.srcPort === 53) {
    const message = decodeDnsMessage(d.payload);
    if (message !== null) reportDnsResponse(message, d.dstAddr, d.srcAddr, timestampUs, 'udp', ctx);
  } else if (isInspectedDatagram(d.srcPort, d.dstPort)) {
    inspectDhcp(d.payload, timestampUs, ctx);
  }
}

/**
 * A client's own messages carry its hostname and vendor class; the server's ACK is the one that
 * says which address the client now holds. Offers and NAKs prove nothing about the client.
 */
function inspectDhcp(payload: Uint8Array, timestampUs: number, ctx: InspectionContext): void {
  const info = decodeDhcp(payload);
  if (info === null || info.clientMac === null) return;
  let addr: string | null;
  if (info.op === 1) {
    addr = info.clientAddr === UNSPECIFIED ? null : info.clientAddr;
  } else if (info.messageType === DHCP_ACK && info.yourAddr !== UNSPECIFIED) {
    addr = info.yourAddr;
  } else {
    return;
  }
  ctx.onDevice({
    mac: info.clientMac,
    addr,
    seenAt: timestampUs,
    hostname: info.op === 1 ? info.hostname : null,
    vendorClass: info.op === 1 ? info.vendorClass : null,
    service: null,
    sensor: ctx.sensor,
  });
}
