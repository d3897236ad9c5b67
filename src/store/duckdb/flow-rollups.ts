/**
 * Hourly rollups of flows for the dashboard (migration 7): flow_traffic_rollups (per 5 minutes and
 * home side) and flow_peer_rollups (per hour, home side and remote address and port).
 *
 * They always equal the flows. Every write into an hour puts the hour on flow_rollup_dirty (in the
 * write's own transaction); `buildFlowRollups` rebuilds the dirty hours that have ended from their
 * flows; readers take the dirty hours, and the parts of hours a range cuts, from flows and every
 * other whole hour from the rollups (`planFlowRange`). An hour neither dirty nor rolled up has no
 * flows. Pruning drops the rollups of the hours it reaches and marks those hours dirty.
 *
 * flow_remote_day_rollups (migration 9) sums flow_peer_rollups per UTC day and remote address, for
 * the top remote hosts, and flow_device_day_rollups per day, home side and remote address, for a
 * device's peers. A day's rows equal the sum of its hours' rows unless the day is on
 * flow_rollup_dirty_days: every change to an hour's rows puts its day there, and the day is rebuilt
 * from its hours once none of them is dirty. Readers use a day's rows only for a whole day of
 * rolled-up hours that is not on that list (`planRemoteDays`). Their remote_addr and name columns
 * are stored uncompressed (migration 10): the readers compare every row's address, and DuckDB
 * compared FSST-compressed ones only after decompressing them.
 *
 * flow_remote_week_rollups (migration 11) sums flow_remote_day_rollups per block of 7 days on a
 * fixed grid (block starts are multiples of 7 days since the epoch) and remote address. A block's
 * rows equal the sum of its days' rows as they are now unless the block is on
 * flow_rollup_dirty_blocks: every write of day rows (a day rebuilt, days pruned) puts the blocks it
 * touched there, and a block is summed again from its days once a later day has rows (so the week
 * that is going on, whose day is rebuilt every hour, is summed once, after it). A block's rows are
 * right for the flows when its seven days' rows are, so readers use them only for a block off that
 * list whose seven days are all whole, rolled up and clean (`planRemoteBlocks`).
 *
 * flow_rollup_generation (migration 12) holds a number counted up in the transaction of every write
 * of hour, day or block rows (`bumpRollupGeneration`): sums of those rows kept elsewhere
 * (top-remotes.ts) are the rows' sums as long as the number is the one read when they were made.
 */
import type { DuckDBConnection } from './duckdb-api.js';
import {
  FLOW_BATCH_NUMBERS,
  NumberAt,
  type EpochMicros,
  type FlowBatchSlice,
  type FlowRecord,
} from '../../records/index.js';
import { timestampTz } from './duckdb-values.js';
import type { SqlConditions } from './sql-conditions.js';

export const ROLLUP_HOUR_US = 3_600_000_000;
export const ROLLUP_DAY_US = 86_400_000_000;
/** flow_remote_week_rollups' blocks: 7 days, starting at multiples of 7 days since the epoch. */
export const ROLLUP_BLOCK_US = 7 * ROLLUP_DAY_US;
/** The traffic rollups' step: traffic chart buckets that are whole multiples of it can use them. */
export const TRAFFIC_SLOT_US = 300_000_000;
/** Hours rebuilt per transaction, so that rolling up a long history holds a day of groups at a time. */
const HOURS_PER_BUILD = 24;

// The home side of a flow: the responder of an inbound flow, the initiator of every other.
export const LOCAL_ADDR = `CASE WHEN direction = 'inbound' THEN dst_addr ELSE src_addr END`;
export const LOCAL_MAC = `CASE WHEN direction = 'inbound' THEN dst_mac ELSE src_mac END`;
export const REMOTE_ADDR = `CASE WHEN direction = 'inbound' THEN src_addr ELSE dst_addr END`;
export const REMOTE_PORT = `CASE WHEN direction = 'inbound' THEN src_port ELSE dst_port END`;
export const BYTES_OUT = `CASE WHEN direction = 'inbound' THEN dst_bytes ELSE src_bytes END`;
export const BYTES_IN = `CASE WHEN direction = 'inbound' THEN src_bytes ELSE dst_bytes END`;
export const FLOW_NAME = `coalesce(server_name, dns_name)`;

