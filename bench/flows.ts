/**
 * `npm run bench:flows`: Yamori's pcap import against the flow tools people already use, on one large
 * capture, one tool at a time (the machine has two cores), each as a child process with its wall time
 * and peak RSS. Then the memory of a million flows held open at once.
 *
 * Output: a table on stdout and the same as markdown in bench/out/flows.md. Everything it writes goes to
 * bench/out/ (git-ignored); the capture files are reused while their size and seed still match.
 *
 * Options: --packets N (default 2000000), --seed N, --runs N (default 2, or 1 when a round is long),
 * --live-flows N (default 1000000, 0 skips), --profile (CPU profile of the import; also taken on its own
 * when Yamori misses the speed targets), --no-profile.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBenchCapture, type BenchCaptureManifest } from './bench-capture.js';
import { summariseCpuProfile, type HotSpot } from './cpu-profile-summary.js';
import { ensureLiveFlowsCapture } from './live-flows-capture.js';
import { hasGnuTime, measureProcess, type Measurement } from './measure-process.js';
import { renderMarkdown, renderText, type Table } from './results-table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'out');
const REPLAY_DIR = path.resolve(ROOT, '..', 'shared', 'pcaps');
const CONCURRENT_FLOWS = 10_000;
const REPLAY_SHARE = 0.05;
/** A second round of every tool is run only when the first took at most this long in total. */
const SECOND_ROUND_BUDGET_S = 240;
const RSS_TARGET_MB = 300;
const FLOOR_FACTOR = 3;
const RATIOS_NOTE =
  'Ratios: Yamori packets/s ÷ tool packets/s (above 1 is Yamori faster), Yamori peak RSS ÷ tool peak RSS. ' +
  'Flows out: what each tool says it wrote; nfpcapd counts each direction as a flow, softflowd and Yamori do not.';
const SEARCH_PATH = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];

type ToolKind = 'yamori' | 'flow' | 'floor';

interface Tool {
  name: string;
  kind: ToolKind;
  command: string;
  /** Arguments for reading `file`; called before every run, after `prepare`. */
  args: (file: string) => string[];
  /** Clears what the last run left (output files, a database). */
  prepare?: () => void;
  /** Flows the tool says it wrote, from its log; null when it does not say. */
  flowsFromLog?: (log: string) => number | null;
  /** What the command line shows about how the tool was set up. */
  note: string;
}

interface ToolResult {
  tool: Tool;
  runs: Measurement[];
  best: Measurement;
  /** Highest peak RSS over the runs. */
  peakRssMb: number;
  flows: number | null;
  failed: string | null;
}

interface Options {
  packets: number;
  seed: number;
  runs: number | null;
  liveFlows: number;
  profile: 'always' | 'never' | 'when-slow';
}

