/**
 * Threat intelligence end to end on a real DuckDB store: the built-in feeds fetched from a local HTTP
 * server that serves the real upstream files of ../shared/feeds, then refreshed unchanged, changed,
 * and broken in every way the issue lists. The indicators of the last good run must survive each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type IntelConfig } from '../src/config/index.js';
import { createIntelService, FEED_PARSERS, type IntelService } from '../src/intel/index.js';
import { startFeedServer, type FeedServer } from '../src/intel/testing.js';
import { createLogger } from '../src/log/index.js';
import { openDuckDbStore, type Store } from '../src/store/index.js';

const FEEDS_DIR = join(process.cwd(), '../shared/feeds');
const HAS_FEEDS = existsSync(FEEDS_DIR);

/** Built-in feed → the real file it is served from (format overrides where the sample is another variant). */
const SERVED: Record<string, { file: string; format?: string }> = {
  feodo: { file: 'feodo_ipblocklist.csv' },
  urlhaus: { file: 'urlhaus_csv_online.csv' },
  'urlhaus-hosts': { file: 'urlhaus_hostfile.txt' },
  'sslbl-ip': { file: 'sslbl_sslipblacklist.csv' },
  'sslbl-cert': { file: 'sslbl_sslblacklist.csv' },
  'sslbl-ja3': { file: 'sslbl_ja3_fingerprints.csv' },
  'spamhaus-drop': { file: 'spamhaus_drop_v4.json' },
  'spamhaus-dropv6': { file: 'spamhaus_dropv6.txt', format: 'spamhaus-drop' },
  'spamhaus-asndrop': { file: 'spamhaus_asndrop.json' },
  'spamhaus-drop-txt': { file: 'spamhaus_drop.txt' },
  'spamhaus-edrop-txt': { file: 'spamhaus_edrop.txt' },
  'et-compromised': { file: 'et_compromised-ips.txt' },
  'et-block': { file: 'et_emerging-Block-IPs.txt' },
  'tor-exits': { file: 'tor_torbulkexitlist.txt' },
  'tor-exit-addresses': { file: 'tor_exit-addresses.txt' },
  cins: { file: 'cins_ci-badguys.txt' },
  'blocklist-de': { file: 'firehol_blocklist_de.ipset', format: 'firehol-ipset' },
  'firehol-level1': { file: 'firehol_level1.netset' },
  ipsum: { file: 'ipsum_levels_3.txt' },
  openphish: { file: 'openphish_feed.txt' },
  phishtank: { file: 'phishtank_online-valid.csv' },
  'stix-c2': { file: 'stix21_indicators-for-C2-with-COA.json', format: 'stix21' },
};

const log = createLogger({ level: 'silent' });

