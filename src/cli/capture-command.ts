import { runLiveCaptureLoop } from '../daemon/index.js';
import { YamoriError } from '../errors/index.js';
import { captureConntrack } from './capture-conntrack.js';
import { withStore } from './open-store.js';
import { formatCount, line, printJsonLines } from './output.js';
import { parsePositiveInteger } from './parse-time.js';
import { createProgressLine } from './progress-line.js';
import { untilStopSignal } from './stop-signal.js';
import type { Register } from './run-cli.js';

interface CaptureOptions {
  interface?: string;
  filter?: string;
  snaplen?: string;
  json?: boolean;
  conntrack?: boolean;
}

export const registerCaptureCommand: Register = (program, context) => {
  program
    .command('capture')
    .description('capture live traffic with tcpdump and store flows until Ctrl-C or SIGTERM')
    .option('-i, --interface <name>', 'interface to capture on (config: capture.interface)')
    .option('-f, --filter <bpf>', 'BPF filter in tcpdump syntax (config: capture.filter)')
    .option('-s, --snaplen <bytes>', 'bytes kept of each packet (config: capture.snaplen)')
    .option('--json', 'print the final summary as JSON')
    .option(
      '--conntrack',
      "store flows from the kernel's connection tracking (conntrack -E) instead of packets",
    )
    .action(async (options: CaptureOptions) => {
      const ctx = context();
      if (options.conntrack) return captureConntrack(ctx, options);
      const config = ctx.config();
      const captureConfig = {
        ...config.capture,
        interface: options.interface ?? config.capture.interface,
        filter: options.filter ?? config.capture.filter,
        snaplen: options.snaplen
          ? parsePositiveInteger('--snaplen', options.snaplen, 262_144)
          : config.capture.snaplen,
      };
      if (!captureConfig.interface) {
        throw new YamoriError('CLI_USAGE', {
          detail: 'No interface to capture on: give --interface or set capture.interface in the config.',
          command: 'capture',
        });
      }
      await withStore(config, async (store) => {
        const progress = createProgressLine(ctx.output.err, ctx.output.isTerminal, ctx.now);
        const { pipeline: s, capture: captureStats } = await untilStopSignal((signal) =>
          runLiveCaptureLoop(
            { ...config, capture: captureConfig },
            { store, log: ctx.log, now: ctx.now },
            {
              signal,
              onProgress: ({ pipeline: p }) =>
                progress.update(p.packets, p.bytes, null, p.flowsWritten + p.liveFlows),
            },
          ).finally(() => progress.done()),
        );
        const summary = {
          interface: captureConfig.interface,
          packets: s.packets,
          flows: s.flowsWritten,
          dnsAnswers: s.dnsWritten,
          malformed: s.malformed,
          kernelDrops: captureStats.kernelDrops,
          interfaceDrops: captureStats.ifDrops,
          tcpdumpRestarts: captureStats.restarts,
        };
        if (options.json) printJsonLines(ctx.output.out, [summary]);
        else if (!ctx.output.quiet) {
          line(
            ctx.output.out,
            `captured ${formatCount(s.packets)} packets on ${captureConfig.interface}: ${formatCount(s.flowsWritten)} flows, ` +
              `${formatCount(s.dnsWritten)} DNS answers, ${formatCount(s.malformed)} malformed; ` +
              `kernel dropped ${formatCount(captureStats.kernelDrops)}, tcpdump restarted ${captureStats.restarts} times`,
          );
        }
      });
    });
};