async function main(): Promise<void> {
  const options = readOptions();
  mkdirSync(OUT, { recursive: true });
  const report: string[] = [];
  const say = (text = ''): void => {
    process.stdout.write(`${text}\n`);
  };

  say(`bench:flows on ${machineDescription()}`);
  if (!hasGnuTime()) say('note: /usr/bin/time is missing; peak RSS is polled from /proc every 50 ms');
  buildDistIfStale(say);

  const capturePath = path.join(OUT, `bench-${options.packets}-s${options.seed}.pcap`);
  say(`\ncapture: ${path.relative(ROOT, capturePath)}`);
  const capture = await ensureBenchCapture({
    path: capturePath,
    packets: options.packets,
    seed: options.seed,
    concurrentFlows: CONCURRENT_FLOWS,
    replayShare: REPLAY_SHARE,
    replayDir: REPLAY_DIR,
  });
  const captureLine = describeCapture(capture.manifest);
  say(`  ${capture.reused ? 'reused' : `built in ${capture.buildSeconds.toFixed(1)} s`}: ${captureLine}`);
  await warmPageCache(capturePath);

  const sink = await openDiscardSocket();
  try {
    const tools = defineTools(sink.port);
    const available = tools.filter((tool) => {
      const found = resolveCommand(tool.command);
      if (found === null) say(`  skipped ${tool.name}: ${tool.command} is not installed`);
      return found !== null;
    });
    const loadBefore = os.loadavg()[0]!;
    const results = await runRounds(available, capturePath, options, say);
    const loadNote = describeLoad(loadBefore, os.loadavg()[0]!);
    say(`\n${loadNote}`);
    const yamori = results.find((result) => result.tool.kind === 'yamori');
    const mainTable = resultsTable(results, yamori, options.packets);
    const runsNote = `best wall time of ${describeRuns(results)}; peak RSS is the highest over the runs`;
    say(`\nresults (${runsNote}):\n${renderText(mainTable)}\n${RATIOS_NOTE}`);
    const targets = speedTargets(results, yamori);
    say(`\ntargets:\n${targets.map((line) => `  ${line}`).join('\n')}`);

    report.push(
      '# Flow import benchmark',
      '',
      `${machineDescription()}; ${new Date().toISOString().slice(0, 10)}.`,
      '',
      `Capture: ${captureLine}.`,
      '',
      `Each tool ran as a child process, one at a time, on the same file (in the page cache); ${runsNote}. ` +
        'CPU s is user + system time of the process and its threads (from GNU time). ' +
        loadNote,
      '',
      renderMarkdown(mainTable),
      '',
      RATIOS_NOTE,
      '',
      '| tool | how it ran |',
      '| --- | --- |',
      ...results.map((result) => `| ${result.tool.name} | \`${result.tool.note}\` |`),
      '',
      '## Targets',
      '',
      ...targets.map((line) => `- ${line}`),
    );

    if (yamori && yamori.failed === null) {
      const breakdown = await yamoriBreakdown(capturePath, yamori, say);
      if (breakdown) report.push('', '## Where Yamori spends its time', '', breakdown);
    }

    const live = options.liveFlows > 0 ? await liveFlows(options.liveFlows, available, sink.port, say) : null;
    if (live) report.push('', `## ${formatCount(options.liveFlows)} live flows at once`, '', live.markdown);
    if (live) {
      const line = live.yamoriRssMb === null ? 'not measured' : rssTargetLine(live.yamoriRssMb);
      targets.push(line);
      say(`  ${line}`);
      report.push('', `- ${line}`);
    }

    const slow = targets.some((line) => line.startsWith('MISSED') && !line.includes('RSS'));
    if (yamori && (options.profile === 'always' || (options.profile === 'when-slow' && slow))) {
      const spots = await profileYamori(capturePath, say);
      if (spots.length > 0)
        report.push('', '## CPU profile of the import (top self time)', '', spots.join('\n'));
    }
  } finally {
    sink.close();
  }
  const markdownPath = path.join(OUT, 'flows.md');
  writeFileSync(markdownPath, `${report.join('\n')}\n`);
  say(`\nmarkdown: ${path.relative(ROOT, markdownPath)}`);
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      packets: { type: 'string', default: '2000000' },
      seed: { type: 'string', default: '1' },
      runs: { type: 'string' },
      'live-flows': { type: 'string', default: '1000000' },
      profile: { type: 'boolean', default: false },
      'no-profile': { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
    return value;
  };
  return {
    packets: whole('packets', values.packets),
    seed: whole('seed', values.seed),
    runs: values.runs === undefined ? null : Math.max(1, whole('runs', values.runs)),
    liveFlows: whole('live-flows', values['live-flows']),
    profile: values.profile ? 'always' : values['no-profile'] ? 'never' : 'when-slow',
  };
}

