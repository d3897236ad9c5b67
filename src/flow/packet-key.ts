import type { DecodedFrame } from '../decode/index.js';
import { readAddressWords } from './address-words.js';
import { FlowBit } from './flow-state.js';
import { srcAt as v6SrcAt, type AddressPool } from './address-pool.js';
import { I_DST_ADDR, I_META, I_BITS, I_PORTS, I_SRC_ADDR, I_V6_ENTRY, I_VLANS } from './flow-slots.js';

/** `matchFlow`'s answer: the packet is not of the flow, or it was sent by the flow's src or dst. */
export const Match = { NONE: 0, FROM_SRC: 1, FROM_DST: 2 } as const;
export type Match = (typeof Match)[keyof typeof Match];

const KEY_BITS = FlowBit.IS_IPV6 | FlowBit.IS_ONE_WAY;

/**
 * The tuple of the packet being accounted, in the packet's direction: protocol, VLANs, both
 * addresses as words (src in `words[0..4)`, dst in `words[4..8)`) and ports (ICMP type and code or
 * counterpart type in their place). One instance is loaded per packet; nothing is allocated.
 *
 * The hash is symmetric (the same for both directions of a conversation), so a reply finds its flow
 * without first putting the two ends in a canonical order. It is seeded per table, so crafted
 * traffic cannot aim for one long probe sequence.
 */
export class PacketKey {
  readonly words = new Int32Array(8);
  isV6 = false;
  ipProto = 0;
  /** (outer + 1) | (inner + 1) << 16; 0 when untagged. */
  vlans = 0;
  srcPort = 0;
  dstPort = 0;
  isOneWay = false;
  hash = 0;

  constructor(private readonly seed: number) {}

  load(f: DecodedFrame, srcPort: number, dstPort: number, isOneWay: boolean): void {
    const isV6 = f.ipVersion === 6;
    this.isV6 = isV6;
    this.ipProto = f.ipProto;
    this.vlans = (f.vlan + 1) | ((f.innerVlan + 1) << 16);
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    this.isOneWay = isOneWay;
    const words = this.words;
    readAddressWords(f.bytes, f.srcAddrAt, isV6, words, 0);
    readAddressWords(f.bytes, f.dstAddrAt, isV6, words, 4);
    const src = this.endpointHash(0, srcPort);
    const dst = this.endpointHash(4, dstPort);
    let h = (src + dst) ^ Math.imul(this.ipProto | (isV6 ? 0x100 : 0), 0x9e3779b1);
    h = Math.imul(h ^ this.vlans, 0x85ebca6b);
    // Murmur3's finaliser: the index uses the low bits.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    this.hash = h ^ (h >>> 16);
  }

  private endpointHash(at: number, port: number): number {
    const w = this.words;
    let h = Math.imul(w[at]! ^ this.seed, 0xcc9e2d51);
    if (this.isV6) {
      h = Math.imul(h ^ (h >>> 15) ^ w[at + 1]!, 0x1b873593);
      h = Math.imul(h ^ (h >>> 15) ^ w[at + 2]!, 0xcc9e2d51);
      h = Math.imul(h ^ (h >>> 15) ^ w[at + 3]!, 0x1b873593);
    }
    h = Math.imul(h ^ (h >>> 13) ^ port, 0xe6546b64);
    return h ^ (h >>> 16);
  }

  /**
   * Whether the flow record at `base` of `i32` is this packet's conversation, and from which side the
   * packet comes; an IPv6 record's addresses are in `v6`. A one-way ICMP flow matches its own
   * direction only. Same address and port on both ends (a host talking to itself) counts as the src side.
   */
  matchFlow(i32: Int32Array, base: number, v6: AddressPool): Match {
    if ((i32[base + I_META]! & 0xff) !== this.ipProto || i32[base + I_VLANS] !== this.vlans)
      return Match.NONE;
    const keyBits = (this.isV6 ? FlowBit.IS_IPV6 : 0) | (this.isOneWay ? FlowBit.IS_ONE_WAY : 0);
    if ((i32[base + I_BITS]! & KEY_BITS) !== keyBits) return Match.NONE;
    const ports = i32[base + I_PORTS]!;
    if (ports === ((this.srcPort << 16) | this.dstPort) && this.sameAddresses(i32, base, v6, 0, 4)) {
      return Match.FROM_SRC;
    }
    if (
      !this.isOneWay &&
      ports === ((this.dstPort << 16) | this.srcPort) &&
      this.sameAddresses(i32, base, v6, 4, 0)
    ) {
      return Match.FROM_DST;
    }
    return Match.NONE;
  }

  /** Whether the flow's src address equals `words[srcAt..)` and its dst address `words[dstAt..)`. */
  private sameAddresses(
    i32: Int32Array,
    base: number,
    v6: AddressPool,
    srcAt: number,
    dstAt: number,
  ): boolean {
    const w = this.words;
    if (!this.isV6) return i32[base + I_SRC_ADDR] === w[srcAt] && i32[base + I_DST_ADDR] === w[dstAt];
    const entry = i32[base + I_V6_ENTRY]!;
    const a = v6.words(entry);
    const s = v6SrcAt(entry);
    const d = s + 4;
    return (
      a[s] === w[srcAt] &&
      a[d] === w[dstAt] &&
      a[s + 1] === w[srcAt + 1] &&
      a[s + 2] === w[srcAt + 2] &&
      a[s + 3] === w[srcAt + 3] &&
      a[d + 1] === w[dstAt + 1] &&
      a[d + 2] === w[dstAt + 2] &&
      a[d + 3] === w[dstAt + 3]
    );
  }
}
