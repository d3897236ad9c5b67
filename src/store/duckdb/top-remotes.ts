/**
 * The remote hosts with the most bytes in a range (the overview's, or one device's peers), exactly as
 * the flows give them, without grouping every address: most addresses are seen once, for a few bytes.
 *
 * A range is read in buckets: one per whole block of 7 days (flow_remote_week_rollups, for the
 * overview), one per other whole day (flow_remote_day_rollups, flow_device_day_rollups) and one for
 * the rest (its other rolled-up hours and its flows). With T the `limit`-th largest total
 * of some hosts, a host none of whose bucket rows reaches T / buckets totals less than T, less than
 * `limit` hosts known to total at least T: it cannot rank. Only the other hosts are summed.
 */
import type { DuckDBConnection } from './duckdb-api.js';
import type { DevicePeer, TopRemote } from '../dashboard.js';
import {
  FLOW_NAME,
  LOCAL_ADDR,
  LOCAL_MAC,
  REMOTE_ADDR,
  REMOTE_PORT,
  ROLLUP_BLOCK_US,
  ROLLUP_DAY_US,
  blockCondition,
  dayCondition,
  planRemoteBlocks,
  planRemoteDays,
  rawCondition,
  rollupCondition,
  type FlowRangePlan,
  type RemoteRangePlan,
} from './flow-rollups.js';
import { toNumber, toNumberOrNull, toStringOrNull, toText } from './duckdb-values.js';
import { SqlConditions } from './sql-conditions.js';

/** Bucket rows whose hosts seed the threshold when there is no earlier one, per host asked for. */
const SEED_ROWS_PER_HOST = 4;
const REMOTE_SIDE = `direction IN ('outbound', 'inbound')`;
const MAX_HINTS = 1000;

/**
 * Thresholds that held for earlier calls, by what was ranked and the range's length: a first guess
 * for the next call. A guess is never trusted; it is checked on the result.
 */
export type TopRemoteHints = Map<string, number>;

/** What a ranking reads: `parts(addr, bytes, …)` with at most `buckets` rows per host. */
interface RankQuery {
  parts: string;
  c: SqlConditions;
  buckets: number;
  /** Aggregates over a ranked host's rows, returned beside addr and bytes. */
  aggregates: string;
}

/**
 * The `limit` hosts of `query.parts` with the most bytes, ties by address. With T a threshold, the
 * hosts with a row of at least T / buckets are summed; if `limit` of them total at least T, no other
 * host can rank (each totals less than T) and they are the answer. Otherwise T is lowered to the
 * `limit`-th total found, which `limit` hosts are then known to reach, and the sum runs again.
 */
async function rankHosts(
  connection: DuckDBConnection,
  query: RankQuery,
  limit: number,
  hints: TopRemoteHints,
  key: string,
): Promise<Record<string, unknown>[]> {
  const { parts, c, buckets } = query;
  let threshold = hints.get(key);
  if (threshold === undefined) {
    // No guess is too high, it only costs one more pass: the most a host of the top rows could total.
    const seed = await connection.runAndReadAll(
      `${parts} SELECT bytes FROM parts ORDER BY bytes DESC LIMIT 1 OFFSET ${limit * SEED_ROWS_PER_HOST - 1}`,
      c.values,
      c.types,
    );
    threshold = Math.max(0, toNumber(seed.getRowObjects()[0]?.bytes ?? 0) * buckets);
  }
  for (;;) {
    const ranked = await connection.runAndReadAll(
      `${parts} SELECT addr, sum(bytes)::BIGINT AS bytes${query.aggregates === '' ? '' : `, ${query.aggregates}`} FROM parts
       ${threshold === 0 ? '' : `WHERE addr IN (SELECT addr FROM parts WHERE bytes >= ${Math.ceil(threshold / buckets)})`}
       GROUP BY addr ORDER BY bytes DESC, addr LIMIT ${limit}`,
      c.values,
      c.types,
    );
    const top = ranked.getRowObjects();
    const last = top.length === limit ? toNumber(top[limit - 1]!.bytes) : 0;
    if (threshold === 0 || last >= threshold) {
      // Keys name devices a request asked for: keep the map small.
      if (hints.size >= MAX_HINTS) hints.clear();
      if (threshold > 0) hints.set(key, threshold);
      return top;
    }
    // Zero reads every host: the bound needs a threshold above zero.
    threshold = Math.max(0, last);
  }
}