function defineTools(port: number): Tool[] {
  const nfpcapdDir = path.join(OUT, 'nfpcapd');
  const argusFile = path.join(OUT, 'bench.argus');
  const db = path.join(OUT, 'bench.duckdb');
  const softflowdArgs = (file: string): string[] => [
    '-r',
    file,
    '-n',
    `127.0.0.1:${port}`,
    '-v',
    '9',
    // Its default of 8192 tracked flows would expire flows early, which none of the others do.
    '-m',
    '2000000',
    '-d',
    '-p',
    path.join(OUT, 'softflowd.pid'),
    // No -c: softflowd 1.1.0 reading a file never exits when its control socket path is 13 characters or
    // longer; the default /var/run/softflowd.ctl is fine.
  ];
  return [
    {
      name: 'tcpdump (floor)',
      kind: 'floor',
      command: 'tcpdump',
      args: (file) => ['-r', file, '-w', '/dev/null'],
      note: 'tcpdump -r FILE -w /dev/null',
    },
    {
      name: 'nfpcapd',
      kind: 'flow',
      command: 'nfpcapd',
      prepare: () => freshDir(nfpcapdDir),
      args: (file) => ['-r', file, '-w', nfpcapdDir],
      flowsFromLog: (log) => lastNumber(log, /Flows: (\d+)/g),
      note: 'nfpcapd -r FILE -w bench/out/nfpcapd',
    },
    {
      name: 'softflowd',
      kind: 'flow',
      command: 'softflowd',
      args: softflowdArgs,
      flowsFromLog: (log) => lastNumber(log, /Flows exported: (\d+)/g),
      note: `softflowd -r FILE -n 127.0.0.1:PORT -v 9 -m 2000000 -d (NetFlow v9 to a discard socket on loopback)`,
    },
    {
      name: 'argus',
      kind: 'flow',
      command: 'argus',
      prepare: () => rmSync(argusFile, { force: true }),
      args: (file) => ['-r', file, '-w', argusFile],
      note: 'argus -r FILE -w bench/out/bench.argus',
    },
    {
      name: 'tshark conv,ip',
      kind: 'flow',
      command: 'tshark',
      args: (file) => ['-q', '-z', 'conv,ip', '-r', file],
      note: 'tshark -q -z conv,ip -r FILE > log',
    },
    {
      name: 'yamori',
      kind: 'yamori',
      command: process.execPath,
      prepare: () => removeDatabase(db),
      args: (file) => [
        path.join(ROOT, 'dist', 'main.js'),
        '--db',
        db,
        '--quiet',
        'import',
        'pcap',
        '--json',
        file,
      ],
      flowsFromLog: (log) => yamoriSummary(log)?.flows ?? null,
      note: 'node dist/main.js --db bench/out/bench.duckdb --quiet import pcap --json FILE (fresh database)',
    },
  ];
}

async function runRounds(
  tools: Tool[],
  file: string,
  options: Options,
  say: (text?: string) => void,
): Promise<ToolResult[]> {
  const runs = new Map<Tool, Measurement[]>(tools.map((tool) => [tool, []]));
  const failures = new Map<Tool, string>();
  const flows = new Map<Tool, number | null>();
  let plannedRounds = options.runs ?? 2;
  for (let round = 1; round <= plannedRounds; round++) {
    say(`\nround ${round} of ${plannedRounds}:`);
    let roundSeconds = 0;
    for (const tool of tools) {
      if (failures.has(tool)) continue;
      tool.prepare?.();
      const logPath = path.join(OUT, `${slug(tool.name)}.log`);
      const measurement = await measureProcess(resolveCommand(tool.command)!, tool.args(file), {
        logPath,
        cwd: ROOT,
      });
      roundSeconds += measurement.wallSeconds;
      const log = readFileSync(logPath, 'utf8');
      if (measurement.exitCode !== 0) {
        failures.set(tool, `exit ${measurement.exitCode}, see ${path.relative(ROOT, logPath)}`);
        say(`  ${tool.name}: FAILED (exit ${measurement.exitCode}); last lines of its log:`);
        say(indent(log.trim().split('\n').slice(-8).join('\n')));
        continue;
      }
      runs.get(tool)!.push(measurement);
      flows.set(tool, tool.flowsFromLog?.(log) ?? null);
      say(
        `  ${tool.name}: ${measurement.wallSeconds.toFixed(2)} s, ${measurement.peakRssMb.toFixed(0)} MB peak RSS`,
      );
    }
    if (round === 1 && options.runs === null && roundSeconds > SECOND_ROUND_BUDGET_S) {
      plannedRounds = 1;
      say(`  (round took ${roundSeconds.toFixed(0)} s: one round only)`);
    }
  }
  return tools.map((tool) => {
    const measured = runs.get(tool)!;
    const best = measured.reduce<Measurement | null>(
      (fastest, run) => (fastest === null || run.wallSeconds < fastest.wallSeconds ? run : fastest),
      null,
    );
    return {
      tool,
      runs: measured,
      best: best ?? {
        wallSeconds: NaN,
        peakRssMb: NaN,
        cpuSeconds: null,
        exitCode: 1,
        rssSource: 'gnu-time',
      },
      peakRssMb: Math.max(...measured.map((run) => run.peakRssMb)),
      flows: flows.get(tool) ?? null,
      failed: failures.get(tool) ?? (measured.length === 0 ? 'no successful run' : null),
    };
  });
}

