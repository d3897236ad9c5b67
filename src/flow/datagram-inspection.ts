/**
 * Reads the UDP datagrams that name things: DNS responses (source port 53) and DHCP (ports 67/68).
 * Each datagram stands alone, so there is no per-flow state.
 */
import { decodeDhcp } from '../decode/index.js';
import { decodeDnsMessage } from '../decode/index.js';
import type { PacketSummary } from '../decode/index.js';
import { reportDnsResponse } from './dns-answers.js';
import type { InspectionContext } from './inspection-context.js';

const DHCP_ACK = 5;
const UNSPECIFIED = '0.0.0.0';

export function inspectUdpPayload(p: PacketSummary, timestampUs: number, ctx: InspectionContext): void {
  if (p.srcPort === 53) {
    const message = decodeDnsMessage(p.payload);
    if (message !== null) reportDnsResponse(message, p.dstAddr, p.srcAddr, timestampUs, 'udp', ctx);
  } else if (p.srcPort === 67 || p.srcPort === 68 || p.dstPort === 67 || p.dstPort === 68) {
    inspectDhcp(p.payload, timestampUs, ctx);
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
