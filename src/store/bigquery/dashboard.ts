/**
 * The dashboard's readers on BigQuery, with DuckDB's results (duckdb/dashboard-queries.ts). Every
 * value a request carries is a parameter; only integers the code computed go into SQL text.
 */
import { ALERT_SEVERITIES, type Alert, type AlertSeverity, type AlertStatus } from '../../records/index.js';
import { cidrToRange } from '../address-number.js';
import type {
  AlertPageFilter,
  DashboardOverview,
  DevicePeer,
  FlowPage,
  FlowPageFilter,
  FlowRow,
  OverviewRange,
} from '../dashboard.js';
import { normaliseMac } from '../mac-address.js';
import { addressNumberHex } from './address-hex.js';
import { ALERT_COLUMNS, alertFromRow, str, text } from './alerts.js';
import { bq, type BqParamValue, type BqValue } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';

const LOCAL_ADDR = `CASE WHEN direction = 'inbound' THEN dst_addr ELSE src_addr END`;
const LOCAL_MAC = `CASE WHEN direction = 'inbound' THEN dst_mac ELSE src_mac END`;
const REMOTE_ADDR = `CASE WHEN direction = 'inbound' THEN src_addr ELSE dst_addr END`;
const LATEST_NAME = `ARRAY_AGG(COALESCE(server_name, dns_name) IGNORE NULLS ORDER BY last_seen_at DESC LIMIT 1)[SAFE_OFFSET(0)]`;

