import { FieldKind } from './field-kind.js';
import { VARIABLE_LENGTH, type Template } from './template.js';

/** Seconds from the NTP era (1900) to the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_POW_32 = 4_294_967_296;

/**
 * The values one data record carried, as plain numbers. One instance is reused for every record, so
 * decoding allocates nothing until a flow is built; -1 marks "not in this record". Addresses and MACs
 * are kept as offsets into the datagram and formatted only once the record proves usable.
 */
export class RecordFields {
  octets = -1;
  packets = -1;
  octetsTotal = -1;
  packetsTotal = -1;
  reverseOctets = 0;
  reversePackets = 0;
  reverseTcpFlags = 0;
  protocol = -1;
  tcpFlags = 0;
  srcPort = 0;
  dstPort = 0;
  src4At = -1;
  dst4At = -1;
  src6At = -1;
  dst6At = -1;
  input = 0;
  output = 0;
  firstUptimeMs = -1;
  lastUptimeMs = -1;
  icmpTypeCode = -1;
  icmpType = -1;
  icmpCode = -1;
  samplingInterval = -1;
  samplerId = -1;
  samplerRandomInterval = -1;
  packetInterval = -1;
  packetSpace = -1;
  samplingPopulation = -1;
  samplingSize = -1;
  srcMacAt = -1;
  dstMacAt = -1;
  vlan = -1;
  flowEndReason = 0;
  startS = -1;
  endS = -1;
  startMs = -1;
  endMs = -1;
  startNtpUs = -1;
  endNtpUs = -1;
  startDeltaUs = -1;
  endDeltaUs = -1;
  systemInitMs = -1;
  durationUs = -1;

  reset(): void {
    this.octets = -1;
    this.packets = -1;
    this.octetsTotal = -1;
    this.packetsTotal = -1;
    this.reverseOctets = 0;
    this.reversePackets = 0;
    this.reverseTcpFlags = 0;
    this.protocol = -1;
    this.tcpFlags = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.src4At = -1;
    this.dst4At = -1;
    this.src6At = -1;
    this.dst6At = -1;
    this.input = 0;
    this.output = 0;
    this.firstUptimeMs = -1;
    this.lastUptimeMs = -1;
    this.icmpTypeCode = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.samplingInterval = -1;
    this.samplerId = -1;
    this.samplerRandomInterval = -1;
    this.packetInterval = -1;
    this.packetSpace = -1;
    this.samplingPopulation = -1;
    this.samplingSize = -1;
    this.srcMacAt = -1;
    this.dstMacAt = -1;
    this.vlan = -1;
    this.flowEndReason = 0;
    this.startS = -1;
    this.endS = -1;
    this.startMs = -1;
    this.endMs = -1;
    this.startNtpUs = -1;
    this.endNtpUs = -1;
    this.startDeltaUs = -1;
    this.endDeltaUs = -1;
    this.systemInitMs = -1;
    this.durationUs = -1;
  }

  /** The sampling rate the record itself states (any of the IPFIX and v9 ways), or 0 when it states none. */
  ownSamplingRate(): number {
    if (this.packetInterval > 0) {
      return (this.packetInterval + Math.max(0, this.packetSpace)) / this.packetInterval;
    }
    if (this.samplingSize > 0 && this.samplingPopulation > 0)
      return this.samplingPopulation / this.samplingSize;
    if (this.samplingInterval > 0) return this.samplingInterval;
    if (this.samplerRandomInterval > 0) return this.samplerRandomInterval;
    return 0;
  }
}

/** An unsigned big-endian integer of 1 to 8 bytes; past 2^53 it is rounded, as a double must. */
export function readUint(b: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + b[at + i]!;
  return value;
}

function readNtpMicros(b: Uint8Array, at: number): number {
  const seconds = readUint(b, at, 4);
  const fraction = readUint(b, at + 4, 4);
  return (seconds - NTP_UNIX_OFFSET_S) * 1_000_000 + Math.round((fraction * 1_000_000) / TWO_POW_32);
}

/**
 * Reads the record at `at` into `f` and returns the offset after it, or -1 when the record runs past
 * `end`. Every read is inside [at, end): a template's lengths were checked against nothing but
 * themselves, so the record's bytes are checked here, field by field.
 */
export function readDataRecord(b: Uint8Array, at: number, end: number, t: Template, f: RecordFields): number {
  f.reset();
  if (!t.hasVariableLength) {
    // Fixed layout: the record fits whole or not at all, and the plan names only the fields read.
    if (at + t.minRecordBytes > end) return -1;
    const kinds = t.planKinds;
    const offsets = t.planOffsets;
    const lengths = t.planLengths;
    for (let i = 0; i < kinds.length; i++) readField(b, at + offsets[i]!, lengths[i]!, kinds[i]!, f);
    return at + t.minRecordBytes;
  }
  const kinds = t.kinds;
  const lengths = t.lengths;
  for (let i = 0; i < kinds.length; i++) {
    let length = lengths[i]!;
    if (length === VARIABLE_LENGTH) {
      if (at >= end) return -1;
      length = b[at++]!;
      if (length === 255) {
        if (at + 2 > end) return -1;
        length = (b[at]! << 8) | b[at + 1]!;
        at += 2;
      }
    }
    if (at + length > end) return -1;
    readField(b, at, length, kinds[i]!, f);
    at += length;
  }
  return at;
}

