import { formatIpv4, formatIpv6, formatMac } from '../../decode/index.js';
import type { OneWayFlow } from '../../records/index.js';
import type { DropReason } from './drop-reason.js';
import { domainOfScope, type DomainState, type ExporterState } from './exporter-state.js';
import { readAddressWords, type OneWayRow } from './one-way-row.js';
import type { RecordFields } from './record-fields.js';

const ICMP = 1;
const ICMP6 = 58;

/**
 * What the decoders of one datagram share: the exporter's state, the header's clocks, the sink for
 * flows. The collector owns one and resets it per datagram, so decoding allocates no context.
 */
export interface DecodeContext {
  state: ExporterState;
  /** Wall-clock time the datagram arrived, epoch microseconds. */
  receivedAtUs: number;
  /** The header's export time in epoch milliseconds. */
  exportMs: number;
  /** NetFlow v5/v9 header sysUptime in milliseconds; -1 for IPFIX, whose uptimes count from systemInit. */
  sysUptimeMs: number;
  /** NetFlow v5's header sampling interval; 0 when the header states none. */
  headerSamplingRate: number;
  onFlow: (flow: OneWayFlow) => void;
  /** When set, NetFlow/IPFIX records go here as `row` instead of to `onFlow` (sFlow samples still go there). */
  onRecord: ((row: OneWayRow) => void) | null;
  row: OneWayRow;
}

export function drop(ctx: DecodeContext, reason: DropReason): void {
  ctx.state.stats.drops[reason]++;
}

/** Epoch microseconds of a sysUpTime-relative instant, or -1 when the datagram gives no base for it. */
function uptimeToMicros(ctx: DecodeContext, uptimeMs: number, systemInitMs: number): number {
  if (ctx.sysUptimeMs >= 0) {
    // Signed 32-bit difference: the uptime counter wraps every 49.7 days, and a flow that started
    // just before the wrap must still land just before the export.
    return (ctx.exportMs - ((ctx.sysUptimeMs - uptimeMs) | 0)) * 1000;
  }
  return systemInitMs >= 0 ? (systemInitMs + uptimeMs) * 1000 : -1;
}

function startMicros(ctx: DecodeContext, f: RecordFields, systemInitMs: number): number {
  if (f.startMs >= 0) return f.startMs * 1000;
  if (f.startNtpUs >= 0) return f.startNtpUs;
  if (f.startS >= 0) return f.startS * 1_000_000;
  if (f.startDeltaUs >= 0) return ctx.exportMs * 1000 - f.startDeltaUs;
  if (f.firstUptimeMs >= 0) return uptimeToMicros(ctx, f.firstUptimeMs, systemInitMs);
  return -1;
}

function endMicros(ctx: DecodeContext, f: RecordFields, systemInitMs: number): number {
  if (f.endMs >= 0) return f.endMs * 1000;
  if (f.endNtpUs >= 0) return f.endNtpUs;
  if (f.endS >= 0) return f.endS * 1_000_000;
  if (f.endDeltaUs >= 0) return ctx.exportMs * 1000 - f.endDeltaUs;
  if (f.lastUptimeMs >= 0) return uptimeToMicros(ctx, f.lastUptimeMs, systemInitMs);
  return -1;
}

/** Sampling rate of a data record: its own fields, then its sampler's options, then the domain's, then the header's. */
function samplingRateOf(ctx: DecodeContext, f: RecordFields, domain: DomainState | undefined): number {
  const own = f.ownSamplingRate();
  if (own > 0) return own;
  if (domain !== undefined) {
    if (f.samplerId >= 0) {
      const rate = domain.samplers.get(f.samplerId);
      if (rate !== undefined) return rate;
    }
    if (domain.samplingRate > 0) return domain.samplingRate;
  }
  return ctx.headerSamplingRate > 0 ? ctx.headerSamplingRate : 1;
}

/** Records what an options data record says about the domain: sampler rates and the boot time. */
export function applyOptionsRecord(ctx: DecodeContext, f: RecordFields, scope: number): void {
  const rate = f.ownSamplingRate();
  if (rate <= 0 && f.systemInitMs < 0) return;
  const domain = ctx.state.domain(scope);
  if (domain === null) return;
  if (rate > 0) {
    if (f.samplerId >= 0) ctx.state.setSamplerRate(domain, f.samplerId, rate);
    domain.samplingRate = rate;
  }
  if (f.systemInitMs >= 0) domain.systemInitMs = f.systemInitMs;
}

/**
 * The one-way flow a data record describes, handed to `ctx.onFlow`; a record without both addresses
 * of one family or without a protocol is counted as `bad_record` instead.
 */
