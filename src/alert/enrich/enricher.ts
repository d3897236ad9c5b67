import type { EnrichConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { Device } from '../../records/index.js';
import type { DeviceNotice, RemoteNotice } from '../notify/notification.js';
import { createLruCache } from './lru-cache.js';
import { openGeoData, type GeoData, type GeoFacts } from './geo-data.js';
import { createReverseDns, type ReverseDns } from './reverse-dns.js';
import {
  addressKind,
  networkContains,
  parseAddress,
  parseNetwork,
  type AddressKind,
  type ParsedNetwork,
} from './special-addresses.js';

/** What enrichment says about a remote address; every field is null where it could not be known. */
export interface RemoteFacts extends GeoFacts {
  /** Reverse DNS name; null unless `alert.enrich.reverse_dns` is on and the address has one. */
  ptr: string | null;
}

export interface DeviceRef {
  mac: string | null;
  addr: string | null;
  /** The name the alert already carries (the rule's, or the store's at alert time). */
  name?: string | null;
}

export interface Enricher {
  /** ASN, AS organisation, country and PTR of an address. Never throws: what fails stays null. */
  enrich(addr: string): Promise<RemoteFacts>;
  /** The remote side of an alert as notifiers show it. */
  describeRemote(addr: string, names?: readonly string[]): Promise<RemoteNotice>;
  /** The home device of an alert as notifiers show it: name, vendor and addresses from the store. */
  describeDevice(ref: DeviceRef): Promise<DeviceNotice | null>;
  /** Cancels reverse lookups in flight. */
  close(): void;
}

export interface EnricherDeps {
  /** Reads devices (the store's listDevices); without it devices are described from the ref alone. */
  listDevices?: (filter: { mac?: string; addr?: string; limit?: number }) => Promise<Device[]>;
  /** MAC to IEEE vendor, for devices the store does not know (the store's OUI lookup). */
  vendorOf?: (mac: string) => string | null;
  /** Opens the ASN and country data; the packages Yamori ships by default. */
  openGeoData?: () => Promise<GeoData>;
  reverseDns?: ReverseDns;
  log?: Logger;
  now?: () => number;
}

const NOTHING: RemoteFacts = { asn: null, asOrg: null, country: null, ptr: null };

/**
 * Enrichment for notifications. Creating it does no I/O; the open data (about 50 MB in memory) loads on
 * the first public address. Private, reserved and home addresses are never looked up.
 */
export function createEnricher(config: EnrichConfig, deps: EnricherDeps = {}): Enricher {
  const cache = createLruCache<string, Promise<RemoteFacts>>({
    maxEntries: config.cacheSize,
    ttlMs: config.cacheTtlS * 1000,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const homeNetworks = config.homeNetworks
    .map((cidr) => parseNetwork(cidr))
    .filter((network): network is ParsedNetwork => network !== null);
  const reverseDns = config.reverseDns
    ? (deps.reverseDns ??
      createReverseDns({ servers: config.dnsServers, timeoutMs: config.reverseDnsTimeoutMs }))
    : null;
  let geoData: Promise<GeoData | null> | undefined;

  const loadGeoData = (): Promise<GeoData | null> => {
    geoData ??= (deps.openGeoData ?? (() => openGeoData()))().catch((error: unknown) => {
      deps.log?.warn('enrichment data unavailable, ASN and country stay empty', {
        detail: error instanceof Error ? error.message : String(error),
      });
      return null;
    });
    return geoData;
  };

  const lookUp = async (addr: string): Promise<RemoteFacts> => {
    const address = parseAddress(addr);
    if (address === null || kindOf(address, homeNetworks) !== 'public') return NOTHING;
    const [geo, ptr] = await Promise.all([
      config.geoip ? loadGeoData().then((data) => data?.lookup(address) ?? null) : null,
      reverseDns ? reverseDns.lookup(address.text) : null,
    ]);
    return { asn: geo?.asn ?? null, asOrg: geo?.asOrg ?? null, country: geo?.country ?? null, ptr };
  };

  const enrich = (addr: string): Promise<RemoteFacts> => {
    const key = addr.trim().toLowerCase();
    const cached = cache.get(key);
    if (cached) return cached;
    const pending = lookUp(key);
    cache.set(key, pending);
    return pending;
  };

  return {
    enrich,
    async describeRemote(addr, names = []) {
      const facts = await enrich(addr);
      return { addr, names: [...names], ...facts };
    },
    async describeDevice(ref) {
      const mac = ref.mac?.toLowerCase() ?? null;
      if (mac === null && ref.addr === null) return null;
      const filter = mac !== null ? { mac, limit: 1 } : { addr: ref.addr!, limit: 1 };
      const device = (await deps.listDevices?.(filter))?.[0];
      if (device) {
        const addresses = device.addresses.map((a) => a.addr);
        if (ref.addr !== null && !addresses.includes(ref.addr)) addresses.unshift(ref.addr);
        return {
          mac: device.mac,
          name: device.hostname ?? ref.name ?? device.vendor ?? device.mac,
          vendor: device.vendor,
          addresses,
        };
      }
      const vendor = mac !== null ? (deps.vendorOf?.(mac) ?? null) : null;
      return {
        mac,
        name: ref.name ?? vendor ?? mac ?? ref.addr!,
        vendor,
        addresses: ref.addr !== null ? [ref.addr] : [],
      };
    },
    close() {
      reverseDns?.cancel();
    },
  };
}

function kindOf(
  address: ReturnType<typeof parseAddress> & object,
  home: ParsedNetwork[],
): AddressKind | 'home' {
  if (home.some((network) => networkContains(network, address))) return 'home';
  return addressKind(address);
}