const hourOf = (micros: number): number => Math.floor(micros / ROLLUP_HOUR_US) * ROLLUP_HOUR_US;
const dayOf = (micros: number): number => Math.floor(micros / ROLLUP_DAY_US) * ROLLUP_DAY_US;
const blockOf = (micros: number): number => Math.floor(micros / ROLLUP_BLOCK_US) * ROLLUP_BLOCK_US;
const timestampList = (micros: readonly number[]): string =>
  micros.map((at) => `make_timestamptz(${at})`).join(', ');
const slotSql = (column: string, stepUs: number): string =>
  `make_timestamptz(epoch_us(${column}) // ${stepUs} * ${stepUs})`;

/** Puts the hours of `flows` on the work list; call inside the transaction that writes them. */
export async function markFlowHoursDirty(
  connection: DuckDBConnection,
  flows: readonly FlowRecord[],
): Promise<void> {
  const hours = new Set<number>();
  for (const flow of flows) hours.add(hourOf(flow.firstSeenAt));
  await markHoursDirty(connection, hours);
}

/** markFlowHoursDirty for packed flows. */
export async function markSliceHoursDirty(
  connection: DuckDBConnection,
  slices: readonly FlowBatchSlice[],
): Promise<void> {
  const hours = new Set<number>();
  for (const { batch, from, to } of slices) {
    for (let i = from; i < to; i++) {
      hours.add(hourOf(batch.numbers[i * FLOW_BATCH_NUMBERS + NumberAt.firstSeenAt]!));
    }
  }
  await markHoursDirty(connection, hours);
}

async function markHoursDirty(connection: DuckDBConnection, hours: ReadonlySet<number>): Promise<void> {
  if (hours.size === 0) return;
  await connection.run(
    `INSERT INTO flow_rollup_dirty VALUES ${[...hours].map((h) => `(make_timestamptz(${h}))`).join(', ')}
     ON CONFLICT DO NOTHING`,
  );
}

/**
 * After flows whose last packet is before `before` were deleted: drops the rollups of every hour
 * that starts before it and marks those of them that still have flows dirty. Same transaction.
 */
export async function pruneFlowRollups(connection: DuckDBConnection, before: EpochMicros): Promise<void> {
  const params = { cutoff: timestampTz(hourOf(before + ROLLUP_HOUR_US - 1)) };
  await connection.run('DELETE FROM flow_traffic_rollups WHERE slot_at < $cutoff', params);
  await connection.run('DELETE FROM flow_peer_rollups WHERE slot_at < $cutoff', params);
  await connection.run('DELETE FROM flow_rollup_dirty WHERE slot_at < $cutoff', params);
  await connection.run(
    `INSERT INTO flow_rollup_dirty
     SELECT DISTINCT ${slotSql('first_seen_at', ROLLUP_HOUR_US)} FROM flows WHERE first_seen_at < $cutoff`,
    params,
  );
  // Days before the cutoff lost their hours' rows: their own rows go too, and a day the cutoff cuts
  // is rebuilt from the hours it keeps.
  await connection.run('DELETE FROM flow_remote_day_rollups WHERE day_at < $cutoff', params);
  await connection.run('DELETE FROM flow_device_day_rollups WHERE day_at < $cutoff', params);
  await connection.run('DELETE FROM flow_rollup_dirty_days WHERE day_at < $cutoff', params);
  // Blocks that start before the cutoff lost days: a block the cutoff cuts is summed again from
  // the days it keeps.
  await connection.run('DELETE FROM flow_remote_week_rollups WHERE block_at < $cutoff', params);
  await connection.run('DELETE FROM flow_rollup_dirty_blocks WHERE block_at < $cutoff', params);
  await bumpRollupGeneration(connection);
  const cutoff = hourOf(before + ROLLUP_HOUR_US - 1);
  if (blockOf(cutoff) < cutoff) await markBlocksDirty(connection, [blockOf(cutoff)]);
  if (dayOf(cutoff) < cutoff) await markDaysDirty(connection, [dayOf(cutoff)]);
  await rebuildCleanDays(connection);
}

/** Counts flow_rollup_generation up: hour, day or block rows change in this transaction. */
async function bumpRollupGeneration(connection: DuckDBConnection): Promise<void> {
  await connection.run('UPDATE flow_rollup_generation SET generation = generation + 1');
}

