/**
 * How fast the dashboard's API answers at the scale of a busy household's month: 10 million flows over
 * 30 days (bench-traffic.ts: ~40 devices, DNS answers, indicators of every kind), the alerts the
 * indicator rules raise on that history, then the real web server in this process on 127.0.0.1 with an
 * API token. For each page's API calls: N sequential requests after a few warm-ups, p50/p95/max
 * latency and the process's peak RSS while they ran (DuckDB runs in-process, so it is included).
 * Target: p95 under 300 ms. Prints a markdown table and the load average before and after.
 *
 * Usage: npx tsx bench/web.ts [--flows N] [--devices N] [--indicators N] [--requests N] [--warmup N]
 *                             [--db FILE]
 *
 * With --db, the database is generated into FILE when FILE does not exist and kept, and read as it is
 * when it does (the counts are then the saved ones).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { createAlertWriter } from '../src/alert/index.js';
import { loadConfig } from '../src/config/index.js';
import { builtinRulesDir, createRuleEngine, loadRules } from '../src/detect/index.js';
import { createIntelService } from '../src/intel/index.js';
import { createLogger } from '../src/log/index.js';
import { openDuckDbStore, type Store } from '../src/store/index.js';
import { createToken, createWebServer } from '../src/web/index.js';
import { DAY_US, END_US, HISTORY_DAYS, MINUTE_US, generateTraffic, loadIndicators } from './bench-traffic.js';
import { renderMarkdown } from './results-table.js';

const TARGET_P95_MS = 300;

const args = parseArgs({
  options: {
    flows: { type: 'string', default: '10000000' },
    devices: { type: 'string', default: '40' },
    indicators: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    db: { type: 'string' },
  },
}).values;
const FLOWS = Number(args.flows);
const DEVICES = Number(args.devices);
const INDICATORS = Number(args.indicators);
const REQUESTS = Number(args.requests);
const WARMUP = Number(args.warmup);

/** The dashboard is looked at an hour after the history ends. */
const NOW_US = END_US + 60 * MINUTE_US;

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const openStore = (file: string, now: () => number): Promise<Store> =>
  openDuckDbStore({ database: { path: file }, maxBatchRows: 50_000, flushIntervalMs: 2_000 }, { now });

/** Indicators (feed snapshots), then flows, DNS answers and devices (SQL), then the indicator rules' alerts. */
async function generate(file: string): Promise<void> {
  const clock = { now: END_US - (HISTORY_DAYS + 2) * DAY_US };
  let store = await openStore(file, () => clock.now);
  await loadIndicators(store, clock.now, INDICATORS);
  await store.close();
  await generateTraffic(file, { flows: FLOWS, indicators: INDICATORS, devices: DEVICES });
  await markGeneratedHoursDirty(file);

  clock.now = END_US + MINUTE_US;
  store = await openStore(file, () => clock.now);
  const defaults = loadConfig({ path: null, env: {} }).detect;
  const config = { ...defaults, lookbackH: (HISTORY_DAYS + 1) * 24, retroHuntHorizonD: HISTORY_DAYS + 1 };
  const writer = createAlertWriter({ maxEvidenceRows: config.maxEvidenceRows }, { store });
  const engine = createRuleEngine(config, { store, commit: (run) => writer.commit(run) });
  const rules = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules.filter(
    (rule) => rule.definition.kind === 'indicator',
  );
  await engine.run(rules, { ids: rules.map((rule) => rule.definition.id) });
  await store.close();
}

/**
 * generateTraffic writes flows with SQL, past the store; this is the bookkeeping the store's own
 * writes do (flow-rollups.ts): every hour with flows goes on the rollups' work list.
 */
async function markGeneratedHoursDirty(file: string): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const db = await instance.connect();
  await db.run(`INSERT INTO flow_rollup_dirty
    SELECT DISTINCT make_timestamptz(epoch_us(first_seen_at) // 3600000000 * 3600000000) FROM flows
    ON CONFLICT DO NOTHING`);
  db.closeSync();
  instance.closeSync();
}

