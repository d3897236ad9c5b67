/**
 * `npm run bench:intel`: feed ingest speed through the real CLI, and what an unchanged refresh costs.
 *
 * Builds a Feodo Tracker CSV export of at least one million rows from the rows of the real file in
 * ../shared/feeds (addresses and ports rewritten, everything else as upstream), then measures, each as
 * a child process with peak RSS: the first `yamori feeds update feodo --file FILE` into a fresh
 * database, the same command again (unchanged: content hash), and a refresh where 1% of rows changed,
 * beside `yamori feeds list` on the same database (what starting the CLI and opening the database cost
 * by themselves). Then, in process against a local HTTP server, the cost of an unchanged refresh
 * answered by a 304; and, in process too, the CPU time of each phase of a first load: parse, encode
 * (drafts to the text staged in DuckDB), and the store's part (staging, splitting, inserting, the
 * listings and match periods, commit), each measured over the whole export; last, the store's part
 * once more, statement by statement, with the commit and the checkpoint apart.
 *
 * Usage: npm run bench:intel [-- --rows N]
 */
import { execFileSync } from 'node:child_process';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { createIntelService } from '../src/intel/index.js';
import { FEED_PARSERS } from '../src/intel/parsers/registry.js';
import { startFeedServer } from '../src/intel/testing.js';
import { createLogger } from '../src/log/index.js';
import { applyIndicatorSnapshot } from '../src/store/duckdb/indicator-snapshot.js';
import { runMigrations } from '../src/store/duckdb/migrations.js';
import { SnapshotDrafts } from '../src/store/duckdb/snapshot-drafts.js';
import { SnapshotEncoder } from '../src/store/duckdb/snapshot-encoder.js';
import { openDuckDbStore } from '../src/store/index.js';
import { measureProcess, type Measurement } from './measure-process.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const rows = Number(values.rows);
const root = process.cwd();
const out = join(root, 'bench/out/intel');
const sample = join(root, '../shared/feeds/feodo_ipblocklist.csv');
if (!existsSync(sample)) {
  console.log(`skipped: ${sample} is missing (the real Feodo file the export is built from)`);
  process.exit(0);
}
mkdirSync(out, { recursive: true });
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

function buildExport(count: number, changedEvery: number): string {
  const text = readFileSync(sample, 'utf8');
  const lines = text.split('\n');
  const header = lines.filter((l) => !l.startsWith('"20') && !l.startsWith('# END'));
  const real = lines.filter((l) => l.startsWith('"20')).map((l) => l.split('","'));
  const body: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const fields = real[i % real.length]!.slice();
    // A distinct public-looking address per row (11.0.0.0 upwards), the real row's other fields.
    fields[1] = `${11 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    fields[2] = String(443 + (i % 7));
    if (changedEvery > 0 && i % changedEvery === 0) fields[5] = 'QakBot"';
    body[i] = fields.join('","');
  }
  return [...header, ...body, `# END ${count} entries`].join('\n');
}

const exportPath = join(out, `feodo-${rows}.csv`);
const changedPath = join(out, `feodo-${rows}-changed.csv`);
writeFileSync(exportPath, buildExport(rows, 0));
writeFileSync(changedPath, buildExport(rows, 100));
const db = join(out, 'intel.duckdb');
rmSync(db, { force: true });
rmSync(db + '.wal', { force: true });

const cli = (file: string) => [
  'dist/main.js',
  '--db',
  db,
  '--quiet',
  'feeds',
  'update',
  'feodo',
  '--file',
  file,
];
const loadBefore = loadavg()[0]!;
const first = await measureProcess('node', cli(exportPath), { logPath: join(out, 'first.log') });
const again = await measureProcess('node', cli(exportPath), { logPath: join(out, 'unchanged.log') });
const changed = await measureProcess('node', cli(changedPath), { logPath: join(out, 'changed.log') });
const list = await measureProcess('node', ['dist/main.js', '--db', db, 'feeds', 'list'], {
  logPath: join(out, 'list.log'),
});

