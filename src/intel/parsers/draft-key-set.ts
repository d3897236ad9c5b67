import type { IndicatorDraft } from '../../records/index.js';

function hashDraft(draft: IndicatorDraft): number {
  let h = 0x811c9dc5;
  const value = draft.value;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  const type = draft.type;
  for (let i = 0; i < type.length; i++) h = Math.imul(h ^ type.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (draft.port ?? 65536), 0x01000193);
  return h ^ (h >>> 15);
}

/**
 * The indicatorKey (type, value, port) of every kept draft, for dropping repeats: open addressing
 * over two typed arrays holding a hash and an index into the drafts. A Map of key strings did the
 * same at about a microsecond per draft on a million-row list (building and hashing the key, and
 * the garbage); this stays near a tenth of that and allocates only when it grows.
 */
export class DraftKeySet {
  private hashes = new Int32Array(1024);
  /** Index into the drafts + 1; 0 marks an empty slot. */
  private slots = new Int32Array(1024);
  private mask = 1023;
  private size = 0;

  /**
   * Records drafts[index] (which must be `draft`) unless a draft with the same key is there already;
   * returns false in that case.
   */
  add(drafts: readonly IndicatorDraft[], draft: IndicatorDraft, index: number): boolean {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    const hash = hashDraft(draft);
    const hashes = this.hashes;
    const slots = this.slots;
    let slot = hash & this.mask;
    for (;;) {
      const here = slots[slot]!;
      if (here === 0) break;
      if (hashes[slot] === hash) {
        const other = drafts[here - 1]!;
        if (other.value === draft.value && other.type === draft.type && other.port === draft.port)
          return false;
      }
      slot = (slot + 1) & this.mask;
    }
    hashes[slot] = hash;
    slots[slot] = index + 1;
    this.size++;
    return true;
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldSlots = this.slots;
    const capacity = oldSlots.length * 2;
    const hashes = new Int32Array(capacity);
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let i = 0; i < oldSlots.length; i++) {
      const entry = oldSlots[i]!;
      if (entry === 0) continue;
      const hash = oldHashes[i]!;
      let slot = hash & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      hashes[slot] = hash;
      slots[slot] = entry;
    }
    this.hashes = hashes;
    this.slots = slots;
    this.mask = mask;
  }
}