/** WHERE clauses and their parameters. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: Record<string, BqParamValue> = {};

  param(value: BqParamValue): string {
    const name = `p${Object.keys(this.params).length}`;
    this.params[name] = value;
    return `@${name}`;
  }

  where(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}

function clamp(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

const n = (value: BqValue | undefined): number => (value === null || value === undefined ? 0 : Number(value));

export async function readOverview(
  connection: BigQueryConnection,
  range: OverviewRange,
): Promise<DashboardOverview> {
  const buckets = clamp(range.buckets, 48, 1, 1000);
  const top = clamp(range.top, 10, 1, 100);
  const bucketUs = Math.max(1, Math.ceil((range.until - range.since) / buckets));
  const params = { since: bq.timestamp(range.since), until: bq.timestamp(range.until) };
  const inRange = 'first_seen_at >= @since AND first_seen_at < @until';
  const what = { what: 'the dashboard overview' };
  const [traffic, devices, remotes, alerts, totals] = await Promise.all([
    connection.query(
      `SELECT DIV(UNIX_MICROS(first_seen_at) - UNIX_MICROS(@since), ${bucketUs}) AS bucket,
         SUM(CASE WHEN direction = 'inbound' THEN dst_bytes ELSE src_bytes END) AS bytes_out,
         SUM(CASE WHEN direction = 'inbound' THEN src_bytes ELSE dst_bytes END) AS bytes_in,
         COUNT(*) AS flows
       FROM flows WHERE ${inRange} GROUP BY bucket ORDER BY bucket`,
      params,
      what,
    ),
    connection.query(
      `WITH local AS (
         SELECT ${LOCAL_MAC} AS mac, ${LOCAL_ADDR} AS addr, SUM(src_bytes + dst_bytes) AS bytes, COUNT(*) AS flows
         FROM flows WHERE ${inRange} AND direction IN ('outbound', 'inbound', 'internal')
         GROUP BY mac, addr
       ), latest AS (
         SELECT addr, ARRAY_AGG(mac ORDER BY last_seen_at DESC LIMIT 1)[OFFSET(0)] AS mac
         FROM device_addresses GROUP BY addr
       ), named AS (
         SELECT COALESCE(l.mac, a.mac) AS mac, l.addr, l.bytes, l.flows
         FROM local l LEFT JOIN latest a ON l.mac IS NULL AND a.addr = l.addr
       )
       SELECT nm.mac, ARRAY_AGG(nm.addr ORDER BY nm.bytes DESC LIMIT 1)[OFFSET(0)] AS addr,
              ANY_VALUE(d.device_name) AS name, SUM(nm.bytes) AS bytes, SUM(nm.flows) AS flows
       FROM named nm LEFT JOIN device_names d ON d.mac = nm.mac
       GROUP BY nm.mac, CASE WHEN nm.mac IS NULL THEN nm.addr END
       ORDER BY bytes DESC, addr LIMIT ${top}`,
      params,
      what,
    ),
    connection.query(
      `SELECT ${REMOTE_ADDR} AS addr, ${LATEST_NAME} AS name, SUM(src_bytes + dst_bytes) AS bytes,
         COUNT(*) AS flows, COUNT(DISTINCT ${LOCAL_ADDR}) AS devices
       FROM flows WHERE ${inRange} AND direction IN ('outbound', 'inbound')
       GROUP BY addr ORDER BY bytes DESC, addr LIMIT ${top * 10}`,
      params,
      what,
    ),
    connection.query(
      'SELECT status, severity, COUNT(*) AS count FROM alerts GROUP BY status, severity ORDER BY status, severity',
      {},
      what,
    ),
    connection.query(
      `SELECT (SELECT COUNT(*) FROM flows WHERE ${inRange}) AS flows, (SELECT COUNT(*) FROM devices) AS devices`,
      params,
      what,
    ),
  ]);
  const byBucket = new Map(traffic.rows.map((row) => [n(row['bucket']), row]));
  const total = totals.rows[0];
  return {
    bucketUs,
    traffic: Array.from({ length: buckets }, (_, index) => {
      const row = byBucket.get(index);
      return {
        at: range.since + index * bucketUs,
        bytesOut: n(row?.['bytes_out']),
        bytesIn: n(row?.['bytes_in']),
        flows: n(row?.['flows']),
      };
    }),
    topDevices: devices.rows.map((row) => ({
      mac: text(row['mac']),
      addr: str(row['addr']),
      name: text(row['name']),
      bytes: n(row['bytes']),
      flows: n(row['flows']),
    })),
    topRemotes: remotes.rows.map((row) => ({
      addr: str(row['addr']),
      name: text(row['name']),
      bytes: n(row['bytes']),
      flows: n(row['flows']),
      devices: n(row['devices']),
    })),
    alerts: alerts.rows.map((row) => ({
      status: str(row['status']) as AlertStatus,
      severity: str(row['severity']) as AlertSeverity,
      count: n(row['count']),
    })),
    flows: n(total?.['flows']),
    devices: n(total?.['devices']),
  };
}

/** The WITH clause naming a device's MACs and addresses, for DEVICE_CONDITION. */
function deviceScope(c: Conditions, device: string): string {
  const value = c.param(normaliseMac(device) ?? device);
  return `WITH device_macs AS (
      SELECT ${value} AS mac
      UNION DISTINCT SELECT mac FROM devices WHERE LOWER(hostname) = LOWER(${value})
      UNION DISTINCT SELECT mac FROM device_addresses WHERE addr = ${value}
    ), device_addrs AS (
      SELECT ${value} AS addr
      UNION DISTINCT SELECT addr FROM device_addresses WHERE mac IN (SELECT mac FROM device_macs)
    ) `;
}

const DEVICE_CONDITION = `(src_mac IN (SELECT mac FROM device_macs) OR dst_mac IN (SELECT mac FROM device_macs)
  OR src_addr IN (SELECT addr FROM device_addrs) OR dst_addr IN (SELECT addr FROM device_addrs))`;

const FLOW_ROW_COLUMNS = `id, protocol, src_addr, src_port, dst_addr, dst_port, src_mac, dst_mac, first_seen_at,
  last_seen_at, src_bytes, dst_bytes, src_packets, dst_packets, status, direction, server_name, dns_name, community_id`;

/**
 * One page of flows, newest first, after the cursor. BigQuery reads only the day partitions a bound
 * on first_seen_at names, so the page is looked for in the last hour, day and week before the
 * anchor first, as on DuckDB.
 */
