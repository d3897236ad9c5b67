import type { DuckDBAppender } from './duckdb-api.js';
import type { DnsRecord, EpochMicros } from '../../records/index.js';
import {
  AddressNumberColumn,
  ChunkWriter,
  TextColumn,
  TimestampColumn,
  UInt32Column,
} from './chunk-writer.js';

/** Writes DNS answers into the `dns` appender column-wise, in the table's column order (see FlowAppender). */
export class DnsAppender {
  private readonly seenAt = new TimestampColumn();
  private readonly clientAddr = new TextColumn();
  private readonly serverAddr = new TextColumn();
  private readonly queryName = new TextColumn();
  private readonly answerName = new TextColumn();
  private readonly answerType = new TextColumn();
  private readonly answer = new TextColumn();
  private readonly ttl = new UInt32Column();
  private readonly rcode = new TextColumn();
  private readonly transport = new TextColumn();
  private readonly sensor = new TextColumn();
  private readonly ingestedAt = new TimestampColumn();
  private readonly answerAddrNum = new AddressNumberColumn();
  private readonly writer: ChunkWriter;

  constructor(appender: DuckDBAppender) {
    this.writer = new ChunkWriter(appender, [
      this.seenAt,
      this.clientAddr,
      this.serverAddr,
      this.queryName,
      this.answerName,
      this.answerType,
      this.answer,
      this.ttl,
      this.rcode,
      this.transport,
      this.sensor,
      this.ingestedAt,
      this.answerAddrNum,
    ]);
  }

  /** Appends the answers; the rows reach the table at the appender's next flush. */
  append(records: readonly DnsRecord[], ingestedAt: EpochMicros): void {
    const rows = ChunkWriter.ROWS;
    this.writer.reset();
    try {
      for (let start = 0; start < records.length; start += rows) {
        const count = Math.min(rows, records.length - start);
        for (let row = 0; row < count; row++) this.set(row, records[start + row]!, ingestedAt);
        this.writer.append(count);
      }
    } catch (error) {
      this.writer.reset();
      throw error;
    }
  }

  private set(row: number, r: DnsRecord, ingestedAt: EpochMicros): void {
    this.seenAt.set(row, r.seenAt);
    this.clientAddr.set(row, r.clientAddr);
    this.serverAddr.set(row, r.serverAddr);
    this.queryName.set(row, r.queryName);
    this.answerName.set(row, r.answerName);
    this.answerType.set(row, r.answerType);
    this.answer.set(row, r.answer);
    this.ttl.set(row, r.ttl);
    this.rcode.set(row, r.rcode);
    this.transport.set(row, r.transport);
    this.sensor.set(row, r.sensor);
    this.ingestedAt.set(row, ingestedAt);
    if (r.answerType === 'A' || r.answerType === 'AAAA') this.answerAddrNum.setAddress(row, r.answer);
    else this.answerAddrNum.setNull(row);
  }
}
