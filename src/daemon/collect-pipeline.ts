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
import {
  TextAt,
  textField,
  textFieldIs,
  unpackFlows,
  type FlowRecord,
  type OneWayFlow,
} from '../records/index.js';
import type { Store } from '../store/index.js';
import { FlowBacklog } from './collect-backlog.js';
import { mergeCollectorStats, mergeStitchStats } from './collect-stats.js';
import {
  exporterAddress,
  startCollectThreads,
  type CollectThreads,
  type DecoderCommand,
  type DecoderMessage,
  type ReaderCommand,
  type ReaderMessage,
  type ReaderState,
} from './collect-socket-reader.js';

/**
 * Bytes of datagrams the reader thread may send to be decoded before the main thread has stored their
 * flows. Past it, datagrams wait in the spool (collect-spool.ts) or, with no spool, are dropped and
 * counted rather than grow memory without bound. 64 MiB is some 45,000 full-size datagrams, many
 * seconds of a busy router's export; with a spool 16 MiB is enough, and a stop (which stores what was
 * sent to be decoded) takes a quarter as long.
 */
const MAX_QUEUED_BYTES = 64 << 20;
const MAX_QUEUED_BYTES_WITH_SPOOL = 16 << 20;

/** Counters the reader thread sent last. */
interface ThreadCounts {
  collector: FlowExportStats;
  stitch: FlowStitcherStats;
}

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
  /**
   * Datagrams received but dropped because storing fell too far behind the sockets: the queue in
   * memory full (16 MiB of datagrams, 64 MiB without a spool) and the spool full, failing or off.
   */
  queueDrops: number;
  /** Datagrams this run wrote to the spool because storing was behind. */
  datagramsSpooled: number;
  /** Datagrams in the spool not yet read back (a stop leaves them for the next start). */
  spoolDatagrams: number;
  /** Size of the spool file. */
  spoolFileBytes: number;
  /** Datagrams an earlier run left in the spool, read back first by this one. */
  datagramsRecovered: number;
  batchesWritten: number;
}

export interface CollectPipelineConfig {
  collect: CollectConfig;
  flow: Pick<
    FlowTableConfig,
    'homeNetworks' | 'tcpIdleTimeoutS' | 'udpIdleTimeoutS' | 'otherIdleTimeoutS' | 'activeTimeoutS'
  >;
  /** `database`: the DuckDB file, beside which the spool goes when collect.spool_path is unset. */
  store: Pick<StoreConfig, 'maxBatchRows' | 'flushIntervalMs'> & Partial<Pick<StoreConfig, 'database'>>;
}

export interface CollectPipelineDeps {
  store: Store;
  log: Logger;
  /** Wall clock in milliseconds; Date.now by default. */
  now?: () => number;
  /** Ids of the flows stitched from `receive` (tests pass a counter); the sockets' flows get random UUIDs. */
  newId?: () => string;
  /** Bytes of datagrams the reader thread may send to be decoded before their flows are stored (tests). */
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
  /**
   * Takes one datagram as if a socket had received it now (replays and tests); it is decoded and
   * stitched on this thread, apart from the sockets' datagrams (their counts are summed in `stats`).
   */
  receive(datagram: Uint8Array, exporter: string): void;
  /**
   * Emits flows whose partner did not come in time (on both threads; resolves once the decoder
   * thread's are here) and stores what is ready; the CLI calls it on a timer.
   */
  tick(): Promise<void>;
  /** Closes the sockets, emits every flow still held, and stores everything. */
  stop(): Promise<void>;
  stats(): CollectStats;
}

/**
 * UDP sockets → flow-export collector (capture/) → stitcher (flow/) → store, on three threads. The
 * reader thread owns the sockets and only receives, so the kernel's receive buffer keeps draining;
 * the decoder thread (collect-decoder-thread.ts) decodes and stitches and hands the flows over packed;
 * this thread only stores them. What the reader has received and this thread has not yet stored is
 * bounded (MAX_QUEUED_BYTES of datagrams); past it datagrams wait in the spool file, in order.
 * `receive` decodes and stitches here instead, for replays and tests. Flows leave memory only through `store.writeFlows`, in batches of `maxBatchRows` or every
 * `flushIntervalMs`; a failed write keeps its flows for the next try.
 */
