import type { FlowDirection } from '../records/index.js';
import { YamoriError } from '../errors/index.js';
import { parseCidr } from '../config/index.js';
import { ipv4ToNumber, ipv6Bytes } from './address-bytes.js';

export interface HomeNetworkMatcher {
  /** True when the address lies in one of the home networks. */
  isHome(addr: string): boolean;
  /**
   * `isHome` for an address as big-endian words (address-words.ts): IPv4 in `words[at]`, IPv6 in
   * `words[at..at + 4)`. The flow table asks this once per new flow, without making text.
   */
  isHomeWords(words: Int32Array, at: number, isV6: boolean): boolean;
  /** Direction of a flow from its initiator and responder addresses (see `flowDirection`). */
  direction(srcAddr: string, dstAddr: string): FlowDirection;
}

/**
 * Direction from where each end is. A multicast or broadcast responder counts as home when the
 * initiator is home: a device announcing itself on the LAN (mDNS, SSDP, DHCP discover) is internal
 * traffic, not traffic leaving the network. From outside, such a destination counts as not home.
 */
export function flowDirection(isSrcHome: boolean, isDstHome: boolean, isDstGroup: boolean): FlowDirection {
  if (isSrcHome) return isDstHome || isDstGroup ? 'internal' : 'outbound';
  return isDstHome ? 'inbound' : 'external';
}

interface V6Prefix {
  bytes: Uint8Array;
  prefixLength: number;
  /** The prefix as four big-endian words and the mask of each word. */
  words: Int32Array;
  masks: Int32Array;
}

/**
 * Precomputes the home CIDRs: IPv4 as (network, mask) integer pairs, IPv6 as prefix bytes.
 * Throws FLOW_HOME_NETWORK_INVALID for an entry that is not a CIDR (config/ normally caught it first).
 */
export function createHomeNetworkMatcher(cidrs: readonly string[]): HomeNetworkMatcher {
  const v4Networks: number[] = [];
  const v4Masks: number[] = [];
  const v6Prefixes: V6Prefix[] = [];
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (cidr?.version === 4) {
      const mask = cidr.prefixLength === 0 ? 0 : (0xffffffff << (32 - cidr.prefixLength)) >>> 0;
      v4Masks.push(mask);
      v4Networks.push((ipv4ToNumber(cidr.address) & mask) >>> 0);
      continue;
    }
    const bytes = cidr === null ? null : ipv6Bytes(cidr.address);
    if (cidr === null || bytes === null) throw new YamoriError('FLOW_HOME_NETWORK_INVALID', { value: text });
    v6Prefixes.push(v6Prefix(bytes, cidr.prefixLength));
  }

  function isHome(addr: string): boolean {
    if (addr.includes(':')) {
      const bytes = ipv6Bytes(addr);
      if (bytes === null) return false;
      for (const prefix of v6Prefixes) {
        if (matchesPrefix(bytes, prefix)) return true;
      }
      return false;
    }
    const value = ipv4ToNumber(addr);
    if (value === -1) return false;
    for (let i = 0; i < v4Networks.length; i++) {
      if ((value & (v4Masks[i] ?? 0)) >>> 0 === v4Networks[i]) return true;
    }
    return false;
  }

  function isHomeWords(words: Int32Array, at: number, isV6: boolean): boolean {
    if (isV6) {
      for (const prefix of v6Prefixes) {
        let matches = true;
        for (let i = 0; i < 4 && matches; i++) {
          const mask = prefix.masks[i]!;
          matches = (words[at + i]! & mask) === (prefix.words[i]! & mask);
        }
        if (matches) return true;
      }
      return false;
    }
    const value = words[at]! >>> 0;
    for (let i = 0; i < v4Networks.length; i++) {
      if ((value & (v4Masks[i] ?? 0)) >>> 0 === v4Networks[i]) return true;
    }
    return false;
  }

  function direction(srcAddr: string, dstAddr: string): FlowDirection {
    return flowDirection(isHome(srcAddr), isHome(dstAddr), isMulticastOrBroadcast(dstAddr));
  }

  return { isHome, isHomeWords, direction };
}

function v6Prefix(bytes: Uint8Array, prefixLength: number): V6Prefix {
  const words = new Int32Array(4);
  const masks = new Int32Array(4);
  for (let i = 0; i < 4; i++) {
    words[i] =
      (bytes[4 * i]! << 24) | (bytes[4 * i + 1]! << 16) | (bytes[4 * i + 2]! << 8) | bytes[4 * i + 3]!;
    const bits = Math.max(0, Math.min(32, prefixLength - 32 * i));
    masks[i] = bits === 0 ? 0 : bits === 32 ? -1 : -1 << (32 - bits);
  }
  return { bytes, prefixLength, words, masks };
}

/** `isMulticastOrBroadcast` for an address as big-endian words (see `isHomeWords`). */
export function isMulticastOrBroadcastWords(words: Int32Array, at: number, isV6: boolean): boolean {
  const first = words[at]!;
  if (isV6) return first >>> 24 === 0xff;
  if (first === -1) return true;
  const top = first >>> 24;
  return top >= 224 && top <= 239;
}

/** IPv4 224.0.0.0/4 or 255.255.255.255, IPv6 ff00::/8. */
export function isMulticastOrBroadcast(addr: string): boolean {
  if (addr.includes(':')) return /^ff[0-9a-f]{2}:/i.test(addr);
  if (addr === '255.255.255.255') return true;
  const first = ipv4ToNumber(addr) >>> 24;
  return first >= 224 && first <= 239;
}

function matchesPrefix(bytes: Uint8Array, prefix: V6Prefix): boolean {
  const full = prefix.prefixLength >>> 3;
  for (let i = 0; i < full; i++) {
    if (bytes[i] !== prefix.bytes[i]) return false;
  }
  const rest = prefix.prefixLength & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[full] ?? 0) & mask) === ((prefix.bytes[full] ?? 0) & mask);
}
