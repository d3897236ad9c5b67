import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isYamoriError, type YamoriError } from '../../errors/index.js';
import { createHttpGet } from '../fetch/http-client.js';
import { parseStixObjects } from '../parsers/stix21.js';
import { startFeedServer, type FeedServer } from '../testing.js';
import { fetchTaxiiCollection, TAXII_MEDIA_TYPE, type TaxiiOptions } from './taxii21.js';

const COLLECTION = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';
const AUTH = `Basic ${Buffer.from('analyst:hunter2').toString('base64')}`;

interface Stored {
  dateAdded: string;
  object: Record<string, unknown>;
}

/** A TAXII 2.1 server on the feed server: Basic auth, added_after, limit, and next tokens or not. */
function installTaxii(server: FeedServer, store: Stored[], settings: { sendNext: boolean }) {
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': TAXII_MEDIA_TYPE, ...headers }).end(JSON.stringify(body));
  const guarded =
    (handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void) =>
    (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if (req.headers.authorization !== AUTH) return json(res, 401, { title: 'Unauthorized' });
      if (!req.headers.accept?.includes('application/taxii+json'))
        return json(res, 406, { title: 'Not Acceptable' });
      handler(req, res, url);
    };
  server.handle(
    '/taxii2/',
    guarded((_req, res) =>
      json(res, 200, {
        title: 'Test TAXII',
        default: server.urlFor('/api1/'),
        api_roots: ['/api1/', '/api2/'],
      }),
    ),
  );
  server.handle(
    '/api1/',
    guarded((_req, res) =>
      json(res, 200, { title: 'API root', versions: [TAXII_MEDIA_TYPE], max_content_length: 1e7 }),
    ),
  );
  server.handle(
    '/api1/collections/',
    guarded((_req, res) =>
      json(res, 200, {
        collections: [
          {
            id: 'c0ffee00-0000-4000-8000-000000000000',
            title: 'Write only',
            can_read: false,
            can_write: true,
          },
          { id: COLLECTION, title: 'Indicators', can_read: true, can_write: false },
        ],
      }),
    ),
  );
  server.handle(
    `/api1/collections/${COLLECTION}/objects/`,
    guarded((_req, res, url) => {
      const after = url.searchParams.get('added_after');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const offset = Number(url.searchParams.get('next') ?? 0);
      const matching = store.filter((s) => after === null || s.dateAdded > after);
      const page = matching.slice(offset, offset + limit);
      const more = offset + limit < matching.length;
      const headers: Record<string, string> = {};
      if (page.length > 0) {
        headers['x-taxii-date-added-first'] = page[0]!.dateAdded;
        headers['x-taxii-date-added-last'] = page[page.length - 1]!.dateAdded;
      }
      const envelope: Record<string, unknown> = { more };
      if (page.length > 0) envelope.objects = page.map((s) => s.object);
      if (more && settings.sendNext) envelope.next = String(offset + limit);
      json(res, 200, envelope, headers);
    }),
  );
}

function stored(n: number): Stored {
  const dateAdded = `2024-03-0${Math.floor(n / 10) + 1}T00:00:${String(n % 60).padStart(2, '0')}.000000Z`;
  return {
    dateAdded,
    object: {
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      created: '2024-03-01T00:00:00Z',
      modified: '2024-03-01T00:00:00Z',
      pattern_type: 'stix',
      pattern: `[ipv4-addr:value = '198.51.100.${n}']`,
      valid_from: '2024-03-01T00:00:00Z',
    },
  };
}

let server: FeedServer;
let store: Stored[];
const http = createHttpGet({
  timeoutMs: 5000,
  maxBytes: 1 << 20,
  retries: 0,
  backoffMs: 1,
  userAgent: 'yamori-test',
});

beforeEach(async () => {
  server = await startFeedServer();
  store = Array.from({ length: 7 }, (_, i) => stored(i + 1));
});
afterEach(async () => {
  await server.close();
});

