import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { FlowExportStats } from '../capture/index.js';
import type { CollectConfig } from '../config/index.js';
import type { FlowStitcherConfig, FlowStitcherStats } from '../flow/index.js';
import type { FlowBatch } from './collect-flow-batch.js';

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
  /** Added to the decoder's Date.now(): the main thread's clock may be another (tests inject one). */
  clockOffsetMs: number;
}

export interface ReaderBound {
  address: string;
  port: number;
  receiveBufferBytes: number;
}

/** Reader → main thread. */
export type ReaderMessage =
  | { type: 'bound'; bound: ReaderBound[] }
  | { type: 'bind-error'; index: number; code: string | undefined; message: string }
  | { type: 'drops'; queueDrops: number }
  | { type: 'socket-error'; message: string }
  | { type: 'closed'; queueDrops: number };

/** Main thread → reader: `ack` returns the bytes of datagrams whose flows are stored; `close` ends it. */
export type ReaderCommand = { type: 'ack'; bytes: number } | { type: 'close' };

/**
 * Reader → decoder: datagrams end to end in `data`, `ends[i]` where datagram i ends; `end` once the
 * sockets are closed and every datagram was sent.
 */
export type DecoderInput =
  { type: 'batch'; data: Uint8Array; ends: Uint32Array; exporters: string[] } | { type: 'end' };

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

/**
 * The reader thread's code. It only receives: it binds the sockets, copies each datagram into the
 * current batch and posts the batch (its buffers transferred, not copied) to the decoder thread once
 * the socket has nothing more ready, so the kernel's buffer keeps draining while the decoder and the
 * main thread work, even while a new decoder's code is still being optimised. It depends on nothing
 * but Node, and is plain CommonJS so that it runs as written, whatever loads the TypeScript of the
 * other threads (tsx, vitest, or the build).
 */
const READER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createSocket } = require('node:dgram');
const BATCH_BYTES = 1 << 20;
const BATCH_DATAGRAMS = 2048;
const options = workerData;
const decoder = options.decoder;
const sockets = [];
let data = new Uint8Array(BATCH_BYTES);
let used = 0;
let ends = [];
let exporters = [];
let isScheduled = false;
let inFlightBytes = 0;
let queueDrops = 0;
let reportedDrops = 0;

function schedule() {
  if (isScheduled) return;
  isScheduled = true;
  // After this turn's socket reads: whatever arrived together goes in one batch.
  setImmediate(flush);
}

function flush() {
  isScheduled = false;
  if (queueDrops !== reportedDrops) parentPort.postMessage({ type: 'drops', queueDrops });
  reportedDrops = queueDrops;
  if (ends.length === 0) return;
  const out = data.slice(0, used);
  const outEnds = Uint32Array.from(ends);
  decoder.postMessage({ type: 'batch', data: out, ends: outEnds, exporters }, [out.buffer, outEnds.buffer]);
  inFlightBytes += used;
  used = 0;
  ends = [];
  exporters = [];
}

function onMessage(message, remote) {
  const length = message.length;
  if (inFlightBytes + used + length > options.maxQueuedBytes) {
    queueDrops++;
    schedule();
    return;
  }
  if (used + length > BATCH_BYTES || ends.length >= BATCH_DATAGRAMS) flush();
  data.set(message, used);
  used += length;
  ends.push(used);
  exporters.push(remote.address);
  schedule();
}

function bindOne(listen) {
  return new Promise((resolve, reject) => {
    const socket = createSocket({
      type: listen.family === 6 ? 'udp6' : 'udp4',
      recvBufferSize: options.receiveBufferBytes,
    });
    sockets.push(socket);
    socket.on('message', onMessage);
    socket.once('error', reject);
    socket.bind(listen.port, listen.address, () => {
      socket.off('error', reject);
      socket.on('error', (error) => parentPort.postMessage({ type: 'socket-error', message: error.message }));
      const local = socket.address();
      resolve({ address: local.address, port: local.port, receiveBufferBytes: socket.getRecvBufferSize() });
    });
  });
}

function closeAll() {
  return Promise.all(
    sockets.splice(0).map(
      (socket) =>
        new Promise((resolve) => {
          try {
            socket.close(() => resolve());
          } catch {
            resolve();
          }
        }),
    ),
  );
}

parentPort.on('message', (command) => {
  if (command.type === 'ack') {
    inFlightBytes -= command.bytes;
  } else if (command.type === 'close') {
    // The ports stay open: closing one may drop what was posted on it and not yet read. The main
    // thread ends this thread once it has read 'closed'.
    closeAll().then(() => {
      flush();
      decoder.postMessage({ type: 'end' });
      parentPort.postMessage({ type: 'closed', queueDrops });
    });
  }
});

(async () => {
  const bound = [];
  for (let index = 0; index < options.listen.length; index++) {
    try {
      bound.push(await bindOne(options.listen[index]));
    } catch (error) {
      await closeAll();
      parentPort.postMessage({ type: 'bind-error', index, code: error.code, message: error.message });
      return;
    }
  }
  parentPort.postMessage({ type: 'bound', bound });
})();
`;

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
  // execArgv: [] keeps the parent's flags (loaders, --cpu-prof) out of threads that need none.
  const reader = new Worker(READER_SOURCE, {
    eval: true,
    workerData: { ...options, decoder: port1 },
    transferList: [port1],
    execArgv: [],
  });
  const decoderData = { ...options, isCollectDecoder: true, input: port2 };
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    const decoder = new Worker(new URL('./collect-decoder-thread.js', here), {
      workerData: decoderData,
      transferList: [port2],
      execArgv: [],
    });
    return { reader, decoder };
  }
  // tsx/esm/api's "import" entry, beside the "require" one that require.resolve finds.
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./collect-decoder-thread.ts', here).href;
  const source =
    `import(${JSON.stringify(tsx)}).then((api) => ` +
    `api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}));`;
  const decoder = new Worker(source, {
    eval: true,
    workerData: decoderData,
    transferList: [port2],
    execArgv: [],
  });
  return { reader, decoder };
}

/** An IPv4 exporter reaching an IPv6 socket shows as ::ffff:a.b.c.d; its sensor name is a.b.c.d. */
export function exporterAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
