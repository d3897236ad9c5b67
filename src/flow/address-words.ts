/**
 * Addresses inside the flow table: 4 (IPv4) or 16 (IPv6) bytes as big-endian 32-bit words, so a key
 * compares in one or four integer comparisons and turns into text only when a record is written.
 */
import { formatIpv4, formatIpv6 } from '../decode/index.js';

/** Reads the address at `bytes[at]` into `out[outAt..outAt + 4)`; an IPv4 address fills the first word. */
export function readAddressWords(
  bytes: Uint8Array,
  at: number,
  isV6: boolean,
  out: Int32Array,
  outAt: number,
): void {
  out[outAt] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  if (!isV6) {
    out[outAt + 1] = 0;
    out[outAt + 2] = 0;
    out[outAt + 3] = 0;
    return;
  }
  out[outAt + 1] = (bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!;
  out[outAt + 2] = (bytes[at + 8]! << 24) | (bytes[at + 9]! << 16) | (bytes[at + 10]! << 8) | bytes[at + 11]!;
  out[outAt + 3] =
    (bytes[at + 12]! << 24) | (bytes[at + 13]! << 16) | (bytes[at + 14]! << 8) | bytes[at + 15]!;
}

/** Writes the address in `words[at..)` as its 4 or 16 bytes at `out[outAt]`; returns the byte count. */
export function writeAddressBytes(
  words: Int32Array,
  at: number,
  isV6: boolean,
  out: Uint8Array,
  outAt: number,
): number {
  const count = isV6 ? 4 : 1;
  for (let i = 0; i < count; i++) {
    const word = words[at + i]!;
    out[outAt + 4 * i] = word >>> 24;
    out[outAt + 4 * i + 1] = (word >>> 16) & 0xff;
    out[outAt + 4 * i + 2] = (word >>> 8) & 0xff;
    out[outAt + 4 * i + 3] = word & 0xff;
  }
  return count * 4;
}

const scratch = new Uint8Array(16);

/** The text of the address in `words[at..)`, as the decoder writes it. */
export function formatAddressWords(words: Int32Array, at: number, isV6: boolean): string {
  writeAddressBytes(words, at, isV6, scratch, 0);
  return isV6 ? formatIpv6(scratch, 0) : formatIpv4(scratch, 0);
}
