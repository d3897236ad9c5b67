import type { Writable } from 'node:stream';
import { DROP_REASONS, type DropCounts } from '../capture/index.js';
import { parseListenAddress } from '../config/index.js';
import { createCollectPipeline, type CollectStats } from '../daemon/index.js';
import { YamoriError } from '../errors/index.js';
import { withStore } from './open-store.js';
import { formatCount, line, printJsonLines, printTable } from './output.js';
import type { Register } from './run-cli.js';

interface CollectOptions {
  listen: string[];
  json?: boolean;
}

const TICK_MS = 1_000;
const DEBUG_STATS_EVERY_MS = 10_000;

export const registerCollectCommand: Register = (program, context) => {
  program
    .command('collect')
    .description(
      'receive NetFlow v5/v9, IPFIX and sFlow from routers and store the flows until Ctrl-C or SIGTERM',
    )
    .option(
      '-l, --listen <addr:port>',
      'UDP address to listen on, repeatable (config: collect.listen; e.g. 0.0.0.0:2055, [::]:4739)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--json', 'print the final statistics as JSON')
    .action(async (options: CollectOptions) => {
      const ctx = context();
      const config = ctx.config();
      const listen = options.listen.length > 0 ? options.listen : config.collect.listen;
      for (const text of listen) {
        if (parseListenAddress(text) === null) {
          throw new YamoriError('COLLECT_LISTEN_INVALID', { flag: '--listen', value: text });
        }
      }
      const stats = await withStore(config, async (store) => {
        const pipeline = createCollectPipeline(
          { ...config, collect: { ...config.collect, listen } },
          { store, log: ctx.log, now: ctx.now },
        );
        const bound = await pipeline.start();
        for (const socket of bound) {
          ctx.log.info('listening', {
            udp: socket.address.includes(':')
              ? `[${socket.address}]:${socket.port}`
              : `${socket.address}:${socket.port}`,
            receive_buffer_bytes: socket.receiveBufferBytes,
          });
          // Linux reports twice the usable size; less than asked means net.core.rmem_max capped it.
          if (socket.receiveBufferBytes < config.collect.receiveBufferBytes) {
            ctx.log.warn('receive buffer smaller than asked; bursts may be dropped by the kernel', {
              asked: config.collect.receiveBufferBytes,
              granted: socket.receiveBufferBytes,
              fix: `sysctl -w net.core.rmem_max=${config.collect.receiveBufferBytes}`,
            });
          }
        }
        let lastDebugAt = ctx.now();
        let isDrawn = false;
        const timer = setInterval(() => {
          pipeline
            .tick()
            .catch((error: unknown) =>
              ctx.log.warnLimited('writing flows failed; will retry', { error: String(error) }),
            );
          const s = pipeline.stats();
          if (ctx.output.isTerminal) {
            ctx.output.err.write(`\r${statusLine(s)}\x1b[K`);
            isDrawn = true;
          }
          if (ctx.now() - lastDebugAt >= DEBUG_STATS_EVERY_MS) {
            lastDebugAt = ctx.now();
            for (const exporter of s.exporters) {
              ctx.log.debug('exporter', {
                exporter: exporter.exporter,
                protocol: exporter.protocol,
                datagrams: exporter.datagrams,
                records: exporter.records,
                flows: exporter.flows,
                templates: exporter.templates,
                drops: describeDrops(exporter.drops),
              });
            }
          }
        }, TICK_MS);
        try {
          await untilSignal();
        } finally {
          clearInterval(timer);
          if (isDrawn) ctx.output.err.write('\r\x1b[K');
          await pipeline.stop();
        }
        return pipeline.stats();
      });
      printStats(ctx.output.out, stats, options.json ?? false, ctx.output.quiet);
    });
};

/** Resolves on the first SIGINT or SIGTERM, and stops listening for them. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function totalDrops(drops: DropCounts): number {
  let total = 0;
  for (const reason of DROP_REASONS) total += drops[reason];
  return total;
}

function describeDrops(drops: DropCounts): string {
  const parts = DROP_REASONS.filter((reason) => drops[reason] > 0).map(
    (reason) => `${reason} ${formatCount(drops[reason])}`,
  );
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function statusLine(s: CollectStats): string {
  return (
    `${formatCount(s.datagrams)} datagrams  ${formatCount(s.records)} records  ` +
    `${formatCount(s.flowsWritten)} flows stored  ${formatCount(totalDrops(s.drops))} dropped  ` +
    `${s.exporters.length} exporters` +
    (s.spoolDatagrams > 0 ? `  ${formatCount(s.spoolDatagrams)} datagrams spooled` : '')
  );
}

function printStats(out: Writable, s: CollectStats, json: boolean, quiet: boolean): void {
  if (json) {
    printJsonLines(out, [
      {
        datagrams: s.datagrams,
        records: s.records,
        flows: s.flowsWritten,
        drops: s.drops,
        flowsLost: s.flowsLost,
        queueDrops: s.queueDrops,
        datagramsSpooled: s.datagramsSpooled,
        spoolDatagrams: s.spoolDatagrams,
        spoolFileBytes: s.spoolFileBytes,
        datagramsRecovered: s.datagramsRecovered,
        stitch: s.stitch,
        exportersEvicted: s.exportersEvicted,
        exporters: s.exporters.map((exporter) => ({
          exporter: exporter.exporter,
          protocol: exporter.protocol,
          datagrams: exporter.datagrams,
          records: exporter.records,
          flows: exporter.flows,
          templates: exporter.templates,
          drops: exporter.drops,
        })),
      },
    ]);
    return;
  }
  if (quiet) return;
  line(
    out,
    `collected ${formatCount(s.datagrams)} datagrams from ${s.exporters.length} exporter${s.exporters.length === 1 ? '' : 's'}: ` +
      `${formatCount(s.records)} records, ${formatCount(s.flowsWritten)} flows stored ` +
      `(${formatCount(s.stitch.paired)} stitched from both directions, ${formatCount(s.stitch.oneSided)} one-sided), ` +
      `${formatCount(totalDrops(s.drops))} dropped`,
  );
  if (s.queueDrops > 0) {
    line(
      out,
      `${formatCount(s.queueDrops)} datagrams dropped unread because storing fell too far behind the sockets and the spool was full (collect.spool_max_bytes)`,
    );
  }
  if (s.datagramsRecovered > 0) {
    line(out, `${formatCount(s.datagramsRecovered)} datagrams read back from the spool the last run left`);
  }
  if (s.datagramsSpooled > 0) {
    line(
      out,
      `${formatCount(s.datagramsSpooled)} datagrams waited in the spool while storing was behind` +
        (s.spoolDatagrams > 0
          ? `; ${formatCount(s.spoolDatagrams)} still wait there and are stored at the next start`
          : ''),
    );
  } else if (s.spoolDatagrams > 0) {
    line(
      out,
      `${formatCount(s.spoolDatagrams)} datagrams wait in the spool and are stored at the next start`,
    );
  }
  if (s.exporters.length === 0) return;
  printTable(
    out,
    [
      { header: 'exporter', value: (e) => e.exporter },
      { header: 'protocol', value: (e) => e.protocol },
      { header: 'datagrams', value: (e) => formatCount(e.datagrams), right: true },
      { header: 'records', value: (e) => formatCount(e.records), right: true },
      { header: 'flows', value: (e) => formatCount(e.flows), right: true },
      { header: 'templates', value: (e) => formatCount(e.templates), right: true },
      { header: 'dropped', value: (e) => describeDrops(e.drops) },
    ],
    s.exporters,
  );
}