function resultsTable(results: ToolResult[], yamori: ToolResult | undefined, packets: number): Table {
  const yamoriRate = yamori && yamori.failed === null ? packets / yamori.best.wallSeconds : null;
  const rows = results.map((result) => {
    if (result.failed !== null) return [result.tool.name, 'failed', '', '', '', '', '', '', result.failed];
    const rate = packets / result.best.wallSeconds;
    const isYamori = result === yamori;
    return [
      result.tool.name,
      result.best.wallSeconds.toFixed(2),
      result.best.cpuSeconds === null ? '' : result.best.cpuSeconds.toFixed(2),
      formatCount(Math.round(rate)),
      result.peakRssMb.toFixed(0),
      isYamori || yamoriRate === null ? '' : `${(yamoriRate / rate).toFixed(2)}×`,
      isYamori || yamori === undefined ? '' : `${(yamori.peakRssMb / result.peakRssMb).toFixed(2)}×`,
      result.flows === null ? '' : formatCount(result.flows),
      `${result.runs.length}`,
    ];
  });
  return {
    headers: [
      'tool',
      'wall s',
      'CPU s',
      'packets/s',
      'peak RSS MB',
      'Yamori speed ×',
      'Yamori RSS ×',
      'flows out',
      'runs',
    ],
    rows,
    rightAligned: [1, 2, 3, 4, 5, 6, 7, 8],
  };
}

function speedTargets(results: ToolResult[], yamori: ToolResult | undefined): string[] {
  if (!yamori || yamori.failed !== null)
    return ['MISSED: Yamori did not complete, so no target can be checked'];
  const lines: string[] = [];
  for (const result of results) {
    if (result.tool.kind !== 'flow' || result.failed !== null) continue;
    const ratio = result.best.wallSeconds / yamori.best.wallSeconds;
    const verdict = ratio > 1 ? 'met' : 'MISSED';
    lines.push(`${verdict}: faster than ${result.tool.name} (Yamori is ${ratio.toFixed(2)}× its speed)`);
  }
  const floor = results.find((result) => result.tool.kind === 'floor' && result.failed === null);
  if (floor) {
    const factor = yamori.best.wallSeconds / floor.best.wallSeconds;
    const verdict = factor <= FLOOR_FACTOR ? 'met' : 'MISSED';
    lines.push(
      `${verdict}: within ${FLOOR_FACTOR}× of the tcpdump floor (Yamori takes ${factor.toFixed(1)}× tcpdump's time)`,
    );
  }
  return lines;
}

function rssTargetLine(rssMb: number): string {
  const verdict = rssMb < RSS_TARGET_MB ? 'met' : 'MISSED';
  return `${verdict}: peak RSS under ${RSS_TARGET_MB} MB with a million live flows (Yamori: ${rssMb.toFixed(0)} MB)`;
}

