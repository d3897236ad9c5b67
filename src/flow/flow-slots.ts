import { AddressPool, srcAt as v6SrcAt } from './address-pool.js';

/**
 * Live flows as fixed-size records in typed arrays: no object per flow, so a million flows cost the
 * garbage collector nothing. A flow is a small integer id; its record is 104 bytes in a page of
 * `PAGE_SIZE` records, read through a Float64Array and an Int32Array over the same memory. With its Ethernet
 * addresses, list links, serial and index entry a flow takes some 140 bytes (an IPv6 flow 32 more,
 * in the `AddressPool`). Pages are added as flows arrive and never copied, so growing to a million
 * flows never holds two copies of the table at once. Ids of removed flows are reused first. While a
 * table is emptied at shutdown, a page whose flows have all gone is let go (`dropIfEmpty`), so that
 * the table's memory shrinks as its records are written rather than staying at its peak.
 *
 * Record layout (indices into the page's arrays, relative to the record's base):
 * - doubles 0–7: first/last seen (µs), src/dst bytes, src/dst packets, src/dst payload bytes;
 * - ints 16–23: hash, ports (src << 16 | dst), meta (protocol | list << 8 | interface << 16), flag bits,
 *   VLANs ((outer + 1) | (inner + 1) << 16, 0 = untagged), TCP flags (src | dst << 8), next expected
 *   sequence number from src and from dst;
 * - ints 24–25: an IPv4 flow's src and dst address as big-endian 32-bit words; an IPv6 flow's
 *   entry in `v6` (the `AddressPool`) in the first (`I_V6_ENTRY`). `addresses` and `srcAddressAt` find
 *   either kind.
 * The Ethernet addresses (12 bytes a flow) follow the records in the page's buffer: only a written
 * record reads them.
 */
/** 16,384 records of 104 bytes and their 12 bytes of Ethernet addresses: 1,856 KiB a page. */
export const PAGE_BITS = 14;
export const PAGE_SIZE = 1 << PAGE_BITS;
export const PAGE_MASK = PAGE_SIZE - 1;
const RECORD_BYTES = 104;
/** A record's size in doubles and in ints. */
const RECORD_F64 = RECORD_BYTES / 8;
const RECORD_I32 = RECORD_BYTES / 4;
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
/** An IPv4 flow's src and dst address. */
export const I_SRC_ADDR = 24;
export const I_DST_ADDR = 25;
/** An IPv6 flow's entry in `FlowSlots.v6`. */
export const I_V6_ENTRY = 24;

/** One page: `f64` holds 13 doubles per record, `i32` 26 ints per record (same memory), `macs` 12 bytes. */
export interface FlowPage {
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly macs: Uint8Array;
}

export class FlowSlots {
  /** By page number; null for a page let go by `dropIfEmpty` (made again when one of its ids is reused). */
  readonly pages: (FlowPage | null)[] = [];
  /** The addresses of IPv6 flows (see `I_V6_ENTRY`). */
  readonly v6 = new AddressPool();
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
        page.f64.fill(0, slot * RECORD_F64, (slot + 1) * RECORD_F64);
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

  /**
   * The array holding the addresses of the live flow `id`: its page's ints for IPv4, its IPv6 pool
   * page otherwise. The src address starts at `srcAddressAt`, the dst address 1 (IPv4) or 4 words on.
   */
  addresses(id: number, isV6: boolean): Int32Array {
    return isV6 ? this.v6.words(this.page(id).i32[i32Base(id) + I_V6_ENTRY]!) : this.page(id).i32;
  }

  srcAddressAt(id: number, isV6: boolean): number {
    return isV6 ? v6SrcAt(this.page(id).i32[i32Base(id) + I_V6_ENTRY]!) : i32Base(id) + I_SRC_ADDR;
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
  const buffer = new ArrayBuffer(PAGE_BYTES);
  return {
    f64: new Float64Array(buffer, 0, (PAGE_SIZE * RECORD_BYTES) / 8),
    i32: new Int32Array(buffer, 0, (PAGE_SIZE * RECORD_BYTES) / 4),
    macs: new Uint8Array(buffer, PAGE_SIZE * RECORD_BYTES, PAGE_SIZE * MAC_BYTES),
  };
}

/** Index of a record's first double in its page's `f64`. */
export function f64Base(id: number): number {
  return (id & PAGE_MASK) * RECORD_F64;
}

/** Index of a record's first int in its page's `i32`. */
export function i32Base(id: number): number {
  return (id & PAGE_MASK) * RECORD_I32;
}

/** Where the dst address starts, given where the src address does. */
export function dstAddressAt(srcAddressAt: number, isV6: boolean): number {
  return srcAddressAt + (isV6 ? 4 : 1);
}

/** Offset of a record's Ethernet addresses (src, then dst) in its page's `macs`. */
export function macBase(id: number): number {
  return (id & PAGE_MASK) * MAC_BYTES;
}
