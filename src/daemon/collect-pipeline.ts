import type { Worker } from 'node:worker_threads';
import {
  createFlowExportCollector,
  type DropCounts,
  type ExporterStats,
  type FlowExportStats,
} from '../capture/index.js';
import {
  parseListenAddress,
  type CollectConfig,
  type FlowTableConfig,
  type StoreConfig,
} from '../config/index.js';
import { YamoriError } from '../errors/index.js';
import { createFlowStitcher, type FlowStitcherStats } from '../flow/index.js';
import type { Logger } from '../log/index.js';
import type { FlowRecord, OneWayFlow } from '../records/index.js';
import type { Store } from '../store/index.js';
import { startSocketReader, type ReaderCommand, type ReaderMessage } from './collect-socket-reader.js';

/**
 * Bytes of datagrams the reader thread may hand over before the main thread has decoded them; past it
 * the reader drops (and counts) datagrams rather than grow without bound. 64 MiB is some 45,000
 * full-size datagrams, many seconds of a busy router's export.
 */
const MAX_QUEUED_BYTES = 64 << 20;

export interface CollectExporterStats extends ExporterStats {
  /** Flows stored with this exporter as sensor. */
  flows: number;
}

export interface CollectStats {
  datagrams: number;
  records: number;
  drops: DropCounts;
  exporters: CollectExporterStats[];
  exportersEvicted: number;
  stitch: FlowStitcherStats;
  flowsWritten: number;
  /** Flows stitched but not yet stored. */
  flowsBuffered: number;
  /** Flows given up because the store kept failing and the buffer was full. */
  flowsLost: number;
  /** Datagrams received but dropped because decoding fell too far (64 MiB) behind the sockets. */
  queueDrops: number;
  batchesWritten: number;
}

export interface CollectPipelineConfig {
  collect: CollectConfig;
  flow: Pick<
    FlowTableConfig,
    'homeNetworks' | 'tcpIdleTimeoutS' | 'udpIdleTimeoutS' | 'otherIdleTimeoutS' | 'activeTimeoutS'
  >;
  store: Pick<StoreConfig, 'maxBatchRows' | 'flushIntervalMs'>;
}

export interface CollectPipelineDeps {
  store: Store;
  log: Logger;
  /** Wall clock in milliseconds; Date.now by default. */
  now?: () => number;
  /** Flow ids (tests pass a counter). */
  newId?: () => string;
  /** Bytes the reader thread may hand over before they are decoded; MAX_QUEUED_BYTES by default. */
  maxQueuedBytes?: number;
}

export interface BoundAddress {
  address: string;
  port: number;
  /** The receive buffer the kernel granted (Linux reports double the usable size). */
  receiveBufferBytes: number;
}

export interface CollectPipeline {
  /** Binds every listen address; throws COLLECT_LISTEN_INVALID or COLLECT_BIND_FAILED, binding none. */
  start(): Promise<BoundAddress[]>;
  /** Takes one datagram as if a socket had received it now (replays and tests). */
  receive(datagram: Uint8Array, exporter: string): void;
  /** Emits flows whose partner did not come in time and stores what is ready; the CLI calls it on a timer. */
  tick(): Promise<void>;
  /** Closes the sockets, emits every flow still held, and stores everything. */
  stop(): Promise<void>;
  stats(): CollectStats;
}

/**
 * UDP sockets → flow-export collector (capture/) → stitcher (flow/) → store. A reader thread
 * (collect-socket-reader.ts) owns the sockets and only receives, handing datagrams over in batches, so
 * the kernel's receive buffer keeps draining while this thread decodes and writes to the store; what
 * it has handed over and this thread has not yet decoded is bounded (MAX_QUEUED_BYTES). Flows leave
 * memory only through `store.writeFlows`, in batches of `maxBatchRows` or every `flushIntervalMs`;
 * a failed write keeps its flows for the next try.
 */
