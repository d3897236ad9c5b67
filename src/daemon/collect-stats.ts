import { DROP_REASONS, type FlowExportStats } from '../capture/index.js';
import type { FlowStitcherStats } from '../flow/index.js';

/** The main thread's counters (from `receive`) and the decoder thread's, as one; an exporter heard by both is summed. */
export function mergeCollectorStats(
  own: FlowExportStats,
  thread: FlowExportStats | undefined,
): FlowExportStats {
  if (thread === undefined) return own;
  if (own.datagrams === 0 && own.exporters.length === 0) return thread;
  const drops = { ...own.drops };
  for (const reason of DROP_REASONS) drops[reason] += thread.drops[reason];
  const exporters = thread.exporters.map((entry) => ({ ...entry, drops: { ...entry.drops } }));
  for (const entry of own.exporters) {
    const same = exporters.find((other) => other.exporter === entry.exporter);
    if (same === undefined) {
      exporters.push(entry);
      continue;
    }
    same.datagrams += entry.datagrams;
    same.records += entry.records;
    same.templates += entry.templates;
    same.templatesReceived += entry.templatesReceived;
    same.templatesWithdrawn += entry.templatesWithdrawn;
    same.lastSeenAt = Math.max(same.lastSeenAt, entry.lastSeenAt);
    for (const reason of DROP_REASONS) same.drops[reason] += entry.drops[reason];
  }
  return {
    datagrams: own.datagrams + thread.datagrams,
    records: own.records + thread.records,
    drops,
    exporters,
    exportersEvicted: own.exportersEvicted + thread.exportersEvicted,
  };
}

export function mergeStitchStats(
  own: FlowStitcherStats,
  thread: FlowStitcherStats | undefined,
): FlowStitcherStats {
  if (thread === undefined) return own;
  return {
    pending: own.pending + thread.pending,
    paired: own.paired + thread.paired,
    oneSided: own.oneSided + thread.oneSided,
    biflows: own.biflows + thread.biflows,
    fromSamples: own.fromSamples + thread.fromSamples,
    evicted: own.evicted + thread.evicted,
  };
}
