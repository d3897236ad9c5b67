import { decodePacket, formatIpv4, formatIpv6, LinkType, type PacketSummary } from '../../decode/index.js';
import { drop, type DecodeContext } from './decode-context.js';
import { readU32 } from './netflow-v5.js';

const FLOW_SAMPLE = 1;
const FLOW_SAMPLE_EXPANDED = 3;
const RAW_PACKET_HEADER = 1;
const SAMPLED_IPV4 = 3;
const SAMPLED_IPV6 = 4;
const ICMP = 1;
const ICMP6 = 58;

/** sFlow header_protocol → pcap link type, for the ones decode/ reads. */
function linkTypeOf(headerProtocol: number): number {
  if (headerProtocol === 1) return LinkType.ETHERNET;
  if (headerProtocol === 11) return LinkType.IPV4;
  if (headerProtocol === 12) return LinkType.IPV6;
  return -1;
}

/**
 * sFlow v5 (https://sflow.org/sflow_version_5.txt): flow samples, each one packet the agent sampled
 * 1 in `sampling_rate`, become one-way flows counted as `sampling_rate` packets of the packet's IP
 * length. The packet comes from the raw header record (decoded by decode/) or, failing that, the
 * sampled IPv4/IPv6 record. Counter samples carry no flows and are skipped. sFlow has no per-sample
 * time: a sample is placed at the datagram's arrival.
 */
export function decodeSflowV5(b: Uint8Array, ctx: DecodeContext): void {
  if (b.length < 8) {
    drop(ctx, 'truncated');
    return;
  }
  const addressType = readU32(b, 4);
  const addressBytes = addressType === 1 ? 4 : addressType === 2 ? 16 : -1;
  if (addressBytes < 0) {
    drop(ctx, 'bad_header');
    return;
  }
  let at = 8 + addressBytes + 12;
  if (at + 4 > b.length) {
    drop(ctx, 'truncated');
    return;
  }
  const samples = readU32(b, at);
  at += 4;
  for (let i = 0; i < samples; i++) {
    if (at + 8 > b.length) {
      drop(ctx, 'truncated');
      return;
    }
    const format = readU32(b, at);
    const length = readU32(b, at + 4);
    const bodyAt = at + 8;
    if (length > b.length - bodyAt) {
      drop(ctx, 'truncated');
      return;
    }
    const end = bodyAt + length;
    if (format === FLOW_SAMPLE) readFlowSample(b, bodyAt, end, ctx, false);
    else if (format === FLOW_SAMPLE_EXPANDED) readFlowSample(b, bodyAt, end, ctx, true);
    at = end;
  }
}

function readFlowSample(
  b: Uint8Array,
  at: number,
  end: number,
  ctx: DecodeContext,
  isExpanded: boolean,
): void {
  const fixedBytes = isExpanded ? 44 : 32;
  if (at + fixedBytes > end) {
    drop(ctx, 'truncated');
    return;
  }
  // Expanded samples spend one more word on the source id and on each interface.
  const rateAt = at + (isExpanded ? 12 : 8);
  const rate = Math.max(1, readU32(b, rateAt));
  let input: number;
  let output: number;
  if (isExpanded) {
    input = readU32(b, at + 24) === 0 ? readU32(b, at + 28) : 0;
    output = readU32(b, at + 32) === 0 ? readU32(b, at + 36) : 0;
  } else {
    const inputWord = readU32(b, at + 20);
    const outputWord = readU32(b, at + 24);
    input = inputWord >>> 30 === 0 ? inputWord & 0x3fffffff : 0;
    output = outputWord >>> 30 === 0 ? outputWord & 0x3fffffff : 0;
  }
  const records = readU32(b, at + fixedBytes - 4);
  let p = at + fixedBytes;
  for (let i = 0; i < records; i++) {
    if (p + 8 > end) break;
    const format = readU32(b, p);
    const length = readU32(b, p + 4);
    const bodyAt = p + 8;
    if (length > end - bodyAt) break;
    if (
      (format === RAW_PACKET_HEADER && emitRawHeader(b, bodyAt, bodyAt + length, ctx, rate, input, output)) ||
      (format === SAMPLED_IPV4 && emitSampledIp(b, bodyAt, length, ctx, rate, input, output, 4)) ||
      (format === SAMPLED_IPV6 && emitSampledIp(b, bodyAt, length, ctx, rate, input, output, 6))
    ) {
      return;
    }
    p = bodyAt + length;
  }
  drop(ctx, 'bad_sample');
}

