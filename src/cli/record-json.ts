import type { Device, DnsRecord, StoredFlow } from '../records/index.js';

const iso = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString();

/** The JSON shape of a flat record: the snake_case names of its table, times in ISO 8601 UTC. */
export function recordToJson(record: StoredFlow | DnsRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
    out[name] = key.endsWith('At') && typeof value === 'number' ? iso(value) : value;
  }
  return out;
}

export function deviceToJson(device: Device): Record<string, unknown> {
  return {
    mac: device.mac,
    vendor: device.vendor,
    is_randomised_mac: device.isRandomisedMac,
    hostname: device.hostname,
    vendor_class: device.vendorClass,
    first_seen_at: iso(device.firstSeenAt),
    last_seen_at: iso(device.lastSeenAt),
    addresses: device.addresses.map((a) => ({
      addr: a.addr,
      first_seen_at: iso(a.firstSeenAt),
      last_seen_at: iso(a.lastSeenAt),
    })),
    services: device.services.map((s) => ({
      port: s.port,
      protocol: s.protocol,
      first_seen_at: iso(s.firstSeenAt),
      last_seen_at: iso(s.lastSeenAt),
    })),
  };
}