/**
 * `select(runs)` once per run, as UNION ALL: a scan with one range skips the row groups outside it,
 * which DuckDB does not do for ranges joined by OR (a 30-day overview's edge days scanned every
 * day's rows). With no runs, `select([])` once (its condition is FALSE).
 */
function perRun<T>(runs: readonly T[], select: (runs: T[]) => string): string {
  return runs.length === 0 ? select([]) : runs.map((run) => select([run])).join('\n UNION ALL\n ');
}

const rangeKey = (plan: FlowRangePlan): string =>
  plan.until === null ? 'open' : String(plan.until - plan.since);

/** Whole days in runs that all end. */
const closedDays = (days: RemoteRangePlan['days']): number =>
  days.reduce((n, [from, to]) => n + (to - from) / ROLLUP_DAY_US, 0);

/**
 * The rows a host can have in the runs: whole days and blocks in runs that end; for an open run,
 * the days (blocks) with flow_remote_day_rollups (flow_remote_week_rollups) rows.
 */
async function countSlots(
  connection: DuckDBConnection,
  runs: RemoteRangePlan['days'],
  slotUs: number,
  table: string,
  column: string,
  condition: (c: SqlConditions) => string,
): Promise<number> {
  if (!runs.some(([, to]) => to === Number.MAX_SAFE_INTEGER)) {
    return runs.reduce((n, [from, to]) => n + (to - from) / slotUs, 0);
  }
  const c = new SqlConditions();
  const reader = await connection.runAndReadAll(
    `SELECT count(DISTINCT ${column}) AS n FROM ${table} WHERE ${condition(c)}`,
    c.values,
    c.types,
  );
  return toNumber(reader.getRowObjects()[0]?.n ?? 0);
}

/**
 * The overview's `limit` remote hosts with the most bytes in `plan`'s range, with their figures.
 * Whole clean blocks of clean days are read from flow_remote_week_rollups, unless `options.blocks` is
 * false (the same answer from the day rows, which tests and measurements compare with).
 */
