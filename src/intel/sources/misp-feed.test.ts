import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isYamoriError } from '../../errors/index.js';
import { createHttpGet } from '../fetch/http-client.js';
import { startFeedServer, type FeedServer } from '../testing.js';
import { fetchMispFeed, type MispFeedOptions } from './misp-feed.js';

const DIR = path.resolve(process.cwd(), '../shared/feeds/misp_feed_digitalside');
const EVENT_A = '5e9decf1-3e24-4143-9fb2-0b81c0a80102';
const EVENT_B = '5ead46c7-4ecc-4edf-b865-1a19c0a80102';
const http = createHttpGet({
  timeoutMs: 5000,
  maxBytes: 1 << 20,
  retries: 0,
  backoffMs: 1,
  userAgent: 'yamori-test',
});
const context = { feed: 'misp-test', location: 'test', options: {} };

let server: FeedServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const options = (s: FeedServer, overrides: Partial<MispFeedOptions> = {}): MispFeedOptions => ({
  url: s.url + '/',
  seen: {},
  context,
  ...overrides,
});

type Attribute = { to_ids: boolean; type: string; value: string };
const attributesOf = (uuid: string): Attribute[] =>
  (JSON.parse(readFileSync(path.join(DIR, `${uuid}.json`), 'utf8')) as { Event: { Attribute: Attribute[] } })
    .Event.Attribute;

describe.skipIf(!existsSync(DIR))(
  'fetchMispFeed on the DigitalSide sample in ../shared/feeds (skipped: ../shared absent)',
  () => {
    it('downloads every event on the first run, keeping only to_ids attributes', async () => {
      server = await startFeedServer({ root: DIR });
      const result = await fetchMispFeed(http, options(server));
      expect(result.changed.map((e) => e.uuid).sort()).toEqual([EVENT_A, EVENT_B].sort());
      expect(result.seen).toEqual({ [EVENT_A]: 1599627030, [EVENT_B]: 1599578984 });
      expect(result.failed).toEqual([]);
      expect(result.skipped).toBe(0);
      for (const event of result.changed) {
        const expected = attributesOf(event.uuid).filter((a) => a.to_ids).length;
        expect(event.indicators).toHaveLength(expected);
      }
      const a = result.changed.find((e) => e.uuid === EVENT_A)!;
      expect(a.info).toBe('DigitalSide Malware report: MD5: 9b6c3518a91d23ed77504b5416bfb5b3');
      expect(a.indicators.find((d) => d.value === '166.70.72.209')).toMatchObject({
        type: 'ipv4',
        port: null,
        sourceFirstSeenAt: Date.UTC(2020, 3, 20) * 1000,
        sourceLastSeenAt: 1587436153 * 1_000_000,
        tags: ['tlp:white', 'type:OSINT', 'source:DigitalSide.IT', 'source:urlhaus.abuse.ch'],
        raw: {
          event: { uuid: EVENT_A },
          object: null,
          attribute: { uuid: '5e9e5a79-8dbc-4fce-a27c-0b81c0a80102' },
        },
      });
      expect(a.indicators.some((d) => d.type === 'sha256')).toBe(true);
      expect(a.indicators.some((d) => d.value === '4843fvasea.exe')).toBe(false);
      // Benign infrastructure listed as an IoC stays an indicator; the allow-list is what silences it.
      const b = result.changed.find((e) => e.uuid === EVENT_B)!;
      expect(b.indicators.some((d) => d.type === 'domain' && d.value === 'raw.githubusercontent.com')).toBe(
        true,
      );
    });

    it('costs one conditional request when the manifest has not changed', async () => {
      server = await startFeedServer({ root: DIR });
      const first = await fetchMispFeed(http, options(server));
      const before = server.requests.length;
      const second = await fetchMispFeed(
        http,
        options(server, {
          seen: first.seen,
          manifestEtag: first.manifestEtag,
          manifestLastModified: first.manifestLastModified,
        }),
      );
      expect(server.requests.length - before).toBe(1);
      expect(second.changed).toEqual([]);
      expect(second.unchanged.sort()).toEqual([EVENT_A, EVENT_B].sort());
      expect(second.seen).toEqual(first.seen);
    });

    it('downloads only the events whose manifest timestamp changed, and names removed events', async () => {
      server = await startFeedServer({ root: DIR });
      const first = await fetchMispFeed(http, options(server));
      const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as Record<
        string,
        { timestamp: string }
      >;
      manifest[EVENT_B]!.timestamp = '1600000000';
      delete manifest[EVENT_A];
      server.setFile('/manifest.json', JSON.stringify(manifest));
      const before = server.requests.length;
      const second = await fetchMispFeed(http, options(server, { seen: first.seen }));
      expect(second.changed.map((e) => e.uuid)).toEqual([EVENT_B]);
      expect(second.removed).toEqual([EVENT_A]);
      expect(second.seen).toEqual({ [EVENT_B]: 1600000000 });
      expect(server.requests.slice(before).map((r) => r.path)).toEqual([
        '/manifest.json',
        `/${EVENT_B}.json`,
      ]);
    });

    it('takes every attribute when asked, counting the types it cannot match', async () => {
      server = await startFeedServer({ root: DIR });
      const result = await fetchMispFeed(http, options(server, { includeNonIds: true }));
      const a = result.changed.find((e) => e.uuid === EVENT_A)!;
      expect(a.indicators).toHaveLength(
        attributesOf(EVENT_A).filter((x) =>
          ['md5', 'sha1', 'sha256', 'url', 'domain', 'ip-dst'].includes(x.type),
        ).length,
      );
      expect(result.skipped).toBe(
        [...attributesOf(EVENT_A), ...attributesOf(EVENT_B)].filter((x) =>
          ['filename', 'mime-type', 'imphash'].includes(x.type),
        ).length,
      );
      expect(result.issues.map((i) => i.message)).toContain(
        `event ${EVENT_A}: 2 attributes of type "filename" left out (not matchable)`,
      );
    });

    it('keeps going when one event fails, and retries it next run', async () => {
      server = await startFeedServer({ root: DIR });
      server.handle(`/${EVENT_A}.json`, (_req, res) => res.writeHead(404).end('gone'));
      const result = await fetchMispFeed(http, options(server));
      expect(result.changed.map((e) => e.uuid)).toEqual([EVENT_B]);
      expect(result.failed.map((f) => [f.uuid, f.error.code])).toEqual([[EVENT_A, 'FEED_HTTP_STATUS']]);
      expect(result.seen).toEqual({ [EVENT_B]: 1599578984 });
    });

    it('downloads at most maxEvents changed events, oldest change first', async () => {
      server = await startFeedServer({ root: DIR });
      const result = await fetchMispFeed(http, options(server, { maxEvents: 1 }));
      expect(result.changed.map((e) => e.uuid)).toEqual([EVENT_B]);
      expect(result.deferred).toEqual([EVENT_A]);
      expect(Object.keys(result.seen)).toEqual([EVENT_B]);
    });
  },
);