/** Peak resident memory since the last reset, from /proc (VmHWM); clear_refs 5 resets it. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
function peakRssMb(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Call {
  page: string;
  path: string;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'yamori-bench-web-'));
  const file = args.db ?? path.join(dir, 'web.duckdb');
  console.log(`bench:web — load average before: ${load()}`);
  try {
    if (existsSync(file)) {
      console.log(`reading ${file} as it is`);
    } else {
      const started = performance.now();
      await generate(file);
      console.log(
        `generated ${FLOWS.toLocaleString('en')} flows over ${HISTORY_DAYS} days, ${DEVICES} devices, ` +
          `${INDICATORS.toLocaleString('en')} indicators and their alerts in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }

    const nowMs = NOW_US / 1000;
    let started = performance.now();
    const store = await openStore(file, () => NOW_US);
    const opened = performance.now() - started;
    // What serve's rollups stage does every 5 minutes: here, every hour of the history at once.
    started = performance.now();
    await store.checkpoint();
    console.log(
      `opened in ${(opened / 1000).toFixed(1)} s (migrations included); rolled up the flows' hours in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const config = loadConfig({ path: null, env: {} });
    const rules = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules;
    const log = createLogger({ level: 'silent' });
    const intel = createIntelService(config.intel, { store, log, now: () => NOW_US });
    // Built files to serve, so the bench does not bundle the browser code it does not measure.
    const assets = path.join(dir, 'assets');
    mkdirSync(assets);
    writeFileSync(path.join(assets, 'app.js'), 'export {};\n');
    const server = createWebServer(
      { ...config.web, listen: '127.0.0.1:0' },
      {
        store,
        rules: () => rules,
        feedStatus: () => intel.status(),
        log,
        now: () => nowMs,
        assetsDir: assets,
        version: 'bench',
      },
    );
    const token = await createToken(store, `bench-${process.pid}`, NOW_US);
    const { url } = await server.start();
    const get = async <T>(route: string): Promise<T> => {
      const response = await fetch(`${url}${route}`, { headers: { Authorization: `Bearer ${token}` } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${route}: HTTP ${response.status} ${body.slice(0, 300)}`);
      return JSON.parse(body) as T;
    };

    const counts = (
      await store.query(
        'SELECT (SELECT count(*) FROM flows) AS flows, (SELECT count(*) FROM alerts) AS alerts',
      )
    ).rows[0]!;
    // The busiest device (as the overview ranks it), an alert, and a cursor the API gave out 20 days back.
    const overview = await get<{ topDevices: { mac: string | null }[] }>('/api/overview?range=30d');
    const mac = overview.topDevices.find((device) => device.mac !== null)?.mac;
    if (mac === undefined || mac === null) throw new Error('no device in the overview');
    const alerts = await get<{ alerts: { id: string }[] }>('/api/alerts');
    const alertId = alerts.alerts[0]?.id;
    if (alertId === undefined) throw new Error('no alert: the indicator rules raised none');
    const deep = await get<{ next: string | null }>(
      `/api/flows?until=${new Date(nowMs - 20 * 86_400_000).toISOString()}&limit=500`,
    );
    if (deep.next === null) throw new Error('no flows 20 days back');
    console.log(
      `${Number(counts['flows']).toLocaleString('en')} flows, ${Number(counts['alerts']).toLocaleString('en')} alerts; ` +
        `device ${mac}, alert ${alertId}; ${REQUESTS} requests per row after ${WARMUP} warm-ups, one at a time`,
    );

    const m = encodeURIComponent(mac);
    const calls: Call[] = [
      { page: 'overview, 24 h', path: '/api/overview?range=24h' },
      { page: 'overview, 7 d', path: '/api/overview?range=7d' },
      { page: 'overview, 30 d', path: '/api/overview?range=30d' },
      { page: 'devices list', path: '/api/devices' },
      { page: 'one device (with peers and alerts, 30 d)', path: `/api/devices/${m}` },
      { page: 'flows, first page', path: '/api/flows?limit=50' },
      { page: 'flows by device', path: `/api/flows?device=${m}&limit=50` },
      { page: 'flows by port (22)', path: '/api/flows?port=22&limit=50' },
      { page: 'flows by name (site-4242)', path: '/api/flows?name=site-4242&limit=50' },
      { page: 'flows, deep keyset page (20 d back)', path: `/api/flows?before=${deep.next}&limit=50` },
      { page: 'alerts list', path: '/api/alerts' },
      { page: 'one alert', path: `/api/alerts/${encodeURIComponent(alertId)}` },
      { page: 'feeds', path: '/api/feeds' },
      { page: 'rules', path: '/api/rules' },
    ];
    const resettable = resetPeak();
    let overallPeak = 0;
    const rows: string[][] = [];
    for (const call of calls) {
      // The warm-ups' own times are printed too: a first call (and, for the overview, the call that
      // keeps a range's rolled-up sums) costs more than the steady calls the percentiles describe.
      const warmups: number[] = [];
      for (let n = 0; n < WARMUP; n++) {
        const started = performance.now();
        await get(call.path);
        warmups.push(performance.now() - started);
      }
      resetPeak();
      const times: number[] = [];
      for (let n = 0; n < REQUESTS; n++) {
        const started = performance.now();
        await get(call.path);
        times.push(performance.now() - started);
      }
      const peak = peakRssMb();
      overallPeak = Math.max(overallPeak, peak);
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      rows.push([
        call.page,
        `GET ${call.path.replace(/before=[^&]+/, 'before=…')}`,
        percentile(times, 50).toFixed(0),
        p95.toFixed(0),
        times[times.length - 1]!.toFixed(0),
        warmups.map((ms) => ms.toFixed(0)).join(', '),
        peak.toFixed(0),
        `< ${TARGET_P95_MS}`,
        p95 < TARGET_P95_MS ? 'PASS' : 'FAIL',
      ]);
      console.error(`  ${call.page}: p95 ${p95.toFixed(0)} ms`);
    }
    await server.stop();
    await store.close();

    console.log();
    console.log(
      renderMarkdown({
        headers: [
          'page',
          'API call',
          'p50 ms',
          'p95 ms',
          'max ms',
          'warm-ups ms',
          'peak RSS MB',
          'target p95 ms',
          'result',
        ],
        rows,
        rightAligned: [2, 3, 4, 5, 6],
      }),
    );
    console.log();
    console.log(
      `peak RSS ${resettable ? 'while measuring' : 'of the process'}: ${overallPeak.toFixed(0)} MB; ` +
        `load average after: ${load()}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
