/**
 * The flow table's lookup: an open-addressing hash table from a flow's hash to its id, in one
 * Int32Array of (hash, id + 1) pairs, probed linearly. A probe reads the stored hash beside the id,
 * so a miss rarely touches a flow record, and the whole index of ten thousand flows fits in the CPU
 * cache. Removal shifts the following entries back (no tombstones), so lookups stay short however
 * many flows come and go. The load stays at most one half: the table doubles past that.
 *
 * The index knows hashes and ids only; whether the flow at an id has the packet's tuple is the flow
 * table's question. Callers walk candidates with `start`, `idAt`, `hashAt` and `next`.
 */
export class FlowIndex {
  private entries: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.entries = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Memory of the index. */
  get bytes(): number {
    return this.entries.byteLength;
  }

  /** The first position to look at for `hash`. */
  start(hash: number): number {
    return hash & this.mask;
  }

  next(position: number): number {
    return (position + 1) & this.mask;
  }

  /** The id stored at `position`, or -1 when the position is empty (the end of the walk). */
  idAt(position: number): number {
    return this.entries[2 * position + 1]! - 1;
  }

  hashAt(position: number): number {
    return this.entries[2 * position]!;
  }

  /** Adds `id` under `hash`; the id must not be in the index. */
  insert(hash: number, id: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.place(hash, id);
    this.size++;
  }

  /** Removes `id`, stored under `hash`; false when it is not there. */
  remove(hash: number, id: number): boolean {
    const entries = this.entries;
    const mask = this.mask;
    let hole = hash & mask;
    for (;;) {
      const stored = entries[2 * hole + 1]!;
      if (stored === 0) return false;
      if (stored === id + 1) break;
      hole = (hole + 1) & mask;
    }
    // Backward shift: move each later entry of the run into the hole when its home position is
    // not between the hole and where it sits, so every entry stays reachable from its home.
    let at = hole;
    for (;;) {
      at = (at + 1) & mask;
      const stored = entries[2 * at + 1]!;
      if (stored === 0) break;
      const home = entries[2 * at]! & mask;
      const isHomeAfterHole = hole <= at ? home > hole && home <= at : home > hole || home <= at;
      if (isHomeAfterHole) continue;
      entries[2 * hole] = entries[2 * at]!;
      entries[2 * hole + 1] = stored;
      hole = at;
    }
    entries[2 * hole] = 0;
    entries[2 * hole + 1] = 0;
    this.size--;
    return true;
  }

  private place(hash: number, id: number): void {
    const entries = this.entries;
    let at = hash & this.mask;
    while (entries[2 * at + 1] !== 0) at = (at + 1) & this.mask;
    entries[2 * at] = hash;
    entries[2 * at + 1] = id + 1;
  }

  private grow(): void {
    const old = this.entries;
    this.entries = new Int32Array(old.length * 2);
    this.mask = this.entries.length / 2 - 1;
    for (let at = 0; at < old.length; at += 2) {
      const stored = old[at + 1]!;
      if (stored !== 0) this.place(old[at]!, stored - 1);
    }
  }
}
