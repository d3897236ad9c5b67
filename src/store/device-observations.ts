import type { DeviceObservation, EpochMicros } from '../records/index.js';
import { normaliseMac } from './mac-address.js';

/** When a device, address or service was first and last seen. */
export interface Seen {
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
}

/** One device as a batch of observations describes it. */
export interface DeviceRow extends Seen {
  mac: string;
  hostname: string | null;
  hostnameSeenAt: EpochMicros | null;
  vendorClass: string | null;
  vendorClassSeenAt: EpochMicros | null;
}

/**
 * Folds a batch of observations per device, address and service, as every store merges them: first
 * seen is the earliest, last seen the latest, hostname and vendor class the most recently observed
 * non-null. Observations whose MAC does not parse are skipped.
 */
export function foldDeviceObservations(observations: readonly DeviceObservation[]): {
  devices: Map<string, DeviceRow>;
  addresses: Map<string, Seen & { mac: string; addr: string }>;
  services: Map<string, Seen & { mac: string; port: number; protocol: string }>;
} {
  const devices = new Map<string, DeviceRow>();
  const addresses = new Map<string, Seen & { mac: string; addr: string }>();
  const services = new Map<string, Seen & { mac: string; port: number; protocol: string }>();
  for (const o of observations) {
    const mac = normaliseMac(o.mac);
    if (mac === null) continue;
    const device = devices.get(mac);
    if (device === undefined) {
      devices.set(mac, {
        mac,
        firstSeenAt: o.seenAt,
        lastSeenAt: o.seenAt,
        hostname: o.hostname,
        hostnameSeenAt: o.hostname === null ? null : o.seenAt,
        vendorClass: o.vendorClass,
        vendorClassSeenAt: o.vendorClass === null ? null : o.seenAt,
      });
    } else {
      widen(device, o.seenAt);
      if (o.hostname !== null && (device.hostnameSeenAt === null || o.seenAt >= device.hostnameSeenAt)) {
        device.hostname = o.hostname;
        device.hostnameSeenAt = o.seenAt;
      }
      if (
        o.vendorClass !== null &&
        (device.vendorClassSeenAt === null || o.seenAt >= device.vendorClassSeenAt)
      ) {
        device.vendorClass = o.vendorClass;
        device.vendorClassSeenAt = o.seenAt;
      }
    }
    if (o.addr !== null) {
      const key = `${mac} ${o.addr}`;
      const seen = addresses.get(key);
      if (seen === undefined)
        addresses.set(key, { mac, addr: o.addr, firstSeenAt: o.seenAt, lastSeenAt: o.seenAt });
      else widen(seen, o.seenAt);
    }
    if (o.service !== null) {
      const protocol = o.service.protocol.toLowerCase();
      const key = `${mac} ${o.service.port} ${protocol}`;
      const seen = services.get(key);
      if (seen === undefined) {
        services.set(key, {
          mac,
          port: o.service.port,
          protocol,
          firstSeenAt: o.seenAt,
          lastSeenAt: o.seenAt,
        });
      } else {
        widen(seen, o.seenAt);
      }
    }
  }
  return { devices, addresses, services };
}

function widen(row: Seen, seenAt: EpochMicros): void {
  if (seenAt < row.firstSeenAt) row.firstSeenAt = seenAt;
  if (seenAt > row.lastSeenAt) row.lastSeenAt = seenAt;
}