/** Reads one field of `kind`, `length` bytes at `b[at]`, into `f`. */
function readField(b: Uint8Array, at: number, length: number, kind: number, f: RecordFields): void {
  switch (kind) {
    case FieldKind.SKIP:
      break;
    case FieldKind.OCTETS:
      f.octets = readUint(b, at, length);
      break;
    case FieldKind.PACKETS:
      f.packets = readUint(b, at, length);
      break;
    case FieldKind.OCTETS_TOTAL:
      f.octetsTotal = readUint(b, at, length);
      break;
    case FieldKind.PACKETS_TOTAL:
      f.packetsTotal = readUint(b, at, length);
      break;
    case FieldKind.PROTOCOL:
      f.protocol = readUint(b, at, length) & 0xff;
      break;
    case FieldKind.TCP_FLAGS:
      // tcpControlBits is 16 bits in IPFIX (the header's flag byte in the low 8); v9 sends 1 byte.
      f.tcpFlags = readUint(b, at, length) & 0xff;
      break;
    case FieldKind.SRC_PORT:
      f.srcPort = readUint(b, at, length) & 0xffff;
      break;
    case FieldKind.DST_PORT:
      f.dstPort = readUint(b, at, length) & 0xffff;
      break;
    case FieldKind.SRC_IPV4:
      f.src4At = at;
      break;
    case FieldKind.DST_IPV4:
      f.dst4At = at;
      break;
    case FieldKind.SRC_IPV6:
      f.src6At = at;
      break;
    case FieldKind.DST_IPV6:
      f.dst6At = at;
      break;
    case FieldKind.INPUT:
      f.input = readUint(b, at, length);
      break;
    case FieldKind.OUTPUT:
      f.output = readUint(b, at, length);
      break;
    case FieldKind.FIRST_UPTIME_MS:
      f.firstUptimeMs = readUint(b, at, length);
      break;
    case FieldKind.LAST_UPTIME_MS:
      f.lastUptimeMs = readUint(b, at, length);
      break;
    case FieldKind.ICMP_TYPE_CODE:
      f.icmpTypeCode = readUint(b, at, length) & 0xffff;
      break;
    case FieldKind.ICMP_TYPE:
      f.icmpType = readUint(b, at, length) & 0xff;
      break;
    case FieldKind.ICMP_CODE:
      f.icmpCode = readUint(b, at, length) & 0xff;
      break;
    case FieldKind.SAMPLING_INTERVAL:
      f.samplingInterval = readUint(b, at, length);
      break;
    case FieldKind.SAMPLER_ID:
      f.samplerId = readUint(b, at, length);
      break;
    case FieldKind.SAMPLER_RANDOM_INTERVAL:
      f.samplerRandomInterval = readUint(b, at, length);
      break;
    case FieldKind.SAMPLING_PACKET_INTERVAL:
      f.packetInterval = readUint(b, at, length);
      break;
    case FieldKind.SAMPLING_PACKET_SPACE:
      f.packetSpace = readUint(b, at, length);
      break;
    case FieldKind.SAMPLING_POPULATION:
      f.samplingPopulation = readUint(b, at, length);
      break;
    case FieldKind.SAMPLING_SIZE:
      f.samplingSize = readUint(b, at, length);
      break;
    case FieldKind.SRC_MAC:
      f.srcMacAt = at;
      break;
    case FieldKind.DST_MAC:
      f.dstMacAt = at;
      break;
    case FieldKind.VLAN:
      f.vlan = readUint(b, at, length) & 0xfff;
      break;
    case FieldKind.IP_VERSION:
      break;
    case FieldKind.FLOW_END_REASON:
      f.flowEndReason = readUint(b, at, length) & 0xff;
      break;
    case FieldKind.START_S:
      f.startS = readUint(b, at, length);
      break;
    case FieldKind.END_S:
      f.endS = readUint(b, at, length);
      break;
    case FieldKind.START_MS:
      f.startMs = readUint(b, at, length);
      break;
    case FieldKind.END_MS:
      f.endMs = readUint(b, at, length);
      break;
    case FieldKind.START_NTP:
      f.startNtpUs = readNtpMicros(b, at);
      break;
    case FieldKind.END_NTP:
      f.endNtpUs = readNtpMicros(b, at);
      break;
    case FieldKind.START_DELTA_US:
      f.startDeltaUs = readUint(b, at, length);
      break;
    case FieldKind.END_DELTA_US:
      f.endDeltaUs = readUint(b, at, length);
      break;
    case FieldKind.SYSTEM_INIT_MS:
      f.systemInitMs = readUint(b, at, length);
      break;
    case FieldKind.DURATION_MS:
      f.durationUs = readUint(b, at, length) * 1000;
      break;
    case FieldKind.DURATION_US:
      f.durationUs = readUint(b, at, length);
      break;
    case FieldKind.REVERSE_OCTETS:
      f.reverseOctets = readUint(b, at, length);
      break;
    case FieldKind.REVERSE_PACKETS:
      f.reversePackets = readUint(b, at, length);
      break;
    case FieldKind.REVERSE_TCP_FLAGS:
      f.reverseTcpFlags = readUint(b, at, length) & 0xff;
      break;
  }
}
