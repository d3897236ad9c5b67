import type { DuckDBConnection } from '@duckdb/node-api';
import { YamoriError } from '../../errors/index.js';
import type { EpochMicros } from '../../records/index.js';
import type { MigrationResult } from '../store.js';
import { errorMessage, timestampTz } from './duckdb-values.js';

/**
 * One schema change. Steps run in order inside one transaction with the version bump, so a failure
 * leaves the database at the previous version. A released migration is never edited: change the
 * schema by appending a new one.
 */
export interface Migration {
  version: number;
  name: string;
  steps: readonly string[];
}

/*
 * Time columns are TIMESTAMPTZ: DuckDB stores them as UTC microseconds, comparisons with now() and
 * with other instants are correct whatever the session time zone, and the DuckDB shell shows them in
 * local time (ARCHITECTURE.md: UTC in storage, local time in what a person reads). The appender
 * writes the raw microseconds, so no zone conversion happens on the way in.
 *
 * `src_addr_num`/`dst_addr_num` (and `answer_addr_num` in dns) hold the address as a 128-bit number
 * (address-number.ts): threat-intel CIDRs become numeric ranges matched with BETWEEN.
 *
 * No indexes on flows and dns: they are append-only and scanned by time, where DuckDB's per-row-group
 * min/max (zonemaps) already skip most data, and an ART index would slow every append. The device
 * tables are small and need their primary keys for INSERT ... ON CONFLICT.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'flows, dns, devices and the flow_logs view',
    steps: [
      `CREATE TABLE flows (
        id VARCHAR NOT NULL,
        protocol VARCHAR NOT NULL,
        src_addr VARCHAR NOT NULL,
        dst_addr VARCHAR NOT NULL,
        src_port INTEGER NOT NULL,
        dst_port INTEGER NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        src_bytes BIGINT NOT NULL,
        dst_bytes BIGINT NOT NULL,
        src_packets BIGINT NOT NULL,
        dst_packets BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        ip_proto UTINYINT NOT NULL,
        ip_version UTINYINT NOT NULL,
        src_payload_bytes BIGINT NOT NULL,
        dst_payload_bytes BIGINT NOT NULL,
        end_reason VARCHAR NOT NULL,
        community_id VARCHAR NOT NULL,
        sensor VARCHAR NOT NULL,
        interface VARCHAR,
        src_mac VARCHAR,
        dst_mac VARCHAR,
        vlan USMALLINT,
        inner_vlan USMALLINT,
        direction VARCHAR NOT NULL,
        server_name VARCHAR,
        dns_name VARCHAR,
        ja3 VARCHAR,
        ja4 VARCHAR,
        tls_cert_sha1 VARCHAR,
        tls_version VARCHAR,
        alpn VARCHAR,
        src_tcp_flags UTINYINT NOT NULL,
        dst_tcp_flags UTINYINT NOT NULL,
        ingested_at TIMESTAMPTZ NOT NULL,
        src_addr_num UHUGEINT,
        dst_addr_num UHUGEINT
      )`,
      `CREATE VIEW flow_logs AS
        SELECT id, protocol, src_addr, dst_addr, src_port, dst_port, first_seen_at, last_seen_at,
               src_bytes, dst_bytes, src_packets, dst_packets, status
        FROM flows`,
      `CREATE TABLE dns (
        seen_at TIMESTAMPTZ NOT NULL,
        client_addr VARCHAR NOT NULL,
        server_addr VARCHAR NOT NULL,
        query_name VARCHAR NOT NULL,
        answer_name VARCHAR NOT NULL,
        answer_type VARCHAR NOT NULL,
        answer VARCHAR NOT NULL,
        ttl UINTEGER NOT NULL,
        rcode VARCHAR NOT NULL,
        transport VARCHAR NOT NULL,
        sensor VARCHAR NOT NULL,
        ingested_at TIMESTAMPTZ NOT NULL,
        answer_addr_num UHUGEINT
      )`,
      `CREATE TABLE devices (
        mac VARCHAR PRIMARY KEY,
        vendor VARCHAR,
        is_randomised_mac BOOLEAN NOT NULL,
        hostname VARCHAR,
        vendor_class VARCHAR,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        hostname_seen_at TIMESTAMPTZ,
        vendor_class_seen_at TIMESTAMPTZ
      )`,
      `CREATE TABLE device_addresses (
        mac VARCHAR NOT NULL,
        addr VARCHAR NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (mac, addr)
      )`,
      `CREATE TABLE device_services (
        mac VARCHAR NOT NULL,
        port INTEGER NOT NULL,
        protocol VARCHAR NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (mac, port, protocol)
      )`,
    ],
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name VARCHAR NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL
)`;

/** The highest migration applied to the database; 0 for a new one. */
export async function readSchemaVersion(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll(
    'SELECT coalesce(max(version), 0)::INTEGER FROM schema_migrations',
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/**
 * Applies the migrations newer than the database's version, each in its own transaction.
 * Throws STORE_TOO_NEW when the database is ahead of `migrations`, STORE_MIGRATION_FAILED when a
 * step fails (the database then stays at the last version that applied completely).
 */
export async function runMigrations(
  connection: DuckDBConnection,
  options: { path: string; now: () => EpochMicros; migrations?: readonly Migration[] },
): Promise<MigrationResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations[migrations.length - 1]?.version ?? 0;
  let current: number;
  try {
    await connection.run(CREATE_MIGRATIONS_TABLE);
    current = await readSchemaVersion(connection);
  } catch (cause) {
    throw new YamoriError(
      'STORE_MIGRATION_FAILED',
      { path: options.path, version: known, detail: errorMessage(cause), from: 'unknown' },
      { cause },
    );
  }
  if (current > known) {
    throw new YamoriError('STORE_TOO_NEW', { path: options.path, version: current, known });
  }
  const fromVersion = current;
  const applied: string[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    try {
      await connection.run('BEGIN TRANSACTION');
      for (const step of migration.steps) await connection.run(step);
      await connection.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        timestampTz(options.now()),
      ]);
      await connection.run('COMMIT');
    } catch (cause) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw new YamoriError(
        'STORE_MIGRATION_FAILED',
        { path: options.path, version: migration.version, detail: errorMessage(cause), from: current },
        { cause },
      );
    }
    current = migration.version;
    applied.push(migration.name);
  }
  return { fromVersion, toVersion: current, applied };
}
