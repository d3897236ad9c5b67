import { promises as dns } from 'node:dns';
import { YamoriError } from '../../errors/index.js';

export interface ReverseDnsOptions {
  /** Resolvers to ask ("192.0.2.53", "[2001:db8::53]:5353"); empty means the system's (/etc/resolv.conf). */
  servers: readonly string[];
  /** A lookup with no answer by then counts as no name. */
  timeoutMs: number;
}

export interface ReverseDns {
  /** The first PTR name of the address, without the final dot; null when there is none or no answer came. */
  lookup(addr: string): Promise<string | null>;
  /** Stops lookups in flight (they resolve to null). */
  cancel(): void;
}

/** PTR lookups through node:dns (c-ares), one try each, with the configured servers and timeout. */
export function createReverseDns(options: ReverseDnsOptions): ReverseDns {
  const resolver = new dns.Resolver({ timeout: options.timeoutMs, tries: 1 });
  if (options.servers.length > 0) {
    try {
      resolver.setServers([...options.servers]);
    } catch (cause) {
      throw new YamoriError('ENRICH_DNS_SERVER_INVALID', { servers: options.servers.join(', ') }, { cause });
    }
  }
  return {
    async lookup(addr) {
      try {
        const names = await resolver.reverse(addr);
        const first = names.find((name) => name !== '');
        return first === undefined ? null : first.replace(/\.$/, '').toLowerCase();
      } catch {
        // NXDOMAIN, no PTR, timeout, refused: all mean "no name we can show".
        return null;
      }
    },
    cancel() {
      resolver.cancel();
    },
  };
}
