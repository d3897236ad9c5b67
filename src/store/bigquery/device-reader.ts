import type { Device } from '../../records/index.js';
import { normaliseMac } from '../mac-address.js';
import type { DeviceFilter } from '../store.js';
import { bq } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';
import { BqConditions, limitOf, num, text, textOrNull } from './sql-conditions.js';

/** Devices as DuckDB's reader gives them (duckdb/device-reader.ts): most recently seen first. */
export async function readDevices(connection: BigQueryConnection, filter: DeviceFilter): Promise<Device[]> {
  const c = new BqConditions();
  if (filter.mac !== undefined) c.add(`mac = ${c.param(normaliseMac(filter.mac) ?? filter.mac)}`);
  if (filter.addr !== undefined) {
    c.add(`mac IN (SELECT mac FROM device_addresses WHERE addr = ${c.param(filter.addr)})`);
  }
  if (filter.hostname !== undefined) c.add(`LOWER(hostname) = LOWER(${c.param(filter.hostname)})`);
  if (filter.since !== undefined) c.add(`last_seen_at >= ${c.time(filter.since)}`);
  const found = await connection.query(
    `SELECT mac, vendor, is_randomised_mac, hostname, vendor_class, first_seen_at, last_seen_at
     FROM devices ${c.where()}
     ORDER BY last_seen_at DESC, mac
     LIMIT ${limitOf(filter.limit, 1000)}`,
    c.params,
    { what: 'the read of devices' },
  );
  const devices = new Map<string, Device>();
  for (const row of found.rows) {
    const mac = text(row['mac']);
    devices.set(mac, {
      mac,
      vendor: textOrNull(row['vendor']),
      isRandomisedMac: row['is_randomised_mac'] === true,
      hostname: textOrNull(row['hostname']),
      vendorClass: textOrNull(row['vendor_class']),
      firstSeenAt: num(row['first_seen_at']),
      lastSeenAt: num(row['last_seen_at']),
      addresses: [],
      services: [],
    });
  }
  if (devices.size === 0) return [];
  const macs = { macs: bq.array('STRING', [...devices.keys()]) };
  const addresses = await connection.query(
    `SELECT mac, addr, first_seen_at, last_seen_at FROM device_addresses
     WHERE mac IN UNNEST(@macs) ORDER BY last_seen_at DESC, addr`,
    macs,
    { what: 'the read of device addresses' },
  );
  for (const row of addresses.rows) {
    devices.get(text(row['mac']))?.addresses.push({
      addr: text(row['addr']),
      firstSeenAt: num(row['first_seen_at']),
      lastSeenAt: num(row['last_seen_at']),
    });
  }
  const services = await connection.query(
    `SELECT mac, port, protocol, first_seen_at, last_seen_at FROM device_services
     WHERE mac IN UNNEST(@macs) ORDER BY port, protocol`,
    macs,
    { what: 'the read of device services' },
  );
  for (const row of services.rows) {
    devices.get(text(row['mac']))?.services.push({
      port: num(row['port']),
      protocol: text(row['protocol']),
      firstSeenAt: num(row['first_seen_at']),
      lastSeenAt: num(row['last_seen_at']),
    });
  }
  return [...devices.values()];
}
