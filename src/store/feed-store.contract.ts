/** Store contract, threat intelligence: feed runs, feed state and the per-source views. */
import { beforeEach, describe, expect } from 'vitest';
import { T0, T1, T2, useIntelStore, contractIt, type IntelContractOptions } from './intel-store.testing.js';
import type { FeedRun, Store } from './store.js';
import type { OpenStore } from './store.contract.js';
import { buildIndicatorDraft as draft } from './testing.js';

export function describeFeedStoreContract(
  backend: string,
  open: OpenStore,
  options: IntelContractOptions = {},
): void {
  const it = contractIt(options.skip);
  describe(`Store contract: ${backend}: feeds`, () => {
    const { store: current, snapshot } = useIntelStore(open);
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    describe('feed runs and state', () => {
      const run = (overrides: Partial<FeedRun> = {}): FeedRun => ({
        feed: 'feodo',
        startedAt: T0,
        finishedAt: T0 + 1_500_000,
        status: 'ok',
        httpStatus: 200,
        bytes: 2 ** 33,
        contentHash: 'sha256:ab12',
        etag: 'W/"5f-1"',
        lastModified: 'Mon, 15 Jan 2024 11:58:00 GMT',
        added: 28,
        updated: 1,
        removed: 2,
        indicatorCount: 28,
        errorCode: null,
        errorMessage: null,
        ...overrides,
      });

      it('records runs and lists them newest first, per feed and within a limit', async () => {
        const runs = [
          run(),
          run({
            feed: 'urlhaus',
            startedAt: T1,
            finishedAt: T1 + 30_000_000,
            status: 'error',
            httpStatus: 401,
            bytes: null,
            contentHash: null,
            etag: null,
            lastModified: null,
            added: 0,
            updated: 0,
            removed: 0,
            errorCode: 'FEED_FETCH_FAILED',
            errorMessage: 'the server answered 401 Unauthorized',
          }),
          run({
            startedAt: T2,
            finishedAt: T2 + 1,
            status: 'unchanged',
            httpStatus: 304,
            added: 0,
            updated: 0,
            removed: 0,
          }),
        ];
        for (const r of runs) await store.recordFeedRun(r);
        expect(await store.listFeedRuns()).toEqual([runs[2], runs[1], runs[0]]);
        expect(await store.listFeedRuns('feodo')).toEqual([runs[2], runs[0]]);
        expect(await store.listFeedRuns(undefined, 1)).toEqual([runs[2]]);
        expect(await store.listFeedRuns('nope')).toEqual([]);
      });

      it('counts the feed’s listed indicators when a run leaves the count out', async () => {
        await snapshot([draft(), draft({ value: '192.0.2.1' })], T0);
        await store.recordFeedRun(run({ indicatorCount: null }));
        expect((await store.listFeedRuns('feodo'))[0]?.indicatorCount).toBe(2);
      });

      it('lists the latest runs of every feed in one call, as listFeedRuns does feed by feed', async () => {
        const at = (feed: string, startedAt: number, finishedAt: number): FeedRun =>
          run({ feed, startedAt, finishedAt, added: finishedAt - startedAt });
        // feodo ties at T1 and at T2 on started_at and has more runs than asked for; recorded out of order.
        const f0 = at('feodo', T2, T2 + 5);
        const f1 = at('feodo', T2, T2 + 3);
        const f2 = at('feodo', T1, T1 + 9);
        const f3 = at('feodo', T1, T1 + 2);
        const f4 = at('feodo', T0, T0 + 1);
        const u0 = at('urlhaus', T2, T2 + 1);
        const u1 = at('urlhaus', T1, T1 + 7);
        const u2 = at('urlhaus', T0, T0 + 4);
        const o0 = at('otx', T0, T0 + 6);
        for (const r of [f3, u2, f0, o0, f4, u0, f1, f2, u1]) await store.recordFeedRun(r);
        const feodo = [f0, f1, f2, f3, f4];
        const urlhaus = [u0, u1, u2];
        const otx = [o0];

        const latest = await store.listLatestFeedRuns(3);
        expect([...latest.keys()]).toEqual(['feodo', 'otx', 'urlhaus']);
        expect(latest.get('feodo')).toEqual(feodo.slice(0, 3));
        expect(latest.get('urlhaus')).toEqual(urlhaus);
        expect(latest.get('otx')).toEqual(otx);
        for (const feed of ['feodo', 'otx', 'urlhaus'])
          expect(latest.get(feed)).toEqual(await store.listFeedRuns(feed, 3));

        const newest = await store.listLatestFeedRuns(1);
        expect([...newest.entries()]).toEqual([
          ['feodo', [f0]],
          ['otx', otx],
          ['urlhaus', [u0]],
        ]);
        expect((await store.listLatestFeedRuns(10)).get('feodo')).toEqual(feodo);
        expect((await store.listLatestFeedRuns(0)).size).toBe(0);
      });

      it('keeps one state per feed, replacing it, with a JSON cursor', async () => {
        expect(await store.getFeedState('otx')).toBeNull();
        const first = {
          etag: null,
          lastModified: null,
          contentHash: null,
          cursor: { modified_since: '2024-01-15T12:00:00Z', page: 3 },
        };
        await store.setFeedState('otx', first);
        expect(await store.getFeedState('otx')).toEqual(first);
        const second = {
          etag: '"abc"',
          lastModified: 'Mon, 15 Jan 2024 11:58:00 GMT',
          contentHash: 'h',
          cursor: null,
        };
        await store.setFeedState('otx', second);
        expect(await store.getFeedState('otx')).toEqual(second);
        expect(await store.getFeedState('feodo')).toBeNull();
      });

      it('saves the state given with a snapshot in the same write', async () => {
        const state = {
          etag: '"x"',
          lastModified: null,
          contentHash: 'sha256:1',
          cursor: ['2024-01-15T12:00:00Z'],
        };
        await store.applyFeedSnapshot('taxii', [draft()], { startedAt: T0, complete: false, state });
        expect(await store.getFeedState('taxii')).toEqual(state);
      });
    });

    describe('per-source views', () => {
      it('shows Feodo indicators in the abusech_feodo shape, from the CSV and the JSON formats', async () => {
        await snapshot(
          [
            draft({ value: '192.0.2.1', sourceFirstSeenAt: T0, sourceLastSeenAt: null }),
            draft({
              value: '192.0.2.2',
              port: 8080,
              malwareFamily: 'Emotet',
              sourceFirstSeenAt: T1,
              raw: {
                ip_address: '192.0.2.2',
                port: 8080,
                status: 'offline',
                hostname: 'c2.example',
                as_number: 64500,
                as_name: 'EXAMPLE-AS',
                country: 'NL',
                first_seen: '2024-01-15 13:00:00',
                last_online: '2024-01-14',
                malware: 'Emotet',
              },
            }),
            draft({ type: 'ipv4', value: '192.0.2.3', port: null, raw: '192.0.2.3', sourceLastSeenAt: T2 }),
          ],
          T0,
          { feed: 'feodo_recommended' },
        );
        await snapshot([draft({ value: '192.0.2.4' })], T0, { feed: 'cins' });
        const result = await store.query('SELECT * FROM abusech_feodo ORDER BY ip_address');
        expect(result.columns.map((c) => c.name)).toEqual([
          'ip_address',
          'port',
          'status',
          'hostname',
          'as_number',
          'as_name',
          'country',
          'first_seen',
          'last_online',
          'malware',
        ]);
        expect(result.rows).toEqual([
          {
            ip_address: '192.0.2.1',
            port: 443,
            status: 'online',
            hostname: null,
            as_number: null,
            as_name: null,
            country: null,
            first_seen: '2024-01-15T12:00:00.000Z',
            last_online: '2024-01-15',
            malware: 'QakBot',
          },
          {
            ip_address: '192.0.2.2',
            port: 8080,
            status: 'offline',
            hostname: 'c2.example',
            as_number: 64500,
            as_name: 'EXAMPLE-AS',
            country: 'NL',
            first_seen: '2024-01-15T13:00:00.000Z',
            last_online: '2024-01-14',
            malware: 'Emotet',
          },
          {
            ip_address: '192.0.2.3',
            port: null,
            status: 'online',
            hostname: null,
            as_number: null,
            as_name: null,
            country: null,
            first_seen: '2024-01-15T12:00:00.000Z',
            last_online: '2024-01-15',
            malware: 'QakBot',
          },
        ]);
        await snapshot([], T1, { feed: 'feodo_recommended' });
        expect((await store.query('SELECT count(*) AS n FROM abusech_feodo')).rows).toEqual([{ n: 0 }]);
      });

      it('shows URLhaus URLs in the abusech_urlhaus shape', async () => {
        await snapshot(
          [
            draft({
              type: 'url',
              value: 'http://192.0.2.7:35162/i',
              port: null,
              threat: 'malware_download',
              malwareFamily: null,
              tags: ['32-bit', 'elf', 'mips', 'Mozi'],
              reference: 'https://urlhaus.abuse.ch/url/3519330/',
              sourceFirstSeenAt: T0,
              raw: {
                id: '3519330',
                dateadded: '2024-01-15 12:00:00',
                url: 'http://192.0.2.7:35162/i',
                url_status: 'online',
                last_online: '2024-01-15 12:00:00',
                threat: 'malware_download',
                tags: '32-bit,elf,mips,Mozi',
                urlhaus_link: 'https://urlhaus.abuse.ch/url/3519330/',
                reporter: 'geenensp',
              },
            }),
          ],
          T0,
          { feed: 'urlhaus' },
        );
        const result = await store.query('SELECT * FROM abusech_urlhaus');
        expect(result.columns.map((c) => c.name)).toEqual([
          'id',
          'dateadded',
          'url',
          'url_status',
          'threat',
          'tags',
          'urlhaus_link',
          'reporter',
        ]);
        expect(result.rows).toEqual([
          {
            id: 3519330,
            dateadded: '2024-01-15T12:00:00.000Z',
            url: 'http://192.0.2.7:35162/i',
            url_status: 'online',
            threat: 'malware_download',
            tags: ['32-bit', 'elf', 'mips', 'Mozi'],
            urlhaus_link: 'https://urlhaus.abuse.ch/url/3519330/',
            reporter: 'geenensp',
          },
        ]);
      });

      it('shows Spamhaus DROP networks with their SBL reference, from JSON lines and from text lines', async () => {
        await snapshot(
          [
            draft({
              type: 'cidr',
              value: '1.10.16.0/20',
              port: null,
              raw: { cidr: '1.10.16.0/20', sblid: 'SBL256894', rir: 'apnic' },
            }),
            draft({ type: 'cidr', value: '2001:db8::/32', port: null, raw: '2001:db8::/32 ; SBL12345' }),
            draft({ type: 'cidr', value: '198.51.100.0/24', port: null, raw: null, reference: null }),
            draft({
              type: 'cidr',
              value: '203.0.113.0/24',
              port: null,
              raw: '203.0.113.0/24',
              reference: 'https://check.spamhaus.org/sbl/query/SBL99',
            }),
          ],
          T0,
          { feed: 'spamhaus_drop' },
        );
        const result = await store.query('SELECT * FROM spamhaus_drop ORDER BY cidr');
        expect(result.columns.map((c) => c.name)).toEqual(['cidr', 'sbl_ref']);
        expect(result.rows).toEqual([
          { cidr: '1.10.16.0/20', sbl_ref: 'SBL256894' },
          { cidr: '198.51.100.0/24', sbl_ref: null },
          { cidr: '2001:db8::/32', sbl_ref: 'SBL12345' },
          { cidr: '203.0.113.0/24', sbl_ref: 'SBL99' },
        ]);
      });
    });
  });
}
