import type { FlowDirection, FlowEndReason, FlowStatus, StoredFlow } from '../../records/index.js';
import { normaliseMac } from '../mac-address.js';
import type { DnsFilter, FlowFilter, StoredDnsRecord } from '../store.js';
import type { BigQueryConnection } from './connection.js';
import { BqConditions, limitOf, num, numOrNull, text, textOrNull } from './sql-conditions.js';

const FLOW_COLUMNS = `id, protocol, ip_proto, ip_version, src_addr, dst_addr, src_port, dst_port,
  first_seen_at, last_seen_at, src_bytes, dst_bytes, src_packets, dst_packets, src_payload_bytes,
  dst_payload_bytes, status, end_reason, community_id, sensor, interface, src_mac, dst_mac, vlan,
  inner_vlan, direction, server_name, dns_name, ja3, ja4, tls_cert_sha1, tls_version, alpn,
  src_tcp_flags, dst_tcp_flags, ingested_at`;

export async function readFlows(connection: BigQueryConnection, filter: FlowFilter): Promise<StoredFlow[]> {
  const { sql, conditions } = flowQuery(filter, FLOW_COLUMNS);
  const limit = limitOf(filter.limit, 100);
  const result = await connection.query(
    `${sql} ORDER BY first_seen_at DESC, id DESC LIMIT ${limit}`,
    conditions.params,
    { what: 'the read of flows' },
  );
  return result.rows.map(flowFromRow);
}

export async function countFlows(connection: BigQueryConnection, filter: FlowFilter): Promise<number> {
  const { sql, conditions } = flowQuery(filter, 'COUNT(*) AS n');
  const result = await connection.query(sql, conditions.params, { what: 'the count of flows' });
  return num(result.rows[0]?.['n'] ?? 0);
}

function flowQuery(filter: FlowFilter, columns: string): { sql: string; conditions: BqConditions } {
  const c = new BqConditions();
  let prefix = '';
  if (filter.addr !== undefined)
    c.addAddress(filter.addr, ['src_addr', 'dst_addr'], ['src_addr_num', 'dst_addr_num']);
  if (filter.srcAddr !== undefined) c.addAddress(filter.srcAddr, ['src_addr'], ['src_addr_num']);
  if (filter.dstAddr !== undefined) c.addAddress(filter.dstAddr, ['dst_addr'], ['dst_addr_num']);
  if (filter.port !== undefined) {
    const port = c.int(filter.port);
    c.add(`(src_port = ${port} OR dst_port = ${port})`);
  }
  if (filter.protocol !== undefined) {
    const protocol = filter.protocol.trim().toLowerCase();
    if (/^\d+$/.test(protocol)) c.add(`ip_proto = ${c.int(Number(protocol))}`);
    else c.add(`protocol = ${c.param(protocol)}`);
  }
  if (filter.sensor !== undefined) c.add(`sensor = ${c.param(filter.sensor)}`);
  if (filter.direction !== undefined) c.add(`direction = ${c.param(filter.direction)}`);
  if (filter.since !== undefined) c.add(`last_seen_at >= ${c.time(filter.since)}`);
  if (filter.until !== undefined) c.add(`first_seen_at <= ${c.time(filter.until)}`);
  if (filter.device !== undefined) {
    // As on DuckDB (duckdb/flow-reader.ts): the flows carrying one of the device's MACs or one of the
    // addresses it has had, the device named by MAC, address or hostname.
    const device = c.param(normaliseMac(filter.device) ?? filter.device);
    prefix = `WITH device_macs AS (
        SELECT ${device} AS mac
        UNION DISTINCT SELECT mac FROM devices WHERE LOWER(hostname) = LOWER(${device})
        UNION DISTINCT SELECT mac FROM device_addresses WHERE addr = ${device}
      ), device_addrs AS (
        SELECT ${device} AS addr
        UNION DISTINCT SELECT addr FROM device_addresses WHERE mac IN (SELECT mac FROM device_macs)
      ) `;
    c.add(`(src_mac IN (SELECT mac FROM device_macs) OR dst_mac IN (SELECT mac FROM device_macs)
      OR src_addr IN (SELECT addr FROM device_addrs) OR dst_addr IN (SELECT addr FROM device_addrs))`);
  }
  return { sql: `${prefix}SELECT ${columns} FROM flows ${c.where()}`, conditions: c };
}

