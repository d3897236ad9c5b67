/** Two lowercase hex digits for every byte value: indexing beats toString(16) + padStart per byte. */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);

// See `formatIpv4` for why recent results are remembered.
const CACHE_SLOTS = 1024;
const cacheKeys = new Int32Array(CACHE_SLOTS * 2);
const cacheTexts = new Array<string>(CACHE_SLOTS).fill('');

/** Formats the six bytes at `off` as 'aa:bb:cc:dd:ee:ff'. The caller has checked the bounds. */
export function formatMac(b: Uint8Array, off: number): string {
  const high = (b[off]! << 8) | b[off + 1]!;
  const low = (b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!;
  const slot = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 22;
  const cached = cacheTexts[slot]!;
  if (cacheKeys[slot * 2] === high && cacheKeys[slot * 2 + 1] === low && cached !== '') return cached;
  const text =
    HEX_BYTE[b[off]!]! +
    ':' +
    HEX_BYTE[b[off + 1]!]! +
    ':' +
    HEX_BYTE[b[off + 2]!]! +
    ':' +
    HEX_BYTE[b[off + 3]!]! +
    ':' +
    HEX_BYTE[b[off + 4]!]! +
    ':' +
    HEX_BYTE[b[off + 5]!]!;
  cacheKeys[slot * 2] = high;
  cacheKeys[slot * 2 + 1] = low;
  cacheTexts[slot] = text;
  return text;
}
