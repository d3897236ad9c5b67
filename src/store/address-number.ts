/**
 * IP addresses as unsigned 128-bit numbers, the form of the `*_addr_num` columns.
 *
 * IPv4 addresses map into the IPv4-mapped IPv6 block (::ffff:0:0/96), so one UHUGEINT column holds
 * both families without overlap: a CIDR from a threat-intel feed becomes one numeric range, and a
 * rule matches it with `BETWEEN` (which DuckDB can prune with zonemaps) without checking the version.
 * `::ffff:1.2.3.4` and `1.2.3.4` give the same number, as they name the same host.
 */

const IPV4_MAPPED_BASE = 0xffff_0000_0000;
const MAX_128 = (1n << 128n) - 1n;
// What Node's net.isIPv6 accepts after the "%".
const ZONE_ID = /^[0-9a-zA-Z.:-]+$/;

/** The 128-bit number of an IPv4 or IPv6 address in text form; null when the text is not one. */
export function addressToNumber(addr: string): bigint | null {
  const v4 = parseIpv4(addr, 0, addr.length);
  if (v4 >= 0) return BigInt(IPV4_MAPPED_BASE + v4);
  return parseIpv6(addr);
}

/** The first and last number of a CIDR ("10.0.0.0/8", "2001:db8::/32"; a bare address is one host). */
export function cidrToRange(cidr: string): { first: bigint; last: bigint } | null {
  const slash = cidr.indexOf('/');
  const addrText = slash === -1 ? cidr : cidr.slice(0, slash);
  const isV4 = parseIpv4(addrText, 0, addrText.length) >= 0;
  const number = addressToNumber(addrText);
  if (number === null) return null;
  const bits = isV4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = cidr.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > bits) return null;
  }
  const hostBits = BigInt(bits - prefix);
  const hostMask = (1n << hostBits) - 1n;
  const first = number & (MAX_128 ^ hostMask);
  return { first, last: first | hostMask };
}

/** Dotted-quad IPv4 in text[start, end) as a number, or -1. Leading zeros are refused (octal in some tools). */
export function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** RFC 4291 text (with "::", an embedded IPv4 tail and an optional "%zone") as a number, or null. */
function parseIpv6(text: string): bigint | null {
  let end = text.indexOf('%');
  if (end === -1) end = text.length;
  else if (!ZONE_ID.test(text.slice(end + 1))) return null;
  if (end < 2 || end > 45) return null;
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (text.startsWith('::')) {
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let j = i;
    let group = 0;
    while (j < end && j - i < 5) {
      const digit = hexDigit(text.charCodeAt(j));
      if (digit < 0) break;
      group = group * 16 + digit;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      // An IPv4 tail ("::ffff:1.2.3.4") fills the last two groups.
      const v4 = parseIpv4(text, i, end);
      if (v4 < 0 || groups.length > 6) return null;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
      i = end;
      break;
    }
    if (j === i || j - i > 4) return null;
    groups.push(group);
    if (j === end) {
      i = end;
      break;
    }
    if (text.charCodeAt(j) !== 58) return null;
    if (j + 1 < end && text.charCodeAt(j + 1) === 58) {
      if (gap !== -1) return null;
      gap = groups.length;
      i = j + 2;
    } else {
      if (j + 1 === end) return null;
      i = j + 1;
    }
  }
  if (gap === -1 ? groups.length !== 8 : groups.length > 7) return null;
  if (gap !== -1) groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0));
  let value = 0n;
  for (let g = 0; g < 8; g += 2) value = (value << 32n) | BigInt(groups[g]! * 65536 + groups[g + 1]!);
  return value;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
