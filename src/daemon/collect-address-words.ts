/**
 * Addresses as the collector's stitcher keeps them: big-endian 32-bit words (an IPv4 address in the
 * first, the others 0), and their text exactly as decode/ formats it.
 */
import { formatIpv6 } from '../decode/index.js';

const formatScratch = new Uint8Array(16);

/** The decoder's text of the address in `words[at..)` (formatIpv4's dotted quad, formatIpv6's RFC 5952 form). */
export function formatWords(words: Int32Array, at: number, isV6: boolean): string {
  const first = words[at]!;
  if (!isV6) return `${first >>> 24}.${(first >>> 16) & 0xff}.${(first >>> 8) & 0xff}.${first & 0xff}`;
  for (let i = 0; i < 4; i++) {
    const word = words[at + i]!;
    formatScratch[4 * i] = word >>> 24;
    formatScratch[4 * i + 1] = (word >>> 16) & 0xff;
    formatScratch[4 * i + 2] = (word >>> 8) & 0xff;
    formatScratch[4 * i + 3] = word & 0xff;
  }
  return formatIpv6(formatScratch, 0);
}

/**
 * Parses an address as the decoder writes it (dotted quad, or IPv6 with `::` and an optional
 * trailing dotted quad) into big-endian words; false for anything else.
 */
export function parseAddressWords(text: string, out: Int32Array): boolean {
  if (!text.includes(':')) {
    const parts = text.split('.');
    if (parts.length !== 4) return false;
    let word = 0;
    for (const part of parts) {
      const value = Number(part);
      if (part === '' || !Number.isInteger(value) || value < 0 || value > 255) return false;
      word = (word << 8) | value;
    }
    out[0] = word;
    out[1] = 0;
    out[2] = 0;
    out[3] = 0;
    return true;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string): number[] | null => {
    if (half === '') return [];
    const result: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const quad = new Int32Array(4);
        if (!parseAddressWords(piece, quad)) return null;
        result.push(quad[0]! >>> 16, quad[0]! & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
        result.push(parseInt(piece, 16));
      }
    }
    return result;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return false;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return false;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  for (let i = 0; i < 4; i++) out[i] = (all[2 * i]! << 16) | all[2 * i + 1]!;
  return true;
}