/** The number flow_rollup_generation holds now. */
export async function readRollupGeneration(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll('SELECT max(generation) AS g FROM flow_rollup_generation');
  return Number(reader.getRowObjects()[0]?.g ?? 0);
}

async function markBlocksDirty(connection: DuckDBConnection, blocks: readonly number[]): Promise<void> {
  if (blocks.length === 0) return;
  await connection.run(
    `INSERT INTO flow_rollup_dirty_blocks VALUES ${blocks.map((b) => `(make_timestamptz(${b}))`).join(', ')}
     ON CONFLICT DO NOTHING`,
  );
}

/** Sums the dirty blocks that a later day with rows follows again from their days' rows. */
async function rebuildEndedBlocks(connection: DuckDBConnection): Promise<void> {
  const reader = await connection.runAndReadAll(
    `SELECT epoch_us(block_at) AS at FROM flow_rollup_dirty_blocks
     WHERE epoch_us(block_at) + ${ROLLUP_BLOCK_US} <= (SELECT epoch_us(max(day_at)) FROM flow_remote_day_rollups)
     ORDER BY 1`,
  );
  const blocks = reader.getRowObjects().map((row) => Number(row.at));
  if (blocks.length === 0) return;
  const list = timestampList(blocks);
  await bumpRollupGeneration(connection);
  await connection.run(`DELETE FROM flow_remote_week_rollups WHERE block_at IN (${list})`);
  await connection.run(
    `INSERT INTO flow_remote_week_rollups
     SELECT ${slotSql('day_at', ROLLUP_BLOCK_US)}, remote_addr, sum(bytes), sum(flows),
            arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL), max(name_seen_at),
            list_distinct(flatten(list(local_addrs)))
     FROM flow_remote_day_rollups
     WHERE day_at >= $lo AND day_at < $hi AND ${slotSql('day_at', ROLLUP_BLOCK_US)} IN (${list})
     GROUP BY 1, 2 ORDER BY 1, 3 DESC`,
    { lo: timestampTz(Math.min(...blocks)), hi: timestampTz(Math.max(...blocks) + ROLLUP_BLOCK_US) },
  );
  await connection.run(`DELETE FROM flow_rollup_dirty_blocks WHERE block_at IN (${list})`);
}

async function markDaysDirty(connection: DuckDBConnection, days: readonly number[]): Promise<void> {
  if (days.length === 0) return;
  await connection.run(
    `INSERT INTO flow_rollup_dirty_days VALUES ${days.map((d) => `(make_timestamptz(${d}))`).join(', ')}
     ON CONFLICT DO NOTHING`,
  );
}

/** Rebuilds the rows of the dirty days none of whose hours is dirty from their hours' rows. */
async function rebuildCleanDays(connection: DuckDBConnection): Promise<void> {
  const reader = await connection.runAndReadAll(
    `SELECT epoch_us(d.day_at) AS at FROM flow_rollup_dirty_days d
     WHERE NOT EXISTS (SELECT 1 FROM flow_rollup_dirty h
                       WHERE h.slot_at >= d.day_at AND h.slot_at < make_timestamptz(epoch_us(d.day_at) + ${ROLLUP_DAY_US}))
     ORDER BY 1`,
  );
  const days = reader.getRowObjects().map((row) => Number(row.at));
  if (days.length > 0) await rebuildDays(connection, days);
  await rebuildEndedBlocks(connection);
}

