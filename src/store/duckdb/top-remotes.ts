/**
 * The remote hosts with the most bytes in a range (the overview's, or one device's peers), exactly as
 * the flows give them, without grouping every address: most addresses are seen once, for a few bytes.
 *
 * A range is read in buckets: one per whole block of 7 days (flow_remote_week_rollups, for the
 * overview), one per other whole day (flow_remote_day_rollups, flow_device_day_rollups) and one for
 * the rest (its other rolled-up hours and its flows). With T the `limit`-th largest total
 * of some hosts, a host none of whose bucket rows reaches T / buckets totals less than T, less than
 * `limit` hosts known to total at least T: it cannot rank. Only the other hosts are summed.
 *
 * An overview range's rolled-up parts (its "middle": whole blocks, whole days, other rolled-up
 * hours) stay the same from call to call until an hour passes or rollup rows are rebuilt, and hold
 * nearly all its rows. Per reader connection, the hosts whose middle sums reach a bound B (half the
 * last threshold) are kept summed, with their flows, names and home addresses, in a temporary table
 * made at a flow_rollup_generation number (flow-rollups.ts) and used only while the number is the
 * same. Every other host has less than B in the middle, so with R the most any of them has in the
 * range's flows (the parts not rolled up), it totals less than B + R: when the `limit`-th total of
 * the kept hosts (middle plus flows) is at least B + R, no other host can rank, and the answer comes
 * from the kept sums and the flows alone. Otherwise the ranking reads the rollup rows as above.
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
  readRollupGeneration,
  rollupCondition,
  type FlowRangePlan,
  type RemoteBlockPlan,
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
 * false (the same answer from the day rows, which tests and measurements compare with). The sums of
 * the rolled-up parts kept per connection (see the top of this file) are made and used unless
 * `options.cache` is false.
 */
