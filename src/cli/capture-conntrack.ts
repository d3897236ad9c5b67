import { runConntrackLoop } from '../daemon/index.js';
import type { CliContext } from './cli-context.js';
import { withStore } from './open-store.js';
import { formatCount, line, printJsonLines } from './output.js';
import { untilStopSignal } from './stop-signal.js';

/**
 * `yamori capture --conntrack`: flows from the kernel's connection tracking instead of packets, until
 * Ctrl-C or SIGTERM (daemon/'s conntrack loop, which serve runs too). Each connection is written when
 * conntrack destroys its entry; the summary says how many events and flows there were.
 */
export async function captureConntrack(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  const config = ctx.config();
  await withStore(config, async (store) => {
    const { pipeline: s, source: sourceStats } = await untilStopSignal((signal) =>
      runConntrackLoop(config, { store, log: ctx.log, now: ctx.now }, { signal }),
    );
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