/** The import without the store (read, + decode, + flow table), each in its own process. */
async function yamoriBreakdown(
  file: string,
  yamori: ToolResult,
  say: (text?: string) => void,
): Promise<string | null> {
  say('\nYamori time breakdown (in-process times, startup excluded; best of as many runs as above):');
  const fullLog = readFileSync(path.join(OUT, `${slug(yamori.tool.name)}.log`), 'utf8');
  const fullSeconds = yamoriSummary(fullLog)?.seconds ?? null;
  const rows: string[][] = [];
  let previous = 0;
  const repeats = Math.max(1, yamori.runs.length);
  for (const stage of ['read', 'decode', 'flow'] as const) {
    let bestSeconds = Infinity;
    let peakRssMb = 0;
    for (let run = 0; run < repeats; run++) {
      const logPath = path.join(OUT, `yamori-stage-${stage}.log`);
      const measurement = await measureProcess(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'bench', 'yamori-stages.ts'), stage, file],
        { logPath, cwd: ROOT },
      );
      const result = parseJsonLines(readFileSync(logPath, 'utf8')).find((line) => line.stage === stage);
      if (measurement.exitCode !== 0 || typeof result?.seconds !== 'number') {
        say(`  ${stage}: failed, see ${path.relative(ROOT, logPath)}`);
        return null;
      }
      bestSeconds = Math.min(bestSeconds, result.seconds);
      peakRssMb = Math.max(peakRssMb, measurement.peakRssMb);
    }
    const label = { read: 'read capture', decode: '+ decode', flow: '+ flow table' }[stage];
    rows.push([label, bestSeconds.toFixed(2), (bestSeconds - previous).toFixed(2), peakRssMb.toFixed(0)]);
    previous = bestSeconds;
  }
  if (fullSeconds !== null) {
    rows.push([
      '+ store and the rest (full import)',
      fullSeconds.toFixed(2),
      (fullSeconds - previous).toFixed(2),
      yamori.peakRssMb.toFixed(0),
    ]);
    rows.push([
      'process startup and exit',
      yamori.best.wallSeconds.toFixed(2),
      (yamori.best.wallSeconds - fullSeconds).toFixed(2),
      '',
    ]);
  }
  const table: Table = {
    headers: ['stage', 'cumulative s', 'stage s', 'peak RSS MB'],
    rows,
    rightAligned: [1, 2, 3],
  };
  say(renderText(table));
  say(
    '  (stages run from src/ through tsx without the store; the full import runs dist/. Separate runs vary, so a small stage can come out negative.)',
  );
  return renderMarkdown(table);
}