describe('fetchMispFeed attribute mapping', () => {
  const uuid = '11111111-2222-4333-8444-555555555555';
  const attribute = (type: string, value: string, extra: Record<string, unknown> = {}) => ({
    type,
    value,
    to_ids: true,
    timestamp: '1700000000',
    uuid: `a-${type}`,
    ...extra,
  });
  const event = {
    Event: {
      uuid,
      info: 'mapping test',
      date: '2023-11-14',
      Tag: [{ name: 'tlp:white' }, { name: 'misp-galaxy:malpedia="Emotet"' }],
      Attribute: [
        attribute('ip-dst|port', '192.0.2.10|8443'),
        attribute('domain|ip', 'C2.Example.|198.51.100.0/24'),
        attribute('hostname|port', 'panel.example|80'),
        attribute(
          'filename|sha256',
          'x.exe|EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C',
        ),
        attribute('ja3-fingerprint-md5', '72A589DA586844D7F0818CE684948EEA'),
        attribute('x509-fingerprint-sha1', '2E:35:19:B7:A1:C2:D3:E4:F5:A6:B7:C8:D9:E0:F1:A2:B3:C4:D5:E6'),
        attribute('ip-src', '2001:db8::1', {
          first_seen: '2023-01-01T00:00:00+00:00',
          last_seen: '2023-02-01T00:00:00Z',
        }),
        attribute('ip-dst', '203.0.113.99', { deleted: true }),
        attribute('ip-dst', 'not-an-ip'),
        attribute('link', 'https://blog.example/report'),
        attribute('ip-dst', '203.0.113.5', { to_ids: false }),
      ],
      Object: [{ name: 'domain-ip', Attribute: [attribute('domain', 'obj.example')] }],
    },
  };

  it('reads composite types, object attributes, galaxy families and the event link', async () => {
    server = await startFeedServer({
      files: {
        '/feed/manifest.json': JSON.stringify({ [uuid]: { timestamp: '1700000001' } }),
        [`/feed/${uuid}.json`]: JSON.stringify(event),
      },
    });
    const result = await fetchMispFeed(http, { url: server.urlFor('/feed'), seen: {}, context });
    const drafts = result.changed[0]!.indicators;
    expect(drafts.map((d) => [d.type, d.value, d.port])).toEqual([
      ['ipv4', '192.0.2.10', 8443],
      ['domain', 'c2.example', null],
      ['cidr', '198.51.100.0/24', null],
      ['domain', 'panel.example', 80],
      ['sha256', 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c', null],
      ['ja3', '72a589da586844d7f0818ce684948eea', null],
      ['cert_sha1', '2e3519b7a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6', null],
      ['ipv6', '2001:db8::1', null],
      ['domain', 'obj.example', null],
    ]);
    expect(
      drafts.every((d) => d.malwareFamily === 'Emotet' && d.reference === 'https://blog.example/report'),
    ).toBe(true);
    expect(drafts[7]).toMatchObject({
      sourceFirstSeenAt: Date.UTC(2023, 0, 1) * 1000,
      sourceLastSeenAt: Date.UTC(2023, 1, 1) * 1000,
    });
    expect((drafts[8]!.raw as { object: string }).object).toBe('domain-ip');
    expect(result.skipped).toBe(1);
    expect(result.issues[0]!.message).toContain('"not-an-ip" is not a valid value');
  });

  it('fails when the manifest is an HTML page', async () => {
    server = await startFeedServer({
      files: { '/manifest.json': { body: '<html>login</html>', contentType: 'text/html' } },
    });
    try {
      await fetchMispFeed(http, options(server));
      expect.unreachable();
    } catch (error) {
      expect(isYamoriError(error) && error.code).toBe('FEED_RESPONSE_INVALID');
    }
  });
});