const options = (overrides: Partial<TaxiiOptions> = {}): TaxiiOptions => ({
  discoveryUrl: server.urlFor('/taxii2/'),
  collectionTitle: 'indicators',
  username: 'analyst',
  password: 'hunter2',
  addedAfter: null,
  pageLimit: 3,
  maxPages: 10,
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<YamoriError> {
  try {
    await promise;
  } catch (error) {
    if (isYamoriError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('fetchTaxiiCollection', () => {
  it('walks discovery, the API root and collections, then pages through all objects', async () => {
    installTaxii(server, store, { sendNext: true });
    const result = await fetchTaxiiCollection(http, options());
    expect(result.pages).toBe(3);
    expect(result.more).toBe(false);
    expect(result.objects).toHaveLength(7);
    expect(result.nextAddedAfter).toBe(store[6]!.dateAdded);
    const pageRequests = server.requestsTo(`/api1/collections/${COLLECTION}/objects/`);
    expect(pageRequests.map((r) => new URL(r.path, server.url).searchParams.get('next'))).toEqual([
      null,
      '3',
      '6',
    ]);
    expect(pageRequests.every((r) => r.headers.accept === TAXII_MEDIA_TYPE)).toBe(true);

    const parsed = parseStixObjects(result.objects, { feed: 'taxii', location: 'test', options: {} });
    expect(parsed.indicators.map((d) => d.value)).toEqual(store.map((_, i) => `198.51.100.${i + 1}`));
  });

  it('asks only for objects added after the last run, and keeps the cursor when none are new', async () => {
    installTaxii(server, store, { sendNext: true });
    const first = await fetchTaxiiCollection(http, options());
    const again = await fetchTaxiiCollection(http, options({ addedAfter: first.nextAddedAfter }));
    expect(again.objects).toEqual([]);
    expect(again.nextAddedAfter).toBe(first.nextAddedAfter);

    store.push(stored(21), stored(22));
    const later = await fetchTaxiiCollection(http, options({ addedAfter: first.nextAddedAfter }));
    expect(later.objects.map((o) => (o as { id: string }).id)).toEqual([
      store[7]!.object.id,
      store[8]!.object.id,
    ]);
    expect(later.nextAddedAfter).toBe(store[8]!.dateAdded);
    const lastQuery = new URL(
      server.requestsTo(`/api1/collections/${COLLECTION}/objects/`).at(-1)!.path,
      server.url,
    );
    expect(lastQuery.searchParams.get('added_after')).toBe(first.nextAddedAfter);
  });

  it('pages by X-TAXII-Date-Added-Last when the server sends no next token', async () => {
    installTaxii(server, store, { sendNext: false });
    const result = await fetchTaxiiCollection(http, options());
    expect(result.objects).toHaveLength(7);
    expect(result.pages).toBe(3);
    const afters = server
      .requestsTo(`/api1/collections/${COLLECTION}/objects/`)
      .map((r) => new URL(r.path, server.url).searchParams.get('added_after'));
    expect(afters).toEqual([null, store[2]!.dateAdded, store[5]!.dateAdded]);
  });

  it('stops at maxPages and resumes from where it stopped on the next run', async () => {
    installTaxii(server, store, { sendNext: true });
    const partial = await fetchTaxiiCollection(http, options({ maxPages: 2 }));
    expect(partial.objects).toHaveLength(6);
    expect(partial.more).toBe(true);
    expect(partial.nextAddedAfter).toBe(store[5]!.dateAdded);
    const rest = await fetchTaxiiCollection(
      http,
      options({ maxPages: 2, addedAfter: partial.nextAddedAfter }),
    );
    expect(rest.objects).toEqual([store[6]!.object]);
    expect(rest.more).toBe(false);
  });

  it('goes straight to a configured API root and collection id, skipping discovery', async () => {
    installTaxii(server, store, { sendNext: true });
    const result = await fetchTaxiiCollection(
      http,
      options({ discoveryUrl: undefined, apiRootUrl: server.urlFor('/api1'), collectionId: COLLECTION }),
    );
    expect(result.objects).toHaveLength(7);
    expect(server.requestsTo('/taxii2/')).toHaveLength(0);
  });

  it('fails on refused credentials with a hint about them, never showing the password', async () => {
    installTaxii(server, store, { sendNext: true });
    const error = await rejection(fetchTaxiiCollection(http, options({ password: 'wrong-secret' })));
    expect(error.code).toBe('FEED_HTTP_STATUS');
    expect(error.message).toContain('HTTP 401');
    expect(error.hint).toContain('username and password');
    expect(`${error.message} ${error.hint}`).not.toContain('wrong-secret');
  });

  it('names the collections on offer when the configured one is missing', async () => {
    installTaxii(server, store, { sendNext: true });
    const error = await rejection(fetchTaxiiCollection(http, options({ collectionTitle: 'Malware' })));
    expect(error.code).toBe('FEED_RESPONSE_INVALID');
    expect(error.message).toContain('"Indicators" (91a7b528');
  });

  it('refuses a collection it may not read', async () => {
    installTaxii(server, store, { sendNext: true });
    const error = await rejection(fetchTaxiiCollection(http, options({ collectionTitle: 'Write only' })));
    expect(error.message).toContain('cannot be read');
  });

  it('reports a discovery URL that answers with an HTML page', async () => {
    server.setFile('/taxii2/', { body: '<html><body>Login</body></html>', contentType: 'text/html' });
    const error = await rejection(fetchTaxiiCollection(http, options()));
    expect(error.code).toBe('FEED_RESPONSE_INVALID');
    expect(error.message).toContain('not JSON');
  });
});
