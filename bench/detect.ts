/**
 * How fast the built-in rules run at the scale of a busy household's month: N stored flows (default
 * ten million) over 30 days, DNS answers, 1 million indicators of every kind (addresses, networks,
 * domains, URLs, TLS fingerprints, Tor exits), then
 *
 * - the allow-list (home networks and built-in entries, as `feeds update` writes it), which recomputes
 *   the indicator tables rules read (indicator_allowlist, indicator_match_periods);
 * - a full run: every built-in rule's first run, its window covering the whole history;
 * - a steady run: five minutes later, the window holding only the flows that arrived since;
 * - a retro-hunt: 10,000 new indicators (addresses, networks, domains) against the whole history.
 *
 * Flows, DNS answers and devices are generated with DuckDB SQL (bench-traffic.ts) straight into a
 * temporary database file; indicators go through the store's feed snapshots, as feeds write them. Prints wall time per phase and
 * per rule, the process's CPU time, and peak RSS (DuckDB runs in-process, so it is included). Targets:
 * full run under 10 s, retro-hunt under 2 s.
 *
 * Usage: npx tsx bench/detect.ts [--flows N] [--indicators N] [--new-indicators N] [--keep DIR]
 *
 * With --keep, the generated database is also saved as DIR/base.duckdb, and a later run with the same
 * --keep DIR starts from a copy of it instead of generating again (the counts are then the saved ones).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createAlertWriter } from '../src/alert/index.js';
import { loadConfig } from '../src/config/index.js';
import { builtinRulesDir, createRuleEngine, loadRules, type RuleRunReport } from '../src/detect/index.js';
import { allowlistEntries } from '../src/intel/index.js';
import type { RuleRunCommit } from '../src/records/index.js';
import { openDuckDbStore, type Store } from '../src/store/index.js';
import {
  DAY_US,
  END_US,
  HISTORY_DAYS,
  MINUTE_US,
  SPACE,
  drafts,
  generateTraffic,
  loadIndicators,
  snapshot,
  v4,
} from './bench-traffic.js';

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

function printReports(reports: RuleRunReport[], commitMs: ReadonlyMap<string, number>): void {
  for (const report of reports) {
    const passes = report.passes
      .map(
        (p) =>
          `${p.pass} ${(p.durationMs / 1000).toFixed(2)} s/${p.skipReason === null ? `${p.rows} rows` : `skipped (${p.skipReason})`}${p.truncated ? ' (capped)' : ''}`,
      )
      .join(', ');
    const committed = commitMs.get(report.ruleId);
    const commit = committed === undefined ? '' : `, commit ${(committed / 1000).toFixed(2)} s`;
    console.log(
      `  ${report.ruleId.padEnd(40)} ${(report.durationMs / 1000).toFixed(2).padStart(6)} s  ${report.status.padEnd(6)} ${passes}${commit}${report.error ? `  ${report.error.code}: ${report.error.message}` : ''}`,
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
      // A write-ahead log left by an interrupted run belongs to the old copy, not to this one.
      rmSync(`${file}.wal`, { force: true });
      copyFileSync(base, file);
      console.log(`starting from ${base}`);
    } else {
      store = await open();
      const indicators = await timed('load indicators (feed snapshots)', () =>
        loadIndicators(store, clock.now, INDICATORS),
      );
      await store.close();
      await timed('generate flows, DNS answers and devices (SQL)', () =>
        generateTraffic(file, { flows: FLOWS, indicators: INDICATORS, devices: 50 }),
      );
      console.log(`  ${indicators.toLocaleString('en')} indicators`);
      if (args.keep !== undefined) copyFileSync(file, base);
    }

    clock.now = END_US + MINUTE_US;
    store = await timed('open the store (migrates a kept base to this schema)', open);
    // A kept base generated by a build before the store wrote DuckDB 1.5's format keeps the 1.0 format,
    // whose string columns cost the domain retro-hunt pass about twice as much: the figures name it.
    const format = await store.query(
      `SELECT tags['storage_version'] AS version FROM duckdb_databases() WHERE database_name = current_database()`,
    );
    console.log(`  DuckDB storage format of the database: ${String(format.rows[0]?.version)}`);
    const loaded = loadConfig({ path: null, env: {} });
    const entries = allowlistEntries(loaded.intel);
    await timed(`allow-list of ${entries.length} entries: indicator tables recomputed`, () =>
      store.setAllowlist(entries),
    );
    const defaults = loaded.detect;
    // Every rule's first run reads the whole history: the lookback reaches past its start.
    const config = { ...defaults, lookbackH: (HISTORY_DAYS + 1) * 24, retroHuntHorizonD: HISTORY_DAYS + 1 };
    const writer = createAlertWriter({ maxEvidenceRows: config.maxEvidenceRows }, { store });
    // Each rule's commit (alerts and watermarks, one transaction) is timed apart from its passes.
    const commitMs = new Map<string, number>();
    const commit = async (run: RuleRunCommit) => {
      const started = performance.now();
      const written = await writer.commit(run);
      commitMs.set(run.ruleId, performance.now() - started);
      return written;
    };
    const engine = createRuleEngine(config, { store, commit });
    const rules = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules;
    const ids = rules.map((rule) => rule.definition.id);

    const full = await timed(`full run: ${rules.length} rules, whole history`, () =>
      engine.run(rules, { ids }),
    );
    printReports(full, commitMs);

    clock.now += 5 * MINUTE_US;
    const steady = await timed('steady run: 5 minutes later, nothing new', () => engine.run(rules, { ids }));
    printReports(steady, commitMs);

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
    printReports(retro, commitMs);
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
