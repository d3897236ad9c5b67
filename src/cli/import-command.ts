import { statSync } from 'node:fs';
import { importCaptures, type PipelineStats } from '../daemon/index.js';
import { YamoriError } from '../errors/index.js';
import type { CliContext } from './cli-context.js';
import { importLogFiles, type LogImportFlags } from './import-logs.js';
import { openStore } from '../store/index.js';
import { formatCount, line, printJsonLines } from './output.js';
import { createProgressLine } from './progress-line.js';
import type { Register } from './run-cli.js';

interface ImportSummary {
  files: number;
  packets: number;
  flows: number;
  dnsAnswers: number;
  malformed: number;
  nonIp: number;
  seconds: number;
  stoppedEarly: { file: string; code: string; message: string } | null;
}

export const registerImportCommand: Register = (program, context) => {
  const importCommand = program.command('import').description('import traffic from files');
  importCommand
    .command('pcap')
    .description('import pcap or pcapng captures (- for standard input; gzip is read too)')
    .argument('<files...>', 'capture files')
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], options: { json?: boolean }) => {
      const ctx = context();
      const summary = await importPcapFiles(ctx, files);
      printSummary(ctx, summary, options.json ?? false);
      // main.ts sets process.exitCode from runCli's result, so the status goes through the context.
      if (summary.stoppedEarly) ctx.exitCode = 1;
    });
  importCommand
    .command('zeek')
    .description('import Zeek conn.log, dns.log, ssl.log and http.log (TSV or JSON, gzip too; any order)')
    .argument('<files...>', 'Zeek log files (- for standard input)')
    .option('--sensor <name>', "sensor written on every record (default: the log's, else config sensor)")
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], options: LogImportFlags) => {
      await importLogFiles(context(), 'zeek', files, options);
    });
  importCommand
    .command('eve')
    .description('import Suricata eve.json flow, dns, tls and http events (gzip too)')
    .argument('<files...>', 'eve.json files (- for standard input)')
    .option(
      '--sensor <name>',
      "sensor written on every record (default: the event's host, else config sensor)",
    )
    .option(
      '--link-header-bytes <n>',
      "link-layer bytes per packet in Suricata's byte counts (default 14, Ethernet)",
    )
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], options: LogImportFlags) => {
      await importLogFiles(context(), 'eve', files, options);
    });
};

export async function importPcapFiles(ctx: CliContext, files: string[]): Promise<ImportSummary> {
  const config = ctx.config();
  const startedAt = ctx.now();
  // Every file is checked before the database is opened, so a typo creates nothing.
  const sizes = files.map((file) => (file === '-' ? null : sizeOf(file)));
  let stats: PipelineStats | null = null;
  let stoppedEarly: ImportSummary['stoppedEarly'] = null;
  // The database opens (and, when new, creates its tables) on DuckDB's threads while the first
  // packets are read: the import waits for it at its first write.
  const opening = openStore(config.store);
  try {
    const progress = createProgressLine(ctx.output.err, ctx.output.isTerminal, ctx.now);
    try {
      const result = await importCaptures(
        config,
        {
          store: opening,
          log: ctx.log,
          onProgress: (p) => progress.update(p.packets, p.inputBytes, sizes[p.fileIndex] ?? null, p.flows),
          onWritten: (s) =>
            ctx.log.debug('batch written', { flows_total: s.flowsWritten, dns_total: s.dnsWritten }),
        },
        files.map((file) => ({ path: file, sourceName: file === '-' ? 'standard input' : file })),
      );
      stats = result.stats;
      if (result.stoppedEarly !== null) {
        // A damaged file keeps what came before it; the flows still open were written all the same.
        const { file, error } = result.stoppedEarly;
        stoppedEarly = { file, code: error.code, message: error.message };
        progress.done();
        ctx.output.err.write(`error ${error.code}: ${error.message}\nhint: ${error.hint}\n`);
      }
    } finally {
      progress.done();
    }
  } finally {
    // Closed once opened, whatever the import did; a failure to open is the import's error already.
    const store = await opening.catch(() => null);
    await store?.close();
  }
  const final = stats as PipelineStats | null;
  return {
    files: files.length,
    packets: final?.packets ?? 0,
    flows: final?.flowsWritten ?? 0,
    dnsAnswers: final?.dnsWritten ?? 0,
    malformed: final?.malformed ?? 0,
    nonIp: final?.nonIp ?? 0,
    seconds: (ctx.now() - startedAt) / 1000,
    stoppedEarly,
  };
}

function sizeOf(file: string): number | null {
  try {
    return statSync(file).size;
  } catch (cause) {
    throw new YamoriError('INPUT_NOT_FOUND', { path: file, reason: describeFsError(cause) }, { cause });
  }
}

function describeFsError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return cause instanceof Error ? cause.message : String(cause);
}

function printSummary(ctx: CliContext, summary: ImportSummary, json: boolean): void {
  if (json) {
    printJsonLines(ctx.output.out, [summary]);
    return;
  }
  if (ctx.output.quiet) return;
  const rate = summary.seconds > 0 ? Math.round(summary.packets / summary.seconds) : summary.packets;
  line(
    ctx.output.out,
    `imported ${formatCount(summary.packets)} packets from ${summary.files} file${summary.files === 1 ? '' : 's'}: ` +
      `${formatCount(summary.flows)} flows, ${formatCount(summary.dnsAnswers)} DNS answers, ` +
      `${formatCount(summary.malformed)} malformed, ${formatCount(summary.nonIp)} not IP; ` +
      `${summary.seconds.toFixed(1)} s (${formatCount(rate)} packets/s)`,
  );
}
