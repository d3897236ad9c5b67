import { describe, expect, it } from 'vitest';
import { MemoryReclaimer } from './reclaim-memory.js';

const MB = 2 ** 20;

describe('MemoryReclaimer', () => {
  it('returns the memory of dropped ArrayBuffers by the time settle() resolves', async () => {
    const reclaimer = new MemoryReclaimer();
    // Old enough to be past the young generation, as the flow table's pages are.
    let pages: Float64Array[] | null = Array.from({ length: 64 }, () => new Float64Array(MB / 8).fill(1));
    reclaimer.collect();
    await reclaimer.settle();
    const held = process.memoryUsage().arrayBuffers;
    expect(pages.length).toBe(64);
    pages = null;
    reclaimer.collect();
    await reclaimer.settle();
    expect(held - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(60 * MB);
  });

  it('lets the event loop turn in settle() only after a collect()', async () => {
    const reclaimer = new MemoryReclaimer();
    let turned = false;
    setImmediate(() => (turned = true));
    await reclaimer.settle();
    expect(turned).toBe(false);
    reclaimer.collect();
    await reclaimer.settle();
    expect(turned).toBe(true);
  });
});
