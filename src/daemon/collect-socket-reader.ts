import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { FlowExportStats } from '../capture/index.js';
import type { CollectConfig } from '../config/index.js';
import type { FlowStitcherConfig, FlowStitcherStats } from '../flow/index.js';
import type { FlowBatch } from '../records/index.js';
import type { SpoolRecovery } from './collect-spool.js';

/** One address to bind, as parseListenAddress gives it. */
export interface ReaderListen {
  family: 4 | 6;
  address: string;
  port: number;
}

export interface CollectThreadsOptions {
  listen: ReaderListen[];
  receiveBufferBytes: number;
  /**
   * Bytes of datagrams received whose flows the main thread has not yet stored (acknowledged); past
   * it the reader drops datagrams and counts them.
   */
  maxQueuedBytes: number;
  collect: Omit<CollectConfig, 'listen'>;
  flow: Omit<FlowStitcherConfig, keyof CollectConfig>;
  /** Added to the reader's Date.now(): the main thread's clock may be another (tests inject one). */
  clockOffsetMs: number;
  /** Where datagrams wait while storing is behind (collect-spool.ts), or null to drop them instead. */
  spool: { path: string; maxBytes: number } | null;
}

/** What the reader says of its queue and spool. */
export interface ReaderState {
  /** Datagrams dropped: the queue was full and the spool full (or off, or failing). */
  queueDrops: number;
  /** Datagrams in the spool not yet read back. */
  spoolDatagrams: number;
  /** Bytes of the spool file (0 when there is none). */
  spoolFileBytes: number;
  /** Datagrams ever written to the spool by this run. */
  datagramsSpooled: number;
}

export interface ReaderBound {
  address: string;
  port: number;
  receiveBufferBytes: number;
}

/** Reader → main thread. */
export type ReaderMessage =
  | {
      type: 'bound';
      bound: ReaderBound[];
      recovered: SpoolRecovery | null;
      /** Why the reader's thread could not be given a higher priority, or null if it was. */
      priorityError: string | null;
    }
  | { type: 'bind-error'; index: number; code: string | undefined; message: string }
  | { type: 'spool-open-error'; path: string; message: string }
  | { type: 'state'; state: ReaderState }
  | { type: 'socket-error'; message: string }
  | { type: 'spool-error'; message: string }
  | { type: 'closed'; state: ReaderState };

/** Main thread → reader: `ack` returns the bytes of datagrams whose flows are stored; `close` ends it. */
export type ReaderCommand = { type: 'ack'; bytes: number } | { type: 'close' };

/**
 * Reader → decoder: datagrams end to end in `data`, `ends[i]` where datagram i ends, `times[i]` when
 * it was received (the reader's Date.now()); `behind` when the reader starts (true) or stops (false)
 * sending what waited in the spool: meanwhile the decoder's clock is the datagrams' receive time, not
 * the wall's; `end` once the sockets are closed and every datagram was sent.
 */
export type DecoderInput =
  | { type: 'batch'; data: Uint8Array; ends: Uint32Array; times: Float64Array; exporters: string[] }
  | { type: 'behind'; value: boolean }
  | { type: 'end' };

/**
 * Decoder → main thread. `flows` hands over the flows stitched since the last one (or none), the
 * bytes of the datagrams decoded since (to acknowledge to the reader once their flows are stored),
 * and the decoder's counters as they are now; `closed` follows the last one. `ready` comes first,
 * once it listens to the reader.
 */
export type DecoderMessage =
  | {
      type: 'flows';
      batch: FlowBatch | null;
      bytes: number;
      collector: FlowExportStats;
      stitch: FlowStitcherStats;
    }
  | { type: 'ready' }
  | { type: 'advanced'; id: number }
  | { type: 'closed' };

/** Main thread → decoder: emit what waited past the stitch window at `nowUs`, then say `advanced`. */
export type DecoderCommand = { type: 'advance'; nowUs: number; id: number };

export interface CollectThreads {
  /** Owns the sockets; talks ReaderMessage and ReaderCommand. */
  reader: Worker;
  /** Decodes and stitches; talks DecoderMessage and DecoderCommand. */
  decoder: Worker;
}

/**
 * Starts the reader and decoder threads, joined by a channel of their own; the caller listens for
 * their messages and posts commands to them. Built, the decoder runs the compiled module; from the
 * TypeScript sources (tsx, vitest) it loads them through tsx, which runs them on the main thread too.
 */
export function startCollectThreads(options: CollectThreadsOptions): CollectThreads {
  const { port1, port2 } = new MessageChannel();
  const reader = startThread('collect-reader-thread', { ...options, isCollectReader: true, decoder: port1 }, [
    port1,
  ]);
  const decoder = startThread(
    'collect-decoder-thread',
    { ...options, isCollectDecoder: true, input: port2 },
    [port2],
  );
  return { reader, decoder };
}

/**
 * Starts the thread whose module is `name` (beside this one). Built, it runs the compiled module; from
 * the TypeScript sources (tsx, vitest) it loads them through tsx, in that thread.
 */
function startThread(name: string, workerData: object, transferList: MessagePort[]): Worker {
  const here = import.meta.url;
  // execArgv: [] keeps the parent's flags (loaders, --cpu-prof) out of threads that need none.
  if (!here.endsWith('.ts')) {
    return new Worker(new URL(`./${name}.js`, here), { workerData, transferList, execArgv: [] });
  }
  // tsx/esm/api's "import" entry, beside the "require" one that require.resolve finds.
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL(`./${name}.ts`, here).href;
  const source =
    `import(${JSON.stringify(tsx)}).then((api) => ` +
    `api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}));`;
  return new Worker(source, { eval: true, workerData, transferList, execArgv: [] });
}

/** An IPv4 exporter reaching an IPv6 socket shows as ::ffff:a.b.c.d; its sensor name is a.b.c.d. */
export function exporterAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
