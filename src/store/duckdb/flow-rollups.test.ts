import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDirection, FlowRecord } from '../../records/index.js';
import type { DashboardOverview, DevicePeer } from '../dashboard.js';
import type { Store } from '../store.js';
import { buildFlow, openMemoryStore, TEST_EPOCH } from '../testing.js';
import { openDuckDbStore } from './duckdb-store.js';
import type { DuckDBConnection } from './duckdb-api.js';
import {
  buildFlowRollups,
  dirtyEndedHours,
  markFlowHoursDirty,
  planFlowRange,
  planRemoteBlocks,
  planRemoteDays,
  pruneFlowRollups,
  ROLLUP_BLOCK_US,
} from './flow-rollups.js';
import { readTopRemotes } from './top-remotes.js';

const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;
const DIRECTIONS: FlowDirection[] = ['outbound', 'outbound', 'outbound', 'inbound', 'internal', 'external'];
const MACS = ['f4:f5:d8:00:00:01', 'f4:f5:d8:00:00:02', 'f4:f5:d8:00:00:03', null];
const NAMES = ['a.example.com', 'b.example.net', null, null];

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` flows over `hours` hours from TEST_EPOCH, each last_seen_at distinct (no ties in "latest name"). */
function generateFlows(
  count: number,
  hours: number,
  seed: number,
  pickRemote: (next: () => number, i: number) => string = (next) =>
    `203.0.113.${1 + Math.floor(next() * 25)}`,
): FlowRecord[] {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const direction = pick(DIRECTIONS);
    const device = Math.floor(next() * 5);
    const local = `192.168.1.${10 + device}`;
    const remote = pickRemote(next, i);
    const mac = device < 4 ? MACS[device]! : null;
    const firstSeenAt = TEST_EPOCH + Math.floor(next() * hours * HOUR_US);
    const name = pick(NAMES);
    const localPort = 40_000 + i;
    const remotePort = pick([443, 443, 80, 53, 123, 22, 8080]);
    const inbound = direction === 'inbound';
    return buildFlow({
      direction,
      srcAddr: inbound ? remote : local,
      dstAddr: inbound ? local : remote,
      srcPort: inbound ? remotePort : localPort,
      dstPort: inbound ? localPort : remotePort,
      srcMac: inbound ? null : mac,
      dstMac: inbound ? mac : '00:11:22:33:44:55',
      firstSeenAt,
      lastSeenAt: firstSeenAt + 1_000_000 + i,
      srcBytes: 100 + Math.floor(next() * 50_000),
      dstBytes: 100 + Math.floor(next() * 500_000),
      serverName: name,
      dnsName: null,
    });
  });
}

const localOf = (f: FlowRecord) =>
  f.direction === 'inbound' ? { mac: f.dstMac, addr: f.dstAddr } : { mac: f.srcMac, addr: f.srcAddr };
const remoteOf = (f: FlowRecord) =>
  f.direction === 'inbound' ? { addr: f.srcAddr, port: f.srcPort } : { addr: f.dstAddr, port: f.dstPort };
const nameOf = (f: FlowRecord): string | null => f.serverName ?? f.dnsName;

/** The overview's figures computed from the flows in plain code, as the API documents them. */
function expectedOverview(
  flows: readonly FlowRecord[],
  since: number,
  until: number,
  buckets: number,
  top = 10,
) {
  const bucketUs = Math.ceil((until - since) / buckets);
  const inRange = flows.filter((f) => f.firstSeenAt >= since && f.firstSeenAt < until);
  const traffic = Array.from({ length: buckets }, (_, i) => ({
    at: since + i * bucketUs,
    bytesOut: 0,
    bytesIn: 0,
    flows: 0,
  }));
  for (const f of inRange) {
    const bucket = traffic[Math.floor((f.firstSeenAt - since) / bucketUs)]!;
    bucket.bytesOut += f.direction === 'inbound' ? f.dstBytes : f.srcBytes;
    bucket.bytesIn += f.direction === 'inbound' ? f.srcBytes : f.dstBytes;
    bucket.flows++;
  }
  const devices = new Map<
    string,
    { mac: string | null; byAddr: Map<string, number>; bytes: number; flows: number }
  >();
  for (const f of inRange.filter((f) => f.direction !== 'external')) {
    const { mac, addr } = localOf(f);
    const key = mac ?? `addr ${addr}`;
    const device = devices.get(key) ?? { mac, byAddr: new Map<string, number>(), bytes: 0, flows: 0 };
    device.bytes += f.srcBytes + f.dstBytes;
    device.flows++;
    device.byAddr.set(addr, (device.byAddr.get(addr) ?? 0) + f.srcBytes + f.dstBytes);
    devices.set(key, device);
  }
  const topDevices = [...devices.values()]
    .map((d) => ({
      mac: d.mac,
      addr: [...d.byAddr].sort((a, b) => b[1] - a[1])[0]![0],
      name: null,
      bytes: d.bytes,
      flows: d.flows,
    }))
    .sort((a, b) => b.bytes - a.bytes || a.addr.localeCompare(b.addr))
    .slice(0, top);
  const remotes = new Map<
    string,
    { bytes: number; flows: number; locals: Set<string>; named: FlowRecord | null }
  >();
  for (const f of inRange.filter((f) => f.direction === 'outbound' || f.direction === 'inbound')) {
    const { addr } = remoteOf(f);
    const remote = remotes.get(addr) ?? { bytes: 0, flows: 0, locals: new Set<string>(), named: null };
    remote.bytes += f.srcBytes + f.dstBytes;
    remote.flows++;
    remote.locals.add(localOf(f).addr);
    if (nameOf(f) !== null && (remote.named === null || f.lastSeenAt > remote.named.lastSeenAt))
      remote.named = f;
    remotes.set(addr, remote);
  }
  const topRemotes = [...remotes]
    .map(([addr, r]) => ({
      addr,
      name: r.named === null ? null : nameOf(r.named),
      bytes: r.bytes,
      flows: r.flows,
      devices: r.locals.size,
    }))
    .sort((a, b) => b.bytes - a.bytes || a.addr.localeCompare(b.addr))
    .slice(0, top * 10);
  return { bucketUs, traffic, topDevices, topRemotes, flows: inRange.length };
}

/** A device's peers from the flows in plain code: flows whose home side is the MAC, or the address. */
function expectedPeers(
  flows: readonly FlowRecord[],
  device: string,
  since: number,
  limit = 50,
): DevicePeer[] {
  const peers = new Map<string, { flows: FlowRecord[] }>();
  for (const f of flows) {
    if (f.firstSeenAt < since || (f.direction !== 'outbound' && f.direction !== 'inbound')) continue;
    const local = localOf(f);
    if (local.mac !== device && local.addr !== device) continue;
    const addr = remoteOf(f).addr;
    const peer = peers.get(addr) ?? { flows: [] };
    peer.flows.push(f);
    peers.set(addr, peer);
  }
  return [...peers]
    .map(([addr, { flows: own }]) => {
      const ports = new Map<number, number>();
      for (const f of own) ports.set(remoteOf(f).port, (ports.get(remoteOf(f).port) ?? 0) + 1);
      const named = own.filter((f) => nameOf(f) !== null).sort((a, b) => b.lastSeenAt - a.lastSeenAt)[0];
      return {
        addr,
        name: named === undefined ? null : nameOf(named),
        flows: own.length,
        bytes: own.reduce((sum, f) => sum + f.srcBytes + f.dstBytes, 0),
        ports: [...ports]
          .sort((a, b) => b[1] - a[1] || a[0] - b[0])
          .slice(0, 5)
          .map(([port]) => port),
        lastSeenAt: Math.max(...own.map((f) => f.lastSeenAt)),
      };
    })
    .sort((a, b) => b.bytes - a.bytes || a.addr.localeCompare(b.addr))
    .slice(0, limit);
}

const figures = (o: DashboardOverview) => ({
  bucketUs: o.bucketUs,
  traffic: o.traffic,
  topDevices: o.topDevices,
  topRemotes: o.topRemotes,
  flows: o.flows,
});

describe('the dashboard rollups', () => {
  let store: Store;
  const clock = { now: TEST_EPOCH + 80 * HOUR_US };
  beforeEach(async () => {
    clock.now = TEST_EPOCH + 80 * HOUR_US;
    store = await openMemoryStore({ now: () => clock.now });
  });
  afterEach(async () => store.close());

  const ranges = [
    // Aligned on 5 minutes with 30-minute buckets: the chart reads the 5-minute rollups.
    {
      since: TEST_EPOCH + 2 * HOUR_US + 35 * MINUTE_US,
      until: TEST_EPOCH + 26 * HOUR_US + 35 * MINUTE_US,
      buckets: 48,
    },
    // Whole days, cut at odd microseconds: the chart falls back on flows, the lists still use rollups.
    { since: TEST_EPOCH + 7_777_777, until: TEST_EPOCH + 72 * HOUR_US + 7_777_777, buckets: 48 },
    { since: TEST_EPOCH - HOUR_US, until: TEST_EPOCH + 90 * HOUR_US, buckets: 7 },
  ];
  const devices = [MACS[0]!, MACS[2]!, '192.168.1.14'];

  async function expectFiguresOf(flows: readonly FlowRecord[]): Promise<void> {
    for (const range of ranges) {
      const overview = await store.dashboardOverview(range);
      expect(figures(overview)).toEqual(expectedOverview(flows, range.since, range.until, range.buckets));
    }
    for (const device of devices) {
      for (const since of [0, TEST_EPOCH + 30 * HOUR_US + 123]) {
        expect(await store.devicePeers(device, { since })).toEqual(expectedPeers(flows, device, since));
      }
    }
  }

  const count = async (sql: string): Promise<number> => Number((await store.query(sql)).rows[0]!['n']);

  it('gives the figures the flows give, before and after the hours are rolled up', async () => {
    const flows = generateFlows(3_000, 72, 7);
    for (let i = 0; i < flows.length; i += 500) await store.writeFlows(flows.slice(i, i + 500));
    expect(await count('SELECT count(*) AS n FROM flow_rollup_dirty')).toBe(72);
    await expectFiguresOf(flows);

    await store.checkpoint();
    expect(await count('SELECT count(*) AS n FROM flow_rollup_dirty')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM flow_peer_rollups')).toBeGreaterThan(0);
    expect(await count('SELECT sum(flows) AS n FROM flow_traffic_rollups')).toBe(flows.length);
    await expectFiguresOf(flows);
  });

  it('stays exact when late flows land in hours already rolled up, until and after they are rebuilt', async () => {
    const flows = generateFlows(2_000, 72, 11);
    await store.writeFlows(flows);
    await store.checkpoint();
    const late = generateFlows(300, 72, 12).map((f) => ({ ...f, id: `late-${f.id}` }));
    await store.writeFlows(late);
    expect(await count('SELECT count(*) AS n FROM flow_rollup_dirty')).toBeGreaterThan(0);
    await expectFiguresOf([...flows, ...late]);
    await store.checkpoint();
    expect(await count('SELECT count(*) AS n FROM flow_rollup_dirty')).toBe(0);
    await expectFiguresOf([...flows, ...late]);
  });

  it('leaves an hour that has not ended to the flows', async () => {
    const flows = generateFlows(500, 3, 13);
    clock.now = TEST_EPOCH + 2 * HOUR_US + 10 * MINUTE_US;
    await store.writeFlows(flows);
    await store.checkpoint();
    // Hours 0 and 1 have ended; hour 2 is still going.
    expect((await store.query('SELECT epoch_us(slot_at) AS at FROM flow_rollup_dirty')).rows).toEqual([
      { at: TEST_EPOCH + 2 * HOUR_US },
    ]);
    await expectFiguresOf(flows);
  });

  it('prunes the rollups with the flows, so the figures still equal what is left', async () => {
    const flows = generateFlows(2_000, 72, 17);
    await store.writeFlows(flows);
    await store.checkpoint();
    const before = TEST_EPOCH + 30 * HOUR_US + 17 * MINUTE_US;
    const pruned = await store.pruneFlows(before);
    const kept = flows.filter((f) => f.lastSeenAt >= before);
    expect(pruned).toBe(flows.length - kept.length);
    await expectFiguresOf(kept);
    await store.checkpoint();
    await expectFiguresOf(kept);
    expect(
      await count(
        `SELECT count(*) AS n FROM flow_peer_rollups WHERE epoch_us(slot_at) < ${TEST_EPOCH + 30 * HOUR_US}`,
      ),
    ).toBe(0);
  });
});

describe('the top remote hosts when most hosts are seen once', () => {
  let store: Store;
  const clock = { now: TEST_EPOCH + 100 * HOUR_US };
  beforeEach(async () => {
    clock.now = TEST_EPOCH + 100 * HOUR_US;
    store = await openMemoryStore({ now: () => clock.now });
  });
  afterEach(async () => store.close());

  // A third of the flows go to 30 hosts seen again and again, the rest each to a host of its own,
  // so that ranking leaves most hosts out on their day rows alone.
  const manyHosts = (count: number, seed: number, prefix: string): FlowRecord[] =>
    generateFlows(count, 96, seed, (next, i) =>
      next() < 0.35 ? `198.51.100.${1 + Math.floor(next() * 30)}` : `10.${seed}.${i >> 8}.${i & 255}`,
    ).map((f) => ({ ...f, id: `${prefix}-${f.id}` }));

  // Whole UTC days (TEST_EPOCH is noon), a range cut mid-hour, and everything.
  const ranges = [
    { since: TEST_EPOCH - 12 * HOUR_US, until: TEST_EPOCH + 84 * HOUR_US, buckets: 4 },
    { since: TEST_EPOCH + 5 * HOUR_US + 7 * MINUTE_US, until: TEST_EPOCH + 61 * HOUR_US + 1, buckets: 7 },
    { since: TEST_EPOCH - 100 * HOUR_US, until: TEST_EPOCH + 200 * HOUR_US, buckets: 1 },
  ];
  const devices = [MACS[0]!, MACS[1]!, '192.168.1.14'];

  async function expectRankingOf(flows: readonly FlowRecord[]): Promise<void> {
    for (const top of [1, 2]) {
      for (const range of ranges) {
        // Twice: the second call starts from the first call's threshold.
        for (let n = 0; n < 2; n++) {
          const overview = await store.dashboardOverview({ ...range, top });
          const expected = expectedOverview(flows, range.since, range.until, range.buckets, top);
          expect(overview.topRemotes).toEqual(expected.topRemotes);
        }
      }
    }
    for (const device of devices) {
      for (const since of [0, TEST_EPOCH + 20 * HOUR_US + 123]) {
        for (const limit of [3, 8]) {
          expect(await store.devicePeers(device, { since, limit })).toEqual(
            expectedPeers(flows, device, since, limit),
          );
        }
      }
    }
  }

  it("ranks a device's peers once each when its rows match its MAC, its address or both", async () => {
    // The device with MACS[1] has 192.168.1.11; the flows of 192.168.1.14 (no MAC) move to that address.
    const flows = manyHosts(2_000, 5, 'm').map((f) =>
      localOf(f).addr !== '192.168.1.14'
        ? f
        : f.direction === 'inbound'
          ? { ...f, dstAddr: '192.168.1.11' }
          : { ...f, srcAddr: '192.168.1.11' },
    );
    await store.observeDevices([
      {
        mac: MACS[1]!,
        addr: '192.168.1.11',
        seenAt: TEST_EPOCH,
        hostname: null,
        vendorClass: null,
        service: null,
        sensor: 's',
      },
    ]);
    await store.writeFlows(flows);
    await store.checkpoint();
    for (const since of [0, TEST_EPOCH + 20 * HOUR_US + 123]) {
      // Every row of 192.168.1.11 is the device's, with its MAC or with none.
      const expected = expectedPeers(flows, '192.168.1.11', since, 8);
      expect(expected.length).toBe(8);
      expect(await store.devicePeers(MACS[1]!, { since, limit: 8 })).toEqual(expected);
    }
  });

  const count = async (sql: string): Promise<number> => Number((await store.query(sql)).rows[0]!['n']);

  it('ranks from the day rollups exactly, and again after late flows and after pruning', async () => {
    const flows = manyHosts(2_500, 3, 'a');
    await store.writeFlows(flows);
    await expectRankingOf(flows);
    await store.checkpoint();
    expect(await count('SELECT count(DISTINCT day_at) AS n FROM flow_remote_day_rollups')).toBe(5);
    expect(await count('SELECT count(*) AS n FROM flow_rollup_dirty_days')).toBe(0);
    expect(await count('SELECT sum(flows) AS n FROM flow_device_day_rollups')).toBe(
      flows.filter((f) => f.direction === 'outbound' || f.direction === 'inbound').length,
    );
    await expectRankingOf(flows);

    // Late flows make their hours dirty: their days are read from the hours until rebuilt.
    const late = manyHosts(400, 4, 'late');
    await store.writeFlows(late);
    await expectRankingOf([...flows, ...late]);
    await store.checkpoint();
    expect(await count('SELECT count(*) AS n FROM flow_rollup_dirty_days')).toBe(0);
    await expectRankingOf([...flows, ...late]);

    // Pruning cuts a day in two: that day is rebuilt from the hours it keeps.
    const before = TEST_EPOCH + 30 * HOUR_US + 17 * MINUTE_US;
    await store.pruneFlows(before);
    const kept = [...flows, ...late].filter((f) => f.lastSeenAt >= before);
    await expectRankingOf(kept);
    await store.checkpoint();
    await expectRankingOf(kept);
  });
});

describe('the top remote hosts from blocks of 7 days', () => {
  // A file store: the blocks' rows are compared with the days' rows on the file itself.
  let dir: string;
  let store: Store;
  const DAY_US = 24 * HOUR_US;
  const clock = { now: TEST_EPOCH + 30 * DAY_US };
  const open = (): Promise<Store> =>
    openDuckDbStore(
      { database: { path: path.join(dir, 'y.duckdb') }, maxBatchRows: 50_000, flushIntervalMs: 2_000 },
      { now: () => clock.now },
    );
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'yamori-blocks-'));
    store = await open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // 24 days of flows: a third to 30 hosts seen again and again, the rest each to a host of its own.
  const flowsOf = (count: number, seed: number, prefix: string): FlowRecord[] =>
    generateFlows(count, 24 * 24, seed, (next, i) =>
      next() < 0.35 ? `198.51.100.${1 + Math.floor(next() * 30)}` : `10.${seed}.${i >> 8}.${i & 255}`,
    ).map((f) => ({ ...f, id: `${prefix}-${f.id}` }));
  const block = (micros: number): number => Math.floor(micros / ROLLUP_BLOCK_US) * ROLLUP_BLOCK_US;
  const firstBlock = block(TEST_EPOCH) + ROLLUP_BLOCK_US;
  const ranges: [number, number | null][] = [
    // From mid-day inside a block to mid-day inside another.
    [TEST_EPOCH + 2 * DAY_US + 5 * HOUR_US + 7 * MINUTE_US, TEST_EPOCH + 20 * DAY_US + 3 * HOUR_US + 1],
    // Whole blocks only; two blocks and whole days on either side; whole days inside one block.
    [firstBlock, firstBlock + 2 * ROLLUP_BLOCK_US],
    [firstBlock - 3 * DAY_US, firstBlock + 2 * ROLLUP_BLOCK_US + 2 * DAY_US],
    [firstBlock + DAY_US, firstBlock + 6 * DAY_US],
    // No end, from mid-block; everything.
    [firstBlock + 4 * DAY_US + 30 * MINUTE_US, null],
    [TEST_EPOCH - DAY_US, TEST_EPOCH + 40 * DAY_US],
  ];

  /**
   * With the store closed: every range ranks the same with blocks, without them, and from the
   * flows; and each block's rows are its days' rows summed.
   */
  async function expectBlocksExact(flows: readonly FlowRecord[]): Promise<number> {
    await store.close();
    const instance = await DuckDBInstance.create(path.join(dir, 'y.duckdb'));
    const connection = await instance.connect();
    let blocksRead = 0;
    try {
      const summed = `SELECT make_timestamptz(epoch_us(day_at) // ${ROLLUP_BLOCK_US} * ${ROLLUP_BLOCK_US}) AS block_at,
                             remote_addr, sum(bytes)::BIGINT AS bytes, sum(flows)::BIGINT AS flows,
                             arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL) AS name, max(name_seen_at) AS seen,
                             list_sort(list_distinct(flatten(list(local_addrs)))) AS locals
                      FROM flow_remote_day_rollups GROUP BY 1, 2`;
      const stored = `SELECT block_at, remote_addr, bytes, flows, name, name_seen_at, list_sort(local_addrs)
                      FROM flow_remote_week_rollups`;
      // Blocks not yet summed again since their days changed are not read: leave them out.
      const clean = (sql: string): string =>
        `SELECT * FROM (${sql}) WHERE block_at NOT IN (SELECT block_at FROM flow_rollup_dirty_blocks)`;
      for (const sql of [
        `(${clean(summed)}) EXCEPT ALL (${clean(stored)})`,
        `(${clean(stored)}) EXCEPT ALL (${clean(summed)})`,
      ]) {
        expect((await connection.runAndReadAll(sql)).getRows()).toEqual([]);
      }
      for (const [since, until] of ranges) {
        const plan = await planFlowRange(connection, since, until);
        blocksRead += (await planRemoteBlocks(connection, (await planRemoteDays(connection, plan)).days))
          .blocks.length;
        for (const limit of [10, 30]) {
          const expected = expectedOverview(flows, since, until ?? Number.MAX_SAFE_INTEGER, 1, limit / 10);
          // For 10, twice: the second call starts from the first call's threshold.
          const hints = [new Map<string, number>(), new Map<string, number>()];
          for (let n = 0; n < (limit === 10 ? 2 : 1); n++) {
            const fromDays = await readTopRemotes(connection, plan, limit, hints[0], {
              blocks: false,
              cache: false,
            });
            const fromBlocks = await readTopRemotes(connection, plan, limit, hints[1]);
            expect(fromBlocks).toEqual(fromDays);
            expect(fromBlocks).toEqual(expected.topRemotes);
          }
        }
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    store = await open();
    return blocksRead;
  }

  it('ranks as the days and the flows do, over ranges cut mid-block and mid-day, after late flows and pruning', async () => {
    const flows = flowsOf(3_000, 21, 'a');
    await store.writeFlows(flows);
    await store.checkpoint();
    // Five blocks have days; the last, which no later day follows yet, is not summed.
    const blocks = await store.query(
      `SELECT (SELECT count(DISTINCT block_at) FROM flow_remote_week_rollups) AS summed,
              (SELECT list(epoch_us(block_at)) FROM flow_rollup_dirty_blocks) AS dirty`,
    );
    expect(blocks.rows).toEqual([{ summed: 4, dirty: [firstBlock + 3 * ROLLUP_BLOCK_US] }]);
    // Ranges 1, 2, 3, 5 and 6 hold whole blocks: the last two on either side of the dirty block.
    expect(await expectBlocksExact(flows)).toBe(7);

    // Late flows into days of several blocks: those days are read from their hours until rebuilt.
    const late = flowsOf(600, 22, 'late');
    await store.writeFlows(late);
    await expectBlocksExact([...flows, ...late]);
    await store.checkpoint();
    expect(await expectBlocksExact([...flows, ...late])).toBe(7);

    // Pruning cuts a block, mid-day: its rows are summed again from the days it keeps.
    const before = firstBlock + 3 * DAY_US + 5 * HOUR_US + 17 * MINUTE_US;
    await store.pruneFlows(before);
    const kept = [...flows, ...late].filter((f) => f.lastSeenAt >= before);
    await expectBlocksExact(kept);
    await store.checkpoint();
    await expectBlocksExact(kept);
    const left = await store.query(
      `SELECT count(*) AS n FROM flow_remote_week_rollups WHERE epoch_us(block_at) < ${firstBlock}`,
    );
    expect(Number(left.rows[0]!['n'])).toBe(0);

    // Pruning at midnight inside a block: no day is cut, the block still is.
    const midnight = firstBlock + 5 * DAY_US;
    await store.pruneFlows(midnight);
    await expectBlocksExact(kept.filter((f) => f.lastSeenAt >= midnight));
  }, 180_000);
});

describe('the top remote hosts from sums kept between calls', () => {
  // One instance: flows come and go through a writer connection (as the store's writes do, with the
  // same rollup functions) while the reader connection keeps its sums in temporary tables.
  let dir: string;
  let instance: DuckDBInstance;
  let writer: DuckDBConnection;
  let reader: DuckDBConnection;
  const DAY_US = 24 * HOUR_US;
  const NOW = TEST_EPOCH + 40 * DAY_US;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'yamori-kept-'));
  });
  afterEach(() => {
    reader?.closeSync();
    writer?.closeSync();
    instance?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  // 24 days: a third of the flows to 30 hosts seen again and again, the rest each to a host of its own.
  const flowsOf = (count: number, seed: number, prefix: string): FlowRecord[] =>
    generateFlows(count, 24 * 24, seed, (next, i) =>
      next() < 0.35 ? `198.51.100.${1 + Math.floor(next() * 30)}` : `10.${seed}.${i >> 8}.${i & 255}`,
    ).map((f) => ({ ...f, id: `${prefix}-${f.id}` }));
  const firstBlock = Math.floor(TEST_EPOCH / ROLLUP_BLOCK_US) * ROLLUP_BLOCK_US + ROLLUP_BLOCK_US;
  const ranges: [number, number][] = [
    // Mid-hour inside a block to mid-day inside another; whole blocks with whole days and a
    // part-day on either side; whole days inside one block; 7 days cut mid-hour.
    [TEST_EPOCH + 2 * DAY_US + 5 * HOUR_US + 7 * MINUTE_US, TEST_EPOCH + 20 * DAY_US + 3 * HOUR_US + 1],
    [firstBlock - 3 * DAY_US - 5 * HOUR_US, firstBlock + 2 * ROLLUP_BLOCK_US + 2 * DAY_US + 7 * HOUR_US],
    [firstBlock + DAY_US, firstBlock + 6 * DAY_US],
    [
      TEST_EPOCH + 9 * DAY_US + 13 * HOUR_US + 25 * MINUTE_US,
      TEST_EPOCH + 16 * DAY_US + 13 * HOUR_US + 25 * MINUTE_US,
    ],
  ];

  async function rollUp(): Promise<void> {
    for (;;) {
      const hours = await dirtyEndedHours(writer, NOW);
      if (hours.length === 0) return;
      await writer.run('BEGIN TRANSACTION');
      await buildFlowRollups(writer, hours);
      await writer.run('COMMIT');
    }
  }

  /** Moves the held flows with this id prefix into flows, as a late write does. */
  async function arrive(held: readonly FlowRecord[], prefix: string): Promise<void> {
    await writer.run('BEGIN TRANSACTION');
    await writer.run(`INSERT INTO flows SELECT * FROM held WHERE starts_with(id, '${prefix}-')`);
    await markFlowHoursDirty(
      writer,
      held.filter((f) => f.id.startsWith(`${prefix}-`)),
    );
    await writer.run('COMMIT');
  }

  const keptTables = async (): Promise<number> =>
    Number(
      (
        await reader.runAndReadAll(
          "SELECT count(*) FROM duckdb_tables() WHERE temporary AND starts_with(table_name, 'top_remote_middle_')",
        )
      ).getRows()[0]![0],
    );

  /** Each range, three calls in a row: all equal to the flows and to a ranking that keeps nothing. */
  async function expectExact(
    flows: readonly FlowRecord[],
    hints: Map<string, number>,
    among = ranges,
  ): Promise<void> {
    for (const [since, until] of among) {
      const plan = await planFlowRange(reader, since, until);
      const expected = expectedOverview(flows, since, until, 1, 1).topRemotes;
      expect(await readTopRemotes(reader, plan, 10, new Map(), { cache: false })).toEqual(expected);
      for (let n = 0; n < 3; n++) expect(await readTopRemotes(reader, plan, 10, hints)).toEqual(expected);
    }
  }

  it('ranks as the flows do, and never from sums made before late flows, rebuilds or pruning', async () => {
    const flows = flowsOf(3_000, 31, 'a');
    const late = flowsOf(500, 32, 'late');
    // One host, not ranked before, whose late flows alone outweigh every other host: it is in no
    // kept sum, so the ranking must see that the flows outside them can decide it.
    const big = flowsOf(40, 33, 'big').map((f) =>
      f.direction === 'inbound'
        ? { ...f, srcAddr: '192.0.2.77', srcBytes: 400_000_000 }
        : { ...f, direction: 'outbound' as const, dstAddr: '192.0.2.77', dstBytes: 400_000_000 },
    );
    const store = await openDuckDbStore(
      { database: { path: path.join(dir, 'y.duckdb') }, maxBatchRows: 50_000, flushIntervalMs: 2_000 },
      { now: () => NOW },
    );
    await store.writeFlows([...flows, ...late, ...big]);
    await store.close();
    instance = await DuckDBInstance.create(path.join(dir, 'y.duckdb'));
    writer = await instance.connect();
    reader = await instance.connect();
    await writer.run(
      "CREATE TABLE held AS SELECT * FROM flows WHERE starts_with(id, 'late-') OR starts_with(id, 'big-')",
    );
    await writer.run('DELETE FROM flows WHERE id IN (SELECT id FROM held)');
    await rollUp();
    const hints = new Map<string, number>();
    // One range first: its sums, kept after the first call, serve the calls after it.
    const first = ranges.slice(0, 1);
    await expectExact(flows, hints, first);
    expect(await keptTables()).toBe(1);

    // Late flows: their hours are read from the flows (other runs, other sums kept) until rolled up
    // again; then the runs are the first ones again, but their rows changed: the sums kept for them
    // first must not be used.
    await arrive(late, 'late');
    await expectExact([...flows, ...late], hints, first);
    await rollUp();
    await expectExact([...flows, ...late], hints, first);
    await expectExact([...flows, ...late], hints);
    expect(await keptTables()).toBe(ranges.length);

    await arrive(big, 'big');
    const withBig = [...flows, ...late, ...big];
    for (const [since, until] of ranges) {
      if (big.some((f) => f.firstSeenAt >= since && f.firstSeenAt < until)) {
        const plan = await planFlowRange(reader, since, until);
        expect((await readTopRemotes(reader, plan, 10, hints))[0]?.addr).toBe('192.0.2.77');
      }
    }
    await expectExact(withBig, hints);
    await rollUp();
    await expectExact(withBig, hints);

    // Pruning mid-day inside a block drops rows of hours, days and blocks.
    const before = firstBlock + 3 * DAY_US + 5 * HOUR_US + 17 * MINUTE_US;
    await writer.run('BEGIN TRANSACTION');
    await writer.run(`DELETE FROM flows WHERE epoch_us(last_seen_at) < ${before}`);
    await pruneFlowRollups(writer, before);
    await writer.run('COMMIT');
    const kept = withBig.filter((f) => f.lastSeenAt >= before);
    await expectExact(kept, hints);
    await rollUp();
    await expectExact(kept, hints);
  }, 240_000);
});
