import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isYamoriError } from '../../errors/index.js';
import { createHttpGet } from '../fetch/http-client.js';
import type { ResolvedFeed } from '../resolve-feeds.js';
import { startFeedServer, type FeedServer } from '../testing.js';
import { fetchSourceDrafts } from './run-source.js';

const MISP_DIR = path.resolve(process.cwd(), '../shared/feeds/misp_feed_digitalside');
const http = createHttpGet({
  timeoutMs: 5000,
  maxBytes: 1 << 20,
  retries: 0,
  backoffMs: 1,
  userAgent: 'yamori-test',
});
const deps = (headers: Record<string, string> = {}) => ({ http, headers, parsers: new Map() });

function feed(kind: ResolvedFeed['kind'], url: string, options: Record<string, unknown> = {}): ResolvedFeed {
  return {
    name: `test-${kind}`,
    title: kind,
    provider: 'test',
    kind,
    url,
    format: kind === 'otx-pulses' ? 'otx' : kind,
    options,
    scheduleS: 3600,
    licence: 'test',
    homepage: url,
    enabledByDefault: false,
    auth: null,
    isComplete: false,
    enabled: true,
    isBuiltin: false,
  };
}

/** The cursor goes to the database as JSON; what comes back must work the same. */
const throughJson = (cursor: unknown): unknown => JSON.parse(JSON.stringify(cursor));

let server: FeedServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isYamoriError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!existsSync(MISP_DIR))(
  'fetchSourceDrafts for a MISP feed (skipped: ../shared absent)',
  () => {
    it('returns every event the first time and nothing once the cursor has come back through JSON', async () => {
      server = await startFeedServer({ root: MISP_DIR });
      const definition = feed('misp-feed', server.url + '/');
      const first = await fetchSourceDrafts(definition, null, deps());
      expect(first.drafts.length).toBeGreaterThan(30);
      expect(first.bytes).toBeGreaterThan(10_000);
      expect(first.partialError).toBeNull();
      const second = await fetchSourceDrafts(definition, throughJson(first.cursor), deps());
      expect(second.drafts).toEqual([]);
      expect(second.bytes).toBe(0);
    });
  },
);

describe('fetchSourceDrafts', () => {
  it('runs a TAXII collection and keeps its added_after cursor', async () => {
    server = await startFeedServer();
    server.setFile(
      '/api/collections/',
      JSON.stringify({ collections: [{ id: 'c1', title: 'IOCs', can_read: true }] }),
    );
    server.setFile(
      '/api/',
      JSON.stringify({ title: 'root', versions: ['application/taxii+json;version=2.1'] }),
    );
    server.handle('/api/collections/c1/objects/', (_req, res, url) => {
      const after = url.searchParams.get('added_after');
      const objects =
        after === null
          ? [
              {
                type: 'indicator',
                id: 'indicator--1',
                pattern_type: 'stix',
                pattern: "[domain-name:value = 'c2.example']",
              },
            ]
          : [];
      res
        .writeHead(200, {
          'content-type': 'application/taxii+json;version=2.1',
          'x-taxii-date-added-last': '2024-05-01T00:00:00Z',
        })
        .end(JSON.stringify({ more: false, objects }));
    });
    const definition = feed('taxii21', server.urlFor('/api/'), { collection: 'IOCs' });
    const first = await fetchSourceDrafts(definition, null, deps());
    expect(first.drafts.map((d) => d.value)).toEqual(['c2.example']);
    expect(first.cursor).toEqual({ addedAfter: '2024-05-01T00:00:00Z' });
    const second = await fetchSourceDrafts(definition, throughJson(first.cursor), deps());
    expect(second.drafts).toEqual([]);
  });

  it('refuses a TAXII feed that names no collection', async () => {
    const error = await rejection(
      fetchSourceDrafts(feed('taxii21', 'http://127.0.0.1:9/taxii2/'), null, deps()),
    );
    expect(error.code).toBe('FEED_OPTIONS_INVALID');
  });

  it('refuses an OTX feed without an API key, before any request', async () => {
    server = await startFeedServer();
    const error = await rejection(
      fetchSourceDrafts(feed('otx-pulses', server.urlFor('/api/v1/pulses/subscribed')), null, deps()),
    );
    expect(error.code).toBe('FEED_KEY_MISSING');
    expect(server.requests).toHaveLength(0);
  });

  it('throws the OTX error when not one page could be read, and keeps partial pages otherwise', async () => {
    server = await startFeedServer();
    let pageTwoFails = true;
    server.handle('/api/v1/pulses/subscribed', (_req, res, url) => {
      const page = Number(url.searchParams.get('page'));
      if (page === 2 && pageTwoFails) return res.writeHead(500).end();
      const pulse = {
        id: `p${page}`,
        name: `pulse ${page}`,
        modified: `2024-01-0${page}T00:00:00`,
        indicators: [{ indicator: `192.0.2.${page}`, type: 'IPv4', created: '2024-01-01T00:00:00' }],
      };
      const next = page < 2 ? server!.urlFor(`/api/v1/pulses/subscribed?limit=1&page=${page + 1}`) : null;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ count: 2, next, results: [pulse] }));
    });
    const definition = feed('otx-pulses', server.urlFor('/api/v1/pulses/subscribed'), { limit: 1 });
    const headers = { 'X-OTX-API-KEY': 'k' };
    const partial = await fetchSourceDrafts(definition, null, deps(headers));
    expect(partial.drafts.map((d) => d.value)).toEqual(['192.0.2.1']);
    expect(partial.partialError?.code).toBe('FEED_HTTP_STATUS');
    expect(partial.cursor).toMatchObject({ resumePage: 2 });

    const stuck = await rejection(fetchSourceDrafts(definition, throughJson(partial.cursor), deps(headers)));
    expect(stuck.code).toBe('FEED_HTTP_STATUS');

    pageTwoFails = false;
    const resumed = await fetchSourceDrafts(definition, throughJson(partial.cursor), deps(headers));
    expect(resumed.drafts.map((d) => d.value)).toEqual(['192.0.2.2']);
    expect(resumed.cursor).toEqual({
      modifiedSince: '2024-01-02T00:00:00',
      resumePage: null,
      pendingNewest: null,
    });
  });
});
