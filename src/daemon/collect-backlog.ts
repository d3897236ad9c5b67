import { packFlows, type FlowBatch, type FlowBatchSlice, type FlowRecord } from '../records/index.js';

/**
 * The collector's flows waiting for the store, first in, first out, kept packed (records/flow-batch.ts)
 * as the decoder thread handed them over: half a million flows waiting take some 200 MB as packed
 * rows, and over a gigabyte as FlowRecord objects, whose garbage collection cost the main thread more
 * than writing them. Flows stitched one at a time on the main thread (`receive`, for replays and
 * tests) are packed as soon as a batch or a `take` follows them, so the order stays the order of arrival.
 */
export class FlowBacklog {
  /** Flows waiting, packed and loose. */
  length = 0;
  private slices: FlowBatchSlice[] = [];
  private head = 0;
  private loose: FlowRecord[] = [];

  pushRecord(flow: FlowRecord): void {
    this.loose.push(flow);
    this.length++;
  }

  /** Adds rows `from` … `to`-1 of `batch` (which must not change after). */
  pushBatch(batch: FlowBatch, from = 0, to = batch.count): void {
    if (to <= from) return;
    this.packLoose();
    this.slices.push({ batch, from, to });
    this.length += to - from;
  }

  /** Takes the first `rows` flows (or all there are) out, as slices in order. */
  take(rows: number): FlowBatchSlice[] {
    this.packLoose();
    const taken: FlowBatchSlice[] = [];
    let left = Math.min(rows, this.length);
    this.length -= left;
    while (left > 0) {
      const first = this.slices[this.head]!;
      const count = first.to - first.from;
      if (count <= left) {
        taken.push(first);
        this.head++;
        left -= count;
      } else {
        taken.push({ batch: first.batch, from: first.from, to: first.from + left });
        this.slices[this.head] = { batch: first.batch, from: first.from + left, to: first.to };
        left = 0;
      }
    }
    if (this.head > 1024 || this.head === this.slices.length) {
      this.slices = this.slices.slice(this.head);
      this.head = 0;
    }
    return taken;
  }

  /** Puts what `take` returned back in front (a write that failed), in the same order. */
  putBack(taken: readonly FlowBatchSlice[]): void {
    let count = 0;
    for (const slice of taken) count += slice.to - slice.from;
    this.slices = [...taken, ...this.slices.slice(this.head)];
    this.head = 0;
    this.length += count;
  }

  private packLoose(): void {
    if (this.loose.length === 0) return;
    const batch = packFlows(this.loose);
    this.loose = [];
    this.slices.push({ batch, from: 0, to: batch.count });
  }
}
