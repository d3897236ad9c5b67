/**
 * Store contract, threat intelligence: feed snapshots and their diff, listing periods and validity.
 * store.contract.ts runs it for every backend, beside indicator-match and feed-store .contract.ts.
 */
import { beforeEach, describe, expect } from 'vitest';
import type { EpochMicros, IndicatorDraft } from '../records/index.js';
import {
  HOUR,
  NOTHING,
  T0,
  T1,
  T2,
  T3,
  useIntelStore,
  contractIt,
  type IntelContractOptions,
} from './intel-store.testing.js';
import type { Store } from './store.js';
import type { OpenStore } from './store.contract.js';
import { buildIndicatorDraft as draft } from './testing.js';

export function describeIndicatorContract(
  backend: string,
  open: OpenStore,
  options: IntelContractOptions = {},
): void {
  const it = contractIt(options.skip);
  const activeAtSql = options.activeAtSql ?? {
    sql: 'SELECT value FROM indicators_active_at($1::TIMESTAMPTZ) ORDER BY value',
    param: (at: EpochMicros) => new Date(at / 1000).toISOString(),
  };
  describe(`Store contract: ${backend}: indicator snapshots`, () => {
    const { store: current, snapshot, values } = useIntelStore(open);
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    describe('applyFeedSnapshot', () => {
      it('adds every new indicator and reads each back with all its fields', async () => {
        const drafts = [
          draft(),
          draft({
            type: 'cidr',
            value: '2001:db8::/32',
            port: null,
            threat: null,
            malwareFamily: null,
            confidence: null,
            tags: [],
            reference: null,
            sourceFirstSeenAt: null,
            validFrom: T0 - HOUR,
            validUntil: T0 + 48 * HOUR,
            raw: '2001:db8::/32 ; SBL12345',
          }),
          draft({ type: 'url', value: 'http://evil.test:8080/x.sh', port: null, tags: ['elf', 'mozi'] }),
        ];
        expect(await snapshot(drafts, T0)).toEqual({ ...NOTHING, added: 3 });
        const stored = await store.listIndicators();
        const byValue = new Map(stored.map((i) => [i.value, i]));
        const listed = { source: 'feodo', firstListedAt: T0, lastListedAt: T0, removedAt: null };
        expect(byValue.get('203.0.113.9')).toEqual({
          ...drafts[0],
          ...listed,
          id: expect.any(String) as unknown,
          rangeStart: '203.0.113.9',
          rangeEnd: '203.0.113.9',
          allowlistReason: null,
        });
        expect(byValue.get('2001:db8::/32')).toEqual({
          ...drafts[1],
          ...listed,
          id: expect.any(String) as unknown,
          rangeStart: '2001:db8::',
          rangeEnd: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
          allowlistReason: null,
        });
        expect(byValue.get('http://evil.test:8080/x.sh')).toMatchObject({
          tags: ['elf', 'mozi'],
          rangeStart: null,
          rangeEnd: null,
        });
        expect(new Set(stored.map((i) => i.id)).size).toBe(3);
      });

      it('changes nothing but the last listing time when the same content comes twice', async () => {
        const drafts = [
          draft(),
          draft({ port: 8080 }),
          draft({ type: 'domain', value: 'evil.test', port: null }),
        ];
        await snapshot(drafts, T0);
        const before = await store.listIndicators();
        expect(await snapshot(drafts, T1)).toEqual({ ...NOTHING, unchanged: 3 });
        const after = await store.listIndicators();
        expect(after).toEqual(before.map((i) => ({ ...i, lastListedAt: T1 })));
      });

      it('moves no retired indicator’s last listing time when the same content comes again', async () => {
        await snapshot([draft(), draft({ value: '192.0.2.1' })], T0);
        await snapshot([draft()], T1);
        expect(await snapshot([draft()], T2)).toEqual({ ...NOTHING, unchanged: 1 });
        const retired = (await store.lookupIndicators('192.0.2.1'))[0];
        expect(retired).toMatchObject({ lastListedAt: T0, removedAt: T1 });
        expect((await store.lookupIndicators('203.0.113.9'))[0]?.lastListedAt).toBe(T2);
      });

      it('keeps a retired indicator retired and untouched when snapshots share a start time', async () => {
        await snapshot([draft(), draft({ value: '192.0.2.1' })], T0);
        await snapshot([draft()], T0);
        expect(await snapshot([draft()], T1)).toEqual({ ...NOTHING, unchanged: 1 });
        expect((await store.lookupIndicators('192.0.2.1'))[0]).toMatchObject({
          lastListedAt: T0,
          removedAt: T0,
        });
      });

      it('retires what is missing from a complete snapshot that repeats an incomplete one', async () => {
        await snapshot([draft(), draft({ value: '192.0.2.1' })], T0);
        await snapshot([draft()], T1, { complete: false });
        expect(await snapshot([draft()], T2)).toEqual({ ...NOTHING, removed: 1, unchanged: 1 });
      });

      const fieldChanges: { field: string; change: Partial<IndicatorDraft> }[] = [
        { field: 'threat', change: { threat: 'malware_download' } },
        { field: 'malware family', change: { malwareFamily: 'Pikabot' } },
        { field: 'confidence', change: { confidence: 100 } },
        { field: 'confidence to null', change: { confidence: null } },
        { field: 'tags', change: { tags: ['c2', 'pikabot'] } },
        { field: 'tag order', change: { tags: ['z', 'c2'] } },
        { field: 'reference', change: { reference: null } },
        { field: 'source first seen', change: { sourceFirstSeenAt: T0 - 1 } },
        { field: 'source last seen', change: { sourceLastSeenAt: T1 } },
        { field: 'valid from', change: { validFrom: T0 } },
        { field: 'valid until', change: { validUntil: T3 } },
        { field: 'raw record', change: { raw: { dst_ip: '203.0.113.9', c2_status: 'offline' } } },
      ];
      for (const { field, change } of fieldChanges) {
        it(`counts a changed ${field} as one update and stores the new value`, async () => {
          await snapshot([draft(), draft({ value: '198.51.100.1' })], T0);
          const result = await snapshot([draft(change), draft({ value: '198.51.100.1' })], T1);
          expect(result).toEqual({ ...NOTHING, updated: 1, unchanged: 1 });
          const [stored] = await store.lookupIndicators('203.0.113.9');
          expect(stored).toMatchObject({ ...change, firstListedAt: T0, lastListedAt: T1, removedAt: null });
          expect(await snapshot([draft(change), draft({ value: '198.51.100.1' })], T2)).toEqual({
            ...NOTHING,
            unchanged: 2,
          });
        });
      }

      it('applies exactly the difference of a changed feed: new added, changed updated, missing removed', async () => {
        await snapshot(
          [draft({ value: '192.0.2.1' }), draft({ value: '192.0.2.2' }), draft({ value: '192.0.2.3' })],
          T0,
        );
        const result = await snapshot(
          [
            draft({ value: '192.0.2.1' }),
            draft({ value: '192.0.2.2', malwareFamily: 'Emotet' }),
            draft({ value: '192.0.2.4' }),
            draft({ value: '192.0.2.5' }),
          ],
          T1,
        );
        expect(result).toEqual({ added: 2, updated: 1, removed: 1, reactivated: 0, unchanged: 1 });
        const all = await store.listIndicators();
        expect(all.filter((i) => i.removedAt !== null).map((i) => [i.value, i.removedAt])).toEqual([
          ['192.0.2.3', T1],
        ]);
        expect(await values({ activeAt: T1 })).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.4', '192.0.2.5']);
      });

      it('treats the same value with another port or type as another indicator', async () => {
        const result = await snapshot(
          [
            draft(),
            draft({ port: 8443 }),
            draft({ port: null }),
            draft({ type: 'cidr', value: '203.0.113.9/32', port: null }),
          ],
          T0,
        );
        expect(result.added).toBe(4);
      });

      it('reactivates an indicator that returns: same id and first listing, a new listing period', async () => {
        await snapshot([draft(), draft({ value: '192.0.2.1' })], T0);
        const [original] = await store.lookupIndicators('203.0.113.9');
        expect(await snapshot([draft({ value: '192.0.2.1' })], T1)).toEqual({
          ...NOTHING,
          removed: 1,
          unchanged: 1,
        });
        expect(await snapshot([draft(), draft({ value: '192.0.2.1' })], T2)).toEqual({
          ...NOTHING,
          reactivated: 1,
          unchanged: 1,
        });
        const matches = await store.lookupIndicators('203.0.113.9', T2);
        expect(matches).toHaveLength(1);
        expect(matches[0]).toMatchObject({
          id: original!.id,
          firstListedAt: T0,
          lastListedAt: T2,
          removedAt: null,
          listings: [
            { listedFrom: T0, listedUntil: T1 },
            { listedFrom: T2, listedUntil: null },
          ],
          isActive: true,
        });
        expect(await store.countIndicators()).toBe(2);
      });

      it('retires nothing on an incomplete snapshot, and still adds and updates', async () => {
        await snapshot([draft({ value: '192.0.2.1' }), draft({ value: '192.0.2.2' })], T0, {
          complete: false,
        });
        const result = await snapshot(
          [draft({ value: '192.0.2.2', confidence: 90 }), draft({ value: '192.0.2.3' })],
          T1,
          {
            complete: false,
          },
        );
        expect(result).toEqual({ ...NOTHING, added: 1, updated: 1 });
        expect(await values({ activeAt: T1 })).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
      });

      it('retires a revoked indicator even in an incomplete snapshot, and brings it back when un-revoked', async () => {
        await snapshot([draft()], T0, { complete: false });
        expect(await snapshot([draft({ revoked: true })], T1, { complete: false })).toEqual({
          ...NOTHING,
          removed: 1,
        });
        const [revoked] = await store.listIndicators();
        expect(revoked).toMatchObject({ revoked: true, removedAt: T1, lastListedAt: T1 });
        expect(await snapshot([draft({ revoked: true })], T2, { complete: false })).toEqual({
          ...NOTHING,
          unchanged: 1,
        });
        expect(await snapshot([draft()], T3, { complete: false })).toEqual({ ...NOTHING, reactivated: 1 });
        expect((await store.lookupIndicators('203.0.113.9', T3))[0]).toMatchObject({
          revoked: false,
          removedAt: null,
          listings: [
            { listedFrom: T0, listedUntil: T1 },
            { listedFrom: T3, listedUntil: null },
          ],
        });
      });

      it('stores an indicator revoked at first sight as never listed', async () => {
        expect(await snapshot([draft({ revoked: true })], T0, { complete: false })).toEqual({
          ...NOTHING,
          added: 1,
        });
        const [match] = await store.lookupIndicators('203.0.113.9', T0);
        expect(match).toMatchObject({ removedAt: T0, listings: [], isActive: false });
      });

      it('keeps only the last draft of a repeated key', async () => {
        const result = await snapshot(
          [
            draft({ confidence: 10 }),
            draft({ value: '192.0.2.1' }),
            draft({ confidence: 20 }),
            draft({ confidence: 30 }),
          ],
          T0,
        );
        expect(result).toEqual({ ...NOTHING, added: 2 });
        expect((await store.lookupIndicators('203.0.113.9')).map((i) => i.confidence)).toEqual([30]);
      });

      it('keeps feeds apart: one feed’s complete snapshot never retires another’s indicators', async () => {
        await snapshot([draft()], T0, { feed: 'feodo' });
        await snapshot([draft()], T0, { feed: 'threatfox' });
        expect(await snapshot([], T1, { feed: 'threatfox' })).toEqual({ ...NOTHING, removed: 1 });
        const matches = await store.lookupIndicators('203.0.113.9', T1);
        expect(matches.map((m) => [m.source, m.removedAt])).toEqual([
          ['feodo', null],
          ['threatfox', T1],
        ]);
      });

      it('rejects a snapshot with a confidence past 100 and leaves the previous state whole', async () => {
        const state = { etag: '"v1"', lastModified: null, contentHash: 'h1', cursor: null };
        await store.applyFeedSnapshot(
          'feodo',
          [draft({ value: '192.0.2.1' }), draft({ value: '192.0.2.2' })],
          {
            startedAt: T0,
            complete: true,
            state,
          },
        );
        const before = await store.listIndicators();
        // Updates one, retires one, reactivates nothing and adds a bad one: the insert comes last.
        const bad = [
          draft({ value: '192.0.2.1', threat: 'changed' }),
          draft({ value: '192.0.2.9', confidence: 101 }),
        ];
        await expect(
          store.applyFeedSnapshot('feodo', bad, {
            startedAt: T1,
            complete: true,
            state: { ...state, etag: '"v2"' },
          }),
        ).rejects.toMatchObject({
          code: 'STORE_WRITE_FAILED',
          message: expect.stringContaining('2 indicators of feed "feodo"') as unknown,
        });
        expect(await store.listIndicators()).toEqual(before);
        expect((await store.lookupIndicators('192.0.2.2', T1))[0]?.listings).toEqual([
          { listedFrom: T0, listedUntil: null },
        ]);
        expect(await store.getFeedState('feodo')).toEqual(state);
        expect(await snapshot([draft({ value: '192.0.2.1' })], T2)).toEqual({
          ...NOTHING,
          removed: 1,
          unchanged: 1,
        });
      });

      it('rejects a raw record JSON cannot hold, and a port that is not an integer, storing nothing', async () => {
        await snapshot([draft()], T0);
        await expect(snapshot([draft({ value: '192.0.2.1', raw: { n: 1n } })], T1)).rejects.toMatchObject({
          code: 'STORE_WRITE_FAILED',
        });
        await expect(snapshot([draft({ value: '192.0.2.1', port: 44.5 })], T1)).rejects.toMatchObject({
          code: 'STORE_WRITE_FAILED',
        });
        expect(await values()).toEqual(['203.0.113.9']);
        expect((await store.listIndicators())[0]?.removedAt).toBeNull();
      });

      it('keeps text with the characters the store uses as separators intact apart from those characters', async () => {
        await snapshot(
          [draft({ threat: 'a\u001eb', tags: ['x\u001fy', 'z'], raw: { note: 'a\u001eb' } })],
          T0,
        );
        expect((await store.listIndicators())[0]).toMatchObject({
          threat: 'a\ufffdb',
          tags: ['x\ufffdy', 'z'],
          raw: { note: 'a\u001eb' },
        });
        expect(
          await snapshot(
            [draft({ threat: 'a\u001eb', tags: ['x\u001fy', 'z'], raw: { note: 'a\u001eb' } })],
            T1,
          ),
        ).toEqual({
          ...NOTHING,
          unchanged: 1,
        });
      });
    });

    describe('validity', () => {
      beforeEach(async () => {
        await snapshot([draft(), draft({ value: '192.0.2.1' })], T0);
        await snapshot([draft({ value: '192.0.2.1' })], T1);
        await snapshot([draft(), draft({ value: '192.0.2.1' })], T3);
      });

      it('answers "was it listed at T" from listing periods, across a removal and a return', async () => {
        const activeAt = async (at: EpochMicros): Promise<boolean> =>
          (await store.lookupIndicators('203.0.113.9', at))[0]!.isActive;
        expect(await activeAt(T0 - 1)).toBe(false);
        expect(await activeAt(T0)).toBe(true);
        expect(await activeAt(T1 - 1)).toBe(true);
        expect(await activeAt(T1)).toBe(false);
        expect(await activeAt(T2)).toBe(false);
        expect(await activeAt(T3)).toBe(true);
        expect(await values({ activeAt: T2 })).toEqual(['192.0.2.1']);
        expect(await store.countIndicators({ activeAt: T1 + 1 })).toBe(1);
      });

      it('answers "was it listed at T" in SQL through indicators_active_at(T)', async () => {
        const sql = await store.query(activeAtSql.sql, [activeAtSql.param(T2)]);
        expect(sql.rows).toEqual([{ value: '192.0.2.1' }]);
      });

      it('keeps an indicator active for the grace period after it left its feed', async () => {
        await store.setIndicatorGracePeriod(1.5);
        const at = async (t: EpochMicros): Promise<string[]> => values({ activeAt: t });
        expect(await at(T1 + 1.5 * HOUR - 1)).toEqual(['192.0.2.1', '203.0.113.9']);
        expect(await at(T1 + 1.5 * HOUR)).toEqual(['192.0.2.1']);
        expect((await store.lookupIndicators('203.0.113.9', T2))[0]!.isActive).toBe(true);
        const view = await store.query(
          "SELECT active_from, active_until FROM indicator_validity WHERE value = '203.0.113.9' ORDER BY active_from",
        );
        expect(view.rows).toEqual([
          { active_from: '2024-01-15T12:00:00.000Z', active_until: '2024-01-15T14:30:00.000Z' },
          { active_from: '2024-01-15T15:00:00.000Z', active_until: null },
        ]);
        await store.setIndicatorGracePeriod(0);
        expect(await at(T1)).toEqual(['192.0.2.1']);
      });

      it('refuses a negative grace period', async () => {
        await expect(store.setIndicatorGracePeriod(-1)).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
      });

      it('cuts activity to the validity the source states', async () => {
        await snapshot([draft({ value: '198.51.100.7', validFrom: T0 + HOUR / 2, validUntil: T1 })], T0, {
          feed: 'taxii',
          complete: false,
        });
        const active = async (t: EpochMicros): Promise<boolean> =>
          (await store.lookupIndicators('198.51.100.7', t))[0]!.isActive;
        expect(await active(T0)).toBe(false);
        expect(await active(T0 + HOUR / 2)).toBe(true);
        expect(await active(T1)).toBe(false);
        expect(await values({ activeAt: T1 - 1, source: 'taxii' })).toEqual(['198.51.100.7']);
      });
    });
  });
}