async function liveFlows(
  flows: number,
  tools: Tool[],
  port: number,
  say: (text?: string) => void,
): Promise<{ markdown: string; yamoriRssMb: number | null }> {
  const file = path.join(OUT, `live-${flows}.pcap`);
  say(`\n${formatCount(flows)} live flows at once: ${path.relative(ROOT, file)}`);
  const capture = await ensureLiveFlowsCapture(file, flows);
  say(
    `  ${capture.reused ? 'reused' : 'built'}: ${formatCount(capture.manifest.packets)} packets (a SYN and a SYN-ACK per flow, ` +
      `none closed, all within ${((flows * 4) / 1e6).toFixed(1)} s), ${formatMb(capture.manifest.bytes)}`,
  );
  const maxFlows = Math.max(2_000_000, flows * 2);
  const configPath = path.join(OUT, 'live-flows.yaml');
  writeFileSync(
    configPath,
    `# Written by bench/flows.ts: room for every live flow.\nflow:\n  max_flows: ${maxFlows}\n`,
  );
  const db = path.join(OUT, 'live.duckdb');
  const nfpcapdDir = path.join(OUT, 'nfpcapd-live');
  const runs: { name: string; command: string; args: string[]; prepare?: () => void; note: string }[] = [
    {
      name: 'yamori',
      command: process.execPath,
      prepare: () => removeDatabase(db),
      args: [
        path.join(ROOT, 'dist', 'main.js'),
        '--db',
        db,
        '--config',
        configPath,
        '--quiet',
        'import',
        'pcap',
        '--json',
        file,
      ],
      note: `flow.max_flows: ${maxFlows}`,
    },
    {
      name: 'nfpcapd',
      command: 'nfpcapd',
      prepare: () => freshDir(nfpcapdDir),
      // Its flow node cache (default 524288) is sized for the flows at once.
      args: ['-r', file, '-w', nfpcapdDir, '-B', `${maxFlows}`],
      note: `-B ${maxFlows}`,
    },
    {
      name: 'softflowd',
      command: 'softflowd',
      args: [
        '-r',
        file,
        '-n',
        `127.0.0.1:${port}`,
        '-v',
        '9',
        '-m',
        `${maxFlows}`,
        '-d',
        '-p',
        path.join(OUT, 'softflowd.pid'),
      ],
      note: `-m ${maxFlows}`,
    },
  ];
  const installed = new Set(tools.map((tool) => tool.command));
  const rows: string[][] = [];
  let yamoriRssMb: number | null = null;
  for (const run of runs) {
    if (run.name !== 'yamori' && !installed.has(run.command)) continue;
    run.prepare?.();
    const logPath = path.join(OUT, `live-${run.name}.log`);
    const measurement = await measureProcess(resolveCommand(run.command)!, run.args, { logPath, cwd: ROOT });
    const log = readFileSync(logPath, 'utf8');
    const flowsOut =
      run.name === 'yamori'
        ? (yamoriSummary(log)?.flows ?? null)
        : run.name === 'nfpcapd'
          ? lastNumber(log, /Flows: (\d+)/g)
          : lastNumber(log, /Flows exported: (\d+)/g);
    if (measurement.exitCode !== 0) {
      rows.push([
        run.name,
        'failed',
        '',
        '',
        '',
        `exit ${measurement.exitCode}, see ${path.relative(ROOT, logPath)}`,
      ]);
      continue;
    }
    if (run.name === 'yamori') yamoriRssMb = measurement.peakRssMb;
    rows.push([
      run.name,
      measurement.wallSeconds.toFixed(2),
      measurement.cpuSeconds === null ? '' : measurement.cpuSeconds.toFixed(2),
      measurement.peakRssMb.toFixed(0),
      flowsOut === null ? '' : formatCount(flowsOut),
      run.note,
    ]);
  }
  const table: Table = {
    headers: ['tool', 'wall s', 'CPU s', 'peak RSS MB', 'flows out', 'setting'],
    rows,
    rightAligned: [1, 2, 3, 4],
  };
  say(renderText(table));
  return { markdown: renderMarkdown(table), yamoriRssMb };
}

async function profileYamori(file: string, say: (text?: string) => void): Promise<string[]> {
  const dir = path.join(OUT, 'profile');
  freshDir(dir);
  const db = path.join(OUT, 'profile.duckdb');
  removeDatabase(db);
  say('\nprofiling the import (node --cpu-prof)...');
  const logPath = path.join(OUT, 'yamori-profile.log');
  const measurement = await measureProcess(
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-dir',
      dir,
      path.join(ROOT, 'dist', 'main.js'),
      '--db',
      db,
      '--quiet',
      'import',
      'pcap',
      file,
    ],
    { logPath, cwd: ROOT },
  );
  const profile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (measurement.exitCode !== 0 || profile === undefined) {
    say(`  no profile (exit ${measurement.exitCode}), see ${path.relative(ROOT, logPath)}`);
    return [];
  }
  const summary = summariseCpuProfile(path.join(dir, profile), 20, ROOT);
  const row = (share: number, ms: number, spot: HotSpot): string =>
    `${(share * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${spot.functionName}  ${spot.location}`;
  const bySelf = summary.bySelf.map((spot) => row(spot.selfShare, spot.selfMs, spot));
  const byTotal = summary.byTotal.map((spot) => row(spot.totalShare, spot.totalMs, spot));
  say(
    `  ${path.relative(ROOT, path.join(dir, profile))} (${measurement.wallSeconds.toFixed(1)} s with profiling)`,
  );
  say('  self time:');
  say(bySelf.map((line) => `  ${line}`).join('\n'));
  say('  total time (with callees), project functions:');
  say(byTotal.map((line) => `  ${line}`).join('\n'));
  return [
    'Self time:',
    '',
    '```',
    ...bySelf,
    '```',
    '',
    'Total time (with callees), project functions:',
    '',
    '```',
    ...byTotal,
    '```',
  ];
}