function emitRawHeader(
  b: Uint8Array,
  at: number,
  end: number,
  ctx: DecodeContext,
  rate: number,
  input: number,
  output: number,
): boolean {
  if (at + 16 > end) return false;
  const linkType = linkTypeOf(readU32(b, at));
  const headerLength = readU32(b, at + 12);
  if (linkType < 0 || headerLength > end - at - 16) return false;
  const decoded = decodePacket(linkType, b.subarray(at + 16, at + 16 + headerLength));
  if (decoded.kind !== 'ip') return false;
  const packet: PacketSummary = decoded.packet;
  const isIcmp = packet.ipProto === ICMP || packet.ipProto === ICMP6;
  emitSample(
    ctx,
    packet.ipVersion,
    packet.ipProto,
    packet.srcAddr,
    packet.dstAddr,
    isIcmp ? (packet.icmpType ?? 0) : packet.srcPort,
    isIcmp ? (packet.icmpCode ?? 0) : packet.dstPort,
    packet.ipBytes,
    packet.tcpFlags,
    rate,
    input,
    output,
    packet.srcMac,
    packet.dstMac,
    packet.vlan,
  );
  return true;
}

function emitSampledIp(
  b: Uint8Array,
  at: number,
  length: number,
  ctx: DecodeContext,
  rate: number,
  input: number,
  output: number,
  version: 4 | 6,
): boolean {
  const addressBytes = version === 4 ? 4 : 16;
  if (length < 8 + addressBytes * 2 + 12) return false;
  const ipBytes = readU32(b, at);
  const ipProto = readU32(b, at + 4) & 0xff;
  const srcAt = at + 8;
  const dstAt = srcAt + addressBytes;
  const portsAt = dstAt + addressBytes;
  const srcAddr = version === 4 ? formatIpv4(b, srcAt) : formatIpv6(b, srcAt);
  const dstAddr = version === 4 ? formatIpv4(b, dstAt) : formatIpv6(b, dstAt);
  emitSample(
    ctx,
    version,
    ipProto,
    srcAddr,
    dstAddr,
    readU32(b, portsAt) & 0xffff,
    readU32(b, portsAt + 4) & 0xffff,
    ipBytes,
    readU32(b, portsAt + 8) & 0xff,
    rate,
    input,
    output,
    null,
    null,
    null,
  );
  return true;
}

function emitSample(
  ctx: DecodeContext,
  ipVersion: 4 | 6,
  ipProto: number,
  srcAddr: string,
  dstAddr: string,
  srcPort: number,
  dstPort: number,
  ipBytes: number,
  tcpFlags: number,
  rate: number,
  input: number,
  output: number,
  srcMac: string | null,
  dstMac: string | null,
  vlan: number | null,
): void {
  ctx.state.stats.records++;
  ctx.onFlow({
    exporter: ctx.state.stats.exporter,
    domainId: 0,
    ipVersion,
    ipProto,
    srcAddr,
    dstAddr,
    srcPort,
    dstPort,
    packets: rate,
    bytes: ipBytes * rate,
    reversePackets: 0,
    reverseBytes: 0,
    firstSeenAt: ctx.receivedAtUs,
    lastSeenAt: ctx.receivedAtUs,
    tcpFlags,
    reverseTcpFlags: 0,
    inputInterface: input,
    outputInterface: output,
    srcMac,
    dstMac,
    vlan,
    samplingRate: rate,
    countsEstimated: rate > 1,
    isPacketSample: true,
    flowEndReason: 0,
  });
}
