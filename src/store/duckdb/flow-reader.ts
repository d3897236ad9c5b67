import type { DuckDBConnection, DuckDBValue } from './duckdb-api.js';
import type { FlowDirection, FlowEndReason, FlowStatus, StoredFlow } from '../../records/index.js';
import { normaliseMac } from '../mac-address.js';
import type { FlowFilter } from '../store.js';
import { toNumber, toNumberOrNull, toStringOrNull, toText } from './duckdb-values.js';
import { limitOf, SqlConditions } from './sql-conditions.js';

const DEFAULT_LIMIT = 100;

const FLOW_COLUMNS = `id, protocol, ip_proto, ip_version, src_addr, dst_addr, src_port, dst_port,
  epoch_us(first_seen_at) AS first_seen_at, epoch_us(last_seen_at) AS last_seen_at,
  src_bytes, dst_bytes, src_packets, dst_packets, src_payload_bytes, dst_payload_bytes,
  status, end_reason, community_id, sensor, interface, src_mac, dst_mac, vlan, inner_vlan, direction,
  server_name, dns_name, ja3, ja4, tls_cert_sha1, tls_version, alpn, src_tcp_flags, dst_tcp_flags,
  epoch_us(ingested_at) AS ingested_at`;

export async function readFlows(connection: DuckDBConnection, filter: FlowFilter): Promise<StoredFlow[]> {
  const { sql, conditions } = flowQuery(filter, FLOW_COLUMNS);
  const limit = limitOf(filter.limit, DEFAULT_LIMIT);
  const reader = await connection.runAndReadAll(
    `${sql} ORDER BY first_seen_at DESC, id DESC LIMIT ${limit}`,
    conditions.values,
    conditions.types,
  );
  return reader.getRowObjects().map(flowFromRow);
}

export async function countFlows(connection: DuckDBConnection, filter: FlowFilter): Promise<number> {
  const { sql, conditions } = flowQuery(filter, 'count(*)');
  const reader = await connection.runAndReadAll(sql, conditions.values, conditions.types);
  return toNumber(reader.getRows()[0]?.[0] ?? 0);
}

function flowQuery(filter: FlowFilter, columns: string): { sql: string; conditions: SqlConditions } {
  const c = new SqlConditions();
  let prefix = '';
  if (filter.addr !== undefined)
    c.addAddress(filter.addr, ['src_addr', 'dst_addr'], ['src_addr_num', 'dst_addr_num']);
  if (filter.srcAddr !== undefined) c.addAddress(filter.srcAddr, ['src_addr'], ['src_addr_num']);
  if (filter.dstAddr !== undefined) c.addAddress(filter.dstAddr, ['dst_addr'], ['dst_addr_num']);
  if (filter.port !== undefined) {
    const port = c.param(filter.port);
    c.add(`(src_port = ${port} OR dst_port = ${port})`);
  }
  if (filter.protocol !== undefined) {
    const protocol = filter.protocol.trim().toLowerCase();
    if (/^\d+$/.test(protocol)) c.add(`ip_proto = ${c.param(Number(protocol))}`);
    else c.add(`protocol = ${c.param(protocol)}`);
  }
  if (filter.sensor !== undefined) c.add(`sensor = ${c.param(filter.sensor)}`);
  if (filter.direction !== undefined) c.add(`direction = ${c.param(filter.direction)}`);
  if (filter.since !== undefined) c.add(`last_seen_at >= ${c.time(filter.since)}`);
  if (filter.until !== undefined) c.add(`first_seen_at <= ${c.time(filter.until)}`);
  if (filter.device !== undefined) {
    // A device is named by MAC, address or hostname. Its flows are those carrying one of its MACs
    // (captured on the LAN) or one of the addresses it has had (NetFlow and conntrack carry no MACs).
    const device = c.param(normaliseMac(filter.device) ?? filter.device);
    prefix = `WITH device_macs AS (
        SELECT ${device} AS mac
        UNION SELECT mac FROM devices WHERE lower(hostname) = lower(${device})
        UNION SELECT mac FROM device_addresses WHERE addr = ${device}
      ), device_addrs AS (
        SELECT ${device} AS addr
        UNION SELECT addr FROM device_addresses WHERE mac IN (FROM device_macs)
      ) `;
    c.add(`(src_mac IN (FROM device_macs) OR dst_mac IN (FROM device_macs)
      OR src_addr IN (FROM device_addrs) OR dst_addr IN (FROM device_addrs))`);
  }
  return { sql: `${prefix}SELECT ${columns} FROM flows ${c.where()}`, conditions: c };
}

function flowFromRow(row: Record<string, DuckDBValue>): StoredFlow {
  return {
    id: toText(row.id),
    protocol: toText(row.protocol),
    ipProto: toNumber(row.ip_proto),
    ipVersion: toNumber(row.ip_version) === 6 ? 6 : 4,
    srcAddr: toText(row.src_addr),
    dstAddr: toText(row.dst_addr),
    srcPort: toNumber(row.src_port),
    dstPort: toNumber(row.dst_port),
    firstSeenAt: toNumber(row.first_seen_at),
    lastSeenAt: toNumber(row.last_seen_at),
    srcBytes: toNumber(row.src_bytes),
    dstBytes: toNumber(row.dst_bytes),
    srcPackets: toNumber(row.src_packets),
    dstPackets: toNumber(row.dst_packets),
    srcPayloadBytes: toNumber(row.src_payload_bytes),
    dstPayloadBytes: toNumber(row.dst_payload_bytes),
    status: toText(row.status) as FlowStatus,
    endReason: toText(row.end_reason) as FlowEndReason,
    communityId: toText(row.community_id),
    sensor: toText(row.sensor),
    interface: toStringOrNull(row.interface),
    srcMac: toStringOrNull(row.src_mac),
    dstMac: toStringOrNull(row.dst_mac),
    vlan: toNumberOrNull(row.vlan),
    innerVlan: toNumberOrNull(row.inner_vlan),
    direction: toText(row.direction) as FlowDirection,
    serverName: toStringOrNull(row.server_name),
    dnsName: toStringOrNull(row.dns_name),
    ja3: toStringOrNull(row.ja3),
    ja4: toStringOrNull(row.ja4),
    tlsCertSha1: toStringOrNull(row.tls_cert_sha1),
    tlsVersion: toStringOrNull(row.tls_version),
    alpn: toStringOrNull(row.alpn),
    srcTcpFlags: toNumber(row.src_tcp_flags),
    dstTcpFlags: toNumber(row.dst_tcp_flags),
    ingestedAt: toNumber(row.ingested_at),
  };
}
