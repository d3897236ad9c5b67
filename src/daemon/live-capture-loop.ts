import {
  createLiveCapture,
  type LiveCapture,
  type LiveCaptureDeps,
  type LiveCaptureStats,
} from '../capture/index.js';
import type { CaptureConfig, FlowTableConfig, StoreConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { createPacketPipeline, type PipelineStats } from './packet-pipeline.js';

export interface LiveCaptureLoopConfig {
  capture: CaptureConfig;
  flow: FlowTableConfig;
  store: Pick<StoreConfig, 'maxBatchRows' | 'flushIntervalMs'>;
}

export interface LiveCaptureLoopDeps {
  store: Store;
  log: Logger;
  /** Wall clock in milliseconds: drives flow timeouts while no packets arrive. */
  now: () => number;
  /** Passed to createLiveCapture (a command prefix, a spawn function); warnings go to `log`. */
  capture?: Omit<LiveCaptureDeps, 'onWarning'>;
}

export interface LiveCaptureLoopStats {
  pipeline: PipelineStats;
  capture: LiveCaptureStats;
}

export interface LiveCaptureLoopOptions {
  /** Aborting stops tcpdump; the loop then writes every flow still in memory and returns. */
  signal: AbortSignal;
  /** Once tcpdump captures. */
  onStarted?: () => void;
  /** After each packet batch and each flush tick, with the running totals. */
  onProgress?: (stats: LiveCaptureLoopStats) => void;
}

/**
 * Live capture into the store until `signal` aborts or tcpdump gives up: tcpdump → packet pipeline,
 * with a timer every `store.flush_interval_ms` that expires flows by the wall clock and writes what is
 * ready. The one loop of `yamori capture` and of serve's capture stage. Throws what starting tcpdump
 * throws (CAPTURE_TCPDUMP_MISSING, CAPTURE_TCPDUMP_FAILED); a failed write is logged (rate-limited)
 * and tried again on the next tick. Returns with `stopped` false when the capture ended by itself.
 */
export async function runLiveCaptureLoop(
  config: LiveCaptureLoopConfig,
  deps: LiveCaptureLoopDeps,
  options: LiveCaptureLoopOptions,
): Promise<LiveCaptureLoopStats & { stopped: boolean }> {
  const { log, now } = deps;
  const pipeline = createPacketPipeline(config, {
    store: deps.store,
    log,
    onWritten: (s) => log.debug('batch written', { flows_total: s.flowsWritten, dns_total: s.dnsWritten }),
  });
  const live: LiveCapture = createLiveCapture(config.capture, {
    ...deps.capture,
    onWarning: (message, fields) => log.warn(message, fields),
  });
  const { signal } = options;
  await live.start();
  log.info('capturing', {
    interface: config.capture.interface ?? 'default',
    filter: config.capture.filter ?? 'none',
  });
  options.onStarted?.();
  const stats = (): LiveCaptureLoopStats => ({ pipeline: pipeline.stats(), capture: live.stats() });
  const stop = (): void => {
    live.stop().catch((error: unknown) => log.error('stopping tcpdump failed', { error: String(error) }));
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const timer = setInterval(() => {
    pipeline
      .tick(now() * 1000)
      .then(() => pipeline.flush())
      .catch((error: unknown) =>
        log.warnLimited('writing flows failed; will retry', { error: String(error) }),
      );
    live.refreshStats().catch(() => undefined);
    options.onProgress?.(stats());
  }, config.store.flushIntervalMs);
  try {
    for await (const batch of live.packets()) {
      await pipeline.ingest(batch);
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
