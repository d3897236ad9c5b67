import { describe, expect, it } from 'vitest';
import { DROP_REASONS, type DropCounts, type ExporterStats, type FlowExportStats } from '../capture/index.js';
import { mergeCollectorStats, mergeStitchStats } from './collect-stats.js';

function drops(overrides: Partial<DropCounts> = {}): DropCounts {
  const counts = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as DropCounts;
  return { ...counts, ...overrides };
}

function exporter(name: string, overrides: Partial<ExporterStats> = {}): ExporterStats {
  return {
    exporter: name,
    protocol: 'ipfix',
    datagrams: 10,
    records: 300,
    drops: drops(),
    templates: 2,
    templatesReceived: 4,
    templatesWithdrawn: 1,
    lastSeenAt: 1_000,
    ...overrides,
  };
}

function totals(exporters: ExporterStats[], evicted = 0): FlowExportStats {
  const all = drops();
  for (const entry of exporters) for (const reason of DROP_REASONS) all[reason] += entry.drops[reason];
  return {
    datagrams: exporters.reduce((sum, entry) => sum + entry.datagrams, 0),
    records: exporters.reduce((sum, entry) => sum + entry.records, 0),
    drops: all,
    exporters,
    exportersEvicted: evicted,
  };
}

describe('mergeCollectorStats', () => {
  it('sums an exporter both threads heard, keeps the others, and adds up the totals', () => {
    const own = totals([exporter('192.0.2.1', { datagrams: 1, records: 30, lastSeenAt: 5_000 })]);
    const thread = totals(
      [
        exporter('192.0.2.1', { drops: drops({ no_template: 3 }) }),
        exporter('192.0.2.2', { protocol: 'netflow5', drops: drops({ truncated: 1 }) }),
      ],
      2,
    );
    const merged = mergeCollectorStats(own, thread);
    expect(merged).toMatchObject({ datagrams: 21, records: 630, exportersEvicted: 2 });
    expect(merged.drops).toEqual(drops({ no_template: 3, truncated: 1 }));
    expect(merged.exporters).toEqual([
      exporter('192.0.2.1', {
        datagrams: 11,
        records: 330,
        templates: 4,
        templatesReceived: 8,
        templatesWithdrawn: 2,
        lastSeenAt: 5_000,
        drops: drops({ no_template: 3 }),
      }),
      exporter('192.0.2.2', { protocol: 'netflow5', drops: drops({ truncated: 1 }) }),
    ]);
    // The thread's counters it was given are left as they were.
    expect(thread.exporters[0]!.datagrams).toBe(10);
  });

  it("gives one side's counters unchanged when the other has none", () => {
    const thread = totals([exporter('192.0.2.2')]);
    expect(mergeCollectorStats(totals([]), thread)).toBe(thread);
    const own = totals([exporter('192.0.2.1')]);
    expect(mergeCollectorStats(own, undefined)).toBe(own);
  });
});

describe('mergeStitchStats', () => {
  it('adds up every count', () => {
    const own = { pending: 1, paired: 2, oneSided: 3, biflows: 4, fromSamples: 5, evicted: 6 };
    const thread = { pending: 10, paired: 20, oneSided: 30, biflows: 40, fromSamples: 50, evicted: 60 };
    expect(mergeStitchStats(own, thread)).toEqual({
      pending: 11,
      paired: 22,
      oneSided: 33,
      biflows: 44,
      fromSamples: 55,
      evicted: 66,
    });
    expect(mergeStitchStats(own, undefined)).toBe(own);
  });
});
