import { HEX_BYTE } from '../link/format-mac.js';

const DECIMAL_OCTET: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const HEX_NO_PAD: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

/*
 * Each formatter remembers its recent results in a small direct-mapped table (one slot per hash,
 * the full address compared on lookup). A home network repeats a few addresses in nearly every
 * packet; handing back the same flat string skips building and later flattening a rope, and lets
 * V8 reuse the hash it cached on the string when the flow table looks it up. The tables have a
 * fixed size and only change speed, never results. An empty text marks an unused slot.
 */
const V4_SLOTS = 4096;
const v4Keys = new Int32Array(V4_SLOTS);
const v4Texts = new Array<string>(V4_SLOTS).fill('');
const V6_SLOTS = 1024;
const v6Keys = new Int32Array(V6_SLOTS * 4);
const v6Texts = new Array<string>(V6_SLOTS).fill('');

function read32(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

/** Formats the four bytes at `off` as a dotted quad. The caller has checked the bounds. */
export function formatIpv4(b: Uint8Array, off: number): string {
  const key = read32(b, off);
  const slot = Math.imul(key, 0x9e3779b1) >>> 20;
  const cached = v4Texts[slot]!;
  if (v4Keys[slot] === key && cached !== '') return cached;
  const text =
    DECIMAL_OCTET[b[off]!]! +
    '.' +
    DECIMAL_OCTET[b[off + 1]!]! +
    '.' +
    DECIMAL_OCTET[b[off + 2]!]! +
    '.' +
    DECIMAL_OCTET[b[off + 3]!]!;
  v4Keys[slot] = key;
  v4Texts[slot] = text;
  return text;
}

function hexGroup(b: Uint8Array, at: number): string {
  const hi = b[at]!;
  const lo = b[at + 1]!;
  return hi === 0 ? HEX_NO_PAD[lo]! : HEX_NO_PAD[hi]! + HEX_BYTE[lo]!;
}

/**
 * Formats the sixteen bytes at `off` exactly as Node's `net.SocketAddress` (libuv's inet_ntop) does:
 * RFC 5952 text (lowercase, no leading zeros, the first longest run of two or more zero groups
 * written `::`), with the last 32 bits dotted for `::ffff:a.b.c.d` and `::a.b.c.d`. Matching Node
 * means an address from a packet equals the same address read from a socket or parsed by `net`.
 */
export function formatIpv6(b: Uint8Array, off: number): string {
  const k0 = read32(b, off);
  const k1 = read32(b, off + 4);
  const k2 = read32(b, off + 8);
  const k3 = read32(b, off + 12);
  const slot =
    Math.imul(
      k0 ^ Math.imul(k1 ^ Math.imul(k2 ^ Math.imul(k3, 0x9e3779b1), 0x85ebca6b), 0xc2b2ae35),
      0x27d4eb2f,
    ) >>> 22;
  const at = slot * 4;
  const cached = v6Texts[slot]!;
  if (
    v6Keys[at] === k0 &&
    v6Keys[at + 1] === k1 &&
    v6Keys[at + 2] === k2 &&
    v6Keys[at + 3] === k3 &&
    cached !== ''
  ) {
    return cached;
  }
  const text = ipv6Text(b, off);
  v6Keys[at] = k0;
  v6Keys[at + 1] = k1;
  v6Keys[at + 2] = k2;
  v6Keys[at + 3] = k3;
  v6Texts[slot] = text;
  return text;
}

function ipv6Text(b: Uint8Array, off: number): string {
  let bestStart = -1;
  let bestLength = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (b[off + 2 * i] === 0 && b[off + 2 * i + 1] === 0) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLength < 2) {
    bestStart = -1;
    bestLength = 0;
  }

  if (bestStart === 0) {
    if (bestLength === 6) return '::' + formatIpv4(b, off + 12);
    if (bestLength === 5 && b[off + 10] === 0xff && b[off + 11] === 0xff)
      return '::ffff:' + formatIpv4(b, off + 12);
  }

  const afterRun = bestStart + bestLength;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i = afterRun - 1;
    } else {
      if (i > 0 && i !== afterRun) text += ':';
      text += hexGroup(b, off + 2 * i);
    }
  }
  return text;
}
