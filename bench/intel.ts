/**
 * `npm run bench:intel`: feed ingest speed through the real CLI, and what an unchanged refresh costs.
 *
 * Builds a Feodo Tracker CSV export of at least one million rows from the rows of the real file in
 * ../shared/feeds (addresses and ports rewritten, everything else as upstream), then measures, each as
 * a child process with peak RSS: the first `yamori feeds update feodo --file FILE` into a fresh
 * database, the same command again (unchanged: content hash), and a refresh where 1% of rows changed.
 * Then, in process against a local HTTP server, the cost of an unchanged refresh answered by a 304.
 *
 * Usage: npm run bench:intel [-- --rows N]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { createIntelService } from '../src/intel/index.js';
import { startFeedServer } from '../src/intel/testing.js';
import { createLogger } from '../src/log/index.js';
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
  `| refresh with 1% of rows changed (CLI) | ${changed.wallSeconds.toFixed(2)} | ${cpu(changed)} | ${rate(changed.wallSeconds)} | ${changed.peakRssMb.toFixed(0)} |`,
  `| first fetch over HTTP (in process, memory database) | ${fetchSeconds.toFixed(2)} | | ${rate(fetchSeconds)} | |`,
  `| unchanged refresh over HTTP (${refresh?.run.httpStatus === 304 ? '304 Not Modified' : refresh?.run.status}) | ${refreshSeconds.toFixed(3)} | | | |`,
  '',
  `Load average (1 min) on ${cpus().length} CPUs: ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after; peak RSS from ${first.rssSource}.`,
  '',
  `Targets: ≥ 200,000 indicators/s on the first load (${rate(first.wallSeconds)} measured, process start included); unchanged refresh under 1 s (${again.wallSeconds.toFixed(2)} s by hash through the CLI, process start included; ${refreshSeconds.toFixed(3)} s by 304).`,
  '',
  `Exit codes: ${first.exitCode}, ${again.exitCode}, ${changed.exitCode}.`,
].join('\n');
writeFileSync(join(out, 'intel.md'), table + '\n');
console.log(table);
