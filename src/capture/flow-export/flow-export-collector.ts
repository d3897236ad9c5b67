import type { OneWayFlow } from '../../records/index.js';
import type { DecodeContext } from './decode-context.js';
import { DROP_REASONS, emptyDropCounts, type DropCounts } from './drop-reason.js';
import { ExporterState, type ExporterStats } from './exporter-state.js';
import { decodeIpfix } from './ipfix.js';
import { decodeNetflowV5, readU32 } from './netflow-v5.js';
import { decodeNetflowV9 } from './netflow-v9.js';
import { OneWayRow } from './one-way-row.js';
import { RecordFields } from './record-fields.js';
import { decodeSflowV5 } from './sflow-v5.js';

export interface FlowExportCollectorOptions {
  /** Exporters whose templates and statistics are kept; past it the longest-silent one is forgotten. */
  maxExporters: number;
  /** Templates (and observation domains) kept per exporter; past it new ones are refused and counted. */
  maxTemplatesPerExporter: number;
}

export interface FlowExportCollectorDeps {
  /** Receives every decoded record, synchronously, while `receive` runs. */
  onFlow: (flow: OneWayFlow) => void;
  /**
   * When given, receives the NetFlow and IPFIX records instead of `onFlow`, as one reused OneWayRow
   * (copy what you keep); sFlow samples still go to `onFlow`.
   */
  onRecord?: (row: OneWayRow) => void;
}

export interface FlowExportStats {
  datagrams: number;
  records: number;
  drops: DropCounts;
  /** Exporters known now, most recently heard first. */
  exporters: ExporterStats[];
  /** Exporters forgotten to stay within `maxExporters` (their counts stay in the totals). */
  exportersEvicted: number;
}

export interface FlowExportCollector {
  /**
   * Decodes one datagram from `exporter` (its source address) that arrived at `receivedAtUs` (epoch
   * microseconds). Never throws: what cannot be decoded is counted by reason and dropped.
   */
  receive(datagram: Uint8Array, exporter: string, receivedAtUs: number): void;
  stats(): FlowExportStats;
}

/**
 * The collector's state machine for NetFlow v5, v9, IPFIX and sFlow v5 datagrams. Pure: no sockets,
 * no clock; the caller passes each datagram with its source and arrival time. Memory is bounded by
 * `maxExporters` × `maxTemplatesPerExporter` templates, and data records that arrive before their
 * template are dropped rather than held.
 */
export function createFlowExportCollector(
  options: FlowExportCollectorOptions,
  deps: FlowExportCollectorDeps,
): FlowExportCollector {
  // Insertion order is recency order: an exporter is re-inserted when heard, so the first is the stalest.
  const exporters = new Map<string, ExporterState>();
  const retired = { datagrams: 0, records: 0, drops: emptyDropCounts() };
  let exportersEvicted = 0;
  let lastExporter: ExporterState | null = null;
  const fields = new RecordFields();
  const ctx: DecodeContext = {
    state: new ExporterState('', 0),
    receivedAtUs: 0,
    exportMs: 0,
    sysUptimeMs: -1,
    headerSamplingRate: 0,
    onFlow: deps.onFlow,
    onRecord: deps.onRecord ?? null,
    row: new OneWayRow(),
  };

  function exporterState(address: string): ExporterState {
    // Most datagrams come from the exporter of the one before: skip the map work then.
    if (lastExporter !== null && lastExporter.stats.exporter === address) return lastExporter;
    let state = exporters.get(address);
    if (state === undefined) {
      if (exporters.size >= options.maxExporters) evictStalest();
      state = new ExporterState(address, options.maxTemplatesPerExporter);
    } else {
      exporters.delete(address);
    }
    exporters.set(address, state);
    lastExporter = state;
    return state;
  }

  function evictStalest(): void {
    for (const [address, state] of exporters) {
      exporters.delete(address);
      retired.datagrams += state.stats.datagrams;
      retired.records += state.stats.records;
      for (const reason of DROP_REASONS) retired.drops[reason] += state.stats.drops[reason];
      exportersEvicted++;
      return;
    }
  }

  function decode(b: Uint8Array, state: ExporterState): void {
    const version = b.length >= 2 ? (b[0]! << 8) | b[1]! : -1;
    ctx.headerSamplingRate = 0;
    if (version === 5) {
      state.stats.protocol = 'netflow5';
      decodeNetflowV5(b, ctx, fields);
    } else if (version === 9) {
      state.stats.protocol = 'netflow9';
      decodeNetflowV9(b, ctx, fields);
    } else if (version === 10) {
      state.stats.protocol = 'ipfix';
      decodeIpfix(b, ctx, fields);
    } else if (version === 0 && b.length >= 4 && readU32(b, 0) === 5) {
      state.stats.protocol = 'sflow5';
      decodeSflowV5(b, ctx);
    } else {
      state.stats.drops[b.length < 4 ? 'truncated' : 'unknown_version']++;
    }
  }

  return {
    receive(datagram, exporter, receivedAtUs) {
      const state = exporterState(exporter);
      state.stats.datagrams++;
      state.stats.lastSeenAt = receivedAtUs;
      ctx.state = state;
      ctx.receivedAtUs = receivedAtUs;
      try {
        decode(datagram, state);
      } catch {
        // A decoder bug costs this datagram, never the collector.
        state.stats.drops.decoder_error++;
      }
    },
    stats() {
      const list = [...exporters.values()].reverse().map((state) => ({
        ...state.stats,
        drops: { ...state.stats.drops },
      }));
      const drops = { ...retired.drops };
      let datagrams = retired.datagrams;
      let records = retired.records;
      for (const entry of list) {
        datagrams += entry.datagrams;
        records += entry.records;
        for (const reason of DROP_REASONS) drops[reason] += entry.drops[reason];
      }
      return { datagrams, records, drops, exporters: list, exportersEvicted };
    },
  };
}
