import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  version: 4 | 6;
  address: string;
  prefixLength: number;
}

/** Parses "a.b.c.d/n" or "x::/n" (a bare address means a single host); null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIPv4(address) ? 4 : isIPv6(address) ? 6 : null;
  if (version === null) return null;
  const max = version === 4 ? 32 : 128;
  if (slash === -1) return { version, address, prefixLength: max };
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return null;
  const prefixLength = Number(lengthText);
  return prefixLength <= max ? { version, address, prefixLength } : null;
}