async function rebuildDays(connection: DuckDBConnection, days: readonly number[]): Promise<void> {
  const list = timestampList(days);
  const params = {
    lo: timestampTz(Math.min(...days)),
    hi: timestampTz(Math.max(...days) + ROLLUP_DAY_US),
  };
  await bumpRollupGeneration(connection);
  await connection.run(`DELETE FROM flow_remote_day_rollups WHERE day_at IN (${list})`);
  await connection.run(
    `INSERT INTO flow_remote_day_rollups
     SELECT ${slotSql('slot_at', ROLLUP_DAY_US)}, remote_addr, sum(bytes), sum(flows),
            arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL), max(name_seen_at),
            list(DISTINCT local_addr)
     FROM flow_peer_rollups
     WHERE slot_at >= $lo AND slot_at < $hi AND ${slotSql('slot_at', ROLLUP_DAY_US)} IN (${list})
       AND direction IN ('outbound', 'inbound')
     GROUP BY 1, 2 ORDER BY 1, 3 DESC`,
    params,
  );
  await connection.run(`DELETE FROM flow_device_day_rollups WHERE day_at IN (${list})`);
  await connection.run(
    `INSERT INTO flow_device_day_rollups
     SELECT ${slotSql('slot_at', ROLLUP_DAY_US)}, local_mac, local_addr, remote_addr, sum(bytes), sum(flows),
            arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL), max(name_seen_at), max(last_seen_at),
            list({'port': remote_port, 'flows': flows})
     FROM flow_peer_rollups
     WHERE slot_at >= $lo AND slot_at < $hi AND ${slotSql('slot_at', ROLLUP_DAY_US)} IN (${list})
       AND direction IN ('outbound', 'inbound')
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3`,
    params,
  );
  await markBlocksDirty(connection, [...new Set(days.map(blockOf))]);
  await connection.run(`DELETE FROM flow_rollup_dirty_days WHERE day_at IN (${list})`);
}

/** The next dirty hours that ended by `nowUs`, oldest first (at most HOURS_PER_BUILD). */
export async function dirtyEndedHours(connection: DuckDBConnection, nowUs: EpochMicros): Promise<number[]> {
  const reader = await connection.runAndReadAll(
    `SELECT epoch_us(slot_at) AS at FROM flow_rollup_dirty WHERE slot_at <= $last ORDER BY 1 LIMIT ${HOURS_PER_BUILD}`,
    { last: timestampTz(nowUs - ROLLUP_HOUR_US) },
  );
  return reader.getRowObjects().map((row) => Number(row.at));
}

/** Rebuilds the rollups of `hours` (hour starts, µs) from their flows; call inside one transaction. */
export async function buildFlowRollups(
  connection: DuckDBConnection,
  hours: readonly number[],
): Promise<void> {
  if (hours.length === 0) return;
  for (const hour of hours) {
    if (!Number.isSafeInteger(hour)) throw new Error(`not an hour: ${hour}`);
  }
  const list = hours.map((h) => `make_timestamptz(${h})`).join(', ');
  const params = {
    lo: timestampTz(Math.min(...hours)),
    hi: timestampTz(Math.max(...hours) + ROLLUP_HOUR_US),
  };
  const inHours = `first_seen_at >= $lo AND first_seen_at < $hi AND ${slotSql('first_seen_at', ROLLUP_HOUR_US)} IN (${list})`;
  await bumpRollupGeneration(connection);
  await connection.run(
    `DELETE FROM flow_traffic_rollups
     WHERE slot_at >= $lo AND slot_at < $hi AND ${slotSql('slot_at', ROLLUP_HOUR_US)} IN (${list})`,
    params,
  );
  await connection.run(`DELETE FROM flow_peer_rollups WHERE slot_at IN (${list})`);
  await connection.run(
    `INSERT INTO flow_traffic_rollups
     SELECT ${slotSql('first_seen_at', TRAFFIC_SLOT_US)}, direction, ${LOCAL_MAC}, ${LOCAL_ADDR},
            sum(${BYTES_OUT}), sum(${BYTES_IN}), count(*)
     FROM flows WHERE ${inHours} GROUP BY ALL ORDER BY 1`,
    params,
  );
  await connection.run(
    `INSERT INTO flow_peer_rollups
     SELECT ${slotSql('first_seen_at', ROLLUP_HOUR_US)}, direction, ${LOCAL_MAC}, ${LOCAL_ADDR},
            ${REMOTE_ADDR}, ${REMOTE_PORT}, sum(src_bytes + dst_bytes), count(*),
            arg_max(${FLOW_NAME}, last_seen_at) FILTER (WHERE ${FLOW_NAME} IS NOT NULL),
            max(last_seen_at) FILTER (WHERE ${FLOW_NAME} IS NOT NULL), max(last_seen_at)
     FROM flows WHERE ${inHours} GROUP BY ALL ORDER BY 1`,
    params,
  );
  await connection.run(`DELETE FROM flow_rollup_dirty WHERE slot_at IN (${list})`);
  await markDaysDirty(connection, [...new Set(hours.map(dayOf))]);
  await rebuildCleanDays(connection);
}