export async function readTopRemotes(
  connection: DuckDBConnection,
  plan: FlowRangePlan,
  limit: number,
  hints: TopRemoteHints = new Map(),
  options: { blocks?: boolean; cache?: boolean } = {},
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
  const key = `remotes/${rangeKey(plan)}/${limit}`;
  const middle: Middle = { blocks, days, hours: hours.rollup, slots: blockCount + dayCount };
  if (options.cache !== false) {
    const kept = await rankFromKeptMiddle(connection, middle, hours, limit, hints, key);
    if (kept !== null) return kept;
  }
  const c = new SqlConditions();
  const parts = `WITH ${restSql(hours, c)}, parts AS NOT MATERIALIZED (
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
    key,
  );
  return withDetails(connection, ranked, hours, (d, addrs) =>
    [
      perRun(
        blocks,
        (
          run,
        ) => `SELECT remote_addr AS addr, name, name_seen_at, flows, local_addrs FROM flow_remote_week_rollups
           WHERE ${blockCondition(run, d)} AND remote_addr IN (SELECT unnest([${addrs}]))`,
      ),
      perRun(
        days,
        (
          run,
        ) => `SELECT remote_addr AS addr, name, name_seen_at, flows, local_addrs FROM flow_remote_day_rollups
           WHERE ${dayCondition(run, d)} AND remote_addr IN (SELECT unnest([${addrs}]))`,
      ),
    ].join('\n UNION ALL\n '),
  );
}

/** A range's rolled-up parts: whole blocks, whole days and other rolled-up hours. */
interface Middle {
  blocks: RemoteBlockPlan['blocks'];
  days: RemoteBlockPlan['days'];
  hours: FlowRangePlan['rollup'];
  /** Rows a host can have in the blocks and days. */
  slots: number;
}

/**
 * The hosts whose sums over a middle reach `bound`, in the temporary table `table` (null: none kept,
 * as there were too many or they did not decide the ranking), as the rollup rows were at
 * flow_rollup_generation `generation`.
 */
interface MidEntry {
  table: string | null;
  generation: number;
  bound: number;
}

/** Middles kept per reader connection, by their runs; temporary tables live on their connection. */
const midCaches = new WeakMap<DuckDBConnection, Map<string, MidEntry>>();
/** Middles kept per connection: the overview's ranges of 24 hours, 7 and 30 days, and a spare. */
const MAX_MIDDLES = 4;
/** More hosts than this over the bound: none kept (the bound is too low to be worth it). */
const MAX_MIDDLE_HOSTS = 200_000;
let midTables = 0;

async function dropMiddle(connection: DuckDBConnection, entry: MidEntry): Promise<void> {
  if (entry.table !== null) await connection.run(`DROP TABLE IF EXISTS temp.${entry.table}`);
}

/**
 * The kept middle of `middle` on this connection, made now if there is none and a bound can be
 * chosen from an earlier threshold; undefined when there is no earlier threshold (the first call of
 * a range length ranks from the rollups and leaves one; a range asked for once keeps nothing).
 */
async function keptMiddle(
  connection: DuckDBConnection,
  middle: Middle,
  threshold: number | undefined,
): Promise<MidEntry | undefined> {
  const cache = midCaches.get(connection) ?? new Map<string, MidEntry>();
  midCaches.set(connection, cache);
  // Read after the plan: the rows the plan chose are the ones the sums were made from when the
  // number is the same (every write of hour, day or block rows counts it up in its transaction).
  const generation = await readRollupGeneration(connection);
  for (const [runsKey, entry] of cache) {
    if (entry.generation !== generation) {
      cache.delete(runsKey);
      await dropMiddle(connection, entry);
    }
  }
  const runsKey = JSON.stringify([middle.blocks, middle.days, middle.hours]);
  const kept = cache.get(runsKey);
  if (kept !== undefined || threshold === undefined || threshold <= 0) return kept;
  const entry = await keepMiddle(connection, middle, Math.floor(threshold / 2), generation);
  if (cache.size >= MAX_MIDDLES) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, MidEntry];
    cache.delete(oldestKey);
    await dropMiddle(connection, oldest);
  }
  cache.set(runsKey, entry);
  return entry;
}

/**
 * The top `limit` remote hosts from the middle's kept sums and the flows of the range, when they
 * provably are the answer (see the top of this file); null when not: no sums kept (yet), or B + R
 * above the `limit`-th total (the kept sums are then dropped for this middle and generation).
 */
async function rankFromKeptMiddle(
  connection: DuckDBConnection,
  middle: Middle,
  hours: FlowRangePlan,
  limit: number,
  hints: TopRemoteHints,
  key: string,
): Promise<TopRemote[] | null> {
  const runs = [...middle.blocks, ...middle.days, ...middle.hours];
  if (runs.length === 0 || runs.some(([, to]) => to === Number.MAX_SAFE_INTEGER)) return null;
  const entry = await keptMiddle(connection, middle, hints.get(key));
  if (entry === undefined || entry.table === null) return null;
  const table = `temp.${entry.table}`;
  const c = new SqlConditions();
  const reader = await connection.runAndReadAll(
    `WITH rest AS MATERIALIZED (
       SELECT ${REMOTE_ADDR} AS addr, sum(src_bytes + dst_bytes)::BIGINT AS bytes
       FROM flows WHERE ${rawCondition(hours, c)} AND ${REMOTE_SIDE} GROUP BY 1
     )
     SELECT t.addr, t.bytes, o.outside FROM (
       SELECT addr, sum(bytes)::BIGINT AS bytes FROM (
         SELECT addr, bytes FROM ${table}
         UNION ALL SELECT r.addr, r.bytes FROM rest r SEMI JOIN ${table} m ON m.addr = r.addr
       ) GROUP BY addr ORDER BY bytes DESC, addr LIMIT ${limit}
     ) t, (SELECT coalesce(max(r.bytes), 0)::BIGINT AS outside FROM rest r ANTI JOIN ${table} m ON m.addr = r.addr) o
     ORDER BY t.bytes DESC, t.addr`,
    c.values,
    c.types,
  );
  const ranked = reader.getRowObjects();
  const last = ranked.length === limit ? toNumber(ranked[limit - 1]!.bytes) : 0;
  // A host not kept has less than the bound in the middle and at most `outside` in the flows read.
  if (ranked.length < limit || entry.bound + toNumber(ranked[0]!.outside) > last) {
    await dropMiddle(connection, entry);
    entry.table = null;
    return null;
  }
  if (hints.size >= MAX_HINTS) hints.clear();
  hints.set(key, last);
  return withDetails(
    connection,
    ranked,
    { ...hours, rollup: [] },
    (_d, addrs) =>
      `SELECT addr, name, name_seen_at, flows, local_addrs FROM ${table} WHERE addr IN (${addrs})`,
  );
}

/**
 * Sums the middle's rows of every host whose sum reaches `bound` into a new temporary table, with
 * their flows, latest name and home addresses. The hours are summed per host first, a bucket like a
 * day; a host with less than bound / buckets in each of its rows cannot reach the bound.
 */
async function keepMiddle(
  connection: DuckDBConnection,
  middle: Middle,
  bound: number,
  generation: number,
): Promise<MidEntry> {
  const table = `top_remote_middle_${++midTables}`;
  const c = new SqlConditions();
  const columns = 'remote_addr AS addr, bytes, flows, name, name_seen_at, local_addrs';
  const buckets = middle.slots + (middle.hours.length > 0 ? 1 : 0);
  await connection.run(
    `CREATE TEMP TABLE ${table} AS
     WITH hour_rows AS MATERIALIZED (
       SELECT addr, sum(bytes)::BIGINT AS bytes, sum(flows)::BIGINT AS flows,
              arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL) AS name, max(name_seen_at) AS name_seen_at,
              list(DISTINCT local_addr) AS local_addrs
       FROM (
         ${perRun(
           middle.hours,
           (
             rollup,
           ) => `SELECT remote_addr AS addr, bytes, flows, name, name_seen_at, local_addr FROM flow_peer_rollups
             WHERE ${rollupCondition({ since: 0, until: null, rollup, raw: [] }, c)} AND ${REMOTE_SIDE}`,
         )}
       ) GROUP BY addr
     ), parts AS NOT MATERIALIZED (
       ${perRun(middle.blocks, (run) => `SELECT ${columns} FROM flow_remote_week_rollups WHERE ${blockCondition(run, c)}`)}
       UNION ALL
       ${perRun(middle.days, (run) => `SELECT ${columns} FROM flow_remote_day_rollups WHERE ${dayCondition(run, c)}`)}
       UNION ALL SELECT * FROM hour_rows
     )
     SELECT addr, sum(bytes)::BIGINT AS bytes, sum(flows)::BIGINT AS flows,
            arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL) AS name, max(name_seen_at) AS name_seen_at,
            list_distinct(flatten(list(local_addrs))) AS local_addrs
     FROM parts WHERE addr IN (SELECT addr FROM parts WHERE bytes >= ${Math.ceil(bound / Math.max(1, buckets))})
     GROUP BY addr HAVING sum(bytes) >= ${bound}`,
    c.values,
    c.types,
  );
  const count = await connection.runAndReadAll(`SELECT count(*) AS n FROM temp.${table}`);
  if (toNumber(count.getRowObjects()[0]?.n ?? 0) > MAX_MIDDLE_HOSTS) {
    await connection.run(`DROP TABLE temp.${table}`);
    return { table: null, generation, bound };
  }
  return { table, generation, bound };
}

/**
 * The rest of a range (rolled-up hours outside whole days, and flows), summed per remote host, as
 * the CTE `rest(addr, bytes)`.
 */
function restSql(hours: FlowRangePlan, c: SqlConditions): string {
  return `rest AS MATERIALIZED (
       SELECT addr, sum(bytes)::BIGINT AS bytes FROM (
         ${perRun(
           hours.rollup,
           (rollup) => `SELECT remote_addr AS addr, bytes FROM flow_peer_rollups
             WHERE ${rollupCondition({ ...hours, rollup }, c)} AND ${REMOTE_SIDE}`,
         )}
         UNION ALL
         SELECT ${REMOTE_ADDR}, src_bytes + dst_bytes FROM flows WHERE ${rawCondition(hours, c)} AND ${REMOTE_SIDE}
       ) GROUP BY addr
     )`;
}

/**
 * `ranked` (addr, bytes) with each host's name, flows and devices: from `middle(d, addrs)`, rows
 * (addr, name, name_seen_at, flows, local_addrs) of the hosts `addrs` for the range's whole days
 * and blocks, and from the hours and flows of `hours`.
 */
async function withDetails(
  connection: DuckDBConnection,
  ranked: Record<string, unknown>[],
  hours: FlowRangePlan,
  middle: (d: SqlConditions, addrs: string) => string,
): Promise<TopRemote[]> {
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
       ${middle(d, addrs)}
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
