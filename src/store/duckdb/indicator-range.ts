import { cidrToRange, parseIpv4 } from '../address-number.js';

/** The numeric range of an address or network value, with its first and last address as text. */
export interface IndicatorRange {
  start: bigint;
  end: bigint;
  startText: string;
  endText: string;
}

const IPV4_MAPPED_BASE = 0xffff_0000_0000n;
const IPV4_MAPPED_BASE_NUMBER = 0xffff_0000_0000;

/**
 * The range an indicator (or allow-list entry) covers: one address for "ipv4"/"ipv6", the network for
 * "cidr"; null for other types and for values that are not addresses. IPv4 values map into
 * ::ffff:0:0/96 as in address-number.ts, so one BETWEEN matches both families.
 */
export function indicatorRange(type: string, value: string): IndicatorRange | null {
  if (type !== 'ipv4' && type !== 'ipv6' && type !== 'cidr') return null;
  const range = cidrToRange(value);
  if (range === null) return null;
  const slash = value.indexOf('/');
  if (slash === -1) return { start: range.first, end: range.last, startText: value, endText: value };
  const isV4 = !value.includes(':');
  return {
    start: range.first,
    end: range.last,
    startText: formatAddressNumber(range.first, isV4),
    endText: formatAddressNumber(range.last, isV4),
  };
}

/**
 * The range number of a bare dotted-quad IPv4 value ("192.0.2.1", no leading zeros) as a plain
 * number (IPv4-mapped, below 2^53 so exact), or -1 for anything else. The same number indicatorRange()
 * gives for it, without BigInt: most indicators of the big feeds are single IPv4 addresses.
 */
export function ipv4RangeNumber(value: string): number {
  const number = parseIpv4(value, 0, value.length);
  return number < 0 ? -1 : IPV4_MAPPED_BASE_NUMBER + number;
}

/** An address number as text: dotted quad for IPv4 (`isV4`), RFC 5952 for IPv6. */
export function formatAddressNumber(number: bigint, isV4: boolean): string {
  if (isV4) {
    const v4 = Number(number - IPV4_MAPPED_BASE);
    return `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`;
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((number >> shift) & 0xffffn));
  // RFC 5952 §4.2: the longest run of two or more zero groups becomes "::", the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
