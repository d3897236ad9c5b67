/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): a hash of the flow tuple that
 * Zeek, Suricata and others compute identically, so one conversation can be found across tools.
 */
import { hash } from 'node:crypto';
import { writeAddress } from './address-bytes.js';
import { writeAddressBytes } from './address-words.js';

export interface CommunityIdTuple {
  ipProto: number;
  srcAddr: string;
  dstAddr: string;
  /** For ICMP/ICMPv6: the message type. */
  srcPort: number;
  /** For ICMP/ICMPv6: the message code. */
  dstPort: number;
}

export interface CommunityIdOptions {
  /** 16-bit seed; 0 by default. */
  seed?: number;
  /** Base64 digest (the default) or hex. */
  base64?: boolean;
}

const ICMP = 1;
const ICMP6 = 58;

// Request/reply pairs that make a two-way ICMP conversation (spec, "ICMP" section). Every other
// type is one-way: its code takes the destination port's place and the tuple is never reordered.
const ICMP4_COUNTERPART = new Map<number, number>([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [10, 9],
  [9, 10],
  [17, 18],
  [18, 17],
]);
const ICMP6_COUNTERPART = new Map<number, number>([
  [128, 129],
  [129, 128],
  [133, 134],
  [134, 133],
  [135, 136],
  [136, 135],
  [130, 131],
  [131, 130],
  [139, 140],
  [140, 139],
  [144, 145],
  [145, 144],
]);

/** The counterpart type of an ICMP (proto 1) or ICMPv6 (58) type, or -1 when the type is one-way. */
export function icmpCounterpart(ipProto: number, type: number): number {
  const table = ipProto === ICMP6 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART;
  return table.get(type) ?? -1;
}

function hasPorts(ipProto: number): boolean {
  return ipProto === 6 || ipProto === 17 || ipProto === 132 || ipProto === ICMP || ipProto === ICMP6;
}

/**
 * Community ID v1 of one packet's or one flow's tuple, e.g. `1:wCb3OG7yAFWelaUydu0D+125CLM=`.
 * Both directions of a conversation give the same ID. Returns '' when an address is not an IP
 * address (the decoder never produces one).
 */
export function communityId(tuple: CommunityIdTuple, options: CommunityIdOptions = {}): string {
  let dstPort = tuple.dstPort;
  let isOneWay = false;
  if (tuple.ipProto === ICMP || tuple.ipProto === ICMP6) {
    const counterpart = icmpCounterpart(tuple.ipProto, tuple.srcPort);
    if (counterpart === -1) {
      isOneWay = true;
    } else {
      dstPort = counterpart;
    }
  }
  return hashTuple(tuple.ipProto, tuple.srcAddr, tuple.dstAddr, tuple.srcPort, dstPort, isOneWay, options);
}

/**
 * The hash itself, for callers that already mapped ICMP types to ports (the flow table does, once per
 * flow). `isOneWay` keeps the given order instead of putting the smaller endpoint first.
 */
export function hashTuple(
  ipProto: number,
  srcAddr: string,
  dstAddr: string,
  srcPort: number,
  dstPort: number,
  isOneWay: boolean,
  options: CommunityIdOptions = {},
): string {
  const length = writeAddress(srcAddr, scratch, 2);
  if (length === -1 || writeAddress(dstAddr, scratch, 2 + length) !== length) return '';
  return hashPreparedTuple(ipProto, length, srcPort, dstPort, isOneWay, options);
}

/**
 * The flow table's form: addresses as big-endian words (see address-words.ts), so no text is parsed.
 * Same result as `hashTuple` on the addresses' text.
 */
export function hashTupleWords(
  ipProto: number,
  words: Int32Array,
  srcAt: number,
  dstAt: number,
  isV6: boolean,
  srcPort: number,
  dstPort: number,
  isOneWay: boolean,
): string {
  const length = writeAddressBytes(words, srcAt, isV6, scratch, 2);
  writeAddressBytes(words, dstAt, isV6, scratch, 2 + length);
  return hashPreparedTuple(ipProto, length, srcPort, dstPort, isOneWay, {});
}

/** Hashes the tuple whose addresses (`length` bytes each) are in `scratch` at 2 and 2 + length. */
function hashPreparedTuple(
  ipProto: number,
  length: number,
  srcPort: number,
  dstPort: number,
  isOneWay: boolean,
  options: CommunityIdOptions,
): string {
  const input = scratch;
  const order = compare(input, 2, 2 + length, length);
  if (!isOneWay && (order > 0 || (order === 0 && srcPort > dstPort))) {
    for (let i = 0; i < length; i++) {
      const a = input[2 + i]!;
      input[2 + i] = input[2 + length + i]!;
      input[2 + length + i] = a;
    }
    [srcPort, dstPort] = [dstPort, srcPort];
  }
  const seed = (options.seed ?? 0) & 0xffff;
  input[0] = seed >>> 8;
  input[1] = seed & 0xff;
  let at = 2 + length * 2;
  input[at++] = ipProto & 0xff;
  input[at++] = 0;
  if (hasPorts(ipProto)) {
    input[at++] = (srcPort >>> 8) & 0xff;
    input[at++] = srcPort & 0xff;
    input[at++] = (dstPort >>> 8) & 0xff;
    input[at++] = dstPort & 0xff;
  }
  return `1:${hash('sha1', input.subarray(0, at), options.base64 === false ? 'hex' : 'base64')}`;
}

// One flow's hash input at a time: reused so that each emitted flow does not allocate a buffer.
const scratch = Buffer.alloc(2 + 16 * 2 + 2 + 4);

function compare(bytes: Uint8Array, a: number, b: number, length: number): number {
  for (let i = 0; i < length; i++) {
    const diff = (bytes[a + i] ?? 0) - (bytes[b + i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
