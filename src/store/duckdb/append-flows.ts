import { DuckDBTimestampValue, type DuckDBAppender } from '@duckdb/node-api';
import type { EpochMicros, FlowRecord } from '../../records/index.js';
import { addressToNumber } from '../address-number.js';

/**
 * Appends flows to the `flows` appender, one row each, in the table's column order (migrations.ts).
 * Throws on a value the column cannot hold (a fraction in a count, a port past 65535 …); the caller
 * clears the appender and rolls the batch back.
 *
 * Timestamps go through appendTimestamp rather than appendTimestampTZ: the latter builds a generic
 * value per call and is about four times slower, while the TIMESTAMP → TIMESTAMPTZ step inside the
 * appender copies the microseconds unchanged, whatever the session time zone (a test checks this).
 */
export function appendFlows(
  appender: DuckDBAppender,
  flows: readonly FlowRecord[],
  ingestedAt: EpochMicros,
): void {
  const ingested = new DuckDBTimestampValue(BigInt(ingestedAt));
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!;
    appender.appendVarchar(f.id);
    appender.appendVarchar(f.protocol);
    appender.appendVarchar(f.srcAddr);
    appender.appendVarchar(f.dstAddr);
    appender.appendInteger(f.srcPort);
    appender.appendInteger(f.dstPort);
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(f.firstSeenAt)));
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(f.lastSeenAt)));
    appender.appendBigInt(BigInt(f.srcBytes));
    appender.appendBigInt(BigInt(f.dstBytes));
    appender.appendBigInt(BigInt(f.srcPackets));
    appender.appendBigInt(BigInt(f.dstPackets));
    appender.appendVarchar(f.status);
    appender.appendUTinyInt(f.ipProto);
    appender.appendUTinyInt(f.ipVersion);
    appender.appendBigInt(BigInt(f.srcPayloadBytes));
    appender.appendBigInt(BigInt(f.dstPayloadBytes));
    appender.appendVarchar(f.endReason);
    appender.appendVarchar(f.communityId);
    appender.appendVarchar(f.sensor);
    appendVarcharOrNull(appender, f.interface);
    appendVarcharOrNull(appender, f.srcMac);
    appendVarcharOrNull(appender, f.dstMac);
    appendUSmallIntOrNull(appender, f.vlan);
    appendUSmallIntOrNull(appender, f.innerVlan);
    appender.appendVarchar(f.direction);
    appendVarcharOrNull(appender, f.serverName);
    appendVarcharOrNull(appender, f.dnsName);
    appendVarcharOrNull(appender, f.ja3);
    appendVarcharOrNull(appender, f.ja4);
    appendVarcharOrNull(appender, f.tlsCertSha1);
    appendVarcharOrNull(appender, f.tlsVersion);
    appendVarcharOrNull(appender, f.alpn);
    appender.appendUTinyInt(f.srcTcpFlags);
    appender.appendUTinyInt(f.dstTcpFlags);
    appender.appendTimestamp(ingested);
    appendAddressNumber(appender, f.srcAddr);
    appendAddressNumber(appender, f.dstAddr);
    // Migration 4: flow exports' sampling; a capture counts every packet.
    appender.appendUInteger(f.samplingRate ?? 1);
    appender.appendBoolean(f.countsEstimated ?? false);
    appender.endRow();
  }
}

export function appendVarcharOrNull(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function appendUSmallIntOrNull(appender: DuckDBAppender, value: number | null): void {
  if (value === null) appender.appendNull();
  else appender.appendUSmallInt(value);
}

export function appendAddressNumber(appender: DuckDBAppender, addr: string): void {
  const number = addressToNumber(addr);
  if (number === null) appender.appendNull();
  else appender.appendUHugeInt(number);
}
