import {
  BOOLEAN,
  INTEGER,
  LIST,
  listValue,
  TIMESTAMPTZ,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from './duckdb-api.js';
import type { DeviceObservation, EpochMicros } from '../../records/index.js';
import { foldDeviceObservations, type DeviceRow, type Seen } from '../device-observations.js';
import { isRandomisedMac } from '../mac-address.js';
import type { OuiVendorLookup } from '../oui-vendor.js';
import { timestampTz } from './duckdb-values.js';

/**
 * Merges a batch of observations into devices, device_addresses and device_services. Runs inside the
 * caller's transaction. Observations are folded per key first: DuckDB refuses to touch one row twice
 * in a single INSERT ... ON CONFLICT, and a batch usually repeats the same few devices.
 * Observations whose MAC does not parse are skipped.
 */
export async function mergeDevices(
  connection: DuckDBConnection,
  observations: readonly DeviceObservation[],
  vendorOf: OuiVendorLookup,
): Promise<void> {
  const { devices, addresses, services } = foldDeviceObservations(observations);
  if (devices.size > 0) await upsertDevices(connection, [...devices.values()], vendorOf);
  if (addresses.size > 0) {
    const rows = [...addresses.values()];
    await upsertSeen(connection, 'device_addresses', '(mac, addr)', {
      mac: [VARCHAR, rows.map((r) => r.mac)],
      addr: [VARCHAR, rows.map((r) => r.addr)],
      ...seenColumns(rows),
    });
  }
  if (services.size > 0) {
    const rows = [...services.values()];
    await upsertSeen(connection, 'device_services', '(mac, port, protocol)', {
      mac: [VARCHAR, rows.map((r) => r.mac)],
      port: [INTEGER, rows.map((r) => r.port)],
      protocol: [VARCHAR, rows.map((r) => r.protocol)],
      ...seenColumns(rows),
    });
  }
}

type Columns = Record<string, [DuckDBType, DuckDBValue[]]>;

function seenColumns(rows: readonly Seen[]): Columns {
  return {
    first_seen_at: [TIMESTAMPTZ, rows.map((r) => timestampTz(r.firstSeenAt))],
    last_seen_at: [TIMESTAMPTZ, rows.map((r) => timestampTz(r.lastSeenAt))],
  };
}

/** `INSERT INTO table SELECT unnest($col) ...`: one statement per batch, each column bound as a list. */
function unnestInsert(
  table: string,
  columns: Columns,
): { sql: string; values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const names = Object.keys(columns);
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of names) {
    const [type, items] = columns[name]!;
    values[name] = listValue(items);
    types[name] = LIST(type);
  }
  const sql = `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.map((n) => `unnest($${n})`).join(', ')}`;
  return { sql, values, types };
}

async function upsertSeen(
  connection: DuckDBConnection,
  table: string,
  key: string,
  columns: Columns,
): Promise<void> {
  const { sql, values, types } = unnestInsert(table, columns);
  await connection.run(
    `${sql} ON CONFLICT ${key} DO UPDATE SET
       first_seen_at = least(${table}.first_seen_at, excluded.first_seen_at),
       last_seen_at = greatest(${table}.last_seen_at, excluded.last_seen_at)`,
    values,
    types,
  );
}

async function upsertDevices(
  connection: DuckDBConnection,
  rows: readonly DeviceRow[],
  vendorOf: OuiVendorLookup,
): Promise<void> {
  const optionalTime = (micros: EpochMicros | null): DuckDBValue =>
    micros === null ? null : timestampTz(micros);
  const { sql, values, types } = unnestInsert('devices', {
    mac: [VARCHAR, rows.map((r) => r.mac)],
    vendor: [VARCHAR, rows.map((r) => vendorOf(r.mac))],
    is_randomised_mac: [BOOLEAN, rows.map((r) => isRandomisedMac(r.mac))],
    hostname: [VARCHAR, rows.map((r) => r.hostname)],
    hostname_seen_at: [TIMESTAMPTZ, rows.map((r) => optionalTime(r.hostnameSeenAt))],
    vendor_class: [VARCHAR, rows.map((r) => r.vendorClass)],
    vendor_class_seen_at: [TIMESTAMPTZ, rows.map((r) => optionalTime(r.vendorClassSeenAt))],
    ...seenColumns(rows),
  });
  // A name replaces the stored one only when it was observed no earlier, so importing an old capture
  // after a newer one does not bring back a device's old hostname.
  await connection.run(
    `${sql} ON CONFLICT (mac) DO UPDATE SET
       vendor = excluded.vendor,
       is_randomised_mac = excluded.is_randomised_mac,
       first_seen_at = least(devices.first_seen_at, excluded.first_seen_at),
       last_seen_at = greatest(devices.last_seen_at, excluded.last_seen_at),
       hostname = CASE WHEN excluded.hostname_seen_at >= coalesce(devices.hostname_seen_at, excluded.hostname_seen_at)
         THEN excluded.hostname ELSE devices.hostname END,
       hostname_seen_at = CASE WHEN excluded.hostname_seen_at >= coalesce(devices.hostname_seen_at, excluded.hostname_seen_at)
         THEN excluded.hostname_seen_at ELSE devices.hostname_seen_at END,
       vendor_class = CASE WHEN excluded.vendor_class_seen_at >= coalesce(devices.vendor_class_seen_at, excluded.vendor_class_seen_at)
         THEN excluded.vendor_class ELSE devices.vendor_class END,
       vendor_class_seen_at = CASE WHEN excluded.vendor_class_seen_at >= coalesce(devices.vendor_class_seen_at, excluded.vendor_class_seen_at)
         THEN excluded.vendor_class_seen_at ELSE devices.vendor_class_seen_at END`,
    values,
    types,
  );
}
