import type { DuckDBAppender } from './duckdb-api.js';
import {
  FLOW_BATCH_NUMBERS,
  FLOW_BATCH_TEXTS,
  NumberAt,
  rowTextStart,
  TextAt,
  UNDEFINED_NUMBER,
  type EpochMicros,
  type FlowBatchSlice,
  type FlowRecord,
} from '../../records/index.js';
import {
  AddressNumberColumn,
  BooleanColumn,
  ChunkWriter,
  Int32Column,
  Int64Column,
  TextColumn,
  TimestampColumn,
  UInt16Column,
  UInt32Column,
  UInt8Column,
} from './chunk-writer.js';

/**
 * Writes flows into the `flows` appender column-wise, a data chunk of 2048 rows at a time
 * (chunk-writer.ts), in the table's column order (migrations.ts). One per store: it owns the
 * chunk's column buffers and reuses them for every batch.
 *
 * `append` throws on a value a column cannot hold (a fraction in a count, a port past its range …);
 * the caller clears the appender and rolls the batch back.
 */
export class FlowAppender {
  private readonly id = new TextColumn({ repeats: false });
  private readonly protocol = new TextColumn();
  private readonly srcAddr = new TextColumn();
  private readonly dstAddr = new TextColumn();
  private readonly srcPort = new Int32Column();
  private readonly dstPort = new Int32Column();
  private readonly firstSeenAt = new TimestampColumn();
  private readonly lastSeenAt = new TimestampColumn();
  private readonly srcBytes = new Int64Column();
  private readonly dstBytes = new Int64Column();
  private readonly srcPackets = new Int64Column();
  private readonly dstPackets = new Int64Column();
  private readonly status = new TextColumn();
  private readonly ipProto = new UInt8Column();
  private readonly ipVersion = new UInt8Column();
  private readonly srcPayloadBytes = new Int64Column();
  private readonly dstPayloadBytes = new Int64Column();
  private readonly endReason = new TextColumn();
  private readonly communityId = new TextColumn({ repeats: false });
  private readonly sensor = new TextColumn();
  private readonly interface = new TextColumn();
  private readonly srcMac = new TextColumn();
  private readonly dstMac = new TextColumn();
  private readonly vlan = new UInt16Column();
  private readonly innerVlan = new UInt16Column();
  private readonly direction = new TextColumn();
  private readonly serverName = new TextColumn();
  private readonly dnsName = new TextColumn();
  private readonly ja3 = new TextColumn();
  private readonly ja4 = new TextColumn();
  private readonly tlsCertSha1 = new TextColumn();
  private readonly tlsVersion = new TextColumn();
  private readonly alpn = new TextColumn();
  private readonly srcTcpFlags = new UInt8Column();
  private readonly dstTcpFlags = new UInt8Column();
  private readonly ingestedAt = new TimestampColumn();
  private readonly srcAddrNum = new AddressNumberColumn();
  private readonly dstAddrNum = new AddressNumberColumn();
  // Migration 4: flow exports' sampling; a capture counts every packet.
  private readonly samplingRate = new UInt32Column();
  private readonly countsEstimated = new BooleanColumn();
  private readonly writer: ChunkWriter;
  /** The text columns in a packed record's order (TextAt). */
  private readonly packedText: readonly TextColumn[] = [
    this.id,
    this.protocol,
    this.srcAddr,
    this.dstAddr,
    this.status,
    this.endReason,
    this.communityId,
    this.sensor,
    this.interface,
    this.srcMac,
    this.dstMac,
    this.direction,
    this.serverName,
    this.dnsName,
    this.ja3,
    this.ja4,
    this.tlsCertSha1,
    this.tlsVersion,
    this.alpn,
  ];

  constructor(appender: DuckDBAppender) {
    this.writer = new ChunkWriter(appender, [
      this.id,
      this.protocol,
      this.srcAddr,
      this.dstAddr,
      this.srcPort,
      this.dstPort,
      this.firstSeenAt,
      this.lastSeenAt,
      this.srcBytes,
      this.dstBytes,
      this.srcPackets,
      this.dstPackets,
      this.status,
      this.ipProto,
      this.ipVersion,
      this.srcPayloadBytes,
      this.dstPayloadBytes,
      this.endReason,
      this.communityId,
      this.sensor,
      this.interface,
      this.srcMac,
      this.dstMac,
      this.vlan,
      this.innerVlan,
      this.direction,
      this.serverName,
      this.dnsName,
      this.ja3,
      this.ja4,
      this.tlsCertSha1,
      this.tlsVersion,
      this.alpn,
      this.srcTcpFlags,
      this.dstTcpFlags,
      this.ingestedAt,
      this.srcAddrNum,
      this.dstAddrNum,
      this.samplingRate,
      this.countsEstimated,
    ]);
  }

  /** Appends the flows; the rows reach the table at the appender's next flush. */
  append(flows: readonly FlowRecord[], ingestedAt: EpochMicros): void {
    const rows = ChunkWriter.ROWS;
    this.writer.reset();
    try {
      for (let start = 0; start < flows.length; start += rows) {
        const count = Math.min(rows, flows.length - start);
        for (let row = 0; row < count; row++) this.set(row, flows[start + row]!, ingestedAt);
        this.writer.append(count);
      }
    } catch (error) {
      this.writer.reset();
      throw error;
    }
  }