/** Where a reader finds a range's flows: `rollup` for whole hours rolled up, `raw` for the rest. */
export interface FlowRangePlan {
  since: EpochMicros;
  until: EpochMicros | null;
  /** Runs of whole rolled-up hours, `[from, to)`. */
  rollup: [EpochMicros, EpochMicros][];
  /** The rest of `[since, until)`, to be read from flows; `to` null: no end. */
  raw: [EpochMicros, EpochMicros | null][];
}

/** Splits `[since, until)` (until null: no end) into rolled-up hours and what must be read from flows. */
export async function planFlowRange(
  connection: DuckDBConnection,
  since: EpochMicros,
  until: EpochMicros | null,
): Promise<FlowRangePlan> {
  const first = hourOf(since + ROLLUP_HOUR_US - 1);
  // Without an end, the hour that has not ended yet is never rolled up: stop before it.
  const last = until === null ? Number.MAX_SAFE_INTEGER : hourOf(until);
  const plan: FlowRangePlan = { since, until, rollup: [], raw: [] };
  if (last <= first) {
    plan.raw.push([since, until]);
    return plan;
  }
  const reader = await connection.runAndReadAll(
    'SELECT epoch_us(slot_at) AS at FROM flow_rollup_dirty WHERE slot_at >= $first ORDER BY 1',
    { first: timestampTz(first) },
  );
  const dirty = reader
    .getRowObjects()
    .map((row) => Number(row.at))
    .filter((at) => at < last);
  // The whole hours between first and last, cut at every dirty hour.
  let at = first;
  const rolled: [number, number][] = [];
  for (const hour of dirty) {
    if (hour > at) rolled.push([at, hour]);
    at = Math.max(at, hour + ROLLUP_HOUR_US);
  }
  if (until !== null && last > at) rolled.push([at, last]);
  if (until === null) rolled.push([at, Number.MAX_SAFE_INTEGER]);
  plan.rollup = rolled;
  let rawFrom: number | null = since;
  for (const [from, to] of rolled) {
    if (rawFrom !== null && from > rawFrom) plan.raw.push([rawFrom, from]);
    rawFrom = to === Number.MAX_SAFE_INTEGER ? null : to;
  }
  if (rawFrom !== null && (until === null || rawFrom < until)) plan.raw.push([rawFrom, until]);
  return plan;
}

/** `column` (a rollup's slot_at) in the plan's rolled-up hours; FALSE when there are none. */
export function rollupCondition(plan: FlowRangePlan, c: SqlConditions, column = 'slot_at'): string {
  if (plan.rollup.length === 0) return 'FALSE';
  const runs = plan.rollup.map(([from, to]) =>
    to === Number.MAX_SAFE_INTEGER
      ? `${column} >= ${c.time(from)}`
      : `(${column} >= ${c.time(from)} AND ${column} < ${c.time(to)})`,
  );
  return `(${runs.join(' OR ')})`;
}

/**
 * Flows' first_seen_at in the plan's raw parts; FALSE when there are none. The outer bounds come
 * first and alone, so that DuckDB can skip row groups on them.
 */
export function rawCondition(plan: FlowRangePlan, c: SqlConditions): string {
  if (plan.raw.length === 0) return 'FALSE';
  const [lo] = plan.raw[0]!;
  const hi = plan.raw[plan.raw.length - 1]![1];
  const outer = `first_seen_at >= ${c.time(lo)}${hi === null ? '' : ` AND first_seen_at < ${c.time(hi)}`}`;
  if (plan.raw.length === 1) return `(${outer})`;
  const runs = plan.raw.map(([from, to]) =>
    to === null
      ? `first_seen_at >= ${c.time(from)}`
      : `(first_seen_at >= ${c.time(from)} AND first_seen_at < ${c.time(to)})`,
  );
  return `(${outer} AND (${runs.join(' OR ')}))`;
}

/** A plan's rolled-up hours split into whole days read from flow_remote_day_rollups and the rest. */
export interface RemoteRangePlan {
  /** Runs of whole days, `[from, to)`; `to` MAX_SAFE_INTEGER: no end. */
  days: [EpochMicros, EpochMicros][];
  /** `plan` with the days taken out of its rolled-up hours. */
  hours: FlowRangePlan;
}

