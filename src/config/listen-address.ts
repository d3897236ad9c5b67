/** A UDP address to listen on, from "ADDR:PORT" text. */
export interface ListenAddress {
  /** The address as given, without brackets: "0.0.0.0", "::", "192.168.1.2", "fd00::1". */
  address: string;
  port: number;
  family: 4 | 6;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Parses "0.0.0.0:2055", "192.168.1.2:4739", "[::]:2055", "[fd00::1]:6343" or ":2055" (every IPv4
 * address). Port 0 asks the system for a free port (tests read the one it chose). Returns null for
 * anything else, including IPv6 without brackets.
 */
export function parseListenAddress(text: string): ListenAddress | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port > 65535) return null;
  if (match[1] !== undefined) {
    const address = match[1].toLowerCase();
    return isIpv6(address) ? { address, port, family: 6 } : null;
  }
  const address = match[2] === '' || match[2] === undefined ? '0.0.0.0' : match[2];
  return IPV4.test(address) ? { address, port, family: 4 } : null;
}

function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  let count = 0;
  for (const [index, group] of groups.entries()) {
    if (index === groups.length - 1 && group.includes('.')) {
      if (!IPV4.test(group)) return false;
      count += 2;
    } else if (/^[0-9a-f]{1,4}$/.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count < 8 : count === 8;
}
