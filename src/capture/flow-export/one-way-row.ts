/**
 * One decoded NetFlow/IPFIX record as plain numbers, for a consumer that keys and packs records itself
 * (the collector's decoder thread): the same values as a OneWayFlow (records/), but the addresses stay
 * big-endian 32-bit words (an IPv4 address in word 0, the rest 0) and nothing is turned into text. The
 * collector fills one instance and reuses it for every record, so the consumer must copy what it keeps
 * before `onRecord` returns.
 */
export class OneWayRow {
  /** Address of the exporter that sent the record (the datagram's source). */
  exporter = '';
  domainId = 0;
  ipVersion: 4 | 6 = 4;
  ipProto = 0;
  readonly srcWords = new Int32Array(4);
  readonly dstWords = new Int32Array(4);
  srcPort = 0;
  dstPort = 0;
  packets = 0;
  bytes = 0;
  reversePackets = 0;
  reverseBytes = 0;
  firstSeenAt = 0;
  lastSeenAt = 0;
  tcpFlags = 0;
  reverseTcpFlags = 0;
  inputInterface = 0;
  outputInterface = 0;
  srcMac: string | null = null;
  dstMac: string | null = null;
  /** -1 for none. */
  vlan = -1;
  samplingRate = 1;
  countsEstimated = false;
  flowEndReason = 0;
}

/** Reads the 4 (IPv4) or 16 (IPv6) address bytes at `b[at]` into `out` as big-endian words. */
export function readAddressWords(b: Uint8Array, at: number, isV6: boolean, out: Int32Array): void {
  out[0] = (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  if (!isV6) {
    out[1] = 0;
    out[2] = 0;
    out[3] = 0;
    return;
  }
  out[1] = (b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!;
  out[2] = (b[at + 8]! << 24) | (b[at + 9]! << 16) | (b[at + 10]! << 8) | b[at + 11]!;
  out[3] = (b[at + 12]! << 24) | (b[at + 13]! << 16) | (b[at + 14]! << 8) | b[at + 15]!;
}
