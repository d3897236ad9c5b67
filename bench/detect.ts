/**
 * How fast the built-in rules run at the scale of a busy household's month: N stored flows (default
 * ten million) over 30 days, DNS answers, 1 million indicators of every kind (addresses, networks,
 * domains, URLs, TLS fingerprints, Tor exits), then
 *
 * - a full run: every built-in rule's first run, its window covering the whole history;
 * - a steady run: five minutes later, the window holding only the flows that arrived since;
 * - a retro-hunt: 10,000 new indicators (addresses, networks, domains) against the whole history.
 *
 * Flows, DNS answers and devices are generated with DuckDB SQL straight into a temporary database file;
 * indicators go through the store's feed snapshots, as feeds write them. Prints wall time per phase and
 * per rule, the process's CPU time, and peak RSS (DuckDB runs in-process, so it is included). Targets:
 * full run under 10 s, retro-hunt under 2 s.
 *
 * Usage: npx tsx bench/detect.ts [--flows N] [--indicators N] [--new-indicators N] [--keep DIR]
 *
 * With --keep, the generated database is also saved as DIR/base.duckdb, and a later run with the same
 * --keep DIR starts from a copy of it instead of generating again (the counts are then the saved ones).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createAlertWriter } from '../src/alert/index.js';
import { loadConfig } from '../src/config/index.js';
import { builtinRulesDir, createRuleEngine, loadRules, type RuleRunReport } from '../src/detect/index.js';
import type { IndicatorDraft, IndicatorType } from '../src/records/index.js';
import { openDuckDbStore, type Store } from '../src/store/index.js';

const DAY_US = 86_400_000_000;
const MINUTE_US = 60_000_000;
/** The history ends here; the full run happens a minute later. */
const END_US = Date.UTC(2026, 10, 28, 12) * 1000;
const HISTORY_DAYS = 30;
/** ::ffff:0.0.0.0, where the store numbers IPv4 addresses from. */
const V4_BASE = 281_470_681_743_360n;

/** Where indicators live in the IPv4 space, so a small share of flows can be made to hit them. */
const SPACE = {
  address: 0x2d000000, // 45.0.0.0, one address every 7
  network: 0x3c000000, // 60.0.0.0, one /24 after another
  tor: 0x4e000000, // 78.0.0.0
  fresh: 0x5a000000, // 90.0.0.0: the retro-hunt's new addresses
};

const args = parseArgs({
  options: {
    flows: { type: 'string', default: '10000000' },
    indicators: { type: 'string', default: '1000000' },
    'new-indicators': { type: 'string', default: '10000' },
    keep: { type: 'string' },
  },
}).values;
const FLOWS = Number(args.flows);
const INDICATORS = Number(args.indicators);
const NEW_INDICATORS = Number(args['new-indicators']);

/** Flows, DNS answers and devices in one SQL pass each; every value derives from the row number. */
async function generateTraffic(file: string): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const db = await instance.connect();
  const span = HISTORY_DAYS * DAY_US;
  const addresses = Math.floor(INDICATORS * 0.6);
  const networks = Math.floor(INDICATORS * 0.1);
  // Rows come in time order, as capture appends them, so DuckDB's zonemaps skip what a window leaves
  // out. 50 home devices; remote sides: 70% a pool of 20,000 popular addresses, 30% anywhere in
  // 128.0.0.0/2 (no indicator there), 0.04% in
  // the indicator ranges (a thousand flows each, as a month of a compromised house might).
  await db.run(`
    CREATE TEMP TABLE f AS
    SELECT i,
      hash(i, 1) AS h1, hash(i, 2) AS h2, hash(i, 3) AS h3,
      ${END_US - span} + i * ${Math.floor(span / FLOWS)} + CAST(hash(i, 4) % 1000000 AS BIGINT) AS first_us,
      CAST(2 + hash(i, 1) % 50 AS INTEGER) AS device
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
    FROM range(2, 52) t(d)`);
  await db.run(`
    INSERT INTO device_addresses
    SELECT printf('f4:f5:d8:00:00:%02x', d), '192.168.1.' || d, make_timestamptz(${END_US - span}), make_timestamptz(${END_US})
    FROM range(2, 52) t(d)`);
  await db.run('DROP TABLE f');
  await db.run('CHECKPOINT');
  db.closeSync();
  instance.closeSync();
}