export function emitFlowRecord(ctx: DecodeContext, b: Uint8Array, f: RecordFields, scope: number): void {
  let ipVersion: 4 | 6;
  let srcAt: number;
  let dstAt: number;
  if (f.src4At >= 0 && f.dst4At >= 0) {
    ipVersion = 4;
    srcAt = f.src4At;
    dstAt = f.dst4At;
  } else if (f.src6At >= 0 && f.dst6At >= 0) {
    ipVersion = 6;
    srcAt = f.src6At;
    dstAt = f.dst6At;
  } else {
    drop(ctx, 'bad_record');
    return;
  }
  if (f.protocol < 0) {
    drop(ctx, 'bad_record');
    return;
  }
  const domain = ctx.state.existingDomain(scope);
  const systemInitMs = f.systemInitMs >= 0 ? f.systemInitMs : domain !== undefined ? domain.systemInitMs : -1;
  let firstSeenAt = startMicros(ctx, f, systemInitMs);
  let lastSeenAt = endMicros(ctx, f, systemInitMs);
  if (firstSeenAt < 0 && lastSeenAt >= 0) {
    firstSeenAt = f.durationUs >= 0 ? lastSeenAt - f.durationUs : lastSeenAt;
  } else if (lastSeenAt < 0 && firstSeenAt >= 0) {
    lastSeenAt = f.durationUs >= 0 ? firstSeenAt + f.durationUs : firstSeenAt;
  } else if (firstSeenAt < 0) {
    // No time at all: the flow ended no later than its export.
    firstSeenAt = ctx.receivedAtUs;
    lastSeenAt = ctx.receivedAtUs;
  }
  if (lastSeenAt < firstSeenAt) lastSeenAt = firstSeenAt;

  let srcPort = f.srcPort;
  let dstPort = f.dstPort;
  if (f.protocol === ICMP || f.protocol === ICMP6) {
    // FlowRecord keeps ICMP type and code in the ports. Exporters without the ICMP elements put
    // type << 8 | code in the destination port (Cisco's convention, kept by softflowd and nfdump).
    const typeCode = f.icmpTypeCode >= 0 ? f.icmpTypeCode : f.dstPort;
    srcPort = f.icmpType >= 0 ? f.icmpType : typeCode >> 8;
    dstPort = f.icmpCode >= 0 ? f.icmpCode : typeCode & 0xff;
  }

  const rate = samplingRateOf(ctx, f, domain);
  const packets = f.packets >= 0 ? f.packets : Math.max(0, f.packetsTotal);
  const bytes = f.octets >= 0 ? f.octets : Math.max(0, f.octetsTotal);
  ctx.state.stats.records++;
  const onRecord = ctx.onRecord;
  if (onRecord !== null) {
    const row = ctx.row;
    row.exporter = ctx.state.stats.exporter;
    row.domainId = domainOfScope(scope);
    row.ipVersion = ipVersion;
    row.ipProto = f.protocol;
    readAddressWords(b, srcAt, ipVersion === 6, row.srcWords);
    readAddressWords(b, dstAt, ipVersion === 6, row.dstWords);
    row.srcPort = srcPort;
    row.dstPort = dstPort;
    row.packets = Math.round(packets * rate);
    row.bytes = Math.round(bytes * rate);
    row.reversePackets = Math.round(f.reversePackets * rate);
    row.reverseBytes = Math.round(f.reverseOctets * rate);
    row.firstSeenAt = firstSeenAt;
    row.lastSeenAt = lastSeenAt;
    row.tcpFlags = f.tcpFlags;
    row.reverseTcpFlags = f.reverseTcpFlags;
    row.inputInterface = f.input;
    row.outputInterface = f.output;
    row.srcMac = f.srcMacAt >= 0 ? formatMac(b, f.srcMacAt) : null;
    row.dstMac = f.dstMacAt >= 0 ? formatMac(b, f.dstMacAt) : null;
    row.vlan = f.vlan > 0 ? f.vlan : -1;
    row.samplingRate = rate;
    row.countsEstimated = rate > 1;
    row.flowEndReason = f.flowEndReason;
    onRecord(row);
    return;
  }
  const isV6 = ipVersion === 6;
  ctx.onFlow({
    exporter: ctx.state.stats.exporter,
    domainId: domainOfScope(scope),
    ipVersion,
    ipProto: f.protocol,
    srcAddr: isV6 ? formatIpv6(b, srcAt) : formatIpv4(b, srcAt),
    dstAddr: isV6 ? formatIpv6(b, dstAt) : formatIpv4(b, dstAt),
    srcPort,
    dstPort,
    packets: Math.round(packets * rate),
    bytes: Math.round(bytes * rate),
    reversePackets: Math.round(f.reversePackets * rate),
    reverseBytes: Math.round(f.reverseOctets * rate),
    firstSeenAt,
    lastSeenAt,
    tcpFlags: f.tcpFlags,
    reverseTcpFlags: f.reverseTcpFlags,
    inputInterface: f.input,
    outputInterface: f.output,
    srcMac: f.srcMacAt >= 0 ? formatMac(b, f.srcMacAt) : null,
    dstMac: f.dstMacAt >= 0 ? formatMac(b, f.dstMacAt) : null,
    vlan: f.vlan > 0 ? f.vlan : null,
    samplingRate: rate,
    countsEstimated: rate > 1,
    isPacketSample: false,
    flowEndReason: f.flowEndReason,
  });
}
