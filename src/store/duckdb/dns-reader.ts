import type { DuckDBConnection, DuckDBValue } from './duckdb-api.js';
import type { DnsFilter, StoredDnsRecord } from '../store.js';
import { toNumber, toText } from './duckdb-values.js';
import { limitOf, SqlConditions } from './sql-conditions.js';

const DEFAULT_LIMIT = 100;

export async function readDns(connection: DuckDBConnection, filter: DnsFilter): Promise<StoredDnsRecord[]> {
  const c = new SqlConditions();
  if (filter.clientAddr !== undefined) c.add(`client_addr = ${c.param(filter.clientAddr)}`);
  if (filter.name !== undefined) {
    const name = c.param(filter.name.toLowerCase().replace(/\.$/, ''));
    c.add(`(contains(lower(query_name), ${name}) OR contains(lower(answer_name), ${name}))`);
  }
  if (filter.answer !== undefined) c.add(`answer = ${c.param(filter.answer)}`);
  if (filter.sensor !== undefined) c.add(`sensor = ${c.param(filter.sensor)}`);
  if (filter.since !== undefined) c.add(`seen_at >= ${c.time(filter.since)}`);
  if (filter.until !== undefined) c.add(`seen_at <= ${c.time(filter.until)}`);
  const reader = await connection.runAndReadAll(
    `SELECT epoch_us(seen_at) AS seen_at, client_addr, server_addr, query_name, answer_name, answer_type,
       answer, ttl, rcode, transport, sensor, epoch_us(ingested_at) AS ingested_at
     FROM dns ${c.where()}
     ORDER BY seen_at DESC, query_name, answer
     LIMIT ${limitOf(filter.limit, DEFAULT_LIMIT)}`,
    c.values,
    c.types,
  );
  return reader.getRowObjects().map(dnsFromRow);
}

function dnsFromRow(row: Record<string, DuckDBValue>): StoredDnsRecord {
  return {
    seenAt: toNumber(row.seen_at),
    clientAddr: toText(row.client_addr),
    serverAddr: toText(row.server_addr),
    queryName: toText(row.query_name),
    answerName: toText(row.answer_name),
    answerType: toText(row.answer_type),
    answer: toText(row.answer),
    ttl: toNumber(row.ttl),
    rcode: toText(row.rcode),
    transport: toText(row.transport) === 'tcp' ? 'tcp' : 'udp',
    sensor: toText(row.sensor),
    ingestedAt: toNumber(row.ingested_at),
  };
}
