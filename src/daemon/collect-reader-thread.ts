/**
 * The collector's socket-reader thread (started by collect-socket-reader.ts). It only receives: it
 * binds the sockets, copies each datagram (with its receive time and sender) into the current batch
 * and posts the batch (its buffers transferred, not copied) to the decoder thread at the end of the
 * event loop's turn in which it became POST_EVERY_MS old or full, so the kernel's buffer keeps draining
 * while the decoder and the main thread work.
 *
 * What it posted and the main thread has not yet stored is bounded (`maxQueuedBytes`). Past that,
 * batches go to the spool file (collect-spool.ts) in arrival order, and are read back and posted as
 * the main thread acknowledges stored flows; once the spool has nothing unread, batches go straight
 * to the decoder again. Only when the spool is full (or off) is a datagram dropped, and counted.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DatagramSpool } from './collect-spool.js';
import type {
  CollectThreadsOptions,
  DecoderInput,
  ReaderBound,
  ReaderCommand,
  ReaderListen,
  ReaderMessage,
  ReaderState,
} from './collect-socket-reader.js';

const BATCH_BYTES = 1 << 20;
const BATCH_DATAGRAMS = 2048;
/** The longest exporter address text ("ffff:…" with a zone) and its separator, for `fits`. */
const EXPORTER_TEXT_BYTES = 64;
/** A batch is posted to the decoder once its first datagram is this old, or once it is full. */
const POST_EVERY_MS = 10;
/** Spool figures go to the main thread at most this often (and always at the end). */
const STATE_EVERY_MS = 100;
/**
 * This thread's nice value. Receiving costs a few microseconds a datagram, storing its flows a
 * hundred times that: when both want the CPU (a burst), the socket must be read first or the kernel
 * drops what its buffer cannot hold, while storing can catch up later from the spool. On Linux a nice
 * value is per thread, so only this one is raised; lowering it below 0 needs root or CAP_SYS_NICE, and
 * without either the thread runs at the process's own.
 */
export const RECEIVE_NICE = -15;

interface InFlight {
  bytes: number;
  /** Where the batch's spool record ends, or -1 when it went straight to the decoder. */
  spoolEnd: number;
}

