/**
 * Flow-export decoding: NetFlow v5, NetFlow v9, IPFIX and sFlow v5 datagrams → one-way flow records.
 *
 * In: one UDP datagram at a time with its source address and arrival time. Out: OneWayFlow (records/)
 * through a callback, and statistics per exporter (datagrams, records, drops by reason, templates).
 * Pure and total: no I/O, no clock, and no datagram makes it throw; memory is bounded by the exporter
 * and template caps, and data that arrives before its template is dropped, not held.
 * Part of capture/; called by daemon/'s collect pipeline; imports decode/ and the leaves.
 */
export {
  createFlowExportCollector,
  type FlowExportCollector,
  type FlowExportCollectorDeps,
  type FlowExportCollectorOptions,
  type FlowExportStats,
} from './flow-export-collector.js';
export type { ExporterStats } from './exporter-state.js';
export { DROP_REASONS, type DropReason, type DropCounts } from './drop-reason.js';
export { OneWayRow } from './one-way-row.js';