describe.skipIf(!HAS_FEEDS)('feeds from a local server (needs ../shared/feeds)', () => {
  let server: FeedServer;
  let store: Store;
  let intel: IntelService;
  let clock = Date.UTC(2026, 10, 1) * 1000;
  const HOUR = 3_600_000_000;

  const configFor = (server: FeedServer, extra: Partial<IntelConfig> = {}): IntelConfig => {
    const feeds: IntelConfig['feeds'] = {};
    for (const [name, served] of Object.entries(SERVED)) {
      feeds[name] = {
        enabled: true,
        url: server.urlFor('/' + served.file),
        ...(served.format ? { format: served.format } : {}),
      };
    }
    // The JSON ThreatFox and OTX feeds have no verbatim upstream sample: leave them off here.
    feeds['threatfox'] = { enabled: false };
    return { ...loadConfig({ path: null, env: {} }).intel, feeds, fetchRetries: 0, ...extra };
  };

  beforeAll(async () => {
    server = await startFeedServer({ root: FEEDS_DIR });
    store = await openDuckDbStore({
      database: { path: ':memory:' },
      maxBatchRows: 1000,
      flushIntervalMs: 1000,
    });
    intel = createIntelService(configFor(server), { store, log, now: () => clock });
    await intel.syncSettings();
  });

  afterAll(async () => {
    await store?.close();
    await server?.close();
  });

  it('fetches every served feed and stores what its parser yields', async () => {
    const results = await intel.update(Object.keys(SERVED));
    const failures = results
      .filter((r) => r.run.status !== 'ok')
      .map((r) => `${r.feed}: ${r.run.errorMessage ?? ''}`);
    expect(failures).toEqual([]);
    const stats = await store.indicatorStats();
    for (const [name, served] of Object.entries(SERVED)) {
      const parser = FEED_PARSERS.get(served.format ?? intel.feed(name).format)!;
      const text = readFileSync(join(FEEDS_DIR, served.file), 'utf8');
      const parsed = parser.parse(text, {
        feed: name,
        location: served.file,
        options: intel.feed(name).options,
      });
      const unique = new Set(parsed.indicators.map((d) => `${d.type}|${d.value}|${d.port ?? ''}`)).size;
      expect(unique, name).toBeGreaterThan(0);
      expect(stats.find((s) => s.source === name)?.active, name).toBe(unique);
      expect(results.find((r) => r.feed === name)?.run.added, name).toBe(unique);
    }
  });

  it('answers an unchanged refresh with one conditional request each and writes nothing', async () => {
    clock += HOUR;
    const before = server.requests.length;
    const results = await intel.update(Object.keys(SERVED));
    expect(results.map((r) => r.run.status)).toEqual(Object.keys(SERVED).map(() => 'unchanged'));
    expect(results.every((r) => r.run.httpStatus === 304)).toBe(true);
    expect(server.requests.length - before).toBe(Object.keys(SERVED).length);
  });

  it('finds the same file loaded by hand unchanged by its hash and leaves the stored feed state alone', async () => {
    clock += HOUR;
    const state = async () => (await store.query("SELECT * FROM feed_state WHERE feed = 'feodo'")).rows;
    const before = await state();
    const path = join(FEEDS_DIR, 'feodo_ipblocklist.csv');
    const [result] = await intel.update(['feodo'], { kind: 'file', path });
    expect(result!.run).toMatchObject({ status: 'unchanged', bytes: readFileSync(path).length });
    expect(before).toHaveLength(1);
    expect(await state()).toEqual(before);
  });

  it('adds, updates and retires exactly the difference when a feed changes', async () => {
    clock += HOUR;
    const original = readFileSync(join(FEEDS_DIR, 'feodo_ipblocklist.csv'), 'utf8');
    const lines = original.split('\n');
    const dataIndexes = lines.flatMap((l, i) => (l.startsWith('"20') ? [i] : []));
    const [first, second, third] = dataIndexes;
    const changed = lines.slice();
    changed[first!] = changed[first!]!.replace(/"Pikabot"$/, '"QakBot"');
    changed.splice(third!, 1);
    changed.splice(second!, 1);
    changed.splice(
      dataIndexes[3]! - 2,
      0,
      '"2024-04-05 10:00:00","198.51.100.77","443","online","2024-04-05","Pikabot"',
    );
    server.setFile('/feodo_ipblocklist.csv', changed.join('\n'));
    const [result] = await intel.update(['feodo']);
    expect(result!.run).toMatchObject({ status: 'ok', added: 1, updated: 1, removed: 2 });
    const lookup = await store.lookupIndicators('198.51.100.77');
    const feodo = lookup.filter((m) => m.source === 'feodo');
    expect(feodo.map((m) => [m.value, m.port, m.malwareFamily])).toEqual([['198.51.100.77', 443, 'Pikabot']]);
  });

  it('reactivates an entry that returns instead of duplicating it', async () => {
    clock += HOUR;
    server.setFile('/feodo_ipblocklist.csv', readFileSync(join(FEEDS_DIR, 'feodo_ipblocklist.csv'), 'utf8'));
    const [result] = await intel.update(['feodo']);
    expect(result!.run).toMatchObject({ status: 'ok', added: 2, removed: 1 });
    const ip = /"(\d+\.\d+\.\d+\.\d+)"/.exec(
      readFileSync(join(FEEDS_DIR, 'feodo_ipblocklist.csv'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('"20'))[1]!,
    )![1]!;
    const matches = (await store.lookupIndicators(ip)).filter((m) => m.source === 'feodo');
    expect(matches.length).toBeGreaterThanOrEqual(1);
    expect(matches[0]!.listings.length).toBe(2);
  });

  describe('hostile responses keep the last good indicators and record a readable error', () => {
    const feodoCount = async (): Promise<number> =>
      (await store.indicatorStats()).find((s) => s.source === 'feodo')?.active ?? 0;

    const cases: {
      name: string;
      serve: (server: FeedServer) => void;
      code: string;
      maxFeedBytes?: number;
      timeoutS?: number;
    }[] = [
      {
        name: 'an HTML error page served as CSV',
        serve: (s) =>
          s.setFile('/feodo_ipblocklist.csv', {
            body: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>',
            contentType: 'text/html',
          }),
        code: 'FEED_PARSE_FAILED',
      },
      {
        name: 'a truncated gzip body',
        serve: (s) =>
          s.setFile('/feodo_ipblocklist.csv', {
            body: gzipSync(readFileSync(join(FEEDS_DIR, 'feodo_ipblocklist.csv'))).subarray(0, 200),
            headers: { 'content-encoding': 'gzip' },
          }),
        code: 'FEED_FETCH_FAILED',
      },
      {
        name: 'an endless body beyond the size limit',
        serve: (s) =>
          s.handle('/feodo_ipblocklist.csv', (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/csv' });
            const chunk = Buffer.alloc(64 * 1024, 0x41);
            const pump = (): void => {
              while (res.write(chunk)) {
                /* keep writing until the client stops reading */
              }
              res.once('drain', pump);
            };
            res.on('close', () => res.removeAllListeners('drain'));
            pump();
          }),
        code: 'FEED_TOO_LARGE',
        maxFeedBytes: 1024 * 1024,
      },
      {
        name: 'a 10 MB single line',
        serve: (s) => s.setFile('/feodo_ipblocklist.csv', 'x'.repeat(10 * 1024 * 1024)),
        code: 'FEED_PARSE_FAILED',
      },
      {
        name: 'a slow server that trickles bytes',
        serve: (s) =>
          s.handle('/feodo_ipblocklist.csv', (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/csv' });
            const timer = setInterval(() => res.write('#'), 300);
            res.on('close', () => clearInterval(timer));
          }),
        code: 'FEED_TIMEOUT',
        timeoutS: 1,
      },
      {
        name: 'a 401 where there was data before',
        serve: (s) =>
          s.handle('/feodo_ipblocklist.csv', (_req, res) => res.writeHead(401).end('unauthorised')),
        code: 'FEED_HTTP_STATUS',
      },
    ];

    for (const hostile of cases) {
      it(`survives ${hostile.name}`, async () => {
        clock += HOUR;
        const before = await feodoCount();
        expect(before).toBeGreaterThan(0);
        const broken = await startFeedServer({ root: FEEDS_DIR });
        try {
          broken.removeFile('/feodo_ipblocklist.csv');
          hostile.serve(broken);
          const service = createIntelService(
            configFor(broken, {
              ...(hostile.maxFeedBytes ? { maxFeedBytes: hostile.maxFeedBytes } : {}),
              ...(hostile.timeoutS ? { fetchTimeoutS: hostile.timeoutS } : {}),
            }),
            { store, log, now: () => clock },
          );
          const [result] = await service.update(['feodo']);
          expect(result!.run.status).toBe('error');
          expect(result!.run.errorCode).toBe(hostile.code);
          expect(result!.error?.hint.length).toBeGreaterThan(0);
          expect(await feodoCount()).toBe(before);
          const [recorded] = await store.listFeedRuns('feodo', 1);
          expect(recorded!.errorCode).toBe(hostile.code);
          if (hostile.code === 'FEED_HTTP_STATUS') {
            const status = (await service.status()).find((s) => s.feed.name === 'feodo')!;
            expect(status.health.status).toBe('auth-required');
          }
        } finally {
          await broken.close();
        }
      });
    }

    it('skips invalid addresses, reads BOM with CRLF, and drops duplicated rows', async () => {
      clock += HOUR;
      const text = readFileSync(join(FEEDS_DIR, 'feodo_ipblocklist.csv'), 'utf8');
      const rows = text.split('\n').filter((l) => l.startsWith('"20'));
      const messy =
        '\uFEFF' +
        [
          ...text
            .split('\n')
            .filter((l) => !l.startsWith('"20'))
            .slice(0, 9),
          ...rows,
          rows[0]!,
          rows[1]!,
          '"2024-04-05 10:00:00","999.1.2.3","443","online","2024-04-05","Pikabot"',
        ].join('\r\n');
      const messyServer = await startFeedServer({ files: { '/feodo_ipblocklist.csv': messy } });
      try {
        const service = createIntelService(configFor(messyServer), { store, log, now: () => clock });
        const [result] = await service.update(['feodo']);
        expect(result!.run.status).toBe('ok');
        expect(result!.skipped).toBeGreaterThanOrEqual(1);
        expect(await feodoCount()).toBe(new Set(rows.map((r) => r.split(',').slice(1, 3).join())).size);
      } finally {
        await messyServer.close();
      }
    });
  });

  it('allow-lists private ranges that real lists carry, with the reason', async () => {
    // FireHOL level 1 lists the RFC 1918 networks among its bogons.
    const matches = await store.lookupIndicators('192.168.1.20');
    expect(matches.map((m) => m.source)).toContain('firehol-level1');
    for (const match of matches) expect(match.allowlistReason).toMatch(/home network|private/);
  });

  it('keeps the feeds independent: one broken feed does not stop the others', async () => {
    clock += 2 * HOUR;
    const mixed = await startFeedServer({ root: FEEDS_DIR });
    try {
      mixed.handle('/feodo_ipblocklist.csv', (_req, res) => res.writeHead(500).end());
      const service = createIntelService(configFor(mixed), { store, log, now: () => clock });
      const results = await service.update(['feodo', 'cins', 'tor-exits']);
      expect(results.map((r) => [r.feed, r.run.status === 'error' ? 'error' : 'fine'])).toEqual([
        ['feodo', 'error'],
        ['cins', 'fine'],
        ['tor-exits', 'fine'],
      ]);
    } finally {
      await mixed.close();
    }
  });
});
