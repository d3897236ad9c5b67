/**
 * Synthetic traffic for the benchmarks that need a month of a busy household in the store
 * (bench:detect, bench:web): flows, DNS answers and devices generated with DuckDB SQL straight into a
 * database file, and indicators of every kind placed where a small share of those flows hit them.
 *
 * Every value derives from the row number, so the same counts give the same database.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { IndicatorDraft, IndicatorType } from '../src/records/index.js';
import type { Store } from '../src/store/index.js';

export const DAY_US = 86_400_000_000;
export const MINUTE_US = 60_000_000;
/** The history ends here; the full run happens a minute later. */
export const END_US = Date.UTC(2026, 10, 28, 12) * 1000;
export const HISTORY_DAYS = 30;
/** ::ffff:0.0.0.0, where the store numbers IPv4 addresses from. */
export const V4_BASE = 281_470_681_743_360n;

/** Where indicators live in the IPv4 space, so a small share of flows can be made to hit them. */
export const SPACE = {
  address: 0x2d000000, // 45.0.0.0, one address every 7
  network: 0x3c000000, // 60.0.0.0, one /24 after another
  tor: 0x4e000000, // 78.0.0.0
  fresh: 0x5a000000, // 90.0.0.0: the retro-hunt's new addresses
};

export interface TrafficCounts {
  flows: number;
  /** The indicator count loadIndicators is given: where the hits go depends on it. */
  indicators: number;
  /** Home devices, 192.168.1.2 onwards (at most 250). */
  devices: number;
}

/** Flows, DNS answers and devices in one SQL pass each; every value derives from the row number. */
export async function generateTraffic(file: string, counts: TrafficCounts): Promise<void> {
  const { flows: FLOWS, indicators: INDICATORS, devices: DEVICES } = counts;
  const instance = await DuckDBInstance.create(file);
  const db = await instance.connect();
  const span = HISTORY_DAYS * DAY_US;
  const addresses = Math.floor(INDICATORS * 0.6);
  const networks = Math.floor(INDICATORS * 0.1);
  // Rows come in time order, as capture appends them, so DuckDB's zonemaps skip what a window leaves
  // out. DEVICES home devices (192.168.1.2 onwards); remote sides: 70% a pool of 20,000 popular addresses, 30% anywhere in
  // 128.0.0.0/2 (no indicator there), 0.04% in
  // the indicator ranges (a thousand flows each, as a month of a compromised house might).
  await db.run(`
    CREATE TEMP TABLE f AS
    SELECT i,
      hash(i, 1) AS h1, hash(i, 2) AS h2, hash(i, 3) AS h3,
      ${END_US - span} + i * ${Math.floor(span / FLOWS)} + CAST(hash(i, 4) % 1000000 AS BIGINT) AS first_us,
      CAST(2 + hash(i, 1) % ${DEVICES} AS INTEGER) AS device
    FROM range(${FLOWS}) t(i)`);
  await db.run(`
    INSERT INTO flows
    SELECT
      'b' || i, CASE WHEN h3 % 10 < 8 THEN 'tcp' ELSE 'udp' END,
      CASE WHEN inbound THEN remote_text ELSE '192.168.1.' || device END,
      CASE WHEN inbound THEN '192.168.1.' || device ELSE remote_text END,
      CAST(1024 + h2 % 60000 AS INTEGER),
      CAST(CASE WHEN inbound THEN 22 WHEN h3 % 10 < 7 THEN 443 WHEN h3 % 10 = 7 THEN 80 WHEN h3 % 10 = 8 THEN 53 ELSE 123 END AS INTEGER),
      make_timestamptz(first_us), make_timestamptz(first_us + 1000000 + CAST(h2 % 60000000 AS BIGINT)),
      400 + h1 % 20000, 1000 + h2 % 2000000, 5 + h1 % 50, 5 + h2 % 200,
      CASE WHEN h3 % 50 = 0 THEN 'unanswered' ELSE 'closed' END,
      CASE WHEN h3 % 10 < 8 THEN 6 ELSE 17 END, 4, 0, 0, 'fin', '1:bench', 'bench', NULL,
      CASE WHEN inbound THEN NULL ELSE printf('f4:f5:d8:00:00:%02x', device) END,
      CASE WHEN inbound THEN printf('f4:f5:d8:00:00:%02x', device) ELSE NULL END,
      NULL, NULL,
      CASE WHEN inbound THEN 'inbound' ELSE 'outbound' END,
      name, name,
      CASE WHEN h3 % 10 < 7 THEN md5(CAST(h1 % 1000 AS VARCHAR)) END,
      CASE WHEN h3 % 10 < 7 THEN 't13d1516h2_' || substr(md5(CAST(h1 % 800 AS VARCHAR)), 1, 12) || '_e5627efa2ab1' END,
      CASE WHEN h3 % 10 < 7 THEN sha1(CAST(remote % 5000 AS VARCHAR)) END,
      CASE WHEN h3 % 10 < 7 THEN 'TLS 1.3' END, NULL, 27, 27,
      make_timestamptz(first_us + 61000000),
      CASE WHEN inbound THEN ${V4_BASE} + remote ELSE ${V4_BASE} + 3232235776 + device END,
      CASE WHEN inbound THEN ${V4_BASE} + 3232235776 + device ELSE ${V4_BASE} + remote END,
      1, false
    FROM (
      SELECT *, (remote >> 24) || '.' || ((remote >> 16) & 255) || '.' || ((remote >> 8) & 255) || '.' || (remote & 255) AS remote_text,
             CASE WHEN h3 % 10 < 7 THEN CASE WHEN h2 % 10000 = 4 THEN 'bad-' || (h1 % 250000) || '.example-' || (h1 % 250000 % 1000) || '.test'
                                            ELSE 'site-' || (h1 % 50000) || '.example.com' END END AS name
      FROM (
        SELECT *, h3 % 1000 = 999 AS inbound,
          CAST(CASE WHEN h2 % 10000 = 0 THEN ${SPACE.address} + (h1 % ${addresses}) * 7
                    WHEN h2 % 10000 = 1 THEN ${SPACE.network} + (h1 % ${networks}) * 256 + h3 % 256
                    WHEN h2 % 10000 = 2 THEN ${SPACE.tor} + h1 % 5000
                    WHEN h2 % 10000 = 3 THEN ${SPACE.fresh} + (h1 % 5000) * 3
                    WHEN h2 % 10 < 7 THEN 385875968 + (h1 % 20000) * 97
                    ELSE 2147483648 + h1 % 1073741824 END AS BIGINT) AS remote
        FROM f
      )
    )`);
  await db.run(`
    INSERT INTO dns
    SELECT make_timestamptz(first_us), '192.168.1.' || device, '192.168.1.1',
      CASE WHEN h2 % 10000 = 4 THEN 'bad-' || (h1 % 250000) || '.example-' || (h1 % 250000 % 1000) || '.test'
           ELSE 'site-' || (h1 % 50000) || '.example.com' END AS q, q, 'A',
      '23.' || (h1 % 256) || '.' || (h2 % 256) || '.' || (h3 % 256), 300, 'NOERROR', 'udp', 'bench',
      make_timestamptz(first_us + 61000000), ${V4_BASE} + 385875968 + h1 % 16777216
    FROM f WHERE i % 5 = 0`);
  await db.run(`
    INSERT INTO devices
    SELECT printf('f4:f5:d8:00:00:%02x', d), 'Vendor', false, 'device-' || d, NULL,
           make_timestamptz(${END_US - span - DAY_US}), make_timestamptz(${END_US}), NULL, NULL
    FROM range(2, ${2 + DEVICES}) t(d)`);
  await db.run(`
    INSERT INTO device_addresses
    SELECT printf('f4:f5:d8:00:00:%02x', d), '192.168.1.' || d, make_timestamptz(${END_US - span}), make_timestamptz(${END_US})
    FROM range(2, ${2 + DEVICES}) t(d)`);
  await db.run('DROP TABLE f');
  await db.run('CHECKPOINT');
  db.closeSync();
  instance.closeSync();
}

