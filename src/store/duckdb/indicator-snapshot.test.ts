import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IndicatorDraft } from '../../records/index.js';
import type { AllowlistEntry, FeedSnapshotResult, Store } from '../store.js';
import { buildIndicatorDraft as draft, openMemoryStore, TEST_EPOCH } from '../testing.js';
import { openDuckDbStore } from './duckdb-store.js';
import { applyIndicatorSnapshot, SNAPSHOT_MEMORY_LIMIT } from './indicator-snapshot.js';
import { runMigrations } from './migrations.js';
import { SnapshotDrafts } from './snapshot-drafts.js';

const HOUR = 3_600_000_000;
const FEEDS = path.resolve(process.cwd(), '../shared/feeds');
const configFor = (dbPath: string) => ({
  database: { path: dbPath },
  maxBatchRows: 50_000,
  flushIntervalMs: 2_000,
});

describe('applyFeedSnapshot (DuckDB)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-intel-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps indicators and listing periods across reopening the file, and diffs against them', async () => {
    const file = join(dir, 'intel.duckdb');
    const first = await openDuckDbStore(configFor(file));
    await first.applyFeedSnapshot('feodo', [draft(), draft({ value: '192.0.2.1' })], {
      startedAt: TEST_EPOCH,
      complete: true,
    });
    await first.applyFeedSnapshot('feodo', [draft({ value: '192.0.2.1' })], {
      startedAt: TEST_EPOCH + HOUR,
      complete: true,
    });
    await first.close();
    const second = await openDuckDbStore(configFor(file));
    try {
      expect(
        await second.applyFeedSnapshot('feodo', [draft(), draft({ value: '192.0.2.1' })], {
          startedAt: TEST_EPOCH + 2 * HOUR,
          complete: true,
        }),
      ).toEqual({ added: 0, updated: 0, removed: 0, reactivated: 1, unchanged: 1 });
      expect((await second.lookupIndicators('203.0.113.9'))[0]?.listings).toEqual([
        { listedFrom: TEST_EPOCH, listedUntil: TEST_EPOCH + HOUR },
        { listedFrom: TEST_EPOCH + 2 * HOUR, listedUntil: null },
      ]);
    } finally {
      await second.close();
    }
  });
});

/*
 * A model of the diff rules, checked against the store on random sequences of snapshots: drafts drawn
 * from a few keys so that adds, updates, removals, revocations, returns and repeated keys all happen.
 */
