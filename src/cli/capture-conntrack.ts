import { createConntrackSource, readConntrackTimeouts } from '../capture/index.js';
import { createConntrackPipeline } from '../daemon/index.js';
import type { CliContext } from './cli-context.js';
import { withStore } from './open-store.js';
import { formatCount, line, printJsonLines } from './output.js';

const ACCOUNTING_HINT = 'run "sysctl -w net.netfilter.nf_conntrack_acct=1" (and keep it in /etc/sysctl.d/)';

/**
 * `yamori capture --conntrack`: flows from the kernel's connection tracking instead of packets, until
 * Ctrl-C or SIGTERM. Each connection is written when conntrack destroys its entry; the summary says how
 * many events and flows there were, and warns once when accounting is off or entries were offloaded.
 */
export async function captureConntrack(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  const config = ctx.config();
  await withStore(config, async (store) => {
    const pipeline = createConntrackPipeline(config, {
      store,
      timeouts: readConntrackTimeouts(),
      now: ctx.now,
    });
    const source = createConntrackSource(
      { conntrackPath: 'conntrack', restartDelayMs: config.capture.restartDelayMs },
      { onWarning: (message, fields) => ctx.log.warnLimited(message, fields) },
    );
    await source.start();
    if (!ctx.output.quiet) ctx.log.info('capturing', { source: 'conntrack', events: 'NEW,DESTROY' });
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      source
        .stop()
        .catch((error: unknown) => ctx.log.error('stopping conntrack failed', { error: String(error) }));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = setInterval(() => {
      pipeline
        .flush()
        .catch((error: unknown) =>
          ctx.log.warnLimited('writing flows failed; will retry', { error: String(error) }),
        );
    }, config.store.flushIntervalMs);
    let hasWarnedAccounting = false;
    let hasWarnedOffload = false;
    try {
      for await (const events of source.events()) {
        await pipeline.ingest(events);
        const s = pipeline.stats();
        if (s.withoutAccounting > 0 && !hasWarnedAccounting) {
          hasWarnedAccounting = true;
          ctx.log.warn('conntrack accounting is off: flows are stored without packet and byte counts', {
            fix: ACCOUNTING_HINT,
          });
        }
        if (s.offloaded > 0 && !hasWarnedOffload) {
          hasWarnedOffload = true;
          ctx.log.warn('connections are offloaded to a flowtable: their counts can miss packets', {
            check: 'yamori doctor',
          });
        }
      }
    } finally {
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await pipeline.finish();
    }
    const s = pipeline.stats();
    const sourceStats = source.stats();
    const summary = {
      source: 'conntrack',
      newEvents: s.newEvents,
      destroyEvents: s.destroyEvents,
      flows: s.flowsWritten,
      openConnections: s.openConnections,
      withoutAccounting: s.withoutAccounting,
      offloaded: s.offloaded,
      badLines: sourceStats.badLines,
      lostEventReports: sourceStats.lostEventReports,
      conntrackRestarts: sourceStats.restarts,
    };
    if (options.json) printJsonLines(ctx.output.out, [summary]);
    else if (!ctx.output.quiet) {
      line(
        ctx.output.out,
        `captured ${formatCount(s.newEvents + s.destroyEvents)} conntrack events: ${formatCount(s.flowsWritten)} flows, ` +
          `${formatCount(s.openConnections)} connections still open (not written); ` +
          `conntrack lost events ${sourceStats.lostEventReports} times, restarted ${sourceStats.restarts} times`,
      );
    }
  });
}