/** Rebuilds dist/ when a source file is newer than dist/main.js; stops the bench when the build fails. */
function buildDistIfStale(say: (text?: string) => void): void {
  const built = path.join(ROOT, 'dist', 'main.js');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const newest = Math.max(
    ...readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => statSync(path.join(ROOT, 'src', name)).mtimeMs),
  );
  if (newest <= builtAt) return;
  say('dist/ is older than src/: building (tsc -p tsconfig.build.json)');
  const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(
      `${result.stdout}${result.stderr}\nbench:flows: the build failed; fix it and run again\n`,
    );
    process.exit(1);
  }
}

async function warmPageCache(file: string): Promise<void> {
  // Every tool then reads the file from memory, the first one included.
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) void chunk;
}

async function openDiscardSocket(): Promise<{ port: number; close: () => void }> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', resolve);
  });
  return { port: socket.address().port, close: () => socket.close() };
}

function describeCapture(manifest: BenchCaptureManifest): string {
  return (
    `${formatCount(manifest.packets)} packets, ${formatCount(manifest.conversations)} distinct 5-tuples ` +
    `(${formatCount(manifest.concurrentFlows)} synthetic flows in progress at once; ` +
    `${formatCount(manifest.replayedPackets)} packets are replayed copies of ${manifest.replayShapes} real traces), ` +
    `${formatMb(manifest.bytes)}, ${manifest.durationS.toFixed(0)} s of traffic, seed ${manifest.seed}`
  );
}

function describeRuns(results: ToolResult[]): string {
  const counts = new Set(results.map((result) => result.runs.length).filter((count) => count > 0));
  if (counts.size === 1) {
    const [count] = counts;
    return count === 1 ? '1 run (one run each)' : `${count} runs each`;
  }
  return 'the runs in the last column';
}

/** Other work on a two-core machine slows every tool; say how busy it was so a reader can judge. */
function describeLoad(before: number, after: number): string {
  const busy = Math.max(before, after) > 1;
  return (
    `Load average (1 min) ${before.toFixed(2)} before the runs, ${after.toFixed(2)} after` +
    (busy ? ': the machine was busy with other work, so the wall times are noisy; CPU s is steadier.' : '.')
  );
}

function machineDescription(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} cores, ${formatMb(os.totalmem())} RAM, Node ${process.version}`;
}

function yamoriSummary(log: string): { packets: number; flows: number; seconds: number } | null {
  const summary = parseJsonLines(log).find((line) => typeof line.flows === 'number');
  return summary ? (summary as { packets: number; flows: number; seconds: number }) : null;
}

function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

function lastNumber(log: string, pattern: RegExp): number | null {
  const matches = [...log.matchAll(pattern)];
  const last = matches.at(-1)?.[1];
  return last === undefined ? null : Number(last);
}

function resolveCommand(command: string): string | null {
  if (path.isAbsolute(command)) return existsSync(command) ? command : null;
  for (const dir of SEARCH_PATH) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function removeDatabase(db: string): void {
  for (const suffix of ['', '.wal']) rmSync(`${db}${suffix}`, { force: true });
}

function freshDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

function slug(name: string): string {
  return name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/-+$/, '')
    .toLowerCase();
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function formatMb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

await main();
