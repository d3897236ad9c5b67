/**
 * Addresses that are not on the public internet (IANA's special-purpose registries, RFC 6890 and its
 * updates): nothing to look up for them, and nothing a router should be asked to block.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'reserved';

export interface ParsedAddress {
  version: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
  /** Canonical text: IPv4 dotted quad, IPv6 as Node prints it; IPv4-mapped IPv6 becomes IPv4. */
  text: string;
}

/** A parsed network: every address whose top `prefixLength` bits equal those of `value`. */
export interface ParsedNetwork {
  version: 4 | 6;
  value: bigint;
  prefixLength: number;
  text: string;
}

const SPECIAL: readonly [string, AddressKind][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

let specialNetworks: [ParsedNetwork, AddressKind][] | undefined;

/** Parses an IPv4 or IPv6 address (an IPv6 zone is dropped); null when the text is not one. */
export function parseAddress(text: string): ParsedAddress | null {
  const bare = text.trim().replace(/%.*$/, '');
  if (isIPv4(bare)) {
    const value = bare.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { version: 4, value, text: bare };
  }
  if (!isIPv6(bare)) return null;
  const value = ipv6Value(bare);
  if (value >> 32n === 0xffffn) {
    const v4 = Number(value & 0xffffffffn);
    const dotted = [24, 16, 8, 0].map((shift) => (v4 >>> shift) & 0xff).join('.');
    return { version: 4, value: value & 0xffffffffn, text: dotted };
  }
  return { version: 6, value, text: ipv6Text(value) };
}

/** Parses "ADDR/LEN" or a bare address (a single host); null when it is neither. */
export function parseNetwork(text: string): ParsedNetwork | null {
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (address === null) return null;
  const max = address.version === 4 ? 32 : 128;
  const lengthText = slash === -1 ? String(max) : text.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > max) return null;
  const prefixLength = Number(lengthText);
  const shift = BigInt(max - prefixLength);
  return {
    version: address.version,
    value: (address.value >> shift) << shift,
    prefixLength,
    text: text.trim(),
  };
}

export function networkContains(network: ParsedNetwork, address: ParsedAddress): boolean {
  if (network.version !== address.version) return false;
  const shift = BigInt((network.version === 4 ? 32 : 128) - network.prefixLength);
  return address.value >> shift === network.value >> shift;
}

/** What kind of address this is; `public` for everything outside the special-purpose ranges. */
export function addressKind(address: ParsedAddress): AddressKind {
  specialNetworks ??= SPECIAL.map(([cidr, kind]) => [parseNetwork(cidr)!, kind]);
  for (const [network, kind] of specialNetworks) {
    if (networkContains(network, address)) return kind;
  }
  return 'public';
}

function ipv6Value(text: string): bigint {
  // A trailing dotted quad ("::ffff:192.0.2.1") is two 16-bit words written another way.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let hex = text;
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    hex = text.slice(0, lastColon + 1) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const words = (part: string): number[] => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const gap = hex.indexOf('::');
  const left = words(gap === -1 ? hex : hex.slice(0, gap));
  const right = gap === -1 ? [] : words(hex.slice(gap + 2));
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.reduce((acc, word) => (acc << 16n) | BigInt(word), 0n);
}

function ipv6Text(value: bigint): string {
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (of two or more) of zero words becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((word) => word.toString(16));
  if (bestStart === -1) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}
