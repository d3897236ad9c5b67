import type { FlowState } from './flow-state.js';

/**
 * The flow table's lookup: a hash table from the canonical tuple to the live flow. A `Map` keyed by
 * a string would need a key built and hashed per packet, which costs more than the rest of the
 * packet's accounting; here the tuple is hashed in place and matched field by field. Chains hang
 * off the flows themselves (`bucketNext`), so inserting allocates nothing. The hash is seeded per
 * table, so crafted traffic cannot aim for one long chain.
 */
export class FlowIndex {
  private buckets: (FlowState | null)[];
  private mask: number;
  size = 0;

  constructor(
    private readonly seed: number,
    initialCapacity = 1024,
  ) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.buckets = new Array<FlowState | null>(capacity).fill(null);
    this.mask = capacity - 1;
  }

  /**
   * Hash of a tuple given in canonical order (`a` first; see `flowKeyOrder`). Vlan null and 0 hash
   * alike, which only costs a comparison.
   */
  hash(
    ipProto: number,
    vlan: number | null,
    innerVlan: number | null,
    a: string,
    portA: number,
    b: string,
    portB: number,
  ): number {
    let h = this.seed ^ ipProto;
    for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ portA, 0x01000193);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ portB, 0x01000193);
    h = Math.imul(h ^ ((vlan ?? 0) | ((innerVlan ?? 0) << 12)), 0x01000193);
    // Murmur3's finaliser: the table uses the low bits, which FNV alone mixes poorly.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    // A signed 32-bit result stays a small integer in V8: stored unboxed in the flow, compared without
    // following a pointer. An unsigned one above 2^31 would be a heap number per flow.
    return h ^ (h >>> 16);
  }

  find(
    hash: number,
    ipProto: number,
    vlan: number | null,
    innerVlan: number | null,
    a: string,
    portA: number,
    b: string,
    portB: number,
    isOneWay: boolean,
  ): FlowState | null {
    for (let flow = this.buckets[hash & this.mask] ?? null; flow !== null; flow = flow.bucketNext) {
      if (
        flow.hash === hash &&
        flow.ipProto === ipProto &&
        flow.vlan === vlan &&
        flow.innerVlan === innerVlan &&
        flow.isOneWay === isOneWay &&
        (flow.isKeySrcFirst
          ? flow.srcPort === portA && flow.dstPort === portB && flow.srcAddr === a && flow.dstAddr === b
          : flow.dstPort === portA && flow.srcPort === portB && flow.dstAddr === a && flow.srcAddr === b)
      ) {
        return flow;
      }
    }
    return null;
  }

  /** Adds a flow whose `hash` is set and which is not in the index. */
  insert(flow: FlowState): void {
    if (this.size >= this.buckets.length * 0.75) this.grow();
    const at = flow.hash & this.mask;
    flow.bucketNext = this.buckets[at] ?? null;
    this.buckets[at] = flow;
    this.size++;
  }

  remove(flow: FlowState): void {
    const at = flow.hash & this.mask;
    let previous: FlowState | null = null;
    for (let current = this.buckets[at] ?? null; current !== null; current = current.bucketNext) {
      if (current === flow) {
        if (previous === null) this.buckets[at] = flow.bucketNext;
        else previous.bucketNext = flow.bucketNext;
        flow.bucketNext = null;
        this.size--;
        return;
      }
      previous = current;
    }
  }

  private grow(): void {
    const old = this.buckets;
    this.buckets = new Array<FlowState | null>(old.length * 2).fill(null);
    this.mask = this.buckets.length - 1;
    for (let head of old) {
      while (head !== null && head !== undefined) {
        const next: FlowState | null = head.bucketNext;
        const at = head.hash & this.mask;
        head.bucketNext = this.buckets[at] ?? null;
        this.buckets[at] = head;
        head = next;
      }
    }
  }
}

/**
 * True when the packet's source end comes first in the key. Both directions of a conversation then
 * give the same key; one-way ICMP messages keep their order, as Community ID does.
 */
export function isSrcFirstInKey(
  srcAddr: string,
  srcPort: number,
  dstAddr: string,
  dstPort: number,
  isOneWay: boolean,
): boolean {
  return isOneWay || srcAddr < dstAddr || (srcAddr === dstAddr && srcPort <= dstPort);
}
