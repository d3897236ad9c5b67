/**
 * Live flows as fixed-size records in typed arrays: no object per flow, so a million flows cost the
 * garbage collector nothing and take about 150 bytes each. A flow is a small integer id; its record
 * is 128 bytes (two cache lines) in a page of `PAGE_SIZE` records, read through a Float64Array and an
 * Int32Array over the same memory. Pages are added as flows arrive and never copied, so growing to a
 * million flows never holds two copies of the table at once. Ids of removed flows are reused first.
 * While a table is emptied at shutdown, a page whose flows have all gone is let go (`dropIfEmpty`), so
 * that the table's memory shrinks as its records are written rather than staying at its peak.
 *
 * Record layout (indices into the page's arrays, relative to the record's base):
 * - doubles 0–7: first/last seen (µs), src/dst bytes, src/dst packets, src/dst payload bytes;
 * - ints 16–23: hash, ports (src << 16 | dst), meta (protocol | list << 8 | interface << 16), flag bits,
 *   VLANs ((outer + 1) | (inner + 1) << 16, 0 = untagged), TCP flags (src | dst << 8), next expected
 *   sequence number from src and from dst;
 * - ints 24–31: the src and dst addresses as four big-endian 32-bit words each (IPv4 in the first).
 * The Ethernet addresses (12 bytes a flow) sit in a page array of their own: only a written record reads them.
 */
export const PAGE_BITS = 13;
export const PAGE_SIZE = 1 << PAGE_BITS;
export const PAGE_MASK = PAGE_SIZE - 1;
const RECORD_BYTES = 128;
const MAC_BYTES = 12;
/** Memory of one page. */
export const PAGE_BYTES = PAGE_SIZE * (RECORD_BYTES + MAC_BYTES);

export const F_FIRST_SEEN = 0;
export const F_LAST_SEEN = 1;
export const F_SRC_BYTES = 2;
export const F_DST_BYTES = 3;
export const F_SRC_PACKETS = 4;
export const F_DST_PACKETS = 5;
export const F_SRC_PAYLOAD = 6;
export const F_DST_PAYLOAD = 7;

export const I_HASH = 16;
export const I_PORTS = 17;
export const I_META = 18;
export const I_BITS = 19;
export const I_VLANS = 20;
export const I_TCP_FLAGS = 21;
export const I_SRC_SEQ = 22;
export const I_DST_SEQ = 23;
export const I_SRC_ADDR = 24;
export const I_DST_ADDR = 28;

/** One page: `f64` holds 16 doubles per record, `i32` 32 ints per record (same memory), `macs` 12 bytes. */
export interface FlowPage {
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly macs: Uint8Array;
}

export class FlowSlots {
  /** By page number; null for a page let go by `dropIfEmpty` (made again when one of its ids is reused). */
  readonly pages: (FlowPage | null)[] = [];
  /** Per page: how many of its ids are live. */
  private live: Int32Array = new Int32Array(16);
  /** Ids ever handed out; every id below is either live or on the free list. */
  private highWater = 0;
  private free: Int32Array = new Int32Array(256);
  private freeCount = 0;
  /** Per id: a number that changes every time the id starts a new flow (0 while free). */
  private serials: Int32Array = new Int32Array(PAGE_SIZE);
  private nextSerial = 1;

  /** How many ids the pages hold. */
  get capacity(): number {
    return this.pages.length << PAGE_BITS;
  }

  /** An id for a new flow, with its record zeroed. */
  allocate(): number {
    let id: number;
    if (this.freeCount > 0) {
      id = this.free[--this.freeCount]!;
      const page = this.pages[id >>> PAGE_BITS];
      if (page === null || page === undefined) {
        this.pages[id >>> PAGE_BITS] = newPage();
      } else {
        const slot = id & PAGE_MASK;
        page.f64.fill(0, slot << 4, (slot + 1) << 4);
        page.macs.fill(0, slot * MAC_BYTES, (slot + 1) * MAC_BYTES);
      }
    } else {
      id = this.highWater++;
      if (id >= this.capacity) this.addPage();
    }
    this.live[id >>> PAGE_BITS]!++;
    this.serials[id] = this.nextSerial;
    // Serials wrap; 0 stays reserved for "free".
    this.nextSerial = this.nextSerial === 0x7fffffff ? 1 : this.nextSerial + 1;
    return id;
  }

  release(id: number): void {
    if (this.freeCount === this.free.length) {
      const grown = new Int32Array(this.free.length * 2);
      grown.set(this.free);
      this.free = grown;
    }
    this.free[this.freeCount++] = id;
    this.serials[id] = 0;
    this.live[id >>> PAGE_BITS]!--;
  }

  /**
   * Lets the page of `id` (a released id) go when none of its ids is live, so that its memory can be
   * reclaimed; for a table being emptied. True when it did. (Not done on every release: a page that a
   * single flow keeps coming and going on would be made and dropped each time.)
   */
  dropIfEmpty(id: number): boolean {
    const number = id >>> PAGE_BITS;
    if (this.live[number] !== 0 || this.pages[number] === null) return false;
    this.pages[number] = null;
    return true;
  }

  /** The serial of the flow that holds `id` now; 0 when the id is free. */
  serial(id: number): number {
    return this.serials[id]!;
  }

  /** The page of a live id (a dropped page holds none). */
  page(id: number): FlowPage {
    return this.pages[id >>> PAGE_BITS]!;
  }

  private addPage(): void {
    this.pages.push(newPage());
    if (this.live.length < this.pages.length) {
      const grown = new Int32Array(this.live.length * 2);
      grown.set(this.live);
      this.live = grown;
    }
    if (this.serials.length < this.capacity) {
      // A quarter more at a time: at a million flows, doubling could leave megabytes unused.
      const grown = new Int32Array(Math.max(this.capacity, Math.ceil(this.serials.length * 1.25)));
      grown.set(this.serials);
      this.serials = grown;
    }
  }
}

function newPage(): FlowPage {
  const buffer = new ArrayBuffer(PAGE_SIZE * RECORD_BYTES);
  return {
    f64: new Float64Array(buffer),
    i32: new Int32Array(buffer),
    macs: new Uint8Array(PAGE_SIZE * MAC_BYTES),
  };
}

/** Index of a record's first double in its page's `f64`. */
export function f64Base(id: number): number {
  return (id & PAGE_MASK) << 4;
}

/** Index of a record's first int in its page's `i32`. */
export function i32Base(id: number): number {
  return (id & PAGE_MASK) << 5;
}

/** Offset of a record's Ethernet addresses (src, then dst) in its page's `macs`. */
export function macBase(id: number): number {
  return (id & PAGE_MASK) * MAC_BYTES;
}