export function* drafts(
  type: IndicatorType,
  count: number,
  value: (n: number) => string,
  threat = 'botnet_cc',
) {
  const batch: IndicatorDraft[] = [];
  for (let n = 0; n < count; n++) {
    batch.push({
      type,
      value: value(n),
      port: null,
      threat,
      malwareFamily: 'BenchFamily',
      confidence: 75,
      tags: [],
      reference: null,
      sourceFirstSeenAt: null,
      sourceLastSeenAt: null,
      validFrom: null,
      validUntil: null,
      revoked: false,
      raw: null,
    });
    if (batch.length === 50_000) yield batch.splice(0);
  }
  if (batch.length > 0) yield batch;
}

export const v4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

export async function snapshot(store: Store, feed: string, batches: Iterable<IndicatorDraft[]>, at: number) {
  const all: IndicatorDraft[] = [];
  for (const batch of batches) all.push(...batch);
  await store.applyFeedSnapshot(feed, all, { startedAt: at, complete: true });
  return all.length;
}

/** `count` indicators of every kind, laid out where generateTraffic with the same count makes flows hit them. */
export async function loadIndicators(store: Store, at: number, count: number): Promise<number> {
  const share = (fraction: number) => Math.floor(count * fraction);
  let total = 0;
  total += await snapshot(
    store,
    'feodo',
    drafts('ipv4', share(0.6), (n) => v4(SPACE.address + n * 7)),
    at,
  );
  total += await snapshot(
    store,
    'spamhaus-drop',
    drafts('cidr', share(0.1), (n) => `${v4(SPACE.network + n * 256)}/24`),
    at,
  );
  total += await snapshot(
    store,
    'threatfox',
    drafts('domain', share(0.2), (n) => `bad-${n}.example-${n % 1000}.test`),
    at,
  );
  total += await snapshot(
    store,
    'urlhaus',
    drafts('url', share(0.085), (n) => `http://dl-${n}.example.net/bins/x.sh`),
    at,
  );
  total += await snapshot(
    store,
    'sslbl-ja3',
    drafts('ja3', share(0.005), (n) => md5Like(n)),
    at,
  );
  total += await snapshot(
    store,
    'sslbl-cert',
    drafts('cert_sha1', share(0.005), (n) => sha1Like(n)),
    at,
  );
  total += await snapshot(
    store,
    'tor-exits',
    drafts('ipv4', share(0.005), (n) => v4(SPACE.tor + n), 'tor_exit'),
    at,
  );
  return total;
}

const md5Like = (n: number): string => (n * 2654435761).toString(16).padStart(32, 'a').slice(-32);
const sha1Like = (n: number): string => (n * 2246822519).toString(16).padStart(40, 'b').slice(-40);
