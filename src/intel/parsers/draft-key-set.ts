import type { IndicatorDraft } from '../../records/index.js';

function hashKey(type: string, value: string, port: number | null): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  for (let i = 0; i < type.length; i++) h = Math.imul(h ^ type.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (port ?? 65536), 0x01000193);
  return h ^ (h >>> 15);
}

/**
 * The indicatorKey (type, value, port) of every kept draft, for dropping repeats: open addressing
 * over one Int32Array of (hash, index + 1) pairs, so a probe reads one cache line, and three parallel
 * arrays holding the keys themselves, so the drafts can be handed on in batches while the keys stay.
 * A Map of key strings did the same at about a microsecond per draft on a million-row list (building
 * and hashing the key, and the garbage); this stays near a tenth of that and allocates only when it
 * grows.
 */
export class DraftKeySet {
  /** Pairs of (hash, index into the key arrays + 1); an index of 0 marks an empty slot. */
  private table = new Int32Array(2048);
  private readonly types: string[] = [];
  private readonly values: string[] = [];
  private readonly ports: (number | null)[] = [];

  /** Records the draft's key unless it is there already; returns false in that case. */
  add(draft: IndicatorDraft): boolean {
    const size = this.values.length;
    if ((size + 1) * 4 > this.table.length) this.grow();
    const { type, value, port } = draft;
    const hash = hashKey(type, value, port);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let slot = hash & mask;
    for (;;) {
      const at = slot << 1;
      const here = table[at + 1]!;
      if (here === 0) break;
      if (
        table[at] === hash &&
        this.values[here - 1] === value &&
        this.types[here - 1] === type &&
        this.ports[here - 1] === port
      )
        return false;
      slot = (slot + 1) & mask;
    }
    table[slot << 1] = hash;
    table[(slot << 1) + 1] = size + 1;
    this.types.push(type);
    this.values.push(value);
    this.ports.push(port);
    return true;
  }

  private grow(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = (table.length >> 1) - 1;
    for (let at = 0; at < old.length; at += 2) {
      const entry = old[at + 1]!;
      if (entry === 0) continue;
      const hash = old[at]!;
      let slot = hash & mask;
      while (table[(slot << 1) + 1] !== 0) slot = (slot + 1) & mask;
      table[slot << 1] = hash;
      table[(slot << 1) + 1] = entry;
    }
    this.table = table;
  }
}