/** The whole UTC days of `plan`'s rolled-up hours that are not on flow_rollup_dirty_days. */
export async function planRemoteDays(
  connection: DuckDBConnection,
  plan: FlowRangePlan,
): Promise<RemoteRangePlan> {
  if (plan.rollup.length === 0) return { days: [], hours: plan };
  const reader = await connection.runAndReadAll(
    'SELECT epoch_us(day_at) AS at FROM flow_rollup_dirty_days ORDER BY 1',
  );
  const dirty = reader.getRowObjects().map((row) => Number(row.at));
  const days: [number, number][] = [];
  for (const [from, to] of plan.rollup) {
    const first = dayOf(from + ROLLUP_DAY_US - 1);
    const isOpen = to === Number.MAX_SAFE_INTEGER;
    const last = isOpen ? Number.MAX_SAFE_INTEGER : dayOf(to);
    if (last <= first) continue;
    let at = first;
    for (const day of dirty) {
      if (day < at || day >= last) continue;
      if (day > at) days.push([at, day]);
      at = day + ROLLUP_DAY_US;
    }
    if (last > at) days.push([at, last]);
  }
  // The rolled-up hours outside those days.
  const hours: [number, number][] = [];
  for (const [from, to] of plan.rollup) {
    let at = from;
    for (const [dayFrom, dayTo] of days) {
      if (dayTo <= at || dayFrom >= to) continue;
      if (dayFrom > at) hours.push([at, dayFrom]);
      at = dayTo;
    }
    if (to > at) hours.push([at, to]);
  }
  return { days, hours: { ...plan, rollup: hours } };
}

/** `day_at` in the runs of whole days; FALSE when there are none. */
export function dayCondition(days: RemoteRangePlan['days'], c: SqlConditions): string {
  return rollupCondition({ since: 0, until: null, rollup: days, raw: [] }, c, 'day_at');
}

/** Runs of whole days split into whole blocks read from flow_remote_week_rollups and the days left. */
export interface RemoteBlockPlan {
  /** Runs of whole blocks, `[from, to)`; `to` MAX_SAFE_INTEGER: no end. */
  blocks: [EpochMicros, EpochMicros][];
  /** The days of the runs outside those blocks. */
  days: [EpochMicros, EpochMicros][];
}

/**
 * The whole blocks inside `days`' runs (which `planRemoteDays` gives: whole, clean days) that are
 * not on flow_rollup_dirty_blocks, and the rest of the days.
 */
export async function planRemoteBlocks(
  connection: DuckDBConnection,
  days: RemoteRangePlan['days'],
): Promise<RemoteBlockPlan> {
  const plan: RemoteBlockPlan = { blocks: [], days: [] };
  if (days.length === 0) return plan;
  const reader = await connection.runAndReadAll(
    'SELECT epoch_us(block_at) AS at FROM flow_rollup_dirty_blocks ORDER BY 1',
  );
  const dirty = reader.getRowObjects().map((row) => Number(row.at));
  for (const [from, to] of days) {
    const first = blockOf(from + ROLLUP_BLOCK_US - 1);
    const isOpen = to === Number.MAX_SAFE_INTEGER;
    const last = isOpen ? Number.MAX_SAFE_INTEGER : blockOf(to);
    if (last <= first) {
      plan.days.push([from, to]);
      continue;
    }
    if (from < first) plan.days.push([from, first]);
    let at = first;
    for (const block of dirty) {
      if (block < at || block >= last) continue;
      if (block > at) plan.blocks.push([at, block]);
      plan.days.push([block, block + ROLLUP_BLOCK_US]);
      at = block + ROLLUP_BLOCK_US;
    }
    if (last > at) plan.blocks.push([at, last]);
    if (!isOpen && last < to) plan.days.push([last, to]);
  }
  return plan;
}

/** `block_at` in the runs of whole blocks; FALSE when there are none. */
export function blockCondition(blocks: RemoteBlockPlan['blocks'], c: SqlConditions): string {
  return rollupCondition({ since: 0, until: null, rollup: blocks, raw: [] }, c, 'block_at');
}