export async function readFlowPage(
  connection: BigQueryConnection,
  filter: FlowPageFilter,
): Promise<FlowPage> {
  const limit = clamp(filter.limit, 50, 1, 500);
  const c = new Conditions();
  let prefix = '';
  if (filter.device !== undefined) {
    prefix = deviceScope(c, filter.device);
    c.clauses.push(DEVICE_CONDITION);
  }
  if (filter.addr !== undefined) {
    const range = filter.addr.includes('/') ? cidrToRange(filter.addr) : null;
    if (range !== null) {
      const first = c.param(addressNumberHex(range.first));
      const last = c.param(addressNumberHex(range.last));
      c.clauses.push(
        `(src_addr_num BETWEEN ${first} AND ${last} OR dst_addr_num BETWEEN ${first} AND ${last})`,
      );
    } else {
      const addr = c.param(filter.addr);
      c.clauses.push(`(src_addr = ${addr} OR dst_addr = ${addr})`);
    }
  }
  if (filter.port !== undefined) {
    const port = c.param(bq.int64(Math.floor(filter.port)));
    c.clauses.push(`(src_port = ${port} OR dst_port = ${port})`);
  }
  if (filter.protocol !== undefined) {
    const protocol = filter.protocol.trim().toLowerCase();
    if (/^\d+$/.test(protocol)) c.clauses.push(`ip_proto = ${c.param(bq.int64(Number(protocol)))}`);
    else c.clauses.push(`protocol = ${c.param(protocol)}`);
  }
  if (filter.name !== undefined) {
    const name = c.param(filter.name.toLowerCase());
    c.clauses.push(`(STRPOS(LOWER(server_name), ${name}) > 0 OR STRPOS(LOWER(dns_name), ${name}) > 0)`);
  }
  if (filter.direction !== undefined) c.clauses.push(`direction = ${c.param(filter.direction)}`);
  if (filter.since !== undefined) c.clauses.push(`last_seen_at >= ${c.param(bq.timestamp(filter.since))}`);
  if (filter.until !== undefined) c.clauses.push(`first_seen_at <= ${c.param(bq.timestamp(filter.until))}`);
  if (filter.before !== undefined) {
    const at = c.param(bq.timestamp(filter.before.firstSeenAt));
    c.clauses.push(
      `(first_seen_at < ${at} OR (first_seen_at = ${at} AND id < ${c.param(filter.before.id)}))`,
    );
  }
  const anchor = await pageAnchor(connection, filter);
  let rows: FlowRow[] = [];
  for (const windowUs of anchor === null ? [null] : [...PAGE_WINDOWS_US, null]) {
    const params = { ...c.params };
    let where = c.where();
    if (windowUs !== null) {
      params['window_from'] = bq.timestamp(anchor! - windowUs);
      where = `${where === '' ? 'WHERE' : `${where} AND`} first_seen_at >= @window_from`;
    }
    const result = await connection.query(
      `${prefix}SELECT ${FLOW_ROW_COLUMNS} FROM flows ${where}
       ORDER BY first_seen_at DESC, id DESC LIMIT ${limit + 1}`,
      params,
      { what: 'the read of a page of flows' },
    );
    rows = result.rows.map(flowRowFrom);
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
const PAGE_WINDOWS_US = [HOUR_US, 24 * HOUR_US, 7 * 24 * HOUR_US];

async function pageAnchor(connection: BigQueryConnection, filter: FlowPageFilter): Promise<number | null> {
  const bounds = [filter.before?.firstSeenAt, filter.until].filter((at) => at !== undefined);
  if (bounds.length > 0) return Math.min(...bounds);
  const newest = await connection.query(
    'SELECT MAX(first_seen_at) AS at FROM flows',
    {},
    {
      what: 'the read of a page of flows',
    },
  );
  const at = newest.rows[0]?.['at'];
  return at === null || at === undefined ? null : Number(at);
}

function flowRowFrom(row: Record<string, BqValue>): FlowRow {
  return {
    id: str(row['id']),
    protocol: str(row['protocol']),
    srcAddr: str(row['src_addr']),
    srcPort: n(row['src_port']),
    dstAddr: str(row['dst_addr']),
    dstPort: n(row['dst_port']),
    srcMac: text(row['src_mac']),
    dstMac: text(row['dst_mac']),
    firstSeenAt: n(row['first_seen_at']),
    lastSeenAt: n(row['last_seen_at']),
    srcBytes: n(row['src_bytes']),
    dstBytes: n(row['dst_bytes']),
    srcPackets: n(row['src_packets']),
    dstPackets: n(row['dst_packets']),
    status: str(row['status']),
    direction: str(row['direction']),
    serverName: text(row['server_name']),
    dnsName: text(row['dns_name']),
    communityId: str(row['community_id']),
  };
}

export async function readAlertPage(
  connection: BigQueryConnection,
  filter: AlertPageFilter,
): Promise<Alert[]> {
  const c = new Conditions();
  if (filter.status !== undefined) c.clauses.push(`status = ${c.param(filter.status)}`);
  if (filter.ruleId !== undefined) c.clauses.push(`rule_id = ${c.param(filter.ruleId)}`);
  if (filter.deviceMac !== undefined) {
    c.clauses.push(`device_mac = ${c.param(normaliseMac(filter.deviceMac) ?? filter.deviceMac)}`);
  }
  if (filter.text !== undefined) {
    const needle = c.param(filter.text.toLowerCase());
    c.clauses.push(
      `(STRPOS(LOWER(title), ${needle}) > 0 OR STRPOS(COALESCE(remote_addr, ''), ${needle}) > 0)`,
    );
  }
  if (filter.minSeverity !== undefined) {
    const worse = ALERT_SEVERITIES.slice(ALERT_SEVERITIES.indexOf(filter.minSeverity));
    c.clauses.push(`severity IN UNNEST(${c.param(bq.array('STRING', worse))})`);
  }
  const result = await connection.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts ${c.where()}
     ORDER BY last_seen_at DESC, created_at DESC, id LIMIT ${clamp(filter.limit, 100, 1, 500)}`,
    c.params,
    { what: 'the read of alerts' },
  );
  return result.rows.map(alertFromRow);
}

/**
 * The remote hosts a device talked to, most bytes first. Ports: the five most used, by count (DuckDB
 * uses approx_top_k; on a device's few peers both give the exact top five).
 */
export async function readDevicePeers(
  connection: BigQueryConnection,
  device: string,
  options: { since?: number; limit?: number },
): Promise<DevicePeer[]> {
  const c = new Conditions();
  const prefix = deviceScope(c, device);
  c.clauses.push(DEVICE_CONDITION, `direction IN ('outbound', 'inbound')`);
  if (options.since !== undefined) c.clauses.push(`last_seen_at >= ${c.param(bq.timestamp(options.since))}`);
  const result = await connection.query(
    `${prefix}, peer_flows AS (
       SELECT ${REMOTE_ADDR} AS addr, CASE WHEN direction = 'inbound' THEN src_port ELSE dst_port END AS port,
              server_name, dns_name, src_bytes, dst_bytes, last_seen_at
       FROM flows ${c.where()}
     ), ports AS (
       SELECT addr, ARRAY_AGG(port ORDER BY uses DESC, port LIMIT 5) AS ports
       FROM (SELECT addr, port, COUNT(*) AS uses FROM peer_flows GROUP BY addr, port)
       GROUP BY addr
     )
     SELECT f.addr, ${LATEST_NAME} AS name, COUNT(*) AS flows, SUM(src_bytes + dst_bytes) AS bytes,
            ANY_VALUE(p.ports) AS ports, MAX(last_seen_at) AS last_seen_at
     FROM peer_flows f JOIN ports p ON p.addr = f.addr
     GROUP BY f.addr ORDER BY bytes DESC, addr LIMIT ${clamp(options.limit, 50, 1, 500)}`,
    c.params,
    { what: 'the read of device peers' },
  );
  return result.rows.map((row) => ({
    addr: str(row['addr']),
    name: text(row['name']),
    flows: n(row['flows']),
    bytes: n(row['bytes']),
    ports: Array.isArray(row['ports']) ? row['ports'].map((port) => n(port)) : [],
    lastSeenAt: n(row['last_seen_at']),
  }));
}