export function createCollectPipeline(
  config: CollectPipelineConfig,
  deps: CollectPipelineDeps,
): CollectPipeline {
  const now = deps.now ?? Date.now;
  const maxBatchRows = config.store.maxBatchRows;
  const maxBuffered = Math.max(config.collect.maxPendingFlows, maxBatchRows * 10);
  const flows = new FlowBacklog();
  const flowsBySensor = new Map<string, number>();
  const totals = { flowsWritten: 0, flowsLost: 0, batchesWritten: 0 };
  let lastWriteAt = now();
  let currentUs = 0;
  let threads: CollectThreads | null = null;
  let readerState: ReaderState = { queueDrops: 0, spoolDatagrams: 0, spoolFileBytes: 0, datagramsSpooled: 0 };
  let datagramsRecovered = 0;
  let isReaderClosed = false;
  let threadCounts: ThreadCounts | null = null;
  const closing = { reader: null as (() => void) | null, decoder: null as (() => void) | null };
  const running = { reader: false, decoder: false };
  // Flows ever taken into `flows` and ever stored: `flows` is first in, first out, so a hand-over
  // whose last flow is number n is stored once n flows are, and its datagrams are acknowledged then.
  let flowsTaken = 0;
  let flowsStored = 0;
  const unacknowledged: { flowsTaken: number; bytes: number }[] = [];
  const advances = new Map<number, () => void>();
  let nextAdvanceId = 0;

  const take = (flow: FlowRecord): void => {
    if (flows.length >= maxBuffered) {
      totals.flowsLost++;
      return;
    }
    flows.pushRecord(flow);
    flowsTaken++;
  };
  const stitcher = createFlowStitcher(
    { ...config.flow, ...config.collect },
    { onFlow: take, newId: deps.newId },
  );
  const addToStitcher = (flow: OneWayFlow): void => stitcher.add(flow, currentUs);
  const collector = createFlowExportCollector(config.collect, { onFlow: addToStitcher });

  function acknowledge(): void {
    let bytes = 0;
    while (unacknowledged.length > 0 && unacknowledged[0]!.flowsTaken <= flowsStored) {
      bytes += unacknowledged.shift()!.bytes;
    }
    if (bytes > 0 && threads !== null)
      threads.reader.postMessage({ type: 'ack', bytes } satisfies ReaderCommand);
  }

  const writeNow = async (): Promise<void> => {
    lastWriteAt = now();
    if (flows.length === 0) return;
    // A backlog of a whole bulk batch or more (a flood, or the spool read back) is written a bulk batch
    // at a time, which costs the store half the CPU (Store.bulkFlowRows).
    const bulk = deps.store.bulkFlowRows ?? 0;
    const rows = flows.length >= bulk && bulk > maxBatchRows ? bulk : maxBatchRows;
    const slices = flows.take(rows);
    let count = 0;
    for (const slice of slices) count += slice.to - slice.from;
    try {
      if (deps.store.writeFlowSlices !== undefined) {
        await deps.store.writeFlowSlices(slices);
      } else {
        const records: FlowRecord[] = [];
        for (const { batch, from, to } of slices) unpackFlows(batch, records, from, to);
        await deps.store.writeFlows(records);
      }
    } catch (error) {
      flows.putBack(slices);
      throw error;
    }
    totals.flowsWritten += count;
    totals.batchesWritten++;
    flowsStored += count;
    // Runs of one sensor are the rule (one exporter per datagram): one map update per run.
    let runSensor: string | null = null;
    let runLength = 0;
    for (const { batch, from, to } of slices) {
      for (let i = from; i < to; i++) {
        // Compared in place: a string is made only where a run starts.
        if (runSensor === null || !textFieldIs(batch, i, TextAt.sensor, runSensor)) {
          if (runSensor !== null)
            flowsBySensor.set(runSensor, (flowsBySensor.get(runSensor) ?? 0) + runLength);
          runSensor = textField(batch, i, TextAt.sensor) ?? '';
          runLength = 0;
        }
        runLength++;
      }
    }
    if (runSensor !== null) flowsBySensor.set(runSensor, (flowsBySensor.get(runSensor) ?? 0) + runLength);
    acknowledge();
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

  function onDecoderMessage(message: DecoderMessage): void {
    if (message.type === 'flows') {
      const { batch } = message;
      if (batch !== null) {
        // What does not fit the backlog is lost, as `take` would lose it one flow at a time.
        const kept = Math.max(0, Math.min(batch.count, maxBuffered - flows.length));
        flows.pushBatch(batch, 0, kept);
        flowsTaken += kept;
        totals.flowsLost += batch.count - kept;
      }
      threadCounts = { collector: message.collector, stitch: message.stitch };
      if (message.bytes > 0) unacknowledged.push({ flowsTaken, bytes: message.bytes });
      acknowledge();
      if (flows.length >= maxBatchRows) writeInBackground();
    } else if (message.type === 'advanced') {
      advances.get(message.id)?.();
      advances.delete(message.id);
    } else if (message.type === 'closed') {
      closing.decoder?.();
    }
  }

  function onReaderMessage(message: ReaderMessage): void {
    if (message.type === 'state') {
      // The figures 'closed' carried are the last word.
      if (!isReaderClosed) readerState = message.state;
    } else if (message.type === 'socket-error') {
      deps.log.warnLimited('collector socket error', { error: message.message });
    } else if (message.type === 'spool-error') {
      deps.log.warnLimited('collector spool failed; datagrams past the memory queue are dropped', {
        error: message.message,
      });
    } else if (message.type === 'closed') {
      readerState = message.state;
      isReaderClosed = true;
      closing.reader?.();
    }
  }

  async function start(): Promise<BoundAddress[]> {
    const parsed = config.collect.listen.map((text) => {
      const address = parseListenAddress(text);
      if (address === null) throw new YamoriError('COLLECT_LISTEN_INVALID', { flag: 'listen', value: text });
      return address;
    });
    const { listen: _listen, ...collect } = config.collect;
    const spoolPath =
      config.collect.spoolPath ??
      (config.store.database === undefined ? null : `${config.store.database.path}.collect-spool`);
    const spool =
      spoolPath === null || config.collect.spoolMaxBytes === 0
        ? null
        : { path: spoolPath, maxBytes: config.collect.spoolMaxBytes };
    const started = startCollectThreads({
      listen: parsed,
      receiveBufferBytes: config.collect.receiveBufferBytes,
      maxQueuedBytes:
        deps.maxQueuedBytes ?? (spool === null ? MAX_QUEUED_BYTES : MAX_QUEUED_BYTES_WITH_SPOOL),
      collect,
      flow: config.flow,
      clockOffsetMs: now() - Date.now(),
      spool,
    });
    const { reader, decoder } = started;
    const terminate = async (): Promise<void> => {
      await Promise.all([reader.terminate(), decoder.terminate()]);
    };
    const decoderReady = firstMessage<DecoderMessage>(decoder);
    // Whatever the reader says, the decoder's answer is awaited only after a bind; never unhandled.
    decoderReady.catch(() => undefined);
    const first = await firstMessage<ReaderMessage>(reader).catch(async (error: unknown) => {
      await terminate();
      throw error;
    });
    if (first.type === 'bind-error') {
      await terminate();
      const { address, port } = parsed[first.index]!;
      const shown = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
      throw new YamoriError(
        'COLLECT_BIND_FAILED',
        { address: shown, reason: first.code ?? first.message, advice: bindAdvice(first.code) },
        { cause: new Error(first.message) },
      );
    }
    if (first.type === 'spool-open-error') {
      await terminate();
      throw new YamoriError(
        'COLLECT_SPOOL_FAILED',
        { path: first.path, reason: first.message },
        { cause: new Error(first.message) },
      );
    }
    if (first.type !== 'bound') {
      await terminate();
      throw new Error(`the socket reader thread said ${first.type} before binding`);
    }
    // Until the decoder listens, what the reader sends it could be lost if the reader closed first.
    const ready = await decoderReady.catch(async (error: unknown) => {
      await terminate();
      throw error;
    });
    if (ready.type !== 'ready') {
      await terminate();
      throw new Error(`the decoder thread said ${ready.type} before it was ready`);
    }
    if (first.priorityError !== null) {
      deps.log.debug('the socket reader thread runs at normal priority (it needs root or CAP_SYS_NICE)', {
        error: first.priorityError,
      });
    }
    if (first.recovered !== null && first.recovered.datagrams > 0) {
      datagramsRecovered = first.recovered.datagrams;
      deps.log.info('storing first what the last run left in the spool', {
        datagrams: first.recovered.datagrams,
        bytes: first.recovered.bytes,
      });
    }
    if (first.recovered !== null && first.recovered.tornBytes > 0) {
      deps.log.warn('the spool ended in a record cut short (a crash while writing it); dropped its bytes', {
        bytes: first.recovered.tornBytes,
      });
    }
    threads = started;
    running.reader = true;
    running.decoder = true;
    reader.once('exit', () => {
      running.reader = false;
      closing.reader?.();
    });
    decoder.once('exit', () => {
      running.decoder = false;
      closing.decoder?.();
      for (const resolve of advances.values()) resolve();
      advances.clear();
    });
    reader.on('message', onReaderMessage);
    decoder.on('message', onDecoderMessage);
    for (const [worker, name] of [
      [reader, 'socket reader'],
      [decoder, 'decoder'],
    ] as const) {
      worker.on('error', (error) =>
        deps.log.error(`the collector's ${name} thread failed; no more flows will be received`, {
          error: String(error),
        }),
      );
    }
    return first.bound;
  }

  /** Asks the decoder thread to emit what waited past the window; resolves once its flows are here. */
  function advanceDecoder(nowUs: number): Promise<void> {
    if (threads === null || !running.decoder) return Promise.resolve();
    const id = nextAdvanceId++;
    const advanced = new Promise<void>((resolve) => advances.set(id, resolve));
    threads.decoder.postMessage({ type: 'advance', nowUs, id } satisfies DecoderCommand);
    return advanced;
  }

  /** Closes the sockets and takes every flow the decoder thread still held. */
  async function closeThreads(): Promise<void> {
    const started = threads;
    if (started === null) return;
    // A thread that already died has nothing more to hand over.
    const readerClosed = running.reader
      ? new Promise<void>((resolve) => (closing.reader = resolve))
      : Promise.resolve();
    const decoderClosed = running.decoder
      ? new Promise<void>((resolve) => (closing.decoder = resolve))
      : Promise.resolve();
    if (running.reader) started.reader.postMessage({ type: 'close' } satisfies ReaderCommand);
    await readerClosed;
    // Without its reader, the decoder hears no end: it is stopped where it stands.
    if (running.reader === false && running.decoder) await started.decoder.terminate();
    await decoderClosed;
    threads = null;
    closing.reader = null;
    closing.decoder = null;
    await Promise.all([started.reader.terminate(), started.decoder.terminate()]);
  }

  function stats(): CollectStats {
    const collected = mergeCollectorStats(collector.stats(), threadCounts?.collector);
    return {
      datagrams: collected.datagrams,
      records: collected.records,
      drops: collected.drops,
      exporters: collected.exporters.map((entry) => ({
        ...entry,
        flows: flowsBySensor.get(entry.exporter) ?? 0,
      })),
      exportersEvicted: collected.exportersEvicted,
      stitch: mergeStitchStats(stitcher.stats(), threadCounts?.stitch),
      flowsWritten: totals.flowsWritten,
      flowsBuffered: flows.length,
      flowsLost: totals.flowsLost,
      queueDrops: readerState.queueDrops,
      datagramsSpooled: readerState.datagramsSpooled,
      spoolDatagrams: readerState.spoolDatagrams,
      spoolFileBytes: readerState.spoolFileBytes,
      datagramsRecovered,
      batchesWritten: totals.batchesWritten,
    };
  }

  return {
    start,
    receive,
    async tick() {
      const nowUs = now() * 1000;
      stitcher.advance(nowUs);
      await advanceDecoder(nowUs);
      if (flows.length >= maxBatchRows || now() - lastWriteAt >= config.store.flushIntervalMs) await write();
    },
    async stop() {
      await closeThreads();
      stitcher.flush();
      while (flows.length > 0) await write();
      await queue;
    },
    stats,
  };
}

/** The first message `worker` posts; rejects if it fails or exits before it says anything. */
function firstMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: T): void => {
      done();
      resolve(message);
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`a collector thread exited (${code}) before it said anything`));
    };
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
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