export function createCollectPipeline(
  config: CollectPipelineConfig,
  deps: CollectPipelineDeps,
): CollectPipeline {
  const now = deps.now ?? Date.now;
  const maxBatchRows = config.store.maxBatchRows;
  const maxBuffered = Math.max(config.collect.maxPendingFlows, maxBatchRows * 10);
  let flows: FlowRecord[] = [];
  const flowsBySensor = new Map<string, number>();
  const totals = { flowsWritten: 0, flowsLost: 0, batchesWritten: 0 };
  let lastWriteAt = now();
  let currentUs = 0;
  let reader: Worker | null = null;
  let queueDrops = 0;
  let onReaderClosed: (() => void) | null = null;
  let isReaderRunning = false;

  const stitcher = createFlowStitcher(
    { ...config.flow, ...config.collect },
    {
      onFlow: (flow) => {
        if (flows.length >= maxBuffered) {
          totals.flowsLost++;
          return;
        }
        flows.push(flow);
      },
      newId: deps.newId,
    },
  );
  const addToStitcher = (flow: OneWayFlow): void => stitcher.add(flow, currentUs);
  const collector = createFlowExportCollector(config.collect, { onFlow: addToStitcher });

  const writeNow = async (): Promise<void> => {
    lastWriteAt = now();
    if (flows.length === 0) return;
    const batch = flows.length > maxBatchRows ? flows.slice(0, maxBatchRows) : flows;
    flows = flows.length > maxBatchRows ? flows.slice(maxBatchRows) : [];
    try {
      await deps.store.writeFlows(batch);
    } catch (error) {
      flows = batch.concat(flows);
      throw error;
    }
    totals.flowsWritten += batch.length;
    totals.batchesWritten++;
    for (const flow of batch) flowsBySensor.set(flow.sensor, (flowsBySensor.get(flow.sensor) ?? 0) + 1);
  };
  // Writes run one at a time: a timer flush and a full batch must not interleave.
  let queue: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => {
    const next = queue.then(writeNow);
    queue = next.catch(() => undefined);
    return next;
  };
  let isWriteScheduled = false;
  const writeInBackground = (): void => {
    if (isWriteScheduled) return;
    isWriteScheduled = true;
    write()
      .catch((error: unknown) =>
        deps.log.warnLimited('writing flows failed; will retry', { error: String(error) }),
      )
      .finally(() => {
        isWriteScheduled = false;
      });
  };

  function receive(datagram: Uint8Array, exporter: string): void {
    currentUs = now() * 1000;
    collector.receive(datagram, exporterAddress(exporter), currentUs);
    if (flows.length >= maxBatchRows) writeInBackground();
  }

  function onReaderMessage(message: ReaderMessage): void {
    if (message.type === 'batch') {
      const { data, ends, exporters } = message;
      let at = 0;
      for (let i = 0; i < ends.length; i++) {
        receive(data.subarray(at, ends[i]), exporters[i]!);
        at = ends[i]!;
      }
      queueDrops = message.queueDrops;
      const ack: ReaderCommand = { type: 'ack', bytes: data.length };
      reader?.postMessage(ack);
    } else if (message.type === 'drops') {
      queueDrops = message.queueDrops;
    } else if (message.type === 'socket-error') {
      deps.log.warnLimited('collector socket error', { error: message.message });
    } else if (message.type === 'closed') {
      queueDrops = message.queueDrops;
      onReaderClosed?.();
    }
  }

  async function start(): Promise<BoundAddress[]> {
    const parsed = config.collect.listen.map((text) => {
      const address = parseListenAddress(text);
      if (address === null) throw new YamoriError('COLLECT_LISTEN_INVALID', { flag: 'listen', value: text });
      return address;
    });
    const worker = startSocketReader({
      listen: parsed,
      receiveBufferBytes: config.collect.receiveBufferBytes,
      maxQueuedBytes: deps.maxQueuedBytes ?? MAX_QUEUED_BYTES,
    });
    let onExit: (code: number) => void = () => undefined;
    let onError: (error: Error) => void = () => undefined;
    const first = await new Promise<ReaderMessage>((resolve, reject) => {
      onError = reject;
      onExit = (code) => reject(new Error(`the socket reader thread exited (${code})`));
      worker.once('message', resolve);
      worker.once('error', onError);
      worker.once('exit', onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.off('error', onError);
    worker.off('exit', onExit);
    if (first.type === 'bind-error') {
      await worker.terminate();
      const { address, port } = parsed[first.index]!;
      const shown = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
      throw new YamoriError(
        'COLLECT_BIND_FAILED',
        { address: shown, reason: first.code ?? first.message, advice: bindAdvice(first.code) },
        { cause: new Error(first.message) },
      );
    }
    if (first.type !== 'bound') {
      await worker.terminate();
      throw new Error(`the socket reader thread said ${first.type} before binding`);
    }
    reader = worker;
    isReaderRunning = true;
    worker.once('exit', () => {
      isReaderRunning = false;
      onReaderClosed?.();
    });
    worker.on('message', onReaderMessage);
    worker.on('error', (error) =>
      deps.log.error('the socket reader thread failed; no more datagrams will be received', {
        error: String(error),
      }),
    );
    return first.bound;
  }

  /** Closes the sockets and decodes every datagram the reader had received. */
  async function closeReader(): Promise<void> {
    const worker = reader;
    if (worker === null) return;
    reader = null;
    // A thread that already died has nothing more to hand over.
    if (isReaderRunning) {
      const closed = new Promise<void>((resolve) => {
        onReaderClosed = resolve;
      });
      const close: ReaderCommand = { type: 'close' };
      worker.postMessage(close);
      await closed;
    }
    onReaderClosed = null;
    await worker.terminate();
  }

  function stats(): CollectStats {
    const collected: FlowExportStats = collector.stats();
    return {
      datagrams: collected.datagrams,
      records: collected.records,
      drops: collected.drops,
      exporters: collected.exporters.map((entry) => ({
        ...entry,
        flows: flowsBySensor.get(entry.exporter) ?? 0,
      })),
      exportersEvicted: collected.exportersEvicted,
      stitch: stitcher.stats(),
      flowsWritten: totals.flowsWritten,
      flowsBuffered: flows.length,
      flowsLost: totals.flowsLost,
      queueDrops,
      batchesWritten: totals.batchesWritten,
    };
  }

  return {
    start,
    receive,
    async tick() {
      stitcher.advance(now() * 1000);
      if (flows.length >= maxBatchRows || now() - lastWriteAt >= config.store.flushIntervalMs) await write();
    },
    async stop() {
      await closeReader();
      stitcher.flush();
      while (flows.length > 0) await write();
      await queue;
    },
    stats,
  };
}

/** An IPv4 exporter reaching an IPv6 socket shows as ::ffff:a.b.c.d; its sensor name is a.b.c.d. */
function exporterAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function bindAdvice(code: string | undefined): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'Another program (an nfcapd, or another "yamori collect") already listens there: stop it, or choose another port with --listen.';
    case 'EACCES':
      return 'Ports below 1024 need root or CAP_NET_BIND_SERVICE: use a port from 1024 up, e.g. 2055, and point the exporter at it.';
    case 'EADDRNOTAVAIL':
      return 'That address is not one of this machine\'s: use 0.0.0.0 (or [::]) for every address, or one that "ip addr" lists.';
    case 'EAFNOSUPPORT':
      return 'IPv6 is turned off on this machine: listen on an IPv4 address such as 0.0.0.0:2055.';
    default:
      return 'Check the address and port, then try again.';
  }
}
