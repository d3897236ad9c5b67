import type { CapturedPacket } from '../capture/index.js';
import type { FlowTableConfig, StoreConfig } from '../config/index.js';
import { decodePacket } from '../decode/index.js';
import { createFlowTable } from '../flow/index.js';
import type { Logger } from '../log/index.js';
import type { DeviceObservation, DnsRecord, FlowRecord } from '../records/index.js';
import type { Store } from '../store/index.js';

export interface PipelineStats {
  packets: number;
  bytes: number;
  malformed: number;
  nonIp: number;
  flowsWritten: number;
  dnsWritten: number;
  deviceObservations: number;
  liveFlows: number;
  evicted: number;
  batchesWritten: number;
}

export interface PacketPipeline {
  /** Decodes a batch and feeds the flow table; writes a batch to the store when enough flows are ready. */
  ingest(packets: readonly CapturedPacket[]): Promise<void>;
  /** Expires flows by wall-clock time (live capture) and writes what is ready. */
  tick(nowUs: number): Promise<void>;
  /** Emits every flow still in memory (end of a file, or shutdown) and writes everything. */
  finish(): Promise<void>;
  /** Writes what is ready now, however little. */
  flush(): Promise<void>;
  stats(): PipelineStats;
}

export interface PipelineDeps {
  store: Store;
  log: Logger;
  /** Called after each batch is durably written, with the running totals. */
  onWritten?: (stats: PipelineStats) => void;
}

/**
 * capture → decode → flow → store, for files and live capture alike. Flows leave memory only through
 * `store.writeFlows`, so a flow reported as written is durable. Packet time drives timeouts while
 * importing; `tick` lets live capture expire flows by the wall clock when no packets arrive.
 */
export function createPacketPipeline(
  config: { flow: FlowTableConfig; store: Pick<StoreConfig, 'maxBatchRows'> },
  deps: PipelineDeps,
): PacketPipeline {
  let flows: FlowRecord[] = [];
  let dns: DnsRecord[] = [];
  let devices: DeviceObservation[] = [];
  const totals = {
    packets: 0,
    bytes: 0,
    malformed: 0,
    nonIp: 0,
    flowsWritten: 0,
    dnsWritten: 0,
    deviceObservations: 0,
    batchesWritten: 0,
  };
  const table = createFlowTable(config.flow, {
    onFlow: (flow) => flows.push(flow),
    onDns: (record) => dns.push(record),
    onDevice: (observation) => devices.push(observation),
  });
  const maxBatchRows = config.store.maxBatchRows;
  let lastAdvanceUs = 0;

  const stats = (): PipelineStats => {
    const table_ = table.stats();
    return { ...totals, liveFlows: table_.liveFlows, evicted: table_.evicted };
  };

  const writeNow = async (): Promise<void> => {
    if (flows.length === 0 && dns.length === 0 && devices.length === 0) return;
    const [flowBatch, dnsBatch, deviceBatch] = [flows, dns, devices];
    flows = [];
    dns = [];
    devices = [];
    let step = 0;
    try {
      // Devices and DNS first: a flow in the store can then always be explained by them.
      if (deviceBatch.length > 0) await deps.store.observeDevices(deviceBatch);
      step = 1;
      if (dnsBatch.length > 0) await deps.store.writeDns(dnsBatch);
      step = 2;
      if (flowBatch.length > 0) await deps.store.writeFlows(flowBatch);
    } catch (error) {
      // Keep what was not stored, so a later write (or the shutdown flush) tries again.
      if (step < 1) devices = deviceBatch.concat(devices);
      if (step < 2) dns = dnsBatch.concat(dns);
      flows = flowBatch.concat(flows);
      throw error;
    }
    totals.flowsWritten += flowBatch.length;
    totals.dnsWritten += dnsBatch.length;
    totals.deviceObservations += deviceBatch.length;
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
    flows.length >= maxBatchRows || dns.length >= maxBatchRows || devices.length >= maxBatchRows;

  return {
    async ingest(packets) {
      for (const packet of packets) {
        totals.packets++;
        totals.bytes += packet.originalLength;
        const decoded = decodePacket(packet.linkType, packet.data);
        if (decoded.kind === 'malformed') totals.malformed++;
        else if (decoded.kind === 'other') totals.nonIp++;
        table.add(packet.timestampUs, decoded, packet.interfaceName);
        // Timeouts by packet time, checked about once a second of traffic, not per packet.
        if (packet.timestampUs - lastAdvanceUs >= 1_000_000) {
          table.advance(packet.timestampUs);
          lastAdvanceUs = packet.timestampUs;
        }
      }
      if (isReady()) await write();
    },
    async tick(nowUs) {
      table.advance(nowUs);
      lastAdvanceUs = Math.max(lastAdvanceUs, nowUs);
      if (isReady()) await write();
    },
    async finish() {
      // In batches: a million live flows emitted at once would be a million records in memory.
      while (!table.flush('shutdown', Math.max(1, maxBatchRows))) await write();
      await write();
    },
    flush: write,
    stats,
  };
}
