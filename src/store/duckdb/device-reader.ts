import { LIST, listValue, VARCHAR, type DuckDBConnection } from './duckdb-api.js';
import type { Device } from '../../records/index.js';
import { normaliseMac } from '../mac-address.js';
import type { DeviceFilter } from '../store.js';
import { toNumber, toStringOrNull, toText } from './duckdb-values.js';
import { limitOf, SqlConditions } from './sql-conditions.js';

const DEFAULT_LIMIT = 1000;

export async function readDevices(connection: DuckDBConnection, filter: DeviceFilter): Promise<Device[]> {
  const c = new SqlConditions();
  if (filter.mac !== undefined) c.add(`mac = ${c.param(normaliseMac(filter.mac) ?? filter.mac)}`);
  if (filter.addr !== undefined) {
    c.add(`mac IN (SELECT mac FROM device_addresses WHERE addr = ${c.param(filter.addr)})`);
  }
  if (filter.hostname !== undefined) c.add(`lower(hostname) = lower(${c.param(filter.hostname)})`);
  if (filter.since !== undefined) c.add(`last_seen_at >= ${c.time(filter.since)}`);
  const reader = await connection.runAndReadAll(
    `SELECT mac, vendor, is_randomised_mac, hostname, vendor_class,
       epoch_us(first_seen_at) AS first_seen_at, epoch_us(last_seen_at) AS last_seen_at
     FROM devices ${c.where()}
     ORDER BY last_seen_at DESC, mac
     LIMIT ${limitOf(filter.limit, DEFAULT_LIMIT)}`,
    c.values,
    c.types,
  );
  const devices = new Map<string, Device>();
  for (const row of reader.getRowObjects()) {
    const mac = toText(row.mac);
    devices.set(mac, {
      mac,
      vendor: toStringOrNull(row.vendor),
      isRandomisedMac: row.is_randomised_mac === true,
      hostname: toStringOrNull(row.hostname),
      vendorClass: toStringOrNull(row.vendor_class),
      firstSeenAt: toNumber(row.first_seen_at),
      lastSeenAt: toNumber(row.last_seen_at),
      addresses: [],
      services: [],
    });
  }
  if (devices.size === 0) return [];
  const macs = { macs: listValue([...devices.keys()]) };
  const macTypes = { macs: LIST(VARCHAR) };
  const addresses = await connection.runAndReadAll(
    `SELECT mac, addr, epoch_us(first_seen_at) AS first_seen_at, epoch_us(last_seen_at) AS last_seen_at
     FROM device_addresses WHERE list_contains($macs, mac) ORDER BY last_seen_at DESC, addr`,
    macs,
    macTypes,
  );
  for (const row of addresses.getRowObjects()) {
    devices.get(toText(row.mac))?.addresses.push({
      addr: toText(row.addr),
      firstSeenAt: toNumber(row.first_seen_at),
      lastSeenAt: toNumber(row.last_seen_at),
    });
  }
  const services = await connection.runAndReadAll(
    `SELECT mac, port, protocol, epoch_us(first_seen_at) AS first_seen_at, epoch_us(last_seen_at) AS last_seen_at
     FROM device_services WHERE list_contains($macs, mac) ORDER BY port, protocol`,
    macs,
    macTypes,
  );
  for (const row of services.getRowObjects()) {
    devices.get(toText(row.mac))?.services.push({
      port: toNumber(row.port),
      protocol: toText(row.protocol),
      firstSeenAt: toNumber(row.first_seen_at),
      lastSeenAt: toNumber(row.last_seen_at),
    });
  }
  return [...devices.values()];
}
