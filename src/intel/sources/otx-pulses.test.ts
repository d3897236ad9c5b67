import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpGet } from '../fetch/http-client.js';
import { parseFeedTime } from '../parsers/feed-time.js';
import { startFeedServer, type FeedServer } from '../testing.js';
import { fetchOtxPulses, type OtxOptions } from './otx-pulses.js';

const SAMPLE = path.resolve(process.cwd(), '../shared/feeds/otx_pulses_intelmq-sample.json');
const ENDPOINT = '/api/v1/pulses/subscribed';
const KEY = 'otx-test-key-0123456789';
const http = createHttpGet({
  timeoutMs: 5000,
  maxBytes: 1 << 20,
  retries: 0,
  backoffMs: 1,
  userAgent: 'yamori-test',
});

type Pulse = Record<string, unknown> & {
  id: string;
  modified: string;
  indicators: Record<string, unknown>[];
};

/**
 * The sample is a bare array from the 2015 SDK; the server wraps it in the documented API shape
 * ({count, next, previous, results}), newest `modified` first, and adds one current-format pulse.
 */
function installOtx(server: FeedServer, pulses: Pulse[], control: { failPage: number | null }) {
  server.handle(ENDPOINT, (req, res, url) => {
    if (req.headers['x-otx-api-key'] !== KEY) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"detail": "Invalid API key"}');
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? 10);
    const page = Number(url.searchParams.get('page') ?? 1);
    if (page === control.failPage) {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
      return;
    }
    const since = url.searchParams.get('modified_since');
    const matching = pulses
      .filter((p) => since === null || parseFeedTime(p.modified)! > parseFeedTime(since)!)
      .sort((a, b) => parseFeedTime(b.modified)! - parseFeedTime(a.modified)!);
    const link = (n: number) => {
      const other = new URL(url.toString().replace('http://127.0.0.1', server.url));
      other.searchParams.set('page', String(n));
      return other.toString();
    };
    const results = matching.slice((page - 1) * limit, page * limit);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        count: matching.length,
        next: page * limit < matching.length ? link(page + 1) : null,
        previous: page > 1 ? link(page - 1) : null,
        results,
      }),
    );
  });
}

const currentFormat: Pulse = {
  id: '65f0c0ffee0000000000beef',
  name: 'Current-format pulse',
  modified: '2024-03-12T10:00:00.000000',
  created: '2024-03-12T09:00:00.000000',
  tags: ['qakbot'],
  references: [],
  tlp: 'white',
  malware_families: [{ id: 'Qakbot', display_name: 'QakBot', target: null }],
  indicators: [
    {
      id: 1,
      indicator: '192.0.2.77',
      type: 'IPv4',
      created: '2024-03-12T09:00:00',
      role: 'command_and_control',
      is_active: 1,
      expiration: '2024-04-11T09:00:00',
    },
    {
      id: 2,
      indicator: '192.0.2.78',
      type: 'IPv4',
      created: '2024-03-12T09:00:00',
      role: null,
      is_active: 0,
      expiration: null,
    },
    { id: 3, indicator: '2001:DB8::7/64', type: 'CIDR', created: '2024-03-12T09:00:00', is_active: 1 },
  ],
};

let server: FeedServer;
let pulses: Pulse[];
const control = { failPage: null as number | null };

beforeEach(async () => {
  server = await startFeedServer();
  control.failPage = null;
});
afterEach(async () => {
  await server.close();
});

const options = (overrides: Partial<OtxOptions> = {}): OtxOptions => ({
  url: server.urlFor(ENDPOINT),
  apiKey: KEY,
  state: null,
  limit: 2,
  maxPages: 10,
  context: { feed: 'otx', location: 'test', options: {} },
  ...overrides,
});