function runReader(options: CollectThreadsOptions, decoder: MessagePort, main: MessagePort): void {
  const post = (message: ReaderMessage): void => main.postMessage(message);
  const sockets: Socket[] = [];
  const data = new Uint8Array(BATCH_BYTES);
  let used = 0;
  let ends: number[] = [];
  let times: number[] = [];
  let exporters: string[] = [];
  /** An immediate is set to end this turn of the event loop. */
  let isTurnEnding = false;
  /** When the first datagram of this turn was read. */
  let turnMs = 0;
  /** When the first datagram of the batch was read. */
  let batchMs = 0;
  let postTimer: NodeJS.Timeout | null = null;
  const inFlight: InFlight[] = [];
  let inFlightAt = 0;
  let inFlightBytes = 0;
  let spool: DatagramSpool | null = null;
  /** Batches go to the spool, not the decoder, until it has nothing unread. */
  let isSpooling = false;
  /** Stopping: nothing more is read back from the spool (what is unread waits for the next start). */
  let isClosing = false;
  let isClosed = false;
  const state: ReaderState = { queueDrops: 0, spoolDatagrams: 0, spoolFileBytes: 0, datagramsSpooled: 0 };
  let stateSentAt = 0;
  let sent: ReaderState = { ...state };
  let stateTimer: NodeJS.Timeout | null = null;

  function sendState(always: boolean): void {
    // After 'closed', the figures it carried are the last word.
    if (isClosed) return;
    state.spoolDatagrams = spool?.unreadDatagrams ?? 0;
    state.spoolFileBytes = spool?.fileBytes ?? 0;
    // Called on every flush (the hot path): four numbers compared, no string made.
    const isUnchanged =
      state.queueDrops === sent.queueDrops &&
      state.spoolDatagrams === sent.spoolDatagrams &&
      state.spoolFileBytes === sent.spoolFileBytes &&
      state.datagramsSpooled === sent.datagramsSpooled;
    if (!always && isUnchanged) return;
    const now = Date.now();
    if (!always && now - stateSentAt < STATE_EVERY_MS) {
      // Said later, so that the last change is told even if nothing else happens.
      stateTimer ??= setTimeout(
        () => {
          stateTimer = null;
          sendState(false);
        },
        STATE_EVERY_MS - (now - stateSentAt),
      );
      return;
    }
    stateSentAt = now;
    sent = { ...state };
    post({ type: 'state', state: { ...state } });
  }

  /** Called once a datagram is taken: ends the turn (the sockets' ready datagrams read) after them. */
  function schedule(): void {
    if (isTurnEnding) return;
    isTurnEnding = true;
    setImmediate(endTurn);
  }

  /**
   * A post to another thread costs tens of microseconds, about what receiving a few datagrams does:
   * at a steady rate each turn reads only one or two, so the batch is posted once it is POST_EVERY_MS
   * old (or full), not after every turn.
   */
  function endTurn(): void {
    isTurnEnding = false;
    if (ends.length === 0 || turnMs - batchMs >= POST_EVERY_MS) {
      flush();
      return;
    }
    postTimer ??= setTimeout(onPostTimer, POST_EVERY_MS - (turnMs - batchMs));
  }

  function onPostTimer(): void {
    postTimer = null;
    flush();
  }

  function toDecoder(batch: DecoderInput & { type: 'batch' }, spoolEnd: number): void {
    // Read before the transfer, which leaves the buffers empty here.
    const bytes = batch.data.byteLength;
    decoder.postMessage(batch, [
      batch.data.buffer as ArrayBuffer,
      batch.ends.buffer as ArrayBuffer,
      batch.times.buffer as ArrayBuffer,
    ]);
    inFlight.push({ bytes, spoolEnd });
    inFlightBytes += bytes;
  }

  function flush(): void {
    if (postTimer !== null) {
      clearTimeout(postTimer);
      postTimer = null;
    }
    if (ends.length > 0) {
      const batch = {
        data: data.slice(0, used),
        ends: Uint32Array.from(ends),
        times: Float64Array.from(times),
        exporters,
      };
      if (isSpooling && spool !== null) {
        try {
          spool.append(batch);
          state.datagramsSpooled += ends.length;
        } catch (error) {
          state.queueDrops += ends.length;
          post({ type: 'spool-error', message: (error as Error).message });
        }
      } else {
        toDecoder({ type: 'batch', ...batch }, -1);
      }
      used = 0;
      ends = [];
      times = [];
      exporters = [];
    }
    pump();
    sendState(false);
  }

  /** Posts spooled records while the queue has room; leaves spooling once none is unread. */
  function pump(): void {
    if (spool === null || isClosing) return;
    while (spool.hasUnread && (inFlightBytes === 0 || inFlightBytes < options.maxQueuedBytes)) {
      let record;
      try {
        record = spool.readNext();
      } catch (error) {
        post({ type: 'spool-error', message: (error as Error).message });
        break;
      }
      if (record === null) break;
      const { endOffset, ...batch } = record;
      toDecoder({ type: 'batch', ...batch }, endOffset);
    }
    if (!spool.hasUnread) setSpooling(false);
  }

  /** Spooling or not; the decoder is told, in order with the batches (see DecoderInput 'behind'). */
  function setSpooling(value: boolean): void {
    if (value === isSpooling) return;
    isSpooling = value;
    decoder.postMessage({ type: 'behind', value } satisfies DecoderInput);
  }

  function acknowledge(bytes: number): void {
    inFlightBytes -= bytes;
    let left = bytes;
    let committed = -1;
    while (left > 0 && inFlightAt < inFlight.length) {
      const first = inFlight[inFlightAt]!;
      const taken = Math.min(left, first.bytes);
      first.bytes -= taken;
      left -= taken;
      if (first.bytes > 0) break;
      if (first.spoolEnd >= 0) committed = first.spoolEnd;
      inFlightAt++;
    }
    if (inFlightAt > 1024) {
      inFlight.splice(0, inFlightAt);
      inFlightAt = 0;
    }
    if (committed >= 0) spool?.commit(committed);
    pump();
    sendState(false);
  }

  function onMessage(message: Buffer, remote: RemoteInfo): void {
    // Datagrams read in one turn of the event loop (those the sockets had ready together, a few dozen
    // at most) take the time of the first: a clock read per datagram is a cost worth saving here.
    if (!isTurnEnding) turnMs = Date.now();
    const length = message.length;
    if (used + length > BATCH_BYTES || ends.length >= BATCH_DATAGRAMS) flush();
    if (!isSpooling && inFlightBytes + used + length > options.maxQueuedBytes) {
      if (spool === null) {
        state.queueDrops++;
        schedule();
        return;
      }
      // What is batched so far still fits the queue; from here on, batches go to the spool.
      flush();
      setSpooling(true);
    }
    if (
      isSpooling &&
      spool !== null &&
      !spool.fits(ends.length + 1, used + length, (ends.length + 1) * EXPORTER_TEXT_BYTES)
    ) {
      state.queueDrops++;
      schedule();
      return;
    }
    if (ends.length === 0) batchMs = turnMs;
    data.set(message, used);
    used += length;
    ends.push(used);
    times.push(turnMs);
    exporters.push(remote.address);
    schedule();
  }

  function bindOne(listen: ReaderListen): Promise<ReaderBound> {
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
        socket.on('error', (error) => post({ type: 'socket-error', message: error.message }));
        const local = socket.address();
        resolve({ address: local.address, port: local.port, receiveBufferBytes: socket.getRecvBufferSize() });
      });
    });
  }

  function closeAll(): Promise<void[]> {
    return Promise.all(
      sockets.splice(0).map(
        (socket) =>
          new Promise<void>((resolve) => {
            try {
              socket.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
  }

  main.on('message', (command: ReaderCommand) => {
    if (command.type === 'ack') {
      acknowledge(command.bytes);
    } else if (command.type === 'close') {
      isClosing = true;
      // The ports stay open: closing one may drop what was posted on it and not yet read. The main
      // thread ends this thread once it has read 'closed'.
      void closeAll().then(() => {
        flush();
        decoder.postMessage({ type: 'end' } satisfies DecoderInput);
        // The main thread stores every flow of what was posted before it ends: those records count as
        // stored. What is still unread stays for the next start.
        if (stateTimer !== null) clearTimeout(stateTimer);
        sendState(true);
        try {
          spool?.close(true);
        } catch (error) {
          post({ type: 'spool-error', message: (error as Error).message });
        }
        // Acknowledgements still coming change nothing in a closed file.
        spool = null;
        post({ type: 'closed', state: { ...state } });
        isClosed = true;
      });
    }
  });

  void (async () => {
    let priorityError: string | null = null;
    try {
      setPriority(0, RECEIVE_NICE);
    } catch (error) {
      priorityError = (error as Error).message;
    }
    let recovered = null;
    if (options.spool !== null) {
      try {
        const opened = DatagramSpool.open(options.spool.path, options.spool.maxBytes);
        spool = opened.spool;
        recovered = opened.recovered;
      } catch (error) {
        post({ type: 'spool-open-error', path: options.spool.path, message: (error as Error).message });
        return;
      }
    }
    const bound: ReaderBound[] = [];
    for (let index = 0; index < options.listen.length; index++) {
      try {
        bound.push(await bindOne(options.listen[index]!));
      } catch (error) {
        await closeAll();
        spool?.close(false);
        const failure = error as NodeJS.ErrnoException;
        post({ type: 'bind-error', index, code: failure.code, message: failure.message });
        return;
      }
    }
    post({ type: 'bound', bound, recovered, priorityError });
    // What an earlier run left unstored goes first, before anything received now.
    if (spool?.hasUnread === true) {
      setSpooling(true);
      pump();
      sendState(true);
    }
  })();
}

const data = workerData as
  (CollectThreadsOptions & { isCollectReader?: boolean; decoder: MessagePort }) | null;
if (!isMainThread && parentPort !== null && data?.isCollectReader === true) {
  runReader(data, data.decoder, parentPort);
}
