import { randomUUID } from 'node:crypto';
import type { DeviceObservation } from '../../records/index.js';
import { foldDeviceObservations, type DeviceRow, type Seen } from '../device-observations.js';
import { isRandomisedMac } from '../mac-address.js';
import type { OuiVendorLookup } from '../oui-vendor.js';
import { bq, type BqParamValue } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';

/** Devices per transaction: each row is about ten parameters, and a query takes a bounded number. */
const CHUNK = 200;

/**
 * Merges observations into devices, device_addresses and device_services with DuckDB's rules
 * (duckdb/merge-devices.ts): first seen is the earliest, last seen the latest, a hostname or vendor
 * class replaces the stored one only when observed no earlier. Observations are folded per key in
 * memory, then each chunk is merged in ONE transaction: the incoming rows go into temporary tables,
 * are joined with the stored ones, and replace them (DELETE + INSERT: the emulator cannot run MERGE).
 * On BigQuery a concurrent merge of the same device by another sensor makes one transaction fail
 * rather than lose an update. Observations whose MAC does not parse are skipped.
 */
export async function mergeDevices(
  connection: BigQueryConnection,
  observations: readonly DeviceObservation[],
  vendorOf: OuiVendorLookup,
): Promise<void> {
  const { devices, addresses, services } = foldDeviceObservations(observations);
  const deviceRows = [...devices.values()];
  for (let i = 0; i < deviceRows.length; i += CHUNK) {
    const chunk = deviceRows.slice(i, i + CHUNK);
    const macs = new Set(chunk.map((d) => d.mac));
    await mergeChunk(
      connection,
      chunk,
      [...addresses.values()].filter((a) => macs.has(a.mac)),
      [...services.values()].filter((s) => macs.has(s.mac)),
      vendorOf,
    );
  }
}

/** Builds `SELECT … FROM UNNEST([STRUCT(…), …])` over rows, every value a cast parameter. */
class Incoming {
  readonly params: Record<string, BqParamValue> = {};

  relation(prefix: string, rows: readonly (readonly [string, string, BqParamValue][])[]): string {
    const structs = rows.map((columns, r) => {
      const fields = columns.map(([name, type, value]) => {
        const param = `${prefix}${r}_${name}`;
        this.params[param] = value;
        return `CAST(@${param} AS ${type}) AS ${name}`;
      });
      return `STRUCT(${fields.join(', ')})`;
    });
    return `SELECT * FROM UNNEST([${structs.join(', ')}])`;
  }
}

async function mergeChunk(
  connection: BigQueryConnection,
  devices: readonly DeviceRow[],
  addresses: readonly (Seen & { mac: string; addr: string })[],
  services: readonly (Seen & { mac: string; port: number; protocol: string })[],
  vendorOf: OuiVendorLookup,
): Promise<void> {
  const tag = randomUUID().replaceAll('-', '').slice(0, 12);
  const incoming = new Incoming();
  const seen = (row: Seen): [string, string, BqParamValue][] => [
    ['first_seen_at', 'TIMESTAMP', bq.timestamp(row.firstSeenAt)],
    ['last_seen_at', 'TIMESTAMP', bq.timestamp(row.lastSeenAt)],
  ];
  const devicesIn = incoming.relation(
    'd',
    devices.map((d) => [
      ['mac', 'STRING', d.mac],
      ['vendor', 'STRING', bq.string(vendorOf(d.mac))],
      ['is_randomised_mac', 'BOOL', isRandomisedMac(d.mac)],
      ['hostname', 'STRING', bq.string(d.hostname)],
      ['hostname_seen_at', 'TIMESTAMP', bq.timestamp(d.hostnameSeenAt)],
      ['vendor_class', 'STRING', bq.string(d.vendorClass)],
      ['vendor_class_seen_at', 'TIMESTAMP', bq.timestamp(d.vendorClassSeenAt)],
      ...seen(d),
    ]),
  );
  const newer = (column: string, at: string): string =>
    `CASE WHEN i.${at} >= COALESCE(s.${at}, i.${at}) THEN i.${column} ELSE s.${column} END`;
  const span = `LEAST(i.first_seen_at, COALESCE(s.first_seen_at, i.first_seen_at)) AS first_seen_at,
      GREATEST(i.last_seen_at, COALESCE(s.last_seen_at, i.last_seen_at)) AS last_seen_at`;
  const statements = [
    `CREATE TEMP TABLE in_devices_${tag} AS ${devicesIn}`,
    `CREATE TEMP TABLE merged_devices_${tag} AS
      SELECT i.mac, i.vendor, i.is_randomised_mac,
        ${newer('hostname', 'hostname_seen_at')} AS hostname,
        ${newer('hostname_seen_at', 'hostname_seen_at')} AS hostname_seen_at,
        ${newer('vendor_class', 'vendor_class_seen_at')} AS vendor_class,
        ${newer('vendor_class_seen_at', 'vendor_class_seen_at')} AS vendor_class_seen_at,
        ${span}
      FROM in_devices_${tag} i LEFT JOIN devices s ON s.mac = i.mac`,
    `DELETE FROM devices WHERE mac IN (SELECT mac FROM in_devices_${tag})`,
    `INSERT INTO devices (mac, vendor, is_randomised_mac, hostname, vendor_class, first_seen_at, last_seen_at,
        hostname_seen_at, vendor_class_seen_at)
      SELECT mac, vendor, is_randomised_mac, hostname, vendor_class, first_seen_at, last_seen_at,
        hostname_seen_at, vendor_class_seen_at
      FROM merged_devices_${tag}`,
  ];
  if (addresses.length > 0) {
    const relation = incoming.relation(
      'a',
      addresses.map((a) => [['mac', 'STRING', a.mac], ['addr', 'STRING', a.addr], ...seen(a)]),
    );
    statements.push(...replaceSeen(tag, 'device_addresses', ['mac', 'addr'], relation, span));
  }
  if (services.length > 0) {
    const relation = incoming.relation(
      's',
      services.map((s) => [
        ['mac', 'STRING', s.mac],
        ['port', 'INT64', bq.int64(s.port)],
        ['protocol', 'STRING', s.protocol],
        ...seen(s),
      ]),
    );
    statements.push(...replaceSeen(tag, 'device_services', ['mac', 'port', 'protocol'], relation, span));
  }
  await connection.transaction(statements, incoming.params, {
    what: `the merge of ${devices.length} devices`,
  });
}

/** The statements that merge `relation` into `table` by `keys`, widening first/last seen. */
function replaceSeen(
  tag: string,
  table: string,
  keys: readonly string[],
  relation: string,
  span: string,
): string[] {
  const on = keys.map((k) => `s.${k} = i.${k}`).join(' AND ');
  // One text key rather than a correlated EXISTS, which the emulator's DELETE gets wrong (it deleted
  // every row of the MAC). MACs, addresses and protocols hold no spaces.
  const key = `CONCAT(${keys.map((k) => `CAST(${k} AS STRING)`).join(", ' ', ")})`;
  return [
    `CREATE TEMP TABLE in_${table}_${tag} AS ${relation}`,
    `CREATE TEMP TABLE merged_${table}_${tag} AS
      SELECT ${keys.map((k) => `i.${k}`).join(', ')}, ${span}
      FROM in_${table}_${tag} i LEFT JOIN ${table} s ON ${on}`,
    `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM in_${table}_${tag})`,
    `INSERT INTO ${table} (${keys.join(', ')}, first_seen_at, last_seen_at)
      SELECT ${keys.join(', ')}, first_seen_at, last_seen_at FROM merged_${table}_${tag}`,
  ];
}
