import { DuckDBTimestampValue, type DuckDBAppender } from '@duckdb/node-api';
import type { DnsRecord, EpochMicros } from '../../records/index.js';
import { appendAddressNumber } from './append-flows.js';

/** Appends DNS answers to the `dns` appender in the table's column order (see appendFlows on timestamps). */
export function appendDns(
  appender: DuckDBAppender,
  records: readonly DnsRecord[],
  ingestedAt: EpochMicros,
): void {
  const ingested = new DuckDBTimestampValue(BigInt(ingestedAt));
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(r.seenAt)));
    appender.appendVarchar(r.clientAddr);
    appender.appendVarchar(r.serverAddr);
    appender.appendVarchar(r.queryName);
    appender.appendVarchar(r.answerName);
    appender.appendVarchar(r.answerType);
    appender.appendVarchar(r.answer);
    appender.appendUInteger(r.ttl);
    appender.appendVarchar(r.rcode);
    appender.appendVarchar(r.transport);
    appender.appendVarchar(r.sensor);
    appender.appendTimestamp(ingested);
    if (r.answerType === 'A' || r.answerType === 'AAAA') appendAddressNumber(appender, r.answer);
    else appender.appendNull();
    appender.endRow();
  }
}
