/**
 * The decoder thread's stitcher (collect-stitcher.ts) keeps the one-way records it holds here: one
 * slot per record across typed arrays, the field offsets below, and a free list so slots are reused
 * and nothing is allocated per record once the pool has grown to the traffic.
 */
import type { OneWayRow } from '../capture/index.js';

/** Key words per slot: both endpoints' 4 address words, both ports, protocol and IP version. */
export const KEY_WORDS = 10;
export const NONE = -1;

// Float64 fields of a slot, at slot * COUNTS.
export const PACKETS = 0;
export const BYTES = 1;
export const REVERSE_PACKETS = 2;
export const REVERSE_BYTES = 3;
export const FIRST_SEEN = 4;
export const LAST_SEEN = 5;
export const SAMPLING_RATE = 6;
export const INPUT = 7;
export const OUTPUT = 8;
export const COUNTS = 9;
// Int32 fields of a slot, at slot * SMALL.
export const TCP_FLAGS = 0;
export const REVERSE_TCP_FLAGS = 1;
export const END_REASON = 2;
export const VLAN = 3;
export const ESTIMATED = 4;
export const SMALL = 5;

/** One-way records held in typed arrays, a slot each; slots are reused through a free list. */
export class SlotPool {
  capacity = 0;
  exporter: string[] = [];
  srcMac: (string | null)[] = [];
  dstMac: (string | null)[] = [];
  ipVersion = new Uint8Array(0);
  ipProto = new Uint8Array(0);
  /** Source words at slot * 8, destination words at slot * 8 + 4. */
  words = new Int32Array(0);
  ports = new Int32Array(0);
  counts = new Float64Array(0);
  small = new Int32Array(0);
  key = new Int32Array(0);
  hash = new Int32Array(0);
  isKeyForward = new Uint8Array(0);
  arrivedUs = new Float64Array(0);
  prev = new Int32Array(0);
  next = new Int32Array(0);
  private free: number[] = [];

  /** Copies `row` into a new slot and returns the slot. */
  copy(row: OneWayRow): number {
    const slot = this.take();
    this.exporter[slot] = row.exporter;
    this.srcMac[slot] = row.srcMac;
    this.dstMac[slot] = row.dstMac;
    this.ipVersion[slot] = row.ipVersion;
    this.ipProto[slot] = row.ipProto;
    const s = slot * 8;
    this.words.set(row.srcWords, s);
    this.words.set(row.dstWords, s + 4);
    this.ports[slot * 2] = row.srcPort;
    this.ports[slot * 2 + 1] = row.dstPort;
    const c = slot * COUNTS;
    const counts = this.counts;
    counts[c + PACKETS] = row.packets;
    counts[c + BYTES] = row.bytes;
    counts[c + REVERSE_PACKETS] = row.reversePackets;
    counts[c + REVERSE_BYTES] = row.reverseBytes;
    counts[c + FIRST_SEEN] = row.firstSeenAt;
    counts[c + LAST_SEEN] = row.lastSeenAt;
    counts[c + SAMPLING_RATE] = row.samplingRate;
    counts[c + INPUT] = row.inputInterface;
    counts[c + OUTPUT] = row.outputInterface;
    const m = slot * SMALL;
    const small = this.small;
    small[m + TCP_FLAGS] = row.tcpFlags;
    small[m + REVERSE_TCP_FLAGS] = row.reverseTcpFlags;
    small[m + END_REASON] = row.flowEndReason;
    small[m + VLAN] = row.vlan;
    small[m + ESTIMATED] = row.countsEstimated ? 1 : 0;
    return slot;
  }

  take(): number {
    if (this.free.length === 0) this.grow();
    return this.free.pop()!;
  }

  release(slot: number): void {
    this.srcMac[slot] = null;
    this.dstMac[slot] = null;
    this.free.push(slot);
  }

  private grow(): void {
    const old = this.capacity;
    const size = Math.max(1024, old * 2);
    const grown = <T extends Uint8Array | Int32Array | Float64Array>(a: T, per: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size * per);
      b.set(a);
      return b;
    };
    this.ipVersion = grown(this.ipVersion, 1);
    this.ipProto = grown(this.ipProto, 1);
    this.words = grown(this.words, 8);
    this.ports = grown(this.ports, 2);
    this.counts = grown(this.counts, COUNTS);
    this.small = grown(this.small, SMALL);
    this.key = grown(this.key, KEY_WORDS);
    this.hash = grown(this.hash, 1);
    this.isKeyForward = grown(this.isKeyForward, 1);
    this.arrivedUs = grown(this.arrivedUs, 1);
    this.prev = grown(this.prev, 1);
    this.next = grown(this.next, 1);
    for (let slot = size - 1; slot >= old; slot--) this.free.push(slot);
    this.capacity = size;
  }
}
