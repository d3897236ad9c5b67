/**
 * The dashboard's readers (web/). Every value a request carries is bound as a parameter through
 * SqlConditions; only integers the code computed (limits, bucket sizes) are written into SQL text.
 */
import type { DuckDBConnection } from './duckdb-api.js';
import { ALERT_SEVERITIES, type Alert, type AlertSeverity, type AlertStatus } from '../../records/index.js';
import { normaliseMac } from '../mac-address.js';
import type {
  AlertPageFilter,
  DashboardOverview,
  DevicePeer,
  FlowPage,
  FlowPageFilter,
  FlowRow,
  OverviewRange,
} from '../dashboard.js';
import { ALERT_COLUMNS, alertFromRow } from './alerts.js';
import {
  BYTES_IN,
  BYTES_OUT,
  LOCAL_ADDR,
  LOCAL_MAC,
  TRAFFIC_SLOT_US,
  planFlowRange,
  rawCondition,
  rollupCondition,
  type FlowRangePlan,
} from './flow-rollups.js';
import { toNumber, toNumberOrNull, toStringOrNull, toText } from './duckdb-values.js';
import { SqlConditions } from './sql-conditions.js';
import { readDevicePeerRanking, readTopRemotes, type TopRemoteHints } from './top-remotes.js';

function clamp(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/**
 * The overview's figures from the hourly rollups for whole hours rolled up and from flows for the
 * rest (flow-rollups.ts), so they equal what the flows alone give. The traffic chart uses the
 * 5-minute rollups only when its buckets are made of whole 5-minute steps from `since`.
 */
export async function readOverview(
  connection: DuckDBConnection,
  range: OverviewRange,
  hints?: TopRemoteHints,
): Promise<DashboardOverview> {
  const buckets = clamp(range.buckets, 48, 1, 1000);
  const top = clamp(range.top, 10, 1, 100);
  const bucketUs = Math.max(1, Math.ceil((range.until - range.since) / buckets));
  const plan = await planFlowRange(connection, range.since, range.until);
  const isAligned = range.since % TRAFFIC_SLOT_US === 0 && bucketUs % TRAFFIC_SLOT_US === 0;
  const chartPlan: FlowRangePlan = isAligned
    ? plan
    : { ...plan, rollup: [], raw: [[range.since, range.until]] };

  const t = new SqlConditions();
  const since = t.time(range.since);
  const traffic = await connection.runAndReadAll(
    `WITH parts AS (
       SELECT slot_at AS started_at, bytes_out, bytes_in, flows FROM flow_traffic_rollups
       WHERE ${rollupCondition(chartPlan, t)}
       UNION ALL
       SELECT first_seen_at, ${BYTES_OUT}, ${BYTES_IN}, 1 FROM flows WHERE ${rawCondition(chartPlan, t)}
     )
     SELECT (epoch_us(started_at) - epoch_us(${since})) // ${bucketUs} AS bucket, sum(bytes_out)::BIGINT AS bytes_out,
            sum(bytes_in)::BIGINT AS bytes_in, sum(flows)::BIGINT AS flows
     FROM parts GROUP BY 1 ORDER BY 1`,
    t.values,
    t.types,
  );
  const byBucket = new Map(traffic.getRowObjects().map((row) => [toNumber(row.bucket), row]));
  const trafficRows = Array.from({ length: buckets }, (_, index) => {
    const row = byBucket.get(index);
    return {
      at: range.since + index * bucketUs,
      bytesOut: row ? toNumber(row.bytes_out) : 0,
      bytesIn: row ? toNumber(row.bytes_in) : 0,
      flows: row ? toNumber(row.flows) : 0,
    };
  });

  const d = new SqlConditions();
  const devices = await connection.runAndReadAll(
    `WITH local AS (
       SELECT mac, addr, sum(bytes)::BIGINT AS bytes, sum(flows)::BIGINT AS flows FROM (
         SELECT local_mac AS mac, local_addr AS addr, bytes_out + bytes_in AS bytes, flows
         FROM flow_traffic_rollups
         WHERE ${rollupCondition(plan, d)} AND direction IN ('outbound', 'inbound', 'internal')
         UNION ALL
         SELECT ${LOCAL_MAC}, ${LOCAL_ADDR}, src_bytes + dst_bytes, 1 FROM flows
         WHERE ${rawCondition(plan, d)} AND direction IN ('outbound', 'inbound', 'internal')
       )
       GROUP BY 1, 2
     ), named AS (
       SELECT coalesce(l.mac, a.mac) AS mac, l.addr, l.bytes, l.flows
       FROM local l
       LEFT JOIN (SELECT addr, arg_max(mac, last_seen_at) AS mac FROM device_addresses GROUP BY addr) a
         ON l.mac IS NULL AND a.addr = l.addr
     )
     SELECT n.mac, arg_max(n.addr, n.bytes) AS addr, any_value(d.device_name) AS name,
            sum(n.bytes)::BIGINT AS bytes, sum(n.flows)::BIGINT AS flows
     FROM named n LEFT JOIN device_names d ON d.mac = n.mac
     GROUP BY n.mac, CASE WHEN n.mac IS NULL THEN n.addr END
     ORDER BY bytes DESC, addr LIMIT ${top}`,
    d.values,
    d.types,
  );
  const remotes = await readTopRemotes(connection, plan, top * 10, hints);
  const alerts = await connection.runAndReadAll(
    `SELECT status, severity, count(*)::BIGINT AS count FROM alerts GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const n = new SqlConditions();
  const totals = await connection.runAndReadAll(
    `SELECT (SELECT coalesce(sum(flows), 0) FROM flow_traffic_rollups WHERE ${rollupCondition(plan, n)})::BIGINT
              + (SELECT count(*) FROM flows WHERE ${rawCondition(plan, n)})::BIGINT AS flows,
            (SELECT count(*) FROM devices)::BIGINT AS devices`,
    n.values,
    n.types,
  );
  const total = totals.getRowObjects()[0];
  return {
    bucketUs,
    traffic: trafficRows,
    topDevices: devices.getRowObjects().map((row) => ({
      mac: toStringOrNull(row.mac),
      addr: toText(row.addr),
      name: toStringOrNull(row.name),
      bytes: toNumber(row.bytes),
      flows: toNumber(row.flows),
    })),
    topRemotes: remotes,
    alerts: alerts.getRowObjects().map((row) => ({
      status: toText(row.status) as AlertStatus,
      severity: toText(row.severity) as AlertSeverity,
      count: toNumber(row.count),
    })),
    flows: total ? toNumber(total.flows) : 0,
    devices: total ? toNumber(total.devices) : 0,
  };
}

/** The WITH clause naming a device's MACs and addresses, for `deviceCondition`. */
function deviceScope(c: SqlConditions, device: string): string {
  const value = c.param(normaliseMac(device) ?? device);
  return `WITH device_macs AS (
      SELECT ${value} AS mac
      UNION SELECT mac FROM devices WHERE lower(hostname) = lower(${value})
      UNION SELECT mac FROM device_addresses WHERE addr = ${value}
    ), device_addrs AS (
      SELECT ${value} AS addr
      UNION SELECT addr FROM device_addresses WHERE mac IN (FROM device_macs)
    ) `;
}

const DEVICE_CONDITION = `(src_mac IN (FROM device_macs) OR dst_mac IN (FROM device_macs)
  OR src_addr IN (FROM device_addrs) OR dst_addr IN (FROM device_addrs))`;

const FLOW_ROW_COLUMNS = `id, protocol, src_addr, src_port, dst_addr, dst_port, src_mac, dst_mac,
  epoch_us(first_seen_at) AS first_seen_at, epoch_us(last_seen_at) AS last_seen_at,
  src_bytes, dst_bytes, src_packets, dst_packets, status, direction, server_name, dns_name, community_id`;

export async function readFlowPage(connection: DuckDBConnection, filter: FlowPageFilter): Promise<FlowPage> {
  const limit = clamp(filter.limit, 50, 1, 500);
  const c = new SqlConditions();
  let prefix = '';
  if (filter.device !== undefined) {
    prefix = deviceScope(c, filter.device);
    c.add(DEVICE_CONDITION);
  }
  if (filter.addr !== undefined)
    c.addAddress(filter.addr, ['src_addr', 'dst_addr'], ['src_addr_num', 'dst_addr_num']);
  if (filter.port !== undefined) {
    const port = c.param(filter.port);
    c.add(`(src_port = ${port} OR dst_port = ${port})`);
  }
  if (filter.protocol !== undefined) {
    const protocol = filter.protocol.trim().toLowerCase();
    if (/^\d+$/.test(protocol)) c.add(`ip_proto = ${c.param(Number(protocol))}`);
    else c.add(`protocol = ${c.param(protocol)}`);
  }
  if (filter.name !== undefined) {
    const name = c.param(filter.name.toLowerCase());
    c.add(`(contains(lower(server_name), ${name}) OR contains(lower(dns_name), ${name}))`);
  }
  if (filter.direction !== undefined) c.add(`direction = ${c.param(filter.direction)}`);
  if (filter.since !== undefined) c.add(`last_seen_at >= ${c.time(filter.since)}`);
  if (filter.until !== undefined) c.add(`first_seen_at <= ${c.time(filter.until)}`);
  if (filter.before !== undefined) {
    const at = c.time(filter.before.firstSeenAt);
    c.add(`(first_seen_at < ${at} OR (first_seen_at = ${at} AND id < ${c.param(filter.before.id)}))`);
  }
  // Flows are appended in time order, so a lower bound on first_seen_at lets DuckDB skip all but the
  // newest row groups instead of sorting the whole table. The bound widens until the page is full; a
  // full page from a window is the same page the unbounded query gives, as every flow left out is
  // older than every flow in it.
  const anchor = await pageAnchor(connection, filter);
  let rows: FlowRow[] = [];
  for (const windowUs of anchor === null ? [null] : [...PAGE_WINDOWS_US, null]) {
    const bounded = new SqlConditions();
    Object.assign(bounded.values, c.values);
    Object.assign(bounded.types, c.types);
    const clauses =
      windowUs === null
        ? c.where()
        : `${c.where() === '' ? 'WHERE' : `${c.where()} AND`} first_seen_at >= ${bounded.time(anchor! - windowUs)}`;
    const reader = await connection.runAndReadAll(
      `${prefix}SELECT ${FLOW_ROW_COLUMNS} FROM flows ${clauses}
       ORDER BY first_seen_at DESC, id DESC LIMIT ${limit + 1}`,
      bounded.values,
      bounded.types,
    );
    rows = reader.getRowObjects().map(flowRowFrom);
    if (rows.length > limit) break;
  }
  const flows = rows.slice(0, limit);
  const last = flows[flows.length - 1];
  return {
    flows,
    next: rows.length > limit && last ? { firstSeenAt: last.firstSeenAt, id: last.id } : null,
  };
}

const HOUR_US = 3_600_000_000;
/** The windows a flow page is looked for in, before the whole table. */
const PAGE_WINDOWS_US = [HOUR_US, 24 * HOUR_US, 7 * 24 * HOUR_US];

/** No flow on the page starts after this: the cursor, `until`, or the newest flow; null: no flows. */
async function pageAnchor(connection: DuckDBConnection, filter: FlowPageFilter): Promise<number | null> {
  const bounds = [filter.before?.firstSeenAt, filter.until].filter((at) => at !== undefined);
  if (bounds.length > 0) return Math.min(...bounds);
  const newest = await connection.runAndReadAll('SELECT epoch_us(max(first_seen_at)) AS at FROM flows');
  return toNumberOrNull(newest.getRowObjects()[0]?.at);
}

function flowRowFrom(row: Record<string, unknown>): FlowRow {
  return {
    id: toText(row.id),
    protocol: toText(row.protocol),
    srcAddr: toText(row.src_addr),
    srcPort: toNumber(row.src_port),
    dstAddr: toText(row.dst_addr),
    dstPort: toNumber(row.dst_port),
    srcMac: toStringOrNull(row.src_mac),
    dstMac: toStringOrNull(row.dst_mac),
    firstSeenAt: toNumber(row.first_seen_at),
    lastSeenAt: toNumber(row.last_seen_at),
    srcBytes: toNumber(row.src_bytes),
    dstBytes: toNumber(row.dst_bytes),
    srcPackets: toNumber(row.src_packets),
    dstPackets: toNumber(row.dst_packets),
    status: toText(row.status),
    direction: toText(row.direction),
    serverName: toStringOrNull(row.server_name),
    dnsName: toStringOrNull(row.dns_name),
    communityId: toText(row.community_id),
  };
}

export async function readAlertPage(connection: DuckDBConnection, filter: AlertPageFilter): Promise<Alert[]> {
  const c = new SqlConditions();
  if (filter.status !== undefined) c.add(`status = ${c.param(filter.status)}`);
  if (filter.ruleId !== undefined) c.add(`rule_id = ${c.param(filter.ruleId)}`);
  if (filter.deviceMac !== undefined)
    c.add(`device_mac = ${c.param(normaliseMac(filter.deviceMac) ?? filter.deviceMac)}`);
  if (filter.text !== undefined) {
    const text = c.param(filter.text.toLowerCase());
    c.add(`(contains(lower(title), ${text}) OR contains(coalesce(remote_addr, ''), ${text}))`);
  }
  if (filter.minSeverity !== undefined) {
    const worse = ALERT_SEVERITIES.slice(ALERT_SEVERITIES.indexOf(filter.minSeverity));
    c.add(`severity IN (${worse.map((s) => c.param(s)).join(', ')})`);
  }
  const reader = await connection.runAndReadAll(
    `SELECT ${ALERT_COLUMNS} FROM alerts ${c.where()}
     ORDER BY last_seen_at DESC, created_at DESC, id LIMIT ${clamp(filter.limit, 100, 1, 500)}`,
    c.values,
    c.types,
  );
  return reader.getRowObjects().map(alertFromRow);
}

/**
 * Who a device talks to: the remote side of the outbound and inbound flows whose home side has one
 * of its MACs or addresses and that started at or after `since` (all of them without it), from the
 * rollups for whole days and hours and from flows for the rest. The device's MACs and addresses are
 * looked up first and bound as values; the peers are ranked on bytes (top-remotes.ts).
 */
export async function readDevicePeers(
  connection: DuckDBConnection,
  device: string,
  options: { since?: number; limit?: number },
  hints?: TopRemoteHints,
): Promise<DevicePeer[]> {
  const s = new SqlConditions();
  const scope = await connection.runAndReadAll(
    `${deviceScope(s, device)}SELECT (SELECT list(mac) FROM device_macs WHERE mac IS NOT NULL) AS macs,
       (SELECT list(addr) FROM device_addrs WHERE addr IS NOT NULL) AS addrs`,
    s.values,
    s.types,
  );
  const row = scope.getRowObjects()[0];
  const listOf = (value: unknown): string[] =>
    ((value as { items?: unknown[] } | null)?.items ?? []).map((item) => toText(item));
  const macs = listOf(row?.macs);
  const addrs = listOf(row?.addrs);
  const plan = await planFlowRange(connection, options.since ?? 0, null);
  const limit = clamp(options.limit, 50, 1, 500);
  return readDevicePeerRanking(connection, plan, { macs, addrs }, limit, hints);
}

/** Settings whose key starts with `prefix`, by key. */
export async function readSettings(
  connection: DuckDBConnection,
  prefix: string,
): Promise<Record<string, string>> {
  const c = new SqlConditions();
  const reader = await connection.runAndReadAll(
    `SELECT key, value FROM settings WHERE starts_with(key, ${c.param(prefix)}) ORDER BY key`,
    c.values,
    c.types,
  );
  return Object.fromEntries(reader.getRowObjects().map((row) => [toText(row.key), toText(row.value)]));
}
