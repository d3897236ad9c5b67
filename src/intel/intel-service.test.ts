/**
 * The intel service's reads of the feed runs on a real DuckDB store: status() judges each feed by its
 * latest runs, and the schedule fetches (from a local server) only the enabled feeds that are due.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type IntelConfig } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { openDuckDbStore, type FeedRun, type Store } from '../store/index.js';
import { judgeFeedHealth } from './feed-health.js';
import { createIntelService } from './intel-service.js';
import { startFeedServer, type FeedServer } from './testing.js';

const log = createLogger({ level: 'silent' });
const NOW = Date.UTC(2026, 10, 1) * 1000;
const MINUTE = 60_000_000;

const run = (feed: string, startedAt: number, overrides: Partial<FeedRun> = {}): FeedRun => ({
  feed,
  startedAt,
  finishedAt: startedAt + 2_000_000,
  status: 'ok',
  httpStatus: 200,
  bytes: 100,
  contentHash: 'sha256:1',
  etag: null,
  lastModified: null,
  added: 1,
  updated: 0,
  removed: 0,
  indicatorCount: 1,
  errorCode: null,
  errorMessage: null,
  ...overrides,
});

describe('intel service: feed runs', () => {
  let store: Store;
  let server: FeedServer;
  const base = (): IntelConfig => ({ ...loadConfig({ path: null, env: {} }).intel, fetchRetries: 0 });

  beforeEach(async () => {
    store = await openDuckDbStore({
      database: { path: ':memory:' },
      maxBatchRows: 1000,
      flushIntervalMs: 1000,
    });
    server = await startFeedServer({
      files: { '/cins.txt': '192.0.2.7\n', '/tor.txt': '198.51.100.9\n', '/feodo.csv': '' },
    });
  });
  afterEach(async () => {
    await store.close();
    await server.close();
  });

  it('judges every feed by its own latest ten runs, and a feed without runs by none', async () => {
    const intel = createIntelService(base(), { store, log, now: () => NOW });
    // feodo: 12 runs, the newest ten refused (HTTP 401): within ten, it never had data; urlhaus: one.
    for (let i = 0; i < 12; i++) {
      const failed = i < 10;
      await store.recordFeedRun(
        run('feodo', NOW - (i + 1) * 10 * MINUTE, {
          status: failed ? 'error' : 'ok',
          httpStatus: failed ? 401 : 200,
          errorCode: failed ? 'FEED_HTTP_STATUS' : null,
          errorMessage: failed ? 'the server answered HTTP 401' : null,
        }),
      );
    }
    await store.recordFeedRun(run('urlhaus', NOW - 5 * MINUTE));

    const status = await intel.status();
    expect(status.map((s) => s.feed.name)).toEqual(intel.feeds().map((f) => f.name));
    for (const one of status) {
      const runs = await store.listFeedRuns(one.feed.name, 10);
      expect(one.lastRun).toEqual(runs[0] ?? null);
      expect(one.health).toEqual(judgeFeedHealth({ runs, scheduleS: one.feed.scheduleS, now: NOW }));
    }
    const byName = new Map(status.map((s) => [s.feed.name, s]));
    expect(byName.get('feodo')?.lastRun).toMatchObject({ startedAt: NOW - 10 * MINUTE, status: 'error' });
    expect(byName.get('feodo')?.health).toEqual({
      status: 'auth-required',
      problem: 'the feed refuses access (HTTP 401/403): it needs a key',
    });
    expect(byName.get('urlhaus')?.lastRun?.startedAt).toBe(NOW - 5 * MINUTE);
    expect(byName.get('cins')?.lastRun).toBeNull();
  });

  it('fetches on schedule only the enabled feeds whose last run is older than their schedule', async () => {
    const feeds: IntelConfig['feeds'] = {};
    for (const one of createIntelService(base(), { store, log }).feeds())
      feeds[one.name] = { enabled: false };
    feeds['feodo'] = { enabled: true, url: server.urlFor('/feodo.csv'), schedule: 3_600 };
    feeds['cins'] = { enabled: true, url: server.urlFor('/cins.txt'), schedule: 3_600 };
    feeds['tor-exits'] = { enabled: true, url: server.urlFor('/tor.txt'), schedule: 3_600 };
    const intel = createIntelService({ ...base(), feeds }, { store, log, now: () => NOW });
    await store.recordFeedRun(run('feodo', NOW - 30 * MINUTE)); // ran within its hour: not due
    await store.recordFeedRun(run('cins', NOW - 61 * MINUTE)); // last ran over an hour ago: due
    await store.recordFeedRun(run('urlhaus', NOW - 600 * MINUTE)); // due, but disabled
    // tor-exits never ran: due.

    await intel.start();
    await intel.stop();

    expect(server.requests.map((r) => r.path).sort()).toEqual(['/cins.txt', '/tor.txt']);
    const latest = await store.listLatestFeedRuns(1);
    expect(latest.get('cins')?.[0]?.startedAt).toBe(NOW);
    expect(latest.get('tor-exits')?.[0]?.startedAt).toBe(NOW);
    expect(latest.get('feodo')?.[0]?.startedAt).toBe(NOW - 30 * MINUTE);
    expect(latest.get('urlhaus')?.[0]?.startedAt).toBe(NOW - 600 * MINUTE);
  });
});
