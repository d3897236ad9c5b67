import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isYamoriError, type YamoriError } from '../../errors/index.js';
import { startFeedServer, type FeedServer } from '../testing.js';
import { createHttpGet, retryAfterMs, type HttpClientOptions } from './http-client.js';

const FEED = '# a feed\n203.0.113.9\n198.51.100.0/24\n'.repeat(50);

let server: FeedServer;
let sleeps: number[];

beforeEach(async () => {
  server = await startFeedServer();
  sleeps = [];
});
afterEach(async () => {
  await server.close();
});

function client(overrides: Partial<HttpClientOptions> = {}) {
  return createHttpGet({
    timeoutMs: 5000,
    maxBytes: 1 << 20,
    retries: 2,
    backoffMs: 100,
    userAgent: 'yamori-test/1',
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<YamoriError> {
  try {
    await promise;
  } catch (error) {
    if (isYamoriError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('createHttpGet conditional requests', () => {
  it('returns the body with its validators, then 304 when the client sends them back', async () => {
    const lastModified = new Date('2024-04-04T07:03:03Z');
    server.setFile('/feed.txt', { body: FEED, etag: '"v1"', lastModified });
    const get = client();
    const first = await get({ url: server.urlFor('/feed.txt') });
    expect(first).toMatchObject({ status: 200, notModified: false, etag: '"v1"' });
    expect(first.lastModified).toBe(lastModified.toUTCString());
    expect(first.body.toString()).toBe(FEED);
    expect(first.wireBytes).toBe(Buffer.byteLength(FEED));

    const second = await get({
      url: server.urlFor('/feed.txt'),
      etag: first.etag,
      lastModified: first.lastModified,
    });
    expect(second).toMatchObject({ status: 304, notModified: true, etag: '"v1"', wireBytes: 0 });
    expect(second.body.length).toBe(0);
    const sent = server.requests[1]!.headers;
    expect(sent['if-none-match']).toBe('"v1"');
    expect(sent['if-modified-since']).toBe(lastModified.toUTCString());
    expect(sent['user-agent']).toBe('yamori-test/1');
  });

  it('uses If-Modified-Since alone when the server sends no ETag', async () => {
    server.setFile('/feed.txt', { body: FEED, etag: null, lastModified: new Date('2025-01-17T00:00:00Z') });
    const get = client();
    const first = await get({ url: server.urlFor('/feed.txt') });
    expect(first.etag).toBeNull();
    const second = await get({ url: server.urlFor('/feed.txt'), lastModified: first.lastModified });
    expect(second.notModified).toBe(true);
    expect(second.lastModified).toBe(first.lastModified);
  });

  it('downloads again when the content changed behind the old ETag', async () => {
    server.setFile('/feed.txt', FEED);
    const get = client();
    const first = await get({ url: server.urlFor('/feed.txt') });
    server.setFile('/feed.txt', FEED + '192.0.2.1\n');
    const second = await get({ url: server.urlFor('/feed.txt'), etag: first.etag });
    expect(second.status).toBe(200);
    expect(second.body.toString()).toContain('192.0.2.1');
    expect(second.etag).not.toBe(first.etag);
  });
});

describe('createHttpGet retries', () => {
  it('retries a 500 and returns the 200 that follows, after one backoff', async () => {
    let calls = 0;
    server.handle('/flaky', (_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(500).end('oops');
      else res.writeHead(200).end(FEED);
    });
    const response = await client()({ url: server.urlFor('/flaky') });
    expect(response.status).toBe(200);
    expect(calls).toBe(2);
    // Backoff 100 ms with jitter in [50, 100]; random() = 0.5 gives 75.
    expect(sleeps).toEqual([75]);
  });

  it('returns the last 5xx as a status once retries are used up, backing off exponentially', async () => {
    server.handle('/down', (_req, res) => res.writeHead(503).end('<html>maintenance</html>'));
    const response = await client({ retries: 3 })({ url: server.urlFor('/down') });
    expect(response.status).toBe(503);
    expect(response.body.toString()).toContain('maintenance');
    expect(server.requestsTo('/down')).toHaveLength(4);
    expect(sleeps).toEqual([75, 150, 300]);
  });

  it('waits as long as Retry-After asks after a 429', async () => {
    let calls = 0;
    server.handle('/limited', (_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'retry-after': '7' }).end();
      else res.writeHead(200).end('ok');
    });
    const response = await client()({ url: server.urlFor('/limited') });
    expect(response.status).toBe(200);
    expect(sleeps).toEqual([7000]);
  });

  it('returns the 429 instead of waiting when Retry-After is beyond the bound', async () => {
    server.handle('/limited', (_req, res) => res.writeHead(429, { 'retry-after': '86400' }).end());
    const response = await client({ maxRetryAfterMs: 60_000 })({ url: server.urlFor('/limited') });
    expect(response.status).toBe(429);
    expect(server.requestsTo('/limited')).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('returns a 401 as a status without retrying', async () => {
    server.handle('/private', (_req, res) => res.writeHead(401).end('unauthorized'));
    const response = await client()({ url: server.urlFor('/private') });
    expect(response.status).toBe(401);
    expect(response.body.toString()).toBe('unauthorized');
    expect(server.requestsTo('/private')).toHaveLength(1);
  });

  it('retries a refused connection, then fails naming the URL without its key', async () => {
    const closed = await startFeedServer();
    const url = closed.urlFor('/feed.csv?auth-key=SECRETKEY123&x=1');
    await closed.close();
    const error = await rejection(
      client()({ url, headers: { 'Auth-Key': 'SECRETHEADER', 'X-OTX-API-KEY': 'SECRETOTX' } }),
    );
    expect(error.code).toBe('FEED_FETCH_FAILED');
    expect(error.message).toContain('/feed.csv?auth-key=...&x=1');
    expect(error.message).toContain('ECONNREFUSED');
    expect(sleeps).toHaveLength(2);
    for (const text of [error.message, error.hint, error.source ?? '']) {
      expect(text).not.toMatch(/SECRET/);
    }
  });

  it('retries a connection that closes in the middle of the body', async () => {
    let calls = 0;
    server.handle('/cut', (_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('only a little');
        setTimeout(() => res.destroy(), 20);
      } else {
        res.writeHead(200).end(FEED);
      }
    });
    const response = await client()({ url: server.urlFor('/cut') });
    expect(response.body.toString()).toBe(FEED);
    expect(calls).toBe(2);
  });
});

describe('createHttpGet timeouts', () => {
  it('times out a server that trickles bytes slower than the overall timeout allows', async () => {
    const timers: NodeJS.Timeout[] = [];
    server.handle('/slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      timers.push(setInterval(() => res.write('1'), 20));
    });
    const started = Date.now();
    const error = await rejection(
      client({ timeoutMs: 600, idleTimeoutMs: 500 })({ url: server.urlFor('/slow') }),
    );
    timers.forEach(clearInterval);
    expect(error.code).toBe('FEED_TIMEOUT');
    expect(error.message).toContain('no complete answer after 600 ms');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(server.requestsTo('/slow')).toHaveLength(1);
  });

  it('times out a body that stops arriving, after the idle timeout', async () => {
    server.handle('/stall', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    const error = await rejection(
      client({ timeoutMs: 5000, idleTimeoutMs: 150 })({ url: server.urlFor('/stall') }),
    );
    expect(error.code).toBe('FEED_TIMEOUT');
    expect(error.message).toContain('no data for 150 ms');
  });

  it('times out a server that accepts the request and never answers', async () => {
    server.handle('/silent', () => undefined);
    const error = await rejection(client({ timeoutMs: 300 })({ url: server.urlFor('/silent') }));
    expect(error.code).toBe('FEED_TIMEOUT');
  });
});

describe('createHttpGet size limit', () => {
  it('stops an endless chunked body at the limit, reading little more than the limit', async () => {
    const maxBytes = 256 * 1024;
    let written = 0;
    let closed = false;
    const chunk = Buffer.alloc(16 * 1024, 0x41);
    server.handle('/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.on('close', () => {
        closed = true;
      });
      const pump = (): void => {
        while (!closed && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    const error = await rejection(client({ maxBytes })({ url: server.urlFor('/endless') }));
    expect(error.code).toBe('FEED_TOO_LARGE');
    expect(error.message).toContain('256 KiB');
    await expect.poll(() => closed, { timeout: 2000 }).toBe(true);
    // Socket buffers hold a few megabytes at most; an unbounded reader would have taken far more.
    expect(written).toBeLessThan(maxBytes + 16 * 1024 * 1024);
  });

  it('stops a gzip bomb after the limit of decompressed bytes, having read only a few kilobytes', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    server.setFile('/bomb.txt', { body: bomb, headers: { 'content-encoding': 'gzip' } });
    const error = await rejection(client({ maxBytes: 1 << 20 })({ url: server.urlFor('/bomb.txt') }));
    expect(error.code).toBe('FEED_TOO_LARGE');
    expect(error.message).toContain('after decompression');
  });

  it('refuses a declared Content-Length above the limit without reading the body', async () => {
    server.setFile('/big.txt', Buffer.alloc(2048, 0x41));
    const error = await rejection(client({ maxBytes: 1024 })({ url: server.urlFor('/big.txt') }));
    expect(error.code).toBe('FEED_TOO_LARGE');
    expect(error.message).toContain('Content-Length is 2048 bytes');
  });

  it('takes a per-request limit over the default', async () => {
    server.setFile('/big.txt', Buffer.alloc(2048, 0x41));
    const response = await client({ maxBytes: 1024 })({ url: server.urlFor('/big.txt'), maxBytes: 4096 });
    expect(response.body.length).toBe(2048);
  });
});

describe('createHttpGet decompression', () => {
  const body = Buffer.from(FEED);
  const cases: { description: string; served: Buffer; headers: Record<string, string> }[] = [
    { description: 'Content-Encoding gzip', served: gzipSync(body), headers: { 'content-encoding': 'gzip' } },
    {
      description: 'Content-Encoding br',
      served: brotliCompressSync(body),
      headers: { 'content-encoding': 'br' },
    },
    {
      description: 'Content-Encoding deflate (zlib)',
      served: deflateSync(body),
      headers: { 'content-encoding': 'deflate' },
    },
    {
      description: 'Content-Encoding deflate sent raw',
      served: deflateRawSync(body),
      headers: { 'content-encoding': 'deflate' },
    },
    { description: 'a .gz file', served: gzipSync(body), headers: {} },
    {
      description: 'a .gz file sent with Content-Encoding gzip on top',
      served: gzipSync(gzipSync(body)),
      headers: { 'content-encoding': 'gzip' },
    },
    {
      description: 'a .zip file with one entry',
      served: Buffer.from(zipSync({ 'csv.txt': body })),
      headers: {},
    },
    {
      description: 'a .zip file whose first entry is a folder',
      served: Buffer.from(zipSync({ 'full/': {}, 'full/csv.txt': body, 'other.txt': new Uint8Array([1]) })),
      headers: {},
    },
  ];
  for (const { description, served, headers } of cases) {
    it(`decodes ${description}`, async () => {
      server.setFile('/feed', { body: served, headers });
      const response = await client()({ url: server.urlFor('/feed') });
      expect(response.body.toString()).toBe(FEED);
      expect(response.wireBytes).toBe(served.length);
    });
  }

  it('fails a truncated gzip body with a readable reason instead of returning part of it', async () => {
    const gz = gzipSync(body);
    server.setFile('/feed.gz', gz.subarray(0, gz.length - 12));
    const error = await rejection(client()({ url: server.urlFor('/feed.gz') }));
    expect(error.code).toBe('FEED_FETCH_FAILED');
    expect(error.message).toContain('truncated compressed body');
    expect(server.requestsTo('/feed.gz')).toHaveLength(1);
  });

  it('fails a truncated Content-Encoding gzip body the same way', async () => {
    const gz = gzipSync(body);
    server.setFile('/feed.txt', {
      body: gz.subarray(0, gz.length / 2),
      headers: { 'content-encoding': 'gzip' },
    });
    const error = await rejection(client()({ url: server.urlFor('/feed.txt') }));
    expect(error.message).toContain('truncated compressed body');
  });

  it('fails a damaged zip archive', async () => {
    const zip = Buffer.from(zipSync({ 'csv.txt': body }));
    server.setFile('/feed.zip', zip.subarray(0, zip.length - 30));
    const error = await rejection(client()({ url: server.urlFor('/feed.zip') }));
    expect(error.code).toBe('FEED_FETCH_FAILED');
    expect(error.message).toContain('zip archive is damaged');
  });

  it('refuses a zip entry that declares more than the limit', async () => {
    const zip = Buffer.from(zipSync({ 'csv.txt': Buffer.alloc(4 << 20) }));
    server.setFile('/feed.zip', zip);
    const error = await rejection(client({ maxBytes: 1 << 20 })({ url: server.urlFor('/feed.zip') }));
    expect(error.code).toBe('FEED_TOO_LARGE');
    expect(error.message).toContain('csv.txt');
  });

  it('refuses a Content-Encoding it did not ask for', async () => {
    server.setFile('/feed.txt', { body, headers: { 'content-encoding': 'zstd' } });
    const error = await rejection(client()({ url: server.urlFor('/feed.txt') }));
    expect(error.message).toContain('"zstd"');
  });
});

describe('createHttpGet redirects', () => {
  it('follows a redirect and reports the final URL', async () => {
    server.handle('/old', (_req, res) => res.writeHead(301, { location: '/new.txt' }).end());
    server.setFile('/new.txt', FEED);
    const response = await client()({ url: server.urlFor('/old') });
    expect(response.status).toBe(200);
    expect(response.url).toBe(server.urlFor('/new.txt'));
    expect(response.body.toString()).toBe(FEED);
  });

  it('drops key headers when a redirect leaves the origin, and keeps them within it', async () => {
    const other = await startFeedServer({ files: { '/feed.txt': FEED } });
    try {
      server.handle('/same', (_req, res) => res.writeHead(302, { location: '/away' }).end());
      server.handle('/away', (_req, res) =>
        res.writeHead(302, { location: other.urlFor('/feed.txt') }).end(),
      );
      const response = await client()({
        url: server.urlFor('/same'),
        headers: { 'Auth-Key': 'k1', 'X-OTX-API-KEY': 'k2', Authorization: 'Basic x', Accept: 'text/plain' },
      });
      expect(response.body.toString()).toBe(FEED);
      expect(server.requestsTo('/away')[0]!.headers['auth-key']).toBe('k1');
      const final = other.requests[0]!.headers;
      expect(final['auth-key']).toBeUndefined();
      expect(final['x-otx-api-key']).toBeUndefined();
      expect(final.authorization).toBeUndefined();
      expect(final.accept).toBe('text/plain');
    } finally {
      await other.close();
    }
  });

  it('gives up on a redirect loop', async () => {
    server.handle('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    const error = await rejection(client()({ url: server.urlFor('/loop') }));
    expect(error.code).toBe('FEED_FETCH_FAILED');
    expect(error.message).toContain('more than 5 redirects');
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['seconds', '120', 120_000],
    ['an HTTP date', 'Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
    ['a date in the past', 'Tue, 31 Dec 2024 00:00:00 GMT', 0],
    ['garbage', 'soon', null],
    ['absent', undefined, null],
  ])('reads %s', (_name, value, expected) => {
    expect(retryAfterMs(value, now)).toBe(expected);
  });
});
