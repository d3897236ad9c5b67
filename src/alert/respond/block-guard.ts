import { YamoriError } from '../../errors/index.js';
import {
  addressKind,
  networkContains,
  parseAddress,
  parseNetwork,
  type ParsedAddress,
  type ParsedNetwork,
} from '../enrich/special-addresses.js';

export interface ProtectedEntry {
  /** An address or network; other values (domains, URLs) are ignored here. */
  value: string;
  reason: string;
}

export interface BlockGuardOptions {
  homeNetworks: readonly string[];
  /** Resolvers the home network uses (the config's, and this machine's own). */
  resolvers: readonly string[];
  /** Allow-listed addresses and networks, with why. */
  allowlist: readonly ProtectedEntry[];
}

/**
 * Decides whether an address may be blocked: one public address that is not on the home network,
 * not a resolver the network depends on and not allow-listed. Documentation ranges (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) may be blocked: Yamori's sample data and tests use
 * them as the internet, and no real host has them.
 */
export function createBlockGuard(options: BlockGuardOptions): (addr: string) => ParsedAddress {
  const networks = (entries: readonly ProtectedEntry[]): [ParsedNetwork, string][] =>
    entries.flatMap((entry) => {
      const network = parseNetwork(entry.value);
      return network === null ? [] : [[network, entry.reason] as [ParsedNetwork, string]];
    });
  const protectedNetworks = [
    ...networks(
      options.homeNetworks.map((cidr) => ({ value: cidr, reason: `it is on the home network ${cidr}` })),
    ),
    ...networks(
      options.resolvers.map((server) => ({
        value: stripPort(server),
        reason: 'it is a DNS resolver the home network uses',
      })),
    ),
    ...networks(options.allowlist),
  ];
  return (addr) => {
    const address = parseAddress(addr);
    if (address === null || addr.includes('/')) throw new YamoriError('BLOCK_BAD_ADDRESS', { value: addr });
    for (const [network, reason] of protectedNetworks) {
      if (networkContains(network, address)) {
        throw new YamoriError('BLOCK_REFUSED', { addr: address.text, reason });
      }
    }
    const kind = addressKind(address);
    if (kind !== 'public' && kind !== 'documentation') {
      const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
      throw new YamoriError('BLOCK_REFUSED', {
        addr: address.text,
        reason: `it is ${article} ${kind} address`,
      });
    }
    return address;
  };
}

/** "192.0.2.53:5353" and "[2001:db8::53]:53" to the bare address; a bare address as it is. */
function stripPort(server: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(server);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(server);
  return v4WithPort ? v4WithPort[1]! : server;
}
