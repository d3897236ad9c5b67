import type { CapturedPacket, FrameBatch } from '../capture/index.js';
import type { FlowTableConfig, StoreConfig } from '../config/index.js';
import { createFlowTable } from '../flow/index.js';
import type { Logger } from '../log/index.js';
import type { DeviceObservation, DnsRecord, FlowRecord } from '../records/index.js';
import type { Store, WriteBatch } from '../store/index.js';
import { DeviceObservationFold } from './device-fold.js';
import { PacketIngest } from './packet-ingest.js';
import { MemoryReclaimer } from './reclaim-memory.js';

export interface PipelineStats {
  packets: number;
  bytes: number;
  malformed: number;
  nonIp: number;
  flowsWritten: number;
  dnsWritten: number;
  /** Device observations the flow table made; the store receives them folded (see DeviceObservationFold). */
  deviceObservations: number;
  liveFlows: number;
  evicted: number;
  batchesWritten: number;
}

export interface PacketPipeline {
  /**
   * Decodes a batch and feeds the flow table; starts writing a batch to the store when enough flows
   * are ready. The write goes on while the next batches are read (one write at a time: the next
   * ingest that finds one still running waits for it, and a failure of it is thrown there).
   */
  ingest(packets: readonly CapturedPacket[]): Promise<void>;
  /** `ingest` for the import path's reused frame batches (`readCaptureFrames`). */
  ingestFrames(batch: FrameBatch): Promise<void>;
  /** Expires flows by wall-clock time (live capture) and writes what is ready. */
  tick(nowUs: number): Promise<void>;
  /** Emits every flow still in memory (end of a file, or shutdown) and writes everything. */
  finish(): Promise<void>;
  /** Writes what is ready now, however little, and waits for every write to be durable. */
  flush(): Promise<void>;
  stats(): PipelineStats;
}

export interface PipelineDeps {
  /**
   * Where batches go. A store still being opened is waited for at the first write, so that packets
   * are read meanwhile; if opening it fails, the next batch of packets fails with that error.
   */
  store: Store | Promise<Store>;
  log: Logger;
  /** Called after each batch is durably written, with the running totals. */
  onWritten?: (stats: PipelineStats) => void;
}

/** Most flows written per batch at the end, when more are open than one batch holds. */
const SHUTDOWN_BATCH_ROWS = 10_000;
/**
 * Flows made per batch of a shutdown stream (Store.writeBatchStream): a batch there costs no commit, so
 * it can be small, and the records of a small batch are garbage before the next is made.
 */
const STREAM_BATCH_ROWS = 2_048;

/**
 * capture → decode → flow → store, for files and live capture alike. Flows leave memory only through
 * the store's batch writes (`writeBatchStream` where the store has it, else `writeFlows`), so a flow
 * reported as written is durable. Packet time drives timeouts while
 * importing; `tick` lets live capture expire flows by the wall clock when no packets arrive.
 */