describe.skipIf(!existsSync(SAMPLE))(
  'fetchOtxPulses against pages built from ../shared/feeds (skipped: ../shared absent)',
  () => {
    beforeEach(() => {
      pulses = [...(JSON.parse(readFileSync(SAMPLE, 'utf8')) as Pulse[]), currentFormat];
      installOtx(server, pulses, control);
    });

    it('follows next through every page, sending the key, and moves the cursor to the newest pulse', async () => {
      const result = await fetchOtxPulses(http, options());
      expect(result.error).toBeNull();
      expect(result.complete).toBe(true);
      expect(result.pulses).toHaveLength(6);
      expect(server.requestsTo(ENDPOINT)).toHaveLength(3);
      expect(server.requests.every((r) => r.headers['x-otx-api-key'] === KEY)).toBe(true);
      expect(result.state).toEqual({
        modifiedSince: '2024-03-12T10:00:00.000000',
        resumePage: null,
        pendingNewest: null,
      });

      const kitten = result.pulses.find((p) => p.name === 'The Spy Kittens Are Back: Rocket Kitten 2')!;
      expect(kitten.indicators).toHaveLength(11);
      expect(kitten.indicators.find((d) => d.type === 'url')).toMatchObject({
        value: 'http://107.6.172.54/woolen/',
        reference:
          'http://www.trendmicro.com/cloud-content/us/pdfs/security-intelligence/white-papers/wp-the-spy-kittens-are-back.pdf',
        sourceFirstSeenAt: Date.UTC(2015, 8, 2, 9, 21, 53, 93) * 1000,
        sourceLastSeenAt: Date.UTC(2015, 8, 2, 9, 22, 22, 976) * 1000,
        validUntil: null,
        revoked: false,
      });
      expect(kitten.indicators[0]!.tags).toContain('rocket kitten');
      // The TA17-164A pulse's only "reference" is a file name, so its OTX page stands in.
      const alert = result.pulses.find((p) => p.name === 'Alert (TA17-164A)')!;
      expect(alert.indicators[0]!.reference).toBe(`${server.url}/pulse/5942175dd78f563d01abc79c`);
      // URI and CVE indicators cannot be matched: counted and summarised once per type.
      expect(result.skipped).toBe(3);
      expect(result.issues.map((i) => i.message).sort()).toEqual([
        '1 indicator of type "CVE" left out (not matchable)',
        '2 indicators of type "URI" left out (not matchable)',
      ]);
    });

    it('reads current-format fields: expiration, is_active, role and malware families', async () => {
      const result = await fetchOtxPulses(http, options());
      const current = result.pulses.find((p) => p.id === currentFormat.id)!;
      expect(
        current.indicators.map((d) => [d.type, d.value, d.threat, d.revoked, d.validUntil, d.malwareFamily]),
      ).toEqual([
        ['ipv4', '192.0.2.77', 'botnet_cc', false, Date.UTC(2024, 3, 11, 9) * 1000, 'QakBot'],
        ['ipv4', '192.0.2.78', null, true, null, 'QakBot'],
        ['cidr', '2001:db8::/64', null, false, null, 'QakBot'],
      ]);
    });

    it('asks only for pulses modified since the last complete run', async () => {
      const first = await fetchOtxPulses(http, options());
      const second = await fetchOtxPulses(http, options({ state: first.state }));
      expect(second.pulses).toEqual([]);
      expect(second.complete).toBe(true);
      expect(second.state).toEqual(first.state);
      const last = new URL(server.requestsTo(ENDPOINT).at(-1)!.path, server.url);
      expect(last.searchParams.get('modified_since')).toBe('2024-03-12T10:00:00.000000');
    });

    it('returns the pages read before a failure and resumes at the failed page', async () => {
      control.failPage = 2;
      const broken = await fetchOtxPulses(http, options());
      expect(broken.complete).toBe(false);
      expect(broken.error?.code).toBe('FEED_HTTP_STATUS');
      expect(broken.error?.message).toContain('HTTP 502');
      expect(broken.pulses).toHaveLength(2);
      expect(broken.state).toEqual({
        modifiedSince: null,
        resumePage: 2,
        pendingNewest: '2024-03-12T10:00:00.000000',
      });

      control.failPage = null;
      const before = server.requestsTo(ENDPOINT).length;
      const resumed = await fetchOtxPulses(http, options({ state: broken.state }));
      expect(resumed.complete).toBe(true);
      expect(resumed.pulses).toHaveLength(4);
      const pages = server
        .requestsTo(ENDPOINT)
        .slice(before)
        .map((r) => new URL(r.path, server.url).searchParams.get('page'));
      expect(pages).toEqual(['2', '3']);
      // The newest pulse was on page 1, read by the broken run: the cursor still reaches it.
      expect(resumed.state).toEqual({
        modifiedSince: '2024-03-12T10:00:00.000000',
        resumePage: null,
        pendingNewest: null,
      });
    });

    it('stops after maxPages without an error and continues next run', async () => {
      const partial = await fetchOtxPulses(http, options({ maxPages: 1 }));
      expect(partial).toMatchObject({ complete: false, error: null });
      expect(partial.state.resumePage).toBe(2);
    });

    it('reports a refused key with a hint and without the key', async () => {
      const result = await fetchOtxPulses(http, options({ apiKey: 'wrong-key-123' }));
      expect(result.error?.code).toBe('FEED_HTTP_STATUS');
      expect(result.error?.message).toContain('HTTP 403');
      expect(result.error?.message).toContain('Invalid API key');
      expect(result.error?.hint).toContain('otx_api_key');
      expect(`${result.error?.message} ${result.error?.hint}`).not.toContain('wrong-key-123');
      expect(result.pulses).toEqual([]);
    });
  },
);

describe('fetchOtxPulses next links', () => {
  it('never sends the key to another origin named by next', async () => {
    const elsewhere = await startFeedServer();
    try {
      server.handle(ENDPOINT, (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ count: 9, next: elsewhere.urlFor(`${ENDPOINT}?page=2`), results: [] })),
      );
      const result = await fetchOtxPulses(http, options());
      expect(result.error?.code).toBe('FEED_RESPONSE_INVALID');
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });
});