export async function readTopRemotes(
  connection: DuckDBConnection,
  plan: FlowRangePlan,
  limit: number,
  hints: TopRemoteHints = new Map(),
  options: { blocks?: boolean } = {},
): Promise<TopRemote[]> {
  const remoteDays = await planRemoteDays(connection, plan);
  const { hours } = remoteDays;
  const { blocks, days } =
    options.blocks === false
      ? { blocks: [], days: remoteDays.days }
      : await planRemoteBlocks(connection, remoteDays.days);
  const dayCount = await countSlots(
    connection,
    days,
    ROLLUP_DAY_US,
    'flow_remote_day_rollups',
    'day_at',
    (c) => dayCondition(days, c),
  );
  const blockCount = await countSlots(
    connection,
    blocks,
    ROLLUP_BLOCK_US,
    'flow_remote_week_rollups',
    'block_at',
    (c) => blockCondition(blocks, c),
  );
  const c = new SqlConditions();
  const parts = `WITH rest AS MATERIALIZED (
       SELECT addr, sum(bytes)::BIGINT AS bytes FROM (
         ${perRun(
           hours.rollup,
           (rollup) => `SELECT remote_addr AS addr, bytes FROM flow_peer_rollups
             WHERE ${rollupCondition({ ...hours, rollup }, c)} AND ${REMOTE_SIDE}`,
         )}
         UNION ALL
         SELECT ${REMOTE_ADDR}, src_bytes + dst_bytes FROM flows WHERE ${rawCondition(hours, c)} AND ${REMOTE_SIDE}
       ) GROUP BY addr
     ), parts AS NOT MATERIALIZED (
       ${perRun(
         blocks,
         (run) =>
           `SELECT remote_addr AS addr, bytes FROM flow_remote_week_rollups WHERE ${blockCondition(run, c)}`,
       )}
       UNION ALL
       ${perRun(days, (run) => `SELECT remote_addr AS addr, bytes FROM flow_remote_day_rollups WHERE ${dayCondition(run, c)}`)}
       UNION ALL SELECT addr, bytes FROM rest
     )`;
  const ranked = await rankHosts(
    connection,
    { parts, c, buckets: blockCount + dayCount + 1, aggregates: '' },
    limit,
    hints,
    `remotes/${rangeKey(plan)}/${limit}`,
  );
  if (ranked.length === 0) return [];

  // Names, flows and devices of the ranked hosts only. On the day rows, the addresses are a list
  // joined on: DuckDB then filters the scan by address before it reads the other columns, which it
  // does not for an IN list. (On the hour rows, the join made the scan of the range's hours slower.)
  const d = new SqlConditions();
  const addrs = ranked.map((row) => d.param(toText(row.addr))).join(', ');
  const details = await connection.runAndReadAll(
    `SELECT addr, arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL) AS name,
            sum(flows)::BIGINT AS flows, len(list_distinct(flatten(list(local_addrs))))::BIGINT AS devices
     FROM (
       ${perRun(
         blocks,
         (
           run,
         ) => `SELECT remote_addr AS addr, name, name_seen_at, flows, local_addrs FROM flow_remote_week_rollups
           WHERE ${blockCondition(run, d)} AND remote_addr IN (SELECT unnest([${addrs}]))`,
       )}
       UNION ALL
       ${perRun(
         days,
         (
           run,
         ) => `SELECT remote_addr AS addr, name, name_seen_at, flows, local_addrs FROM flow_remote_day_rollups
           WHERE ${dayCondition(run, d)} AND remote_addr IN (SELECT unnest([${addrs}]))`,
       )}
       UNION ALL
       ${perRun(
         hours.rollup,
         (rollup) => `SELECT remote_addr, name, name_seen_at, flows, [local_addr] FROM flow_peer_rollups
           WHERE ${rollupCondition({ ...hours, rollup }, d)} AND ${REMOTE_SIDE} AND remote_addr IN (${addrs})`,
       )}
       UNION ALL
       SELECT ${REMOTE_ADDR}, ${FLOW_NAME}, CASE WHEN ${FLOW_NAME} IS NOT NULL THEN last_seen_at END, 1, [${LOCAL_ADDR}]
       FROM flows WHERE ${rawCondition(hours, d)} AND ${REMOTE_SIDE} AND ${REMOTE_ADDR} IN (${addrs})
     )
     GROUP BY addr`,
    d.values,
    d.types,
  );
  const byAddr = new Map(details.getRowObjects().map((row) => [toText(row.addr), row]));
  return ranked.map((top) => {
    const addr = toText(top.addr);
    const row = byAddr.get(addr);
    return {
      addr,
      name: row ? toStringOrNull(row.name) : null,
      bytes: toNumber(top.bytes),
      flows: row ? toNumber(row.flows) : 0,
      devices: row ? toNumber(row.devices) : 0,
    };
  });
}

/** A device: its MACs and addresses; a flow is its when the home side has one of either. */
export interface DeviceSides {
  macs: readonly string[];
  addrs: readonly string[];
}

/** `mac` in the device's MACs or `addr` in its addresses, as SQL; FALSE for a device with neither. */
function deviceCondition(device: DeviceSides, c: SqlConditions, mac: string, addr: string): string {
  const list = (values: readonly string[]): string => values.map((v) => c.param(v)).join(', ');
  const clauses = [
    ...(device.macs.length === 0 ? [] : [`${mac} IN (${list(device.macs)})`]),
    ...(device.addrs.length === 0 ? [] : [`${addr} IN (${list(device.addrs)})`]),
  ];
  return clauses.length === 0 ? 'FALSE' : `(${clauses.join(' OR ')})`;
}

interface PortFlows {
  port: unknown;
  flows: unknown;
}

