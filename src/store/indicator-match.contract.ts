/** Store contract, threat intelligence: the allow-list, lookups, listing and counting indicators. */
import { beforeEach, describe, expect } from 'vitest';
import { T0, T1, T2, useIntelStore, contractIt, type IntelContractOptions } from './intel-store.testing.js';
import type { Store } from './store.js';
import type { OpenStore } from './store.contract.js';
import { buildIndicatorDraft as draft } from './testing.js';

export function describeIndicatorMatchContract(
  backend: string,
  open: OpenStore,
  options: IntelContractOptions = {},
): void {
  const it = contractIt(options.skip);
  describe(`Store contract: ${backend}: indicator matching`, () => {
    const { store: current, snapshot, values } = useIntelStore(open);
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    describe('allow-list', () => {
      const reasonOf = async (value: string): Promise<string | null | undefined> =>
        (await store.lookupIndicators(value)).find((m) => m.value === value)?.allowlistReason;

      beforeEach(async () => {
        await snapshot(
          [
            draft({ type: 'cidr', value: '10.0.0.0/8', port: null }),
            draft({ type: 'cidr', value: '192.168.0.0/16', port: null }),
            draft({ type: 'cidr', value: '0.0.0.0/4', port: null }),
            draft({ type: 'ipv4', value: '8.8.8.8', port: 53 }),
            draft({ type: 'cidr', value: '8.8.8.0/24', port: null }),
            draft({ type: 'ipv6', value: '2001:4860:4860::8888', port: null }),
            draft({ type: 'domain', value: 'cdn.example.com', port: null }),
            draft({ type: 'domain', value: 'example.com', port: null }),
            draft({ type: 'domain', value: 'evilexample.com', port: null }),
            draft({ type: 'url', value: 'https://raw.example.com/payload.sh', port: null }),
            draft({ type: 'url', value: 'https://good.test/', port: null }),
            draft({ type: 'sha256', value: 'a'.repeat(64), port: null }),
          ],
          T0,
          { feed: 'firehol' },
        );
        await store.setAllowlist([
          {
            type: 'cidr',
            value: '10.0.0.0/8',
            reason: 'private range (RFC 1918)',
            source: 'builtin',
            matchOverlapping: true,
          },
          {
            type: 'cidr',
            value: '192.168.1.0/24',
            reason: 'home network',
            source: 'user',
            matchOverlapping: true,
          },
          { type: 'cidr', value: '8.8.8.8/32', reason: 'Google Public DNS', source: 'builtin' },
          { type: 'ipv6', value: '2001:4860:4860::8888', reason: 'Google Public DNS', source: 'builtin' },
          { type: 'domain', value: 'Example.COM.', reason: 'example', source: 'user' },
          { type: 'url', value: 'https://good.test/', reason: 'our site', source: 'user' },
          { type: 'sha256', value: 'A'.repeat(64), reason: 'known good build', source: 'user' },
          { type: 'ipv4', value: '8.8.8.8', reason: 'listed second', source: 'user' },
        ]);
      });

      const cases: { description: string; value: string; reason: string | null }[] = [
        {
          description: 'a feed’s 10.0.0.0/8, equal to a private range',
          value: '10.0.0.0/8',
          reason: 'private range (RFC 1918)',
        },
        {
          description: 'a feed’s 192.168.0.0/16, containing the home network',
          value: '192.168.0.0/16',
          reason: 'home network',
        },
        {
          description: 'a feed’s 0.0.0.0/4, containing a private range',
          value: '0.0.0.0/4',
          reason: 'private range (RFC 1918)',
        },
        {
          description: 'an address equal to an allow-listed /32 (the first entry wins)',
          value: '8.8.8.8',
          reason: 'Google Public DNS',
        },
        {
          description: 'an IPv6 address equal to an entry',
          value: '2001:4860:4860::8888',
          reason: 'Google Public DNS',
        },
        { description: 'a domain equal to an entry (normalised)', value: 'example.com', reason: 'example' },
        { description: 'a subdomain of an entry', value: 'cdn.example.com', reason: 'example' },
        {
          description: 'a hash equal to an entry in another case',
          value: 'a'.repeat(64),
          reason: 'known good build',
        },
        { description: 'a URL equal to an entry', value: 'https://good.test/', reason: 'our site' },
      ];
      for (const { description, value, reason } of cases) {
        it(`covers ${description}`, async () => {
          expect(await reasonOf(value)).toBe(reason);
        });
      }

      const notCovered: { description: string; value: string }[] = [
        {
          description: 'a /24 around an allow-listed /32 entry without matchOverlapping',
          value: '8.8.8.0/24',
        },
        { description: 'a lookalike domain that only ends with the same letters', value: 'evilexample.com' },
        {
          description: 'a URL on a host under an allow-listed domain',
          value: 'https://raw.example.com/payload.sh',
        },
      ];
      for (const { description, value } of notCovered) {
        it(`does not cover ${description}`, async () => {
          expect(await reasonOf(value)).toBeNull();
        });
      }

      it('shows the same reasons in the indicator_allowlist view as on read', async () => {
        const view = await store.query(
          `SELECT i.value, a.allowlist_reason, a.allowlist_source
           FROM indicators i JOIN indicator_allowlist a ON a.indicator_id = i.id ORDER BY i.value`,
        );
        const read = (await store.listIndicators({ limit: 1000 }))
          .filter((i) => i.allowlistReason !== null)
          .map((i) => [i.value, i.allowlistReason])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
        expect(view.rows.map((r) => [r.value, r.allowlist_reason])).toEqual(read);
        expect(view.rows.find((r) => r.value === '192.168.0.0/16')?.allowlist_source).toBe('user');
      });

      it('keeps the host of each URL in indicator_match_periods.url_host, none under an allow-listed domain', async () => {
        await snapshot(
          [
            draft({ type: 'url', value: 'http://Dl.Bad-Host.test.:8080/bins/x.sh', port: null }),
            draft({ type: 'url', value: 'https://user@[2001:db8::7]/a', port: null }),
            draft({ type: 'url', value: 'https://raw.example.com/payload.sh', port: null }),
          ],
          T1,
          { feed: 'urlhaus' },
        );
        const hosts = async (): Promise<unknown[]> =>
          (
            await store.query(
              `SELECT value, url_host FROM indicator_match_periods WHERE source = 'urlhaus' ORDER BY value`,
            )
          ).rows;
        const others = await store.query(
          "SELECT count(*) AS n FROM indicator_match_periods WHERE type <> 'url' AND url_host IS NOT NULL",
        );
        expect(others.rows).toEqual([{ n: 0 }]);
        expect(await hosts()).toEqual([
          { value: 'http://Dl.Bad-Host.test.:8080/bins/x.sh', url_host: 'dl.bad-host.test' },
          { value: 'https://raw.example.com/payload.sh', url_host: null },
          { value: 'https://user@[2001:db8::7]/a', url_host: '[2001:db8::7]' },
        ]);
        await store.setAllowlist([
          { type: 'domain', value: 'bad-host.test', reason: 'ours', source: 'user' },
        ]);
        expect(await hosts()).toEqual([
          { value: 'http://Dl.Bad-Host.test.:8080/bins/x.sh', url_host: null },
          { value: 'https://raw.example.com/payload.sh', url_host: 'raw.example.com' },
          { value: 'https://user@[2001:db8::7]/a', url_host: '[2001:db8::7]' },
        ]);
      });

      it('replaces the whole allow-list on each call', async () => {
        await store.setAllowlist([
          { type: 'domain', value: 'cdn.example.com', reason: 'CDN', source: 'user' },
        ]);
        expect(await reasonOf('cdn.example.com')).toBe('CDN');
        expect(await reasonOf('example.com')).toBeNull();
        expect(await reasonOf('10.0.0.0/8')).toBeNull();
      });

      it('refuses an address entry that is not an address, keeping the previous list', async () => {
        await expect(
          store.setAllowlist([{ type: 'cidr', value: '10.0.0.0/33', reason: 'typo', source: 'user' }]),
        ).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
        expect(await reasonOf('10.0.0.0/8')).toBe('private range (RFC 1918)');
      });
    });

    describe('lookupIndicators', () => {
      beforeEach(async () => {
        await snapshot(
          [
            draft({ type: 'cidr', value: '198.51.100.0/24', port: null }),
            draft({ type: 'ipv4', value: '198.51.100.7', port: 443 }),
            draft({ type: 'cidr', value: '2001:db8::/32', port: null }),
            draft({ type: 'domain', value: 'evil.test', port: null }),
            draft({ type: 'domain', value: 'a.b.other.test', port: null }),
            draft({ type: 'url', value: 'http://dl.evil.test:8080/bins/mozi.m', port: null }),
            draft({ type: 'ja3', value: 'e7d705a3286e19ea42f587b344ee6865', port: null }),
            draft({ type: 'cert_sha1', value: '2e3519b7c4cf1a9a3fb2dd08ea4ab5f8ea4d0ad1', port: null }),
          ],
          T0,
        );
        await snapshot([draft({ type: 'ipv4', value: '198.51.100.7', port: 443 })], T0, { feed: 'sslbl' });
        await snapshot([], T1, { feed: 'sslbl' });
      });

      const cases: { description: string; value: string; found: string[] }[] = [
        {
          description: 'an address inside a network indicator, and the address itself, in every feed',
          value: '198.51.100.7',
          found: ['feodo 198.51.100.0/24', 'feodo 198.51.100.7', 'sslbl 198.51.100.7'],
        },
        {
          description: 'another address of the network',
          value: '198.51.100.200',
          found: ['feodo 198.51.100.0/24'],
        },
        {
          description: 'an IPv6 address inside an IPv6 network',
          value: '2001:db8:1::5',
          found: ['feodo 2001:db8::/32'],
        },
        {
          description: 'a network overlapping indicators',
          value: '198.51.0.0/16',
          found: ['feodo 198.51.100.0/24', 'feodo 198.51.100.7', 'sslbl 198.51.100.7'],
        },
        { description: 'a subdomain through its parent', value: 'x.y.evil.test', found: ['feodo evil.test'] },
        {
          description: 'a domain itself, in any case and with a final dot',
          value: 'EVIL.test.',
          found: ['feodo evil.test'],
        },
        { description: 'nothing for a parent of an indicator domain', value: 'other.test', found: [] },
        {
          description: 'a URL exactly, and through its host’s parent domain',
          value: 'http://dl.evil.test:8080/bins/mozi.m',
          found: ['feodo evil.test', 'feodo http://dl.evil.test:8080/bins/mozi.m'],
        },
        {
          description: 'a URL on an address through the address',
          value: 'http://198.51.100.9/x',
          found: ['feodo 198.51.100.0/24'],
        },
        {
          description: 'a JA3 hash in upper case',
          value: 'E7D705A3286E19EA42F587B344EE6865',
          found: ['feodo e7d705a3286e19ea42f587b344ee6865'],
        },
        {
          description: 'a certificate SHA1',
          value: '2e3519b7c4cf1a9a3fb2dd08ea4ab5f8ea4d0ad1',
          found: ['feodo 2e3519b7c4cf1a9a3fb2dd08ea4ab5f8ea4d0ad1'],
        },
        { description: 'nothing for an unlisted address', value: '192.0.2.1', found: [] },
        { description: 'nothing for text that is no value at all', value: 'not an indicator', found: [] },
      ];
      for (const { description, value, found } of cases) {
        it(`finds ${description}`, async () => {
          const matches = await store.lookupIndicators(value);
          expect(matches.map((m) => `${m.source} ${m.value}`).sort()).toEqual(found);
        });
      }

      it('returns retired indicators too, with their listing periods and whether each was active then', async () => {
        const atT0 = await store.lookupIndicators('198.51.100.7', T0);
        const sslbl = atT0.find((m) => m.source === 'sslbl');
        expect(sslbl).toMatchObject({
          removedAt: T1,
          listings: [{ listedFrom: T0, listedUntil: T1 }],
          isActive: true,
        });
        const now = await store.lookupIndicators('198.51.100.7');
        expect(now.find((m) => m.source === 'sslbl')?.isActive).toBe(false);
        expect(now.find((m) => m.source === 'feodo' && m.type === 'ipv4')?.isActive).toBe(true);
      });
    });

    describe('listIndicators, countIndicators and indicatorStats', () => {
      beforeEach(async () => {
        await snapshot([draft(), draft({ type: 'domain', value: 'evil.test', port: null })], T0);
        await snapshot([draft({ value: '192.0.2.1' }), draft({ value: '192.0.2.2' })], T1, { feed: 'cins' });
        await snapshot([draft({ value: '192.0.2.2' })], T2, { feed: 'cins' });
      });

      it('filters by source and type, newest first listed first, within the limit', async () => {
        expect(await values({ source: 'cins' })).toEqual(['192.0.2.1', '192.0.2.2']);
        expect(await values({ type: 'domain' })).toEqual(['evil.test']);
        expect((await store.listIndicators({ limit: 2 })).map((i) => i.source)).toEqual(['cins', 'cins']);
        expect(await store.countIndicators({ type: 'ipv4' })).toBe(3);
        expect(await store.countIndicators({ source: 'cins', activeAt: T2 })).toBe(1);
        expect(await store.countIndicators({ limit: 1 })).toBe(4);
      });

      it('counts listed and retired indicators per feed, listed ones by type', async () => {
        expect(await store.indicatorStats()).toEqual([
          { source: 'cins', active: 1, removed: 1, byType: { ipv4: 1 }, lastListedAt: T2 },
          { source: 'feodo', active: 2, removed: 0, byType: { domain: 1, ipv4: 1 }, lastListedAt: T0 },
        ]);
      });
    });
  });
}
