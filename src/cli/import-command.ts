import { statSync } from 'node:fs';
import { openCaptureFile, readCapture } from '../capture/index.js';
import { createPacketPipeline, type PipelineStats } from '../daemon/index.js';
import { YamoriError, isYamoriError } from '../errors/index.js';
import type { CliContext } from './cli-context.js';
import { withStore } from './open-store.js';
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
};

export async function importPcapFiles(ctx: CliContext, files: string[]): Promise<ImportSummary> {
  const config = ctx.config();
  const startedAt = ctx.now();
  // Every file is checked before the database is opened, so a typo creates nothing.
  const sizes = files.map((file) => (file === '-' ? null : sizeOf(file)));
  let stats: PipelineStats | null = null;
  let stoppedEarly: ImportSummary['stoppedEarly'] = null;
  await withStore(config, async (store) => {
    const pipeline = createPacketPipeline(config, {
      store,
      log: ctx.log,
      onWritten: (s) =>
        ctx.log.debug('batch written', { flows_total: s.flowsWritten, dns_total: s.dnsWritten }),
    });
    const progress = createProgressLine(ctx.output.err, ctx.output.isTerminal, ctx.now);
    try {
      for (const [index, file] of files.entries()) {
        const total = sizes[index] ?? null;
        const reader = readCapture(openCaptureFile(file), {
          sourceName: file === '-' ? 'standard input' : file,
        });
        try {
          for await (const batch of reader) {
            await pipeline.ingest(batch);
            const s = pipeline.stats();
            progress.update(s.packets, reader.stats().inputBytes, total, s.flowsWritten + s.liveFlows);
          }
        } catch (error) {
          // A damaged file keeps what came before it; the rest of the flows are still written below.
          if (!isYamoriError(error) || !error.code.startsWith('PCAP_')) throw error;
          stoppedEarly = { file, code: error.code, message: error.message };
          progress.done();
          ctx.output.err.write(`error ${error.code}: ${error.message}\nhint: ${error.hint}\n`);
          break;
        }
      }
    } finally {
      progress.done();
      await pipeline.finish();
      stats = pipeline.stats();
    }
  });
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
