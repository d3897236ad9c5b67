import {
  createConntrackSource,
  readConntrackTimeouts,
  type ConntrackSourceDeps,
  type ConntrackSourceStats,
  type ConntrackTimeouts,
} from '../capture/index.js';
import type { CaptureConfig, FlowTableConfig, StoreConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { createConntrackPipeline, type ConntrackPipelineStats } from './conntrack-pipeline.js';

const ACCOUNTING_HINT = 'run "sysctl -w net.netfilter.nf_conntrack_acct=1" (and keep it in /etc/sysctl.d/)';

export interface ConntrackLoopConfig {
  capture: Pick<CaptureConfig, 'restartDelayMs'>;
  flow: FlowTableConfig;
  store: Pick<StoreConfig, 'maxBatchRows' | 'flushIntervalMs'>;
}

export interface ConntrackLoopDeps {
  store: Store;
  log: Logger;
  /** Wall clock in milliseconds. */
  now: () => number;
  /** The conntrack binary; default "conntrack" on PATH. */
  conntrackPath?: string;
  /** Default: read from /proc/sys/net/netfilter (readConntrackTimeouts). */
  timeouts?: ConntrackTimeouts;
  /** Passed to createConntrackSource (a command prefix, a spawn function); warnings go to `log`. */
  source?: Omit<ConntrackSourceDeps, 'onWarning'>;
}

export interface ConntrackLoopStats {
  pipeline: ConntrackPipelineStats;
  source: ConntrackSourceStats;
}

export interface ConntrackLoopOptions {
  /** Aborting stops conntrack; the loop then writes every finished flow and returns. */
  signal: AbortSignal;
  /** Once conntrack reads events. */
  onStarted?: () => void;
  /** After each batch of events and each flush, with the running totals. */
  onProgress?: (stats: ConntrackLoopStats) => void;
}

/**
 * Flows from `conntrack -E` into the store until `signal` aborts or conntrack gives up, written in
 * batches and at least every `store.flush_interval_ms`; warns once when accounting is off and once when
 * connections are offloaded to a flowtable. The one loop of `yamori capture --conntrack` and of serve's
 * conntrack stage. Throws what starting conntrack throws (CONNTRACK_MISSING, CONNTRACK_FAILED).
 * Returns with `stopped` false when conntrack ended by itself.
 */
export async function runConntrackLoop(
  config: ConntrackLoopConfig,
  deps: ConntrackLoopDeps,
  options: ConntrackLoopOptions,
): Promise<ConntrackLoopStats & { stopped: boolean }> {
  const { log } = deps;
  const pipeline = createConntrackPipeline(config, {
    store: deps.store,
    timeouts: deps.timeouts ?? readConntrackTimeouts(),
    now: deps.now,
  });
  const source = createConntrackSource(
    { conntrackPath: deps.conntrackPath ?? 'conntrack', restartDelayMs: config.capture.restartDelayMs },
    { ...deps.source, onWarning: (message, fields) => log.warnLimited(message, fields) },
  );
  const { signal } = options;
  await source.start();
  log.info('capturing', { source: 'conntrack', events: 'NEW,DESTROY' });
  options.onStarted?.();
  const stats = (): ConntrackLoopStats => ({ pipeline: pipeline.stats(), source: source.stats() });
  const stop = (): void => {
    source.stop().catch((error: unknown) => log.error('stopping conntrack failed', { error: String(error) }));
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const timer = setInterval(() => {
    pipeline
      .flush()
      .catch((error: unknown) =>
        log.warnLimited('writing flows failed; will retry', { error: String(error) }),
      );
    options.onProgress?.(stats());
  }, config.store.flushIntervalMs);
  let hasWarnedAccounting = false;
  let hasWarnedOffload = false;
  try {
    for await (const events of source.events()) {
      await pipeline.ingest(events);
      const s = pipeline.stats();
      if (s.withoutAccounting > 0 && !hasWarnedAccounting) {
        hasWarnedAccounting = true;
        log.warn('conntrack accounting is off: flows are stored without packet and byte counts', {
          fix: ACCOUNTING_HINT,
        });
      }
      if (s.offloaded > 0 && !hasWarnedOffload) {
        hasWarnedOffload = true;
        log.warn('connections are offloaded to a flowtable: their counts can miss packets', {
          check: 'yamori doctor',
        });
      }
      options.onProgress?.(stats());
    }
  } finally {
    clearInterval(timer);
    signal.removeEventListener('abort', stop);
    await pipeline.finish();
  }
  const final = stats();
  options.onProgress?.(final);
  return { ...final, stopped: signal.aborted };
}