// The network path: a second fetch of the same document costs one request answered by a 304.
const server = await startFeedServer({ files: { '/ipblocklist.csv': readFileSync(exportPath) } });
const store = await openDuckDbStore({
  database: { path: ':memory:' },
  maxBatchRows: 50_000,
  flushIntervalMs: 1000,
});
const config = loadConfig({ path: null, env: {} }).intel;
const intel = createIntelService(
  { ...config, feeds: { feodo: { url: server.urlFor('/ipblocklist.csv') } } },
  { store, log: createLogger({ level: 'silent' }) },
);
const fetchStarted = performance.now();
await intel.update(['feodo']);
const fetchSeconds = (performance.now() - fetchStarted) / 1000;
const refreshStarted = performance.now();
const [refresh] = await intel.update(['feodo']);
const refreshSeconds = (performance.now() - refreshStarted) / 1000;
await store.close();
await server.close();

// Each phase of a first load over the whole export, in process. CPU time counts every thread, so the
// store's part includes DuckDB's own threads; each line runs the phases above it again.
const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
const phases: { name: string; cpu: number }[] = [];
async function phase(name: string, run: () => unknown): Promise<void> {
  const started = cpuNow();
  await run();
  phases.push({ name, cpu: cpuNow() - started });
}
const exportText = readFileSync(exportPath, 'utf8');
const feodoCsv = FEED_PARSERS.get('feodo-csv')!;
const parseExport = () =>
  feodoCsv.parseBatches(exportText, { feed: 'feodo', location: exportPath, options: {} }, 1024);
await phase('parse (CSV to drafts)', () => {
  for (const batch of parseExport()) void batch;
});
await phase('encode (drafts to the staged text)', () => {
  const encoder = new SnapshotEncoder(new SnapshotDrafts({ batches: parseExport() }));
  while (encoder.encode(256) !== null);
});
const phaseDb = join(out, 'phases.duckdb');
rmSync(phaseDb, { force: true });
rmSync(phaseDb + '.wal', { force: true });
await phase('store (stage, split, insert, listings, match periods, commit)', async () => {
  const phaseStore = await openDuckDbStore({
    database: { path: phaseDb },
    maxBatchRows: 50_000,
    flushIntervalMs: 1000,
  });
  await phaseStore.applyFeedSnapshot(
    'feodo',
    { batches: parseExport() },
    { startedAt: Date.now() * 1000, complete: true },
  );
  await phaseStore.close();
});
// The store's part once more, statement by statement: the same transaction the store runs, on a
// connection that times each statement (wall, and the process's CPU while it ran: the slices' inserts
// overlap the encoding of the next slice, whose CPU they include), then the commit and the checkpoint
// that closing the database runs, apart.
const STATEMENT_GROUPS: readonly [prefix: string, name: string][] = [
  ['INSERT INTO indicators ', 'insert each slice into indicators (split, cast, write)'],
  ['DELETE FROM indicator_docs', 'empty the staged slice'],
  ['INSERT INTO indicator_listings', 'open the listings'],
  ['INSERT INTO indicator_allowlist', 'allow-list rows'],
  ['INSERT INTO indicator_match_periods', 'match periods'],
  ['COMMIT', 'commit'],
  ['CHECKPOINT', 'checkpoint'],
];
const statementTimes = new Map<string, { count: number; wall: number; cpu: number }>();
function timed(connection: DuckDBConnection): DuckDBConnection {
  return new Proxy(connection, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (property !== 'run' && property !== 'runAndReadAll') return method.bind(target);
      return async (sql: string, ...rest: unknown[]) => {
        const name = STATEMENT_GROUPS.find(([prefix]) => sql.startsWith(prefix))?.[1] ?? 'other statements';
        const wallStarted = performance.now();
        const cpuStarted = cpuNow();
        try {
          return await method.call(target, sql, ...rest);
        } finally {
          const entry = statementTimes.get(name) ?? { count: 0, wall: 0, cpu: 0 };
          entry.count++;
          entry.wall += (performance.now() - wallStarted) / 1000;
          entry.cpu += cpuNow() - cpuStarted;
          statementTimes.set(name, entry);
        }
      };
    },
  });
}
rmSync(phaseDb, { force: true });
rmSync(phaseDb + '.wal', { force: true });
const breakdownInstance = await DuckDBInstance.create(phaseDb, { enable_external_access: 'false' });
const breakdownConnection = await breakdownInstance.connect();
await runMigrations(breakdownConnection, { path: phaseDb, now: () => Date.now() * 1000 });
const breakdownStarted = { wall: performance.now(), cpu: cpuNow() };
const writer = timed(breakdownConnection);
await writer.run('BEGIN TRANSACTION');
await applyIndicatorSnapshot(writer, 'feodo', new SnapshotDrafts({ batches: parseExport() }), {
  startedAt: Date.now() * 1000,
  complete: true,
});
await writer.run('COMMIT');
await writer.run('CHECKPOINT');
const breakdownTotal = {
  wall: (performance.now() - breakdownStarted.wall) / 1000,
  cpu: cpuNow() - breakdownStarted.cpu,
};
breakdownConnection.closeSync();
breakdownInstance.closeSync();
const inStatements = [...statementTimes.values()].reduce(
  (sum, entry) => ({ wall: sum.wall + entry.wall, cpu: sum.cpu + entry.cpu }),
  { wall: 0, cpu: 0 },
);
const breakdownRows = [
  ...[...statementTimes].map(
    ([name, entry]) => `| ${name} | ${entry.count} | ${entry.wall.toFixed(2)} | ${entry.cpu.toFixed(2)} |`,
  ),
  `| between statements (parse and encode not overlapped, appending) | | ${(breakdownTotal.wall - inStatements.wall).toFixed(2)} | ${(breakdownTotal.cpu - inStatements.cpu).toFixed(2)} |`,
  `| whole first load, parse included | | ${breakdownTotal.wall.toFixed(2)} | ${breakdownTotal.cpu.toFixed(2)} |`,
];