function* drafts(type: IndicatorType, count: number, value: (n: number) => string, threat = 'botnet_cc') {
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

const v4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

async function snapshot(store: Store, feed: string, batches: Iterable<IndicatorDraft[]>, at: number) {
  const all: IndicatorDraft[] = [];
  for (const batch of batches) all.push(...batch);
  await store.applyFeedSnapshot(feed, all, { startedAt: at, complete: true });
  return all.length;
}

async function loadIndicators(store: Store, at: number): Promise<number> {
  const share = (fraction: number) => Math.floor(INDICATORS * fraction);
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

async function loadNewIndicators(store: Store, at: number): Promise<number> {
  const count = NEW_INDICATORS;
  const addresses = Math.floor(count / 2);
  const domains = Math.floor(count * 0.3);
  let total = 0;
  total += await snapshot(
    store,
    'threatfox-new-addresses',
    drafts('ipv4', addresses, (n) => v4(SPACE.fresh + n * 3)),
    at,
  );
  total += await snapshot(
    store,
    'threatfox-new-domains',
    drafts('domain', domains, (n) => (n % 100 === 0 ? `site-${n}.example.com` : `fresh-${n}.example.org`)),
    at,
  );
  total += await snapshot(
    store,
    'new-networks',
    drafts('cidr', count - addresses - domains, (n) => `${v4(0x6e000000 + n * 256)}/24`),
    at,
  );
  return total;
}

function rss(): string {
  return `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;
}

async function timed<T>(label: string, task: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await task();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `${label.padEnd(52)} ${seconds.toFixed(2).padStart(7)} s  (cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, peak RSS ${rss()})`,
  );
  return result;
}

function printReports(reports: RuleRunReport[]): void {
  for (const report of reports) {
    const passes = report.passes
      .map(
        (p) =>
          `${p.pass} ${(p.durationMs / 1000).toFixed(2)} s/${p.rows} rows${p.truncated ? ' (capped)' : ''}`,
      )
      .join(', ');
    console.log(
      `  ${report.ruleId.padEnd(40)} ${(report.durationMs / 1000).toFixed(2).padStart(6)} s  ${report.status.padEnd(6)} ${passes}${report.error ? `  ${report.error.code}: ${report.error.message}` : ''}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = args.keep ?? mkdtempSync(path.join(tmpdir(), 'yamori-bench-detect-'));
  const file = path.join(dir, 'detect.duckdb');
  console.log(
    `bench:detect — ${FLOWS.toLocaleString('en')} flows over ${HISTORY_DAYS} days, ${INDICATORS.toLocaleString('en')} indicators, ${NEW_INDICATORS.toLocaleString('en')} new; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    const clock = { now: END_US - (HISTORY_DAYS + 2) * DAY_US };
    const open = () =>
      openDuckDbStore(
        { database: { path: file }, maxBatchRows: 50_000, flushIntervalMs: 2_000 },
        { now: () => clock.now },
      );
    const base = path.join(dir, 'base.duckdb');
    let store: Store;
    if (args.keep !== undefined && existsSync(base)) {
      copyFileSync(base, file);
      console.log(`starting from ${base}`);
    } else {
      store = await open();
      const indicators = await timed('load indicators (feed snapshots)', () =>
        loadIndicators(store, clock.now),
      );
      await store.close();
      await timed('generate flows, DNS answers and devices (SQL)', () => generateTraffic(file));
      console.log(`  ${indicators.toLocaleString('en')} indicators`);
      if (args.keep !== undefined) copyFileSync(file, base);
    }

    clock.now = END_US + MINUTE_US;
    store = await open();
    const defaults = loadConfig({ path: null, env: {} }).detect;
    // Every rule's first run reads the whole history: the lookback reaches past its start.
    const config = { ...defaults, lookbackH: (HISTORY_DAYS + 1) * 24, retroHuntHorizonD: HISTORY_DAYS + 1 };
    const writer = createAlertWriter({ maxEvidenceRows: config.maxEvidenceRows }, { store });
    const engine = createRuleEngine(config, { store, commit: (run) => writer.commit(run) });
    const rules = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules;
    const ids = rules.map((rule) => rule.definition.id);

    const full = await timed(`full run: ${rules.length} rules, whole history`, () =>
      engine.run(rules, { ids }),
    );
    printReports(full);

    clock.now += 5 * MINUTE_US;
    const steady = await timed('steady run: 5 minutes later, nothing new', () => engine.run(rules, { ids }));
    printReports(steady);

    clock.now += MINUTE_US;
    const added = await timed(`load ${NEW_INDICATORS.toLocaleString('en')} new indicators`, () =>
      loadNewIndicators(store, clock.now),
    );
    clock.now += MINUTE_US;
    const indicatorRules = rules.filter((rule) => rule.definition.kind === 'indicator');
    const retro = await timed(
      `retro-hunt: ${added.toLocaleString('en')} new indicators, ${indicatorRules.length} indicator rules`,
      () => engine.run(indicatorRules, { ids: indicatorRules.map((rule) => rule.definition.id) }),
    );
    printReports(retro);
    const retroPassS = retro
      .flatMap((r) => r.passes)
      .filter((p) => p.pass === 'retro-hunt')
      .reduce((sum, p) => sum + p.durationMs / 1000, 0);
    console.log(`  retro-hunt passes alone: ${retroPassS.toFixed(2)} s`);
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    await store.close();
  } finally {
    if (args.keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
