/**
 * The collector's decoder thread (started by collect-socket-reader.ts): it takes the datagrams the
 * reader thread received, decodes them (capture/'s flow-export collector), stitches the one-way records
 * into flows (collect-stitcher.ts, flow/'s rules on numbers) and hands the flows to the main thread
 * packed (records/flow-batch.ts), so that the main thread only stores them.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createFlowExportCollector } from '../capture/index.js';
import { FlowBatchBuilder, transferablesOf } from '../records/index.js';
import { createCollectStitcher } from './collect-stitcher.js';
import {
  exporterAddress,
  type CollectThreadsOptions,
  type DecoderCommand,
  type DecoderInput,
  type DecoderMessage,
} from './collect-socket-reader.js';

/** Flows handed over in one message at most; more go in the next. */
const BATCH_FLOWS = 4096;

function runDecoder(options: CollectThreadsOptions, input: MessagePort, main: MessagePort): void {
  const post = (message: DecoderMessage, transfer: ArrayBuffer[] = []): void =>
    main.postMessage(message, transfer);
  const flows = new FlowBatchBuilder();
  let currentUs = 0;
  let decodedBytes = 0;
  /** The reader sends what waited in the spool: time is the datagrams' receive time. */
  let isBehind = false;
  // NetFlow/IPFIX records reach the stitcher as numbers (a reused row), flows leave it packed: no
  // object or string is made per record, only the flow's text fields once it is emitted.
  const stitcher = createCollectStitcher({ ...options.flow, ...options.collect }, { out: flows });
  const collector = createFlowExportCollector(options.collect, {
    onFlow: (flow) => stitcher.addFlow(flow, currentUs),
    onRecord: (row) => stitcher.addRow(row, currentUs),
  });

  let isScheduled = false;

  /** Posts the flows and counters; `always` even when nothing was decoded or stitched since the last. */
  function handOver(always = true): void {
    if (!always && flows.count === 0 && decodedBytes === 0) return;
    const batch = flows.count > 0 ? flows.take() : null;
    post(
      { type: 'flows', batch, bytes: decodedBytes, collector: collector.stats(), stitch: stitcher.stats() },
      batch === null ? [] : transferablesOf(batch),
    );
    decodedBytes = 0;
  }

  input.on('message', (message: DecoderInput) => {
    if (message.type === 'end') {
      stitcher.flush();
      handOver();
      // The ports stay open (closing one may drop what it has not delivered yet): the main thread
      // ends this thread once it has read 'closed'.
      post({ type: 'closed' });
      return;
    }
    if (message.type === 'behind') {
      isBehind = message.value;
      return;
    }
    const { data, ends, times, exporters } = message;
    let at = 0;
    for (let i = 0; i < ends.length; i++) {
      // The receive time, not now: a datagram read back from the spool keeps the time it arrived.
      currentUs = (times[i]! + options.clockOffsetMs) * 1000;
      collector.receive(data.subarray(at, ends[i]), exporterAddress(exporters[i]!), currentUs);
      decodedBytes += ends[i]! - at;
      at = ends[i]!;
      if (flows.count >= BATCH_FLOWS) handOver();
    }
    // Batches that arrived together go over in one message, after the last of them.
    if (!isScheduled) {
      isScheduled = true;
      setImmediate(() => {
        isScheduled = false;
        handOver(false);
      });
    }
  });
  main.on('message', (command: DecoderCommand) => {
    // While spooled datagrams are read back, a record's reverse may still be in the spool: the
    // window is measured in the datagrams' time, as it was when they arrived.
    stitcher.advance(isBehind ? Math.min(currentUs, command.nowUs) : command.nowUs);
    handOver();
    post({ type: 'advanced', id: command.id });
  });
  post({ type: 'ready' });
}

const data = workerData as
  (CollectThreadsOptions & { isCollectDecoder?: boolean; input: MessagePort }) | null;
if (!isMainThread && parentPort !== null && data?.isCollectDecoder === true) {
  runDecoder(data, data.input, parentPort);
}