// Each measured line ran the phases before it too: take those off.
const phaseRows = phases.map((entry, i) => {
  const own = i === 0 ? entry.cpu : entry.cpu - phases[i - 1]!.cpu;
  return `| ${entry.name} | ${own.toFixed(2)} | ${Math.round(rows / own).toLocaleString('en-US')} |`;
});

const rate = (seconds: number): string => Math.round(rows / seconds).toLocaleString('en-US');
// CPU time (all threads, DuckDB's included) is the work done; wall time also shows how much of the
// machine other processes took, so the load average is printed beside it.
const cpu = (m: Measurement): string => (m.cpuSeconds === null ? '' : m.cpuSeconds.toFixed(2));
const table = [
  `# Feed ingest benchmark (${rows.toLocaleString('en-US')} Feodo CSV rows built from the real file)`,
  '',
  '| step | wall s | CPU s | rows/s | peak RSS MB |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| first load (CLI, fresh file database) | ${first.wallSeconds.toFixed(2)} | ${cpu(first)} | ${rate(first.wallSeconds)} | ${first.peakRssMb.toFixed(0)} |`,
  `| unchanged refresh (CLI, same file: content hash) | ${again.wallSeconds.toFixed(2)} | ${cpu(again)} | | ${again.peakRssMb.toFixed(0)} |`,
  `| for comparison: \`feeds list\` (CLI start and database open alone) | ${list.wallSeconds.toFixed(2)} | ${cpu(list)} | | ${list.peakRssMb.toFixed(0)} |`,
  `| refresh with 1% of rows changed (CLI) | ${changed.wallSeconds.toFixed(2)} | ${cpu(changed)} | ${rate(changed.wallSeconds)} | ${changed.peakRssMb.toFixed(0)} |`,
  `| first fetch over HTTP (in process, memory database) | ${fetchSeconds.toFixed(2)} | | ${rate(fetchSeconds)} | |`,
  `| unchanged refresh over HTTP (${refresh?.run.httpStatus === 304 ? '304 Not Modified' : refresh?.run.status}) | ${refreshSeconds.toFixed(3)} | | | |`,
  '',
  '| first-load phase (in process) | CPU s | rows per CPU s |',
  '| --- | ---: | ---: |',
  ...phaseRows,
  '',
  '| first load, statement by statement (in process, file database) | statements | wall s | CPU s |',
  '| --- | ---: | ---: | ---: |',
  ...breakdownRows,
  '',
  `Load average (1 min) on ${cpus().length} CPUs: ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after; peak RSS from ${first.rssSource}.`,
  '',
  `Targets: ≥ 200,000 indicators/s on the first load (${rate(first.wallSeconds)} measured, process start included); unchanged refresh under 1 s (${again.wallSeconds.toFixed(2)} s by hash through the CLI, process start included; ${refreshSeconds.toFixed(3)} s by 304).`,
  '',
  `Exit codes: ${first.exitCode}, ${again.exitCode}, ${changed.exitCode}, ${list.exitCode}.`,
].join('\n');
writeFileSync(join(out, 'intel.md'), table + '\n');
console.log(table);