describe('applyFeedSnapshot against a model', () => {
  interface ModelRow {
    draft: IndicatorDraft;
    active: boolean;
  }
  const key = (d: IndicatorDraft): string => `${d.type} ${d.value} ${d.port ?? ''}`;
  const sameFields = (a: IndicatorDraft, b: IndicatorDraft): boolean =>
    JSON.stringify({ ...a, raw: JSON.stringify(a.raw) }) ===
    JSON.stringify({ ...b, raw: JSON.stringify(b.raw) });

  function applyToModel(
    model: Map<string, ModelRow>,
    drafts: readonly IndicatorDraft[],
    complete: boolean,
  ): FeedSnapshotResult {
    const result = { added: 0, updated: 0, removed: 0, reactivated: 0, unchanged: 0 };
    const last = new Map(drafts.map((d) => [key(d), d]));
    for (const [k, d] of last) {
      const row = model.get(k);
      if (row === undefined) {
        result.added++;
        model.set(k, { draft: d, active: !d.revoked });
      } else if (row.active && d.revoked) {
        result.removed++;
        model.set(k, { draft: d, active: false });
      } else if (!row.active && !d.revoked) {
        result.reactivated++;
        model.set(k, { draft: d, active: true });
      } else {
        if (sameFields(row.draft, d)) result.unchanged++;
        else result.updated++;
        model.set(k, { draft: d, active: row.active });
      }
    }
    if (complete) {
      for (const [k, row] of model) {
        if (row.active && !last.has(k)) {
          result.removed++;
          row.active = false;
        }
      }
    }
    return result;
  }

  const draftArbitrary: fc.Arbitrary<IndicatorDraft> = fc
    .record({
      target: fc.constantFrom(
        { type: 'ipv4' as const, value: '192.0.2.1' },
        { type: 'ipv4' as const, value: '192.0.2.2' },
        { type: 'cidr' as const, value: '198.51.100.0/24' },
        { type: 'domain' as const, value: 'evil.test' },
        { type: 'url' as const, value: 'http://evil.test/a' },
      ),
      port: fc.constantFrom(null, 443),
      threat: fc.constantFrom(null, 'botnet_cc', 'scanner'),
      confidence: fc.constantFrom(null, 0, 50, 100),
      tags: fc.subarray(['c2', 'elf', 'mozi']),
      revoked: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
      raw: fc.constantFrom(null, { status: 'online' }, { status: 'offline' }, 'line'),
    })
    .map(({ target, port, threat, confidence, tags, revoked, raw }) =>
      draft({ ...target, port, threat, confidence, tags, revoked, raw }),
    );

  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('counts and stores what the model says, snapshot after snapshot', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            drafts: fc.array(draftArbitrary, { maxLength: 12 }),
            complete: fc.boolean(),
            // Sometimes the previous snapshot again, as a feed whose banner time alone changed sends it.
            repeat: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (generated) => {
          const feed = `feed-${run++}`;
          const model = new Map<string, ModelRow>();
          const snapshots: { drafts: IndicatorDraft[]; complete: boolean }[] = [];
          for (const s of generated) snapshots.push(s.repeat && snapshots.length > 0 ? snapshots.at(-1)! : s);
          for (const [i, { drafts, complete }] of snapshots.entries()) {
            const expected = applyToModel(model, drafts, complete);
            const actual = await store.applyFeedSnapshot(feed, drafts, {
              startedAt: TEST_EPOCH + i * HOUR,
              complete,
            });
            expect(actual).toEqual(expected);
          }
          const stored = await store.listIndicators({ source: feed, limit: 1000 });
          expect(stored.map((i) => [key(i), i.removedAt === null]).sort()).toEqual(
            [...model].map(([k, row]) => [k, row.active]).sort(),
          );
          for (const indicator of stored) {
            const { draft: expectedDraft } = model.get(key(indicator))!;
            expect(indicator).toMatchObject({ ...expectedDraft, raw: expectedDraft.raw });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

/*
 * A snapshot is applied a slice (122,880 drafts) at a time: this one takes two, with adds, updates,
 * revocations and omissions in both, so the slice bookkeeping (ids per position, changes written at
 * the end) is checked where a few drafts would not reach it.
 */
describe('applyFeedSnapshot over more than one slice', () => {
  const COUNT = 130_000;
  const address = (i: number): string => `11.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
  const row = (i: number, overrides: Partial<IndicatorDraft> = {}): IndicatorDraft =>
    draft({ value: address(i), reference: null, raw: { n: i }, ...overrides });
  const inBatches = (drafts: IndicatorDraft[]) => ({
    batches: (function* () {
      for (let at = 0; at < drafts.length; at += 1000) yield drafts.slice(at, at + 1000);
    })(),
  });
  const every = (step: number, offset: number): number => Math.floor((COUNT - 1 - offset) / step) + 1;

  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('adds, updates, removes and reactivates exactly the drafts that changed, in every slice', async () => {
    const first = Array.from({ length: COUNT }, (_, i) => row(i));
    expect(
      await store.applyFeedSnapshot('big', inBatches(first), { startedAt: TEST_EPOCH, complete: true }),
    ).toEqual({ added: COUNT, updated: 0, removed: 0, reactivated: 0, unchanged: 0 });

    // Every 1000th draft from 1 gets a new threat, from 2 is revoked, from 3 is left out; new keys
    // come first and last, so both slices add.
    const second = [row(COUNT), row(COUNT + 1)];
    for (let i = 0; i < COUNT; i++) {
      if (i % 1000 === 3) continue;
      second.push(
        i % 1000 === 1 ? row(i, { threat: 'scanner' }) : i % 1000 === 2 ? row(i, { revoked: true }) : row(i),
      );
    }
    second.push(row(COUNT + 2));
    const [updated, revoked, omitted] = [every(1000, 1), every(1000, 2), every(1000, 3)];
    expect(
      await store.applyFeedSnapshot('big', inBatches(second), {
        startedAt: TEST_EPOCH + HOUR,
        complete: true,
      }),
    ).toEqual({
      added: 3,
      updated,
      removed: revoked + omitted,
      reactivated: 0,
      unchanged: COUNT - updated - revoked - omitted,
    });
    // Left out: still retired, and last listed at the first snapshot; everything else listed now.
    const stored = await store.query(
      `SELECT threat, listed, stale, count(*) AS n
       FROM (
         SELECT threat, removed_at IS NULL AS listed,
           last_listed_at < (SELECT max(last_listed_at) FROM indicators WHERE source = 'big') AS stale
         FROM indicators WHERE source = 'big'
       )
       GROUP BY ALL ORDER BY ALL`,
    );
    expect(stored.rows.map((r) => [r['threat'], r['listed'], r['stale'], Number(r['n'])])).toEqual([
      ['botnet_cc', false, false, revoked],
      ['botnet_cc', false, true, omitted],
      ['botnet_cc', true, false, COUNT + 3 - updated - revoked - omitted],
      ['scanner', true, false, updated],
    ]);
    const late = await store.lookupIndicators(address(COUNT - 1000 + 1));
    expect(late[0]).toMatchObject({ threat: 'scanner', removedAt: null });

    // The first snapshot again: the changed threats go back, and the revoked and omitted return.
    expect(
      await store.applyFeedSnapshot('big', inBatches(first), {
        startedAt: TEST_EPOCH + 2 * HOUR,
        complete: false,
      }),
    ).toEqual({
      added: 0,
      updated,
      removed: 0,
      reactivated: revoked + omitted,
      unchanged: COUNT - updated - revoked - omitted,
    });
    expect((await store.lookupIndicators(address(COUNT - 1000 + 2)))[0]?.listings).toEqual([
      { listedFrom: TEST_EPOCH, listedUntil: TEST_EPOCH + HOUR },
      { listedFrom: TEST_EPOCH + 2 * HOUR, listedUntil: null },
    ]);
  }, 120_000);
});

const PRIVATE_AND_RESERVED: AllowlistEntry[] = [
  ['0.0.0.0/8', 'this network (RFC 791)'],
  ['10.0.0.0/8', 'private range (RFC 1918)'],
  ['100.64.0.0/10', 'carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback (RFC 1122)'],
  ['169.254.0.0/16', 'link-local (RFC 3927)'],
  ['172.16.0.0/12', 'private range (RFC 1918)'],
  ['192.168.0.0/16', 'private range (RFC 1918)'],
  ['224.0.0.0/4', 'multicast (RFC 5771)'],
].map(([value, reason]) => ({
  type: 'cidr',
  value: value!,
  reason: reason!,
  source: 'builtin',
  matchOverlapping: true,
}));

describe.skipIf(!existsSync(FEEDS))('real feed samples (../shared/feeds)', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const lines = (file: string): string[] =>
    readFileSync(path.join(FEEDS, file), 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));

  it('allow-lists exactly the bogon ranges FireHOL level 1 carries, with their reasons', async () => {
    const drafts = lines('firehol_level1.netset').map((value) =>
      draft({ type: value.includes('/') ? 'cidr' : 'ipv4', value, port: null, raw: value }),
    );
    const result = await store.applyFeedSnapshot('firehol_level1', drafts, {
      startedAt: TEST_EPOCH,
      complete: true,
    });
    expect(result.added).toBe(drafts.length);
    await store.setAllowlist(PRIVATE_AND_RESERVED);
    const covered = (await store.listIndicators({ limit: 10_000 }))
      .filter((i) => i.allowlistReason !== null)
      .map((i) => [i.value, i.allowlistReason])
      .sort();
    expect(covered).toEqual(
      [
        ['0.0.0.0/8', 'this network (RFC 791)'],
        ['10.0.0.0/8', 'private range (RFC 1918)'],
        ['100.64.0.0/10', 'carrier-grade NAT (RFC 6598)'],
        ['127.0.0.0/8', 'loopback (RFC 1122)'],
        ['169.254.0.0/16', 'link-local (RFC 3927)'],
        ['172.16.0.0/12', 'private range (RFC 1918)'],
        ['192.168.0.0/16', 'private range (RFC 1918)'],
        ['224.0.0.0/3', 'multicast (RFC 5771)'],
      ].sort(),
    );
  });

  it('loads Spamhaus DROP JSON lines once, then finds them unchanged, with every SBL reference in the view', async () => {
    const records = lines('spamhaus_drop_v4.json')
      .map((line) => JSON.parse(line) as Record<string, string>)
      .filter((record) => record.cidr !== undefined);
    const drafts = records.map((record) =>
      draft({ type: 'cidr', value: record.cidr!, port: null, threat: 'spam', raw: record }),
    );
    // The sample lists 62.60.226.0/24 twice, with two SBL references: the later line wins.
    const lastByCidr = new Map(records.map((r) => [r.cidr!, r]));
    expect(lastByCidr.size).toBeLessThan(records.length);
    const run = { startedAt: TEST_EPOCH, complete: true };
    expect((await store.applyFeedSnapshot('spamhaus_drop', drafts, run)).added).toBe(lastByCidr.size);
    expect(
      await store.applyFeedSnapshot('spamhaus_drop', drafts, { ...run, startedAt: TEST_EPOCH + HOUR }),
    ).toEqual({ added: 0, updated: 0, removed: 0, reactivated: 0, unchanged: lastByCidr.size });
    const view = await store.query('SELECT cidr, sbl_ref FROM spamhaus_drop ORDER BY cidr');
    expect(view.rows).toEqual(
      [...lastByCidr.values()]
        .map((r) => ({ cidr: r.cidr, sbl_ref: r.sblid }))
        .sort((a, b) => (a.cidr! < b.cidr! ? -1 : a.cidr! > b.cidr! ? 1 : 0)),
    );
  });
});

describe('range texts of single addresses (migration 13)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-range-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const drafts = [
    draft({ type: 'ipv4', value: '198.51.100.7', port: 443 }),
    draft({ type: 'ipv6', value: '2001:db8::7', port: null }),
    draft({ type: 'cidr', value: '198.51.100.0/24', port: null }),
    draft({ type: 'cidr', value: '2001:db8:1::/48', port: null }),
    draft({ type: 'domain', value: 'bad.example', port: null }),
  ];
  /** What a reader gives for each: a network's first and last address, a single address itself. */
  const expected = [
    ['198.51.100.0/24', '198.51.100.0', '198.51.100.255'],
    ['198.51.100.7', '198.51.100.7', '198.51.100.7'],
    ['2001:db8:1::/48', '2001:db8:1::', '2001:db8:1:ffff:ffff:ffff:ffff:ffff'],
    ['2001:db8::7', '2001:db8::7', '2001:db8::7'],
    ['bad.example', null, null],
  ];
  const read = async (store: Store): Promise<unknown[][]> =>
    (await store.listIndicators({ source: 'feodo' }))
      .map((i) => [i.value, i.rangeStart, i.rangeEnd])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  const storedTexts = async (store: Store): Promise<unknown[]> =>
    (
      await store.query(
        'SELECT value, range_start_addr, range_end_addr FROM indicators ORDER BY value COLLATE NOCASE',
      )
    ).rows;

  /** First and last address texts: a network's, none for a single address or a domain. */
  const STORED_TEXTS = [
    { value: '198.51.100.0/24', range_start_addr: '198.51.100.0', range_end_addr: '198.51.100.255' },
    { value: '198.51.100.7', range_start_addr: null, range_end_addr: null },
    {
      value: '2001:db8:1::/48',
      range_start_addr: '2001:db8:1::',
      range_end_addr: '2001:db8:1:ffff:ffff:ffff:ffff:ffff',
    },
    { value: '2001:db8::7', range_start_addr: null, range_end_addr: null },
    { value: 'bad.example', range_start_addr: null, range_end_addr: null },
  ];

  it('stores them only for networks, and reads a single address as its own range, before and after the migration', async () => {
    const file = join(dir, 'intel.duckdb');
    let store = await openDuckDbStore(configFor(file));
    await store.applyFeedSnapshot('feodo', drafts, { startedAt: TEST_EPOCH, complete: true });
    expect(await read(store)).toEqual(expected);
    expect(await storedTexts(store)).toEqual(STORED_TEXTS);
    // A database written before migration 13 holds the texts of single addresses too: the
    // migration clears exactly those, and the readers give the same answers either way.
    await store.close();
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run(`UPDATE indicators SET range_start_addr = value, range_end_addr = value
      WHERE type IN ('ipv4', 'ipv6')`);
    await connection.run('DELETE FROM schema_migrations WHERE version = 13');
    connection.closeSync();
    instance.closeSync();
    store = await openDuckDbStore(configFor(file));
    try {
      expect(await read(store)).toEqual(expected);
      expect(await storedTexts(store)).toEqual(STORED_TEXTS);
      // The same drafts again change nothing: the texts are not part of what a refresh compares.
      const again = await store.applyFeedSnapshot('feodo', drafts, {
        startedAt: TEST_EPOCH + HOUR,
        complete: true,
      });
      expect(again).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: drafts.length });
    } finally {
      await store.close();
    }
  });
});

/*
 * While its slices go in, a snapshot lowers DuckDB's threads by one and, for a database file, its
 * memory limit; a second connection of the same instance reads the settings from inside the batches.
 * Both settings are the instance's, so they must be back to what they were afterwards, failure or not.
 */
describe('DuckDB settings while a snapshot is applied', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-snapshot-settings-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const SETTINGS =
    "SELECT CAST(current_setting('threads') AS INTEGER) AS threads, current_setting('memory_limit') AS memory";
  const readSettings = async (connection: DuckDBConnection): Promise<Record<string, unknown>> =>
    (await connection.runAndReadAll(SETTINGS)).getRowObjectsJS()[0]!;

  /** Applies three batches of drafts, reading the settings on `observer` while the second is taken. */
  async function applyObserved(
    path: string,
    failAfterSecond: boolean,
    /** Run on the observer connection first. */
    setup?: string,
  ): Promise<{
    before: Record<string, unknown>;
    during: Record<string, unknown>;
    after: Record<string, unknown>;
  }> {
    const instance = await DuckDBInstance.create(path, { enable_external_access: 'false' });
    const writer = await instance.connect();
    const observer = await instance.connect();
    try {
      await runMigrations(writer, { path, now: () => TEST_EPOCH });
      if (setup !== undefined) await observer.run(setup);
      const before = await readSettings(observer);
      let during: Promise<Record<string, unknown>> | null = null;
      function* batches(): Generator<IndicatorDraft[]> {
        yield [draft({ value: '192.0.2.1' })];
        during = readSettings(observer);
        yield [draft({ value: '192.0.2.2' })];
        if (failAfterSecond) throw new Error('the feed broke off');
        yield [draft({ value: '192.0.2.3' })];
      }
      await writer.run('BEGIN TRANSACTION');
      const applied = applyIndicatorSnapshot(writer, 'feodo', new SnapshotDrafts({ batches: batches() }), {
        startedAt: TEST_EPOCH,
        complete: true,
      });
      if (failAfterSecond) {
        await expect(applied).rejects.toThrow('the feed broke off');
        await writer.run('ROLLBACK');
      } else {
        expect((await applied).added).toBe(3);
        await writer.run('COMMIT');
      }
      expect(during).not.toBeNull();
      return { before, during: await during!, after: await readSettings(observer) };
    } finally {
      observer.closeSync();
      writer.closeSync();
      instance.closeSync();
    }
  }

  /** What current_setting('memory_limit') says for the snapshot's limit. */
  async function limitText(): Promise<unknown> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`SET memory_limit = '${SNAPSHOT_MEMORY_LIMIT}'`);
      return (await readSettings(connection)).memory;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  it('lowers the threads and a file database memory limit while the slices go in, and restores both', async () => {
    for (const failAfterSecond of [false, true]) {
      const { before, during, after } = await applyObserved(
        join(dir, `load-${failAfterSecond}.duckdb`),
        failAfterSecond,
      );
      expect(during).toEqual({
        threads: Math.max(1, Number(before.threads) - 1),
        memory: await limitText(),
      });
      expect(during.memory).not.toEqual(before.memory);
      expect(after).toEqual(before);
    }
  });

  it('keeps the memory limit when over half of it is in use already (lowering it could fail)', async () => {
    // About 230 MB of strings in a temporary table of the observer's.
    const ballast = `CREATE TEMP TABLE ballast AS SELECT repeat('x', 200) || range AS s FROM range(1000000)`;
    const { before, during, after } = await applyObserved(join(dir, 'busy.duckdb'), false, ballast);
    expect(during).toEqual({ threads: Math.max(1, Number(before.threads) - 1), memory: before.memory });
    expect(after).toEqual(before);
  });

  it('keeps the memory limit of an in-memory database, whose tables cannot be evicted', async () => {
    const { before, during, after } = await applyObserved(':memory:', false);
    expect(during).toEqual({ threads: Math.max(1, Number(before.threads) - 1), memory: before.memory });
    expect(after).toEqual(before);
  });
});
