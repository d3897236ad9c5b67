import { createSocket, type Socket } from 'node:dgram';
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
 * UDP sockets → flow-export collector (capture/) → stitcher (flow/) → store. Datagrams are decoded as
 * they arrive, in the socket's callback, so the kernel's receive buffer is the only queue. Flows leave
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
  const sockets: Socket[] = [];

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

  function onSocketError(error: Error): void {
    deps.log.warnLimited('collector socket error', { error: error.message });
  }

  async function start(): Promise<BoundAddress[]> {
    const parsed = config.collect.listen.map((text) => {
      const address = parseListenAddress(text);
      if (address === null) throw new YamoriError('COLLECT_LISTEN_INVALID', { flag: 'listen', value: text });
      return address;
    });
    const bound: BoundAddress[] = [];
    try {
      for (const listen of parsed) {
        const socket = createSocket({
          type: listen.family === 6 ? 'udp6' : 'udp4',
          recvBufferSize: config.collect.receiveBufferBytes,
        });
        sockets.push(socket);
        await bindSocket(socket, listen.address, listen.port);
        socket.on('error', onSocketError);
        socket.on('message', (message, remote) => receive(message, remote.address));
        const local = socket.address();
        bound.push({
          address: local.address,
          port: local.port,
          receiveBufferBytes: socket.getRecvBufferSize(),
        });
      }
    } catch (error) {
      await closeSockets();
      throw error;
    }
    return bound;
  }

  async function closeSockets(): Promise<void> {
    const closing = sockets.splice(0).map(
      (socket) =>
        new Promise<void>((resolve) => {
          try {
            socket.close(() => resolve());
          } catch {
            resolve(); // Never bound, or already closed.
          }
        }),
    );
    await Promise.all(closing);
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
      await closeSockets();
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

function bindSocket(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const shown = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
      reject(
        new YamoriError(
          'COLLECT_BIND_FAILED',
          { address: shown, reason: error.code ?? error.message, advice: bindAdvice(error.code) },
          { cause: error },
        ),
      );
    };
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      resolve();
    });
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
