import { Worker } from 'node:worker_threads';

/** One address to bind, as parseListenAddress gives it. */
export interface ReaderListen {
  family: 4 | 6;
  address: string;
  port: number;
}

export interface ReaderOptions {
  listen: ReaderListen[];
  receiveBufferBytes: number;
  /** Bytes handed to the main thread and not yet acknowledged; past it datagrams are dropped and counted. */
  maxQueuedBytes: number;
}

export interface ReaderBound {
  address: string;
  port: number;
  receiveBufferBytes: number;
}

/** Messages from the reader thread. Datagrams come in batches: `data` holds them end to end, `ends[i]` is where datagram i ends. */
export type ReaderMessage =
  | { type: 'bound'; bound: ReaderBound[] }
  | { type: 'bind-error'; index: number; code: string | undefined; message: string }
  | { type: 'batch'; data: Uint8Array; ends: Uint32Array; exporters: string[]; queueDrops: number }
  | { type: 'drops'; queueDrops: number }
  | { type: 'socket-error'; message: string }
  | { type: 'closed'; queueDrops: number };

/** Messages to the reader thread: `ack` returns the bytes of a batch once decoded; `close` ends it. */
export type ReaderCommand = { type: 'ack'; bytes: number } | { type: 'close' };

/**
 * The reader thread's code. It only receives: it binds the sockets, copies each datagram into the
 * current batch and posts the batch (its buffers transferred, not copied) once the socket has nothing
 * more ready, so the kernel's buffer keeps draining while the main thread decodes or writes to the
 * store. It depends on nothing but Node, and is plain CommonJS so that it runs as written, whatever
 * loads the TypeScript of the main thread (tsx, vitest, or the build).
 */
const READER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createSocket } = require('node:dgram');
const BATCH_BYTES = 1 << 20;
const BATCH_DATAGRAMS = 2048;
const options = workerData;
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
  if (ends.length === 0) {
    if (queueDrops !== reportedDrops) parentPort.postMessage({ type: 'drops', queueDrops });
    reportedDrops = queueDrops;
    return;
  }
  reportedDrops = queueDrops;
  const out = data.slice(0, used);
  const outEnds = Uint32Array.from(ends);
  parentPort.postMessage(
    { type: 'batch', data: out, ends: outEnds, exporters, queueDrops },
    [out.buffer, outEnds.buffer],
  );
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
    closeAll().then(() => {
      flush();
      parentPort.postMessage({ type: 'closed', queueDrops });
      parentPort.close();
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
      parentPort.close();
      return;
    }
  }
  parentPort.postMessage({ type: 'bound', bound });
})();
`;

/** Starts the reader thread; the caller listens for its messages and posts commands to it. */
export function startSocketReader(options: ReaderOptions): Worker {
  // execArgv: [] keeps the parent's loaders (tsx) out of a thread that needs none.
  return new Worker(READER_SOURCE, { eval: true, workerData: options, execArgv: [] });
}