function flowFromRow(row: Record<string, unknown>): StoredFlow {
  return {
    id: text(row['id']),
    protocol: text(row['protocol']),
    ipProto: num(row['ip_proto']),
    ipVersion: num(row['ip_version']) === 6 ? 6 : 4,
    srcAddr: text(row['src_addr']),
    dstAddr: text(row['dst_addr']),
    srcPort: num(row['src_port']),
    dstPort: num(row['dst_port']),
    firstSeenAt: num(row['first_seen_at']),
    lastSeenAt: num(row['last_seen_at']),
    srcBytes: num(row['src_bytes']),
    dstBytes: num(row['dst_bytes']),
    srcPackets: num(row['src_packets']),
    dstPackets: num(row['dst_packets']),
    srcPayloadBytes: num(row['src_payload_bytes']),
    dstPayloadBytes: num(row['dst_payload_bytes']),
    status: text(row['status']) as FlowStatus,
    endReason: text(row['end_reason']) as FlowEndReason,
    communityId: text(row['community_id']),
    sensor: text(row['sensor']),
    interface: textOrNull(row['interface']),
    srcMac: textOrNull(row['src_mac']),
    dstMac: textOrNull(row['dst_mac']),
    vlan: numOrNull(row['vlan']),
    innerVlan: numOrNull(row['inner_vlan']),
    direction: text(row['direction']) as FlowDirection,
    serverName: textOrNull(row['server_name']),
    dnsName: textOrNull(row['dns_name']),
    ja3: textOrNull(row['ja3']),
    ja4: textOrNull(row['ja4']),
    tlsCertSha1: textOrNull(row['tls_cert_sha1']),
    tlsVersion: textOrNull(row['tls_version']),
    alpn: textOrNull(row['alpn']),
    srcTcpFlags: num(row['src_tcp_flags']),
    dstTcpFlags: num(row['dst_tcp_flags']),
    ingestedAt: num(row['ingested_at']),
  };
}

export async function readDns(connection: BigQueryConnection, filter: DnsFilter): Promise<StoredDnsRecord[]> {
  const c = new BqConditions();
  if (filter.clientAddr !== undefined) c.add(`client_addr = ${c.param(filter.clientAddr)}`);
  if (filter.name !== undefined) {
    const name = c.param(filter.name.toLowerCase().replace(/\.$/, ''));
    c.add(`(STRPOS(LOWER(query_name), ${name}) > 0 OR STRPOS(LOWER(answer_name), ${name}) > 0)`);
  }
  if (filter.answer !== undefined) c.add(`answer = ${c.param(filter.answer)}`);
  if (filter.sensor !== undefined) c.add(`sensor = ${c.param(filter.sensor)}`);
  if (filter.since !== undefined) c.add(`seen_at >= ${c.time(filter.since)}`);
  if (filter.until !== undefined) c.add(`seen_at <= ${c.time(filter.until)}`);
  const result = await connection.query(
    `SELECT seen_at, client_addr, server_addr, query_name, answer_name, answer_type, answer, ttl, rcode,
       transport, sensor, ingested_at
     FROM dns ${c.where()}
     ORDER BY seen_at DESC, query_name, answer
     LIMIT ${limitOf(filter.limit, 100)}`,
    c.params,
    { what: 'the read of DNS answers' },
  );
  return result.rows.map((row) => ({
    seenAt: num(row['seen_at']),
    clientAddr: text(row['client_addr']),
    serverAddr: text(row['server_addr']),
    queryName: text(row['query_name']),
    answerName: text(row['answer_name']),
    answerType: text(row['answer_type']),
    answer: text(row['answer']),
    ttl: num(row['ttl']),
    rcode: text(row['rcode']),
    transport: text(row['transport']) === 'tcp' ? 'tcp' : 'udp',
    sensor: text(row['sensor']),
    ingestedAt: num(row['ingested_at']),
  }));
}
