import type { DnsRecord, EpochMicros, FlowRecord } from '../../records/index.js';
import { addressHex } from './address-hex.js';
import { microsToIso } from './bigquery-values.js';
import type { TableSpec } from './schema.js';
import type { StorageWriteRow } from './storage-write.js';

/**
 * Flows and DNS answers as rows of `flows` and `dns` (schema.ts), instants as epoch microseconds: the
 * Storage Write API's form; `insertAllRow` turns one into insertAll's. Values are checked against the
 * ranges of DuckDB's column types first, so both engines refuse the same batches (BigQuery's INT64
 * would take a port of 70000, and insertAll would round 1.5 silently on some paths).
 */
export function flowRow(f: FlowRecord, ingestedAt: EpochMicros): StorageWriteRow {
  return {
    id: f.id,
    protocol: f.protocol,
    src_addr: f.srcAddr,
    dst_addr: f.dstAddr,
    src_port: int(f.srcPort, 'src_port', -(2 ** 31), 2 ** 31 - 1),
    dst_port: int(f.dstPort, 'dst_port', -(2 ** 31), 2 ** 31 - 1),
    first_seen_at: instant(f.firstSeenAt, 'first_seen_at'),
    last_seen_at: instant(f.lastSeenAt, 'last_seen_at'),
    src_bytes: int(f.srcBytes, 'src_bytes'),
    dst_bytes: int(f.dstBytes, 'dst_bytes'),
    src_packets: int(f.srcPackets, 'src_packets'),
    dst_packets: int(f.dstPackets, 'dst_packets'),
    status: f.status,
    ip_proto: int(f.ipProto, 'ip_proto', 0, 255),
    ip_version: int(f.ipVersion, 'ip_version', 0, 255),
    src_payload_bytes: int(f.srcPayloadBytes, 'src_payload_bytes'),
    dst_payload_bytes: int(f.dstPayloadBytes, 'dst_payload_bytes'),
    end_reason: f.endReason,
    community_id: f.communityId,
    sensor: f.sensor,
    interface: f.interface,
    src_mac: f.srcMac,
    dst_mac: f.dstMac,
    vlan: f.vlan === null ? null : int(f.vlan, 'vlan', 0, 65_535),
    inner_vlan: f.innerVlan === null ? null : int(f.innerVlan, 'inner_vlan', 0, 65_535),
    direction: f.direction,
    server_name: f.serverName,
    dns_name: f.dnsName,
    ja3: f.ja3,
    ja4: f.ja4,
    tls_cert_sha1: f.tlsCertSha1,
    tls_version: f.tlsVersion,
    alpn: f.alpn,
    src_tcp_flags: int(f.srcTcpFlags, 'src_tcp_flags', 0, 255),
    dst_tcp_flags: int(f.dstTcpFlags, 'dst_tcp_flags', 0, 255),
    ingested_at: instant(ingestedAt, 'ingested_at'),
    src_addr_num: addressHex(f.srcAddr),
    dst_addr_num: addressHex(f.dstAddr),
    sampling_rate: int(f.samplingRate ?? 1, 'sampling_rate', 0, 2 ** 32 - 1),
    counts_estimated: f.countsEstimated ?? false,
  };
}

export function dnsRow(r: DnsRecord, ingestedAt: EpochMicros): StorageWriteRow {
  const isAddress = r.answerType === 'A' || r.answerType === 'AAAA';
  return {
    seen_at: instant(r.seenAt, 'seen_at'),
    client_addr: r.clientAddr,
    server_addr: r.serverAddr,
    query_name: r.queryName,
    answer_name: r.answerName,
    answer_type: r.answerType,
    answer: r.answer,
    ttl: int(r.ttl, 'ttl', 0, 2 ** 32 - 1),
    rcode: r.rcode,
    transport: r.transport,
    sensor: r.sensor,
    ingested_at: instant(ingestedAt, 'ingested_at'),
    answer_addr_num: isAddress ? addressHex(r.answer) : null,
  };
}

/** A value no column can take: the batch is refused whole. */
export class RowValueError extends Error {}

function int(value: number, column: string, min = -(2 ** 63), max = 2 ** 63 - 1): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RowValueError(`${column} cannot hold ${value}: it takes whole numbers from ${min} to ${max}`);
  }
  return value;
}

/** The row as insertAll takes it: TIMESTAMP columns as RFC 3339 text with microseconds. */
export function insertAllRow(table: TableSpec, row: StorageWriteRow): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const column of table.columns) {
    const value = row[column.name];
    if (column.type === 'TIMESTAMP' && typeof value === 'number') out[column.name] = microsToIso(value);
  }
  return out;
}

function instant(micros: EpochMicros, column: string): number {
  if (!Number.isInteger(micros))
    throw new RowValueError(`${column} cannot hold ${micros}: it takes whole microseconds`);
  return micros;
}
