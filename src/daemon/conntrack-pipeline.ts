import { conntrackFlow, type ConntrackEvent, type ConntrackTimeouts } from '../capture/index.js';
import type { FlowTableConfig, StoreConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { LoggedFlowSink } from './logged-flow-sink.js';

export interface ConntrackPipelineConfig {
  flow: FlowTableConfig;
  store: Pick<StoreConfig, 'maxBatchRows'>;
}

export interface ConntrackPipelineDeps {
  store: Store;
  /** conntrack's timeouts in the namespace it runs in (readConntrackTimeouts); {} leaves end times uncorrected. */
  timeouts: ConntrackTimeouts;
  /** Wall clock in milliseconds, for events without conntrack's own timestamp. */
  now?: () => number;
  newId?: () => string;
}

export interface ConntrackPipelineStats {
  newEvents: number;
  destroyEvents: number;
  flowsWritten: number;
  batchesWritten: number;
  /** Connections seen starting and not yet ended (their start time is held). */
  openConnections: number;
  /** Flows whose entries were offloaded to a flowtable: their counters can miss packets. */
  offloaded: number;
  /** Flows without byte and packet counts: net.netfilter.nf_conntrack_acct was off. */
  withoutAccounting: number;
}

export interface ConntrackPipeline {
  /** NEW events remember when a connection started; DESTROY events become flows, written in batches. */
  ingest(events: readonly ConntrackEvent[]): Promise<void>;
  /** Writes what is ready now, however little (the flush timer). */
  flush(): Promise<void>;
  /** Writes everything still waiting. Connections still open are not flows yet and are not written. */
  finish(): Promise<void>;
  stats(): ConntrackPipelineStats;
}

/**
 * conntrack → store: each connection the kernel stops tracking becomes one flow (conntrackFlow), its
 * start taken from the connection's NEW event when it was seen. Starts are held for at most
 * `flow.max_flows` open connections (the oldest forgotten first), so memory stays bounded; a flow whose
 * start was forgotten or never seen falls back on conntrack's own age of the entry.
 */
export function createConntrackPipeline(
  config: ConntrackPipelineConfig,
  deps: ConntrackPipelineDeps,
): ConntrackPipeline {
  const sink = new LoggedFlowSink(config, { store: deps.store, newId: deps.newId });
  const starts = new Map<string, number>();
  const now = deps.now ?? Date.now;
  const counts = { newEvents: 0, destroyEvents: 0, offloaded: 0, withoutAccounting: 0 };
  const maxOpen = config.flow.maxFlows;

  // Writes run one at a time: the flush timer and a full batch must not interleave.
  let queue: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => {
    const next = queue.then(() => sink.write());
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    async ingest(events) {
      for (const event of events) {
        const at = Number.isNaN(event.seenAt) ? now() * 1000 : event.seenAt;
        const key =
          event.id ??
          `${event.ipProto} ${event.original.src} ${event.original.sport} ${event.original.dst} ${event.original.dport}`;
        if (event.type === 'new') {
          counts.newEvents++;
          if (starts.size >= maxOpen && !starts.has(key)) {
            const oldest = starts.keys().next();
            if (!oldest.done) starts.delete(oldest.value);
          }
          starts.set(key, at);
          continue;
        }
        counts.destroyEvents++;
        const start = starts.get(key) ?? null;
        starts.delete(key);
        if (event.isOffloaded) counts.offloaded++;
        if (event.original.packets === null) counts.withoutAccounting++;
        sink.addFlow(conntrackFlow(event, at, start, deps.timeouts), null);
      }
      if (sink.isBatchFull()) await write();
    },
    flush: write,
    async finish() {
      await write();
    },
    stats() {
      const written = sink.stats();
      return {
        ...counts,
        flowsWritten: written.flowsWritten,
        batchesWritten: written.batchesWritten,
        openConnections: starts.size,
      };
    },
  };
}