/** Up to five ports, most flows first, ties by port, from a list of (port, flows) parts. */
function topPorts(value: unknown): number[] {
  const flowsByPort = new Map<number, number>();
  for (const item of (value as { items?: unknown[] } | null)?.items ?? []) {
    const { port, flows } = (item as { entries: PortFlows }).entries;
    const number = toNumberOrNull(port) ?? 0;
    flowsByPort.set(number, (flowsByPort.get(number) ?? 0) + toNumber(flows));
  }
  return [...flowsByPort]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 5)
    .map(([port]) => port);
}

/**
 * The `limit` remote hosts a device exchanged the most bytes with in `plan`'s range (outbound and
 * inbound flows), by bytes then address. In flow_device_day_rollups a host has one row per day and
 * home side, so the buckets are the days times the device's home sides in them, plus one.
 */
export async function readDevicePeerRanking(
  connection: DuckDBConnection,
  plan: FlowRangePlan,
  device: DeviceSides,
  limit: number,
  hints: TopRemoteHints = new Map(),
): Promise<DevicePeer[]> {
  const { days, hours } = await planRemoteDays(connection, plan);
  // The device's home sides and, for an open run, its days with rows: one scan for both.
  const s = new SqlConditions();
  const isOpen = days.some(([, to]) => to === Number.MAX_SAFE_INTEGER);
  const counts = await connection.runAndReadAll(
    `SELECT count(DISTINCT (local_mac, local_addr)) AS sides${isOpen ? ', count(DISTINCT day_at) AS days' : ''}
     FROM flow_device_day_rollups
     WHERE ${dayCondition(days, s)} AND ${deviceCondition(device, s, 'local_mac', 'local_addr')}`,
    s.values,
    s.types,
  );
  const count = counts.getRowObjects()[0];
  const dayCount = isOpen ? toNumber(count?.days ?? 0) : closedDays(days);
  const buckets = dayCount * toNumber(count?.sides ?? 0) + 1;
  const c = new SqlConditions();
  const parts = `WITH rest AS MATERIALIZED (
       SELECT addr, sum(bytes)::BIGINT AS bytes, sum(flows)::BIGINT AS flows,
              arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL) AS name,
              max(name_seen_at) AS name_seen_at, max(last_seen_at) AS last_seen_at, flatten(list(ports)) AS ports
       FROM (
         SELECT remote_addr AS addr, bytes, flows, name, name_seen_at, last_seen_at,
                [{'port': remote_port, 'flows': flows}] AS ports
         FROM flow_peer_rollups
         WHERE ${rollupCondition(hours, c)} AND ${REMOTE_SIDE}
           AND ${deviceCondition(device, c, 'local_mac', 'local_addr')}
         UNION ALL
         SELECT ${REMOTE_ADDR}, src_bytes + dst_bytes, 1, ${FLOW_NAME},
                CASE WHEN ${FLOW_NAME} IS NOT NULL THEN last_seen_at END, last_seen_at,
                [{'port': ${REMOTE_PORT}, 'flows': 1::BIGINT}]
         FROM flows WHERE ${rawCondition(hours, c)} AND ${REMOTE_SIDE}
           AND ${deviceCondition(device, c, LOCAL_MAC, LOCAL_ADDR)}
       ) GROUP BY addr
     ), parts AS NOT MATERIALIZED (
       SELECT remote_addr AS addr, bytes, flows, name, name_seen_at, last_seen_at, ports
       FROM flow_device_day_rollups
       WHERE ${dayCondition(days, c)} AND ${deviceCondition(device, c, 'local_mac', 'local_addr')}
       UNION ALL SELECT * FROM rest
     )`;
  const aggregates = `sum(flows)::BIGINT AS flows, arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL) AS name,
    epoch_us(max(last_seen_at)) AS last_seen_at, flatten(list(ports)) AS ports`;
  const key = `peers/${device.macs.join(',')}/${device.addrs.join(',')}/${rangeKey(plan)}/${limit}`;
  const top = await rankHosts(connection, { parts, c, buckets, aggregates }, limit, hints, key);
  return top.map((row) => ({
    addr: toText(row.addr),
    name: toStringOrNull(row.name),
    flows: toNumber(row.flows),
    bytes: toNumber(row.bytes),
    ports: topPorts(row.ports),
    lastSeenAt: toNumber(row.last_seen_at),
  }));
}