  /** `append` for packed flows (records/flow-batch.ts): no object or string per flow on the way. */
  appendSlices(slices: readonly FlowBatchSlice[], ingestedAt: EpochMicros): void {
    const rows = ChunkWriter.ROWS;
    this.writer.reset();
    let row = 0;
    try {
      for (const { batch, from, to } of slices) {
        let start = rowTextStart(batch, from);
        for (let i = from; i < to; i++) {
          start = this.setPacked(
            row,
            batch.numbers,
            i * FLOW_BATCH_NUMBERS,
            batch.text,
            batch.textEnds,
            i * FLOW_BATCH_TEXTS,
            start,
            ingestedAt,
          );
          if (++row === rows) {
            this.writer.append(row);
            row = 0;
          }
        }
      }
      this.writer.append(row);
    } catch (error) {
      this.writer.reset();
      throw error;
    }
  }

  /** Sets `row` from a packed record; returns where the next record's text starts. */
  private setPacked(
    row: number,
    numbers: Float64Array,
    n: number,
    text: string,
    ends: Int32Array,
    t: number,
    textStart: number,
    ingestedAt: EpochMicros,
  ): number {
    // Each text field's span starts where the last non-null one ended.
    let start = textStart;
    const columns = this.packedText;
    for (let k = 0; k < columns.length; k++) {
      const end = ends[t + k]!;
      columns[k]!.setSpan(row, text, start, end);
      if (k === TextAt.srcAddr) this.srcAddrNum.setAddressSpan(row, text, start, end);
      else if (k === TextAt.dstAddr) this.dstAddrNum.setAddressSpan(row, text, start, end);
      if (end >= 0) start = end;
    }
    this.srcPort.set(row, numbers[n + NumberAt.srcPort]!);
    this.dstPort.set(row, numbers[n + NumberAt.dstPort]!);
    this.firstSeenAt.set(row, numbers[n + NumberAt.firstSeenAt]!);
    this.lastSeenAt.set(row, numbers[n + NumberAt.lastSeenAt]!);
    this.srcBytes.set(row, numbers[n + NumberAt.srcBytes]!);
    this.dstBytes.set(row, numbers[n + NumberAt.dstBytes]!);
    this.srcPackets.set(row, numbers[n + NumberAt.srcPackets]!);
    this.dstPackets.set(row, numbers[n + NumberAt.dstPackets]!);
    this.ipProto.set(row, numbers[n + NumberAt.ipProto]!);
    this.ipVersion.set(row, numbers[n + NumberAt.ipVersion]!);
    this.srcPayloadBytes.set(row, numbers[n + NumberAt.srcPayloadBytes]!);
    this.dstPayloadBytes.set(row, numbers[n + NumberAt.dstPayloadBytes]!);
    const vlan = numbers[n + NumberAt.vlan]!;
    this.vlan.setOrNull(row, Number.isNaN(vlan) ? null : vlan);
    const innerVlan = numbers[n + NumberAt.innerVlan]!;
    this.innerVlan.setOrNull(row, Number.isNaN(innerVlan) ? null : innerVlan);
    this.srcTcpFlags.set(row, numbers[n + NumberAt.srcTcpFlags]!);
    this.dstTcpFlags.set(row, numbers[n + NumberAt.dstTcpFlags]!);
    this.ingestedAt.set(row, ingestedAt);
    const samplingRate = numbers[n + NumberAt.samplingRate]!;
    this.samplingRate.set(row, samplingRate === UNDEFINED_NUMBER ? 1 : samplingRate);
    this.countsEstimated.set(row, numbers[n + NumberAt.countsEstimated] === 1);
    return start;
  }

  private set(row: number, f: FlowRecord, ingestedAt: EpochMicros): void {
    this.id.set(row, f.id);
    this.protocol.set(row, f.protocol);
    this.srcAddr.set(row, f.srcAddr);
    this.dstAddr.set(row, f.dstAddr);
    this.srcPort.set(row, f.srcPort);
    this.dstPort.set(row, f.dstPort);
    this.firstSeenAt.set(row, f.firstSeenAt);
    this.lastSeenAt.set(row, f.lastSeenAt);
    this.srcBytes.set(row, f.srcBytes);
    this.dstBytes.set(row, f.dstBytes);
    this.srcPackets.set(row, f.srcPackets);
    this.dstPackets.set(row, f.dstPackets);
    this.status.set(row, f.status);
    this.ipProto.set(row, f.ipProto);
    this.ipVersion.set(row, f.ipVersion);
    this.srcPayloadBytes.set(row, f.srcPayloadBytes);
    this.dstPayloadBytes.set(row, f.dstPayloadBytes);
    this.endReason.set(row, f.endReason);
    this.communityId.set(row, f.communityId);
    this.sensor.set(row, f.sensor);
    this.interface.setOrNull(row, f.interface);
    this.srcMac.setOrNull(row, f.srcMac);
    this.dstMac.setOrNull(row, f.dstMac);
    this.vlan.setOrNull(row, f.vlan);
    this.innerVlan.setOrNull(row, f.innerVlan);
    this.direction.set(row, f.direction);
    this.serverName.setOrNull(row, f.serverName);
    this.dnsName.setOrNull(row, f.dnsName);
    this.ja3.setOrNull(row, f.ja3);
    this.ja4.setOrNull(row, f.ja4);
    this.tlsCertSha1.setOrNull(row, f.tlsCertSha1);
    this.tlsVersion.setOrNull(row, f.tlsVersion);
    this.alpn.setOrNull(row, f.alpn);
    this.srcTcpFlags.set(row, f.srcTcpFlags);
    this.dstTcpFlags.set(row, f.dstTcpFlags);
    this.ingestedAt.set(row, ingestedAt);
    this.srcAddrNum.setAddress(row, f.srcAddr);
    this.dstAddrNum.setAddress(row, f.dstAddr);
    this.samplingRate.set(row, f.samplingRate ?? 1);
    this.countsEstimated.set(row, f.countsEstimated ?? false);
  }
}
