import { statSync } from 'node:fs';
import { importEveLogs, importZeekLogs, type LogImportResult, type LogImportStats } from '../daemon/index.js';
import { YamoriError } from '../errors/index.js';
import type { CliContext } from './cli-context.js';
import { withStore } from './open-store.js';
import { formatBytes, formatCount, line, printJsonLines } from './output.js';
import { parsePositiveInteger } from './parse-time.js';

export interface LogImportFlags {
  sensor?: string;
  linkHeaderBytes?: string;
  json?: boolean;
}

interface LogImportSummary {
  format: 'zeek' | 'eve';
  files: number;
  lines: number;
  flows: number;
  dnsAnswers: number;
  namesJoined: number;
  namesUnmatched: number;
  ignoredLines: number;
  badLines: number;
  seconds: number;
  /** The first unreadable lines, as "file:line: reason". */
  badLineSamples: string[];
  /** Files skipped or cut short: their error code and message. */
  fileProblems: { file: string; code: string; message: string }[];
}

/** Shown on stderr, one per line, before the summary; the rest are counted. */
const SHOWN_BAD_LINES = 5;
const PROGRESS_INTERVAL_MS = 200;

/**
 * `yamori import zeek|eve FILE…`: checks every file exists before opening the database, imports them,
 * and prints the summary (or JSON). Unreadable lines are counted and the first few named with file and
 * line; a file that is not a log of the kind, or none of whose lines could be read, is reported and the
 * rest imported, and the exit status is then 1.
 */
export async function importLogFiles(
  ctx: CliContext,
  format: 'zeek' | 'eve',
  files: string[],
  flags: LogImportFlags,
): Promise<void> {
  const config = ctx.config();
  const startedAt = ctx.now();
  const total = files.reduce((sum, file) => sum + (file === '-' ? 0 : sizeOf(file)), 0);
  const linkHeaderBytes =
    flags.linkHeaderBytes === undefined ? 14 : parseLinkHeaderBytes(flags.linkHeaderBytes);
  const progress = createLineProgress(ctx, total);
  const result = await withStore(config, async (store) => {
    const run = format === 'zeek' ? importZeekLogs : importEveLogs;
    try {
      return await run(
        files,
        { flow: config.flow, store: config.store },
        { store, onProgress: progress.update },
        { sensor: flags.sensor ?? null, linkHeaderBytes },
      );
    } finally {
      progress.done();
    }
  });
  const summary = summarise(format, result, (ctx.now() - startedAt) / 1000);
  for (const problem of result.fileProblems) {
    ctx.output.err.write(
      `error ${problem.error.code}: ${problem.error.message}\nhint: ${problem.error.hint}\n`,
    );
  }
  if (!flags.json && !ctx.output.quiet) {
    for (const sample of summary.badLineSamples.slice(0, SHOWN_BAD_LINES)) {
      ctx.log.warn('unreadable line skipped', { at: sample });
    }
    if (summary.badLines > SHOWN_BAD_LINES) {
      ctx.log.warn('more unreadable lines skipped', { count: summary.badLines - SHOWN_BAD_LINES });
    }
  }
  printSummary(ctx, summary, flags.json ?? false);
  if (result.fileProblems.length > 0) ctx.exitCode = 1;
}

function summarise(format: 'zeek' | 'eve', result: LogImportResult, seconds: number): LogImportSummary {
  const s = result.stats;
  return {
    format,
    files: s.files,
    lines: s.lines,
    flows: s.flows,
    dnsAnswers: s.dnsAnswers,
    namesJoined: s.namesJoined,
    namesUnmatched: s.namesUnmatched,
    ignoredLines: s.ignoredLines,
    badLines: s.badLines,
    seconds,
    badLineSamples: result.badLineSamples.map((p) => `${p.file}:${p.line}: ${p.reason}`),
    fileProblems: result.fileProblems.map((p) => ({
      file: p.file,
      code: p.error.code,
      message: p.error.message,
    })),
  };
}

function printSummary(ctx: CliContext, summary: LogImportSummary, json: boolean): void {
  if (json) {
    printJsonLines(ctx.output.out, [summary]);
    return;
  }
  if (ctx.output.quiet) return;
  const rate = summary.seconds > 0 ? Math.round(summary.lines / summary.seconds) : summary.lines;
  const label = summary.format === 'zeek' ? 'Zeek log' : 'eve.json';
  line(
    ctx.output.out,
    `imported ${formatCount(summary.lines)} lines from ${summary.files} ${label} file${summary.files === 1 ? '' : 's'}: ` +
      `${formatCount(summary.flows)} flows, ${formatCount(summary.dnsAnswers)} DNS answers, ` +
      `${formatCount(summary.namesJoined)} flows named from ${summary.format === 'zeek' ? 'ssl/http logs' : 'tls/http events'}; ` +
      `${formatCount(summary.badLines)} unreadable lines; ${summary.seconds.toFixed(1)} s (${formatCount(rate)} lines/s)`,
  );
}

/** A progress line for terminals, like `import pcap`'s: bytes read of the total, lines and flows. */
function createLineProgress(
  ctx: CliContext,
  totalBytes: number,
): { update: (stats: LogImportStats) => void; done: () => void } {
  const enabled = ctx.output.isTerminal;
  const startedAt = ctx.now();
  let lastDrawAt = 0;
  let drawn = false;
  return {
    update(stats) {
      if (!enabled) return;
      const at = ctx.now();
      if (at - lastDrawAt < PROGRESS_INTERVAL_MS) return;
      lastDrawAt = at;
      const seconds = Math.max((at - startedAt) / 1000, 0.001);
      let bar = '';
      if (totalBytes > 0) {
        const fraction = Math.min(stats.inputBytes / totalBytes, 1);
        const filled = Math.round(fraction * 24);
        bar = `[${'#'.repeat(filled)}${'.'.repeat(24 - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      }
      ctx.output.err.write(
        `\r${bar}${formatCount(stats.lines)} lines  ${formatCount(Math.round(stats.lines / seconds))} lines/s  ` +
          `${formatBytes(stats.inputBytes)}  ${formatCount(stats.flows)} flows\x1b[K`,
      );
      drawn = true;
    },
    done() {
      if (drawn) ctx.output.err.write('\r\x1b[K');
    },
  };
}

function parseLinkHeaderBytes(text: string): number {
  if (text === '0') return 0;
  return parsePositiveInteger('--link-header-bytes', text, 64);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(cause);
    throw new YamoriError('INPUT_NOT_FOUND', { path: file, reason }, { cause });
  }
}