export function createPacketPipeline(
  config: { flow: FlowTableConfig; store: Pick<StoreConfig, 'maxBatchRows'> },
  deps: PipelineDeps,
): PacketPipeline {
  let flows: FlowRecord[] = [];
  let dns: DnsRecord[] = [];
  const devices = new DeviceObservationFold();
  // Observations of a batch whose write failed, tried again first.
  let unwrittenDevices: DeviceObservation[] = [];
  const totals = {
    flowsWritten: 0,
    dnsWritten: 0,
    deviceObservations: 0,
    batchesWritten: 0,
  };
  const reclaimer = new MemoryReclaimer();
  const table = createFlowTable(config.flow, {
    onFlow: (flow) => flows.push(flow),
    onDns: (record) => dns.push(record),
    onDevice: (observation) => {
      totals.deviceObservations++;
      devices.add(observation);
    },
    reclaimMemory: () => reclaimer.collect(),
  });
  const ingest = new PacketIngest(table);
  const maxBatchRows = config.store.maxBatchRows;
  const opening = Promise.resolve(deps.store);
  let openFailure: { error: unknown } | null = null;
  opening.catch((error: unknown) => (openFailure = { error }));
  const throwIfNotOpened = (): void => {
    if (openFailure !== null) throw openFailure.error;
  };

  const stats = (): PipelineStats => {
    const table_ = table.stats();
    return { ...ingest.totals, ...totals, liveFlows: table_.liveFlows, evicted: table_.evicted };
  };

  const writeNow = async (): Promise<void> => {
    if (flows.length === 0 && dns.length === 0 && devices.size === 0 && unwrittenDevices.length === 0) return;
    // Taken before anything is awaited: what the table emits meanwhile goes into the next batch.
    const [flowBatch, dnsBatch, deviceBatch] = [flows, dns, unwrittenDevices.concat(devices.take())];
    flows = [];
    dns = [];
    unwrittenDevices = [];
    // How far the batch got: 0 nothing stored, 1 its devices, 2 its DNS answers too.
    let step = 0;
    try {
      const store = await opening;
      const writeStream = store.writeBatchStream?.bind(store);
      if (writeStream !== undefined) {
        // One transaction for the three: one commit where there were three, and nothing of the batch
        // is stored unless all of it is.
        await writeStream([{ flows: flowBatch, dns: dnsBatch, devices: deviceBatch }]);
      } else {
        // Devices and DNS first: a flow in the store can then always be explained by them.
        if (deviceBatch.length > 0) await store.observeDevices(deviceBatch);
        step = 1;
        if (dnsBatch.length > 0) await store.writeDns(dnsBatch);
        step = 2;
        if (flowBatch.length > 0) await store.writeFlows(flowBatch);
      }
    } catch (error) {
      // Keep what was not stored, so a later write (or the shutdown flush) tries again.
      if (step < 1) unwrittenDevices = deviceBatch;
      if (step < 2) dns = dnsBatch.concat(dns);
      flows = flowBatch.concat(flows);
      throw error;
    }
    totals.flowsWritten += flowBatch.length;
    totals.dnsWritten += dnsBatch.length;
    totals.batchesWritten++;
    deps.onWritten?.(stats());
  };

  // Writes run one at a time: a timer-driven flush and a full batch must not interleave.
  let queue: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => {
    const next = queue.then(writeNow);
    queue = next.catch(() => undefined);
    return next;
  };

  const isReady = (): boolean =>
    flows.length >= maxBatchRows || dns.length >= maxBatchRows || devices.size >= maxBatchRows;

  // The write started last and not yet waited for; parsing goes on while it runs.
  let behind: Promise<void> | null = null;
  const settle = async (): Promise<void> => {
    const previous = behind;
    behind = null;
    if (previous !== null) await previous;
  };
  const writeBehind = async (): Promise<void> => {
    await settle();
    const next = write();
    // Handled when the next ingest, flush or finish waits for it; until then it must not count as
    // an unhandled rejection.
    next.catch(() => undefined);
    behind = next;
  };

  // More flows open at the end than a few batches hold: made STREAM_BATCH_ROWS at a time and stored
  // in one transaction as they are made (Store.writeBatchStream), which costs a fraction of a commit
  // per batch, and whose memory the store keeps bounded. They count as written once it commits. If it
  // fails, none of them is stored and, unlike a batch, they are not kept for another try: holding
  // them all as records is what the stream avoids (the STORE_WRITE_FAILED error says what was lost).
  const writeShutdownStream = async (writeStream: NonNullable<Store['writeBatchStream']>): Promise<void> => {
    const pending = { flows: 0, dns: 0 };
    async function* batches(): AsyncGenerator<WriteBatch> {
      for (;;) {
        const isEmpty = table.flush('shutdown', STREAM_BATCH_ROWS);
        // The devices go once, with the last batch: folded over the whole stream they are a few rows
        // per device, where every batch would merge the same devices again. In one transaction the
        // order of the rows does not matter.
        const batch = { flows, dns, devices: isEmpty ? unwrittenDevices.concat(devices.take()) : [] };
        flows = [];
        dns = [];
        if (isEmpty) unwrittenDevices = [];
        pending.flows += batch.flows.length;
        pending.dns += batch.dns.length;
        yield batch;
        if (isEmpty) return;
        // The pages the table let go of are returned only once the event loop turns.
        await reclaimer.settle();
      }
    }
    await writeStream(batches());
    totals.flowsWritten += pending.flows;
    totals.dnsWritten += pending.dns;
    totals.batchesWritten++;
    deps.onWritten?.(stats());
  };

  return {
    async ingest(packets) {
      throwIfNotOpened();
      ingest.packets(packets);
      if (isReady()) await writeBehind();
    },
    async ingestFrames(batch) {
      throwIfNotOpened();
      ingest.frames(batch);
      if (isReady()) await writeBehind();
    },
    async tick(nowUs) {
      ingest.advance(nowUs);
      if (isReady()) await writeBehind();
    },
    async finish() {
      await settle();
      // In batches: a million live flows emitted at once would be a million records in memory. When
      // the open flows fit one batch they are one (each batch costs its own commits); when they do
      // not, the batches are smaller than while reading, so that a million flows never stand in
      // memory as records more than a few thousand at a time, and where the store can take them as
      // a stream they go in one transaction (writeShutdownStream).
      const open = table.stats().liveFlows;
      const store = await opening;
      const writeStream = store.writeBatchStream?.bind(store);
      if (writeStream !== undefined && open > SHUTDOWN_BATCH_ROWS && open > maxBatchRows) {
        await write();
        await writeShutdownStream(writeStream);
        return;
      }
      const rows = Math.max(
        1,
        open <= maxBatchRows ? maxBatchRows : Math.min(maxBatchRows, SHUTDOWN_BATCH_ROWS),
      );
      // Each batch is written while the next is made: its commit runs on DuckDB's threads meanwhile.
      while (!table.flush('shutdown', rows)) await writeBehind();
      await settle();
      await write();
    },
    async flush() {
      await settle();
      await write();
    },
    stats,
  };
}
