/**
 * The BigQuery dataset: the tables of the DuckDB schema (duckdb/migrations.ts, version 5) with the
 * same names and columns, so rule SQL reads the same on both engines, made through the API (the
 * emulator refuses `PARTITION BY` in DDL), plus the views.
 *
 * Types: VARCHAR → STRING, the integer types → INT64, TIMESTAMPTZ → TIMESTAMP, DOUBLE → FLOAT64,
 * VARCHAR[] → ARRAY<STRING> (REPEATED), UUID → STRING. Three choices differ:
 * - the 128-bit address numbers (`*_addr_num`, `range_start`/`range_end`) are STRING holding exactly 32
 *   hex digits (address-hex.ts): text order is number order, so BETWEEN matches ranges as on DuckDB,
 *   where BIGNUMERIC arithmetic on the emulator is float-like and NUMERIC too narrow;
 * - `indicators.fields_hash` is STRING (a digest the intel code computes), not DuckDB's hash();
 * - DuckDB's JSON columns (`raw`, `cursor`, `evidence`, `provenance`) are STRING holding JSON text:
 *   JSON_VALUE and JSON_QUERY read JSON text on both BigQuery and the emulator, and the emulator stores
 *   a JSON value streamed with insertAll as a JSON string instead of the document.
 */
import type { BigQueryConnection } from './connection.js';

export interface ColumnSpec {
  name: string;
  /** GoogleSQL type of the API: STRING, INT64, FLOAT64, BOOL, TIMESTAMP, BIGNUMERIC. */
  type: string;
  mode: 'REQUIRED' | 'NULLABLE' | 'REPEATED';
}

export interface TableSpec {
  name: string;
  columns: readonly ColumnSpec[];
  /** Partitioned by day on this TIMESTAMP column. */
  partitionBy?: string;
  clusterBy?: readonly string[];
}

export interface ViewSpec {
  name: string;
  /** The view's SELECT; `t('flows')` gives a qualified table name (a view's SQL has no default dataset). */
  sql: (t: (name: string) => string) => string;
}

/** `name TYPE [NOT NULL]` per line, `ARRAY<T>` for repeated columns. */
function table(name: string, columns: string, options: Omit<TableSpec, 'name' | 'columns'> = {}): TableSpec {
  const specs = columns
    .split(',')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line): ColumnSpec => {
      const match = /^(\w+)\s+(ARRAY<(\w+)>|\w+)(\s+NOT NULL)?$/.exec(line);
      if (!match) throw new Error(`bad column "${line}" in ${name}`);
      const [, column, type, element, notNull] = match;
      if (element !== undefined) return { name: column!, type: element, mode: 'REPEATED' };
      return { name: column!, type: type!, mode: notNull ? 'REQUIRED' : 'NULLABLE' };
    });
  return { name, columns: specs, ...options };
}

export const TABLES: readonly TableSpec[] = [
  table(
    'flows',
    `id STRING NOT NULL, protocol STRING NOT NULL, src_addr STRING NOT NULL, dst_addr STRING NOT NULL,
     src_port INT64 NOT NULL, dst_port INT64 NOT NULL, first_seen_at TIMESTAMP NOT NULL,
     last_seen_at TIMESTAMP NOT NULL, src_bytes INT64 NOT NULL, dst_bytes INT64 NOT NULL,
     src_packets INT64 NOT NULL, dst_packets INT64 NOT NULL, status STRING NOT NULL,
     ip_proto INT64 NOT NULL, ip_version INT64 NOT NULL, src_payload_bytes INT64 NOT NULL,
     dst_payload_bytes INT64 NOT NULL, end_reason STRING NOT NULL, community_id STRING NOT NULL,
     sensor STRING NOT NULL, interface STRING, src_mac STRING, dst_mac STRING, vlan INT64,
     inner_vlan INT64, direction STRING NOT NULL, server_name STRING, dns_name STRING, ja3 STRING,
     ja4 STRING, tls_cert_sha1 STRING, tls_version STRING, alpn STRING, src_tcp_flags INT64 NOT NULL,
     dst_tcp_flags INT64 NOT NULL, ingested_at TIMESTAMP NOT NULL, src_addr_num STRING,
     dst_addr_num STRING, sampling_rate INT64 NOT NULL, counts_estimated BOOL NOT NULL`,
    // Day partitions on event time: a rule window or a retention cut reads only the days it covers.
    // Clustering on the addresses: indicator joins and per-address reads skip most blocks of a day.
    { partitionBy: 'first_seen_at', clusterBy: ['dst_addr', 'src_addr'] },
  ),
  table(
    'dns',
    `seen_at TIMESTAMP NOT NULL, client_addr STRING NOT NULL, server_addr STRING NOT NULL,
     query_name STRING NOT NULL, answer_name STRING NOT NULL, answer_type STRING NOT NULL,
     answer STRING NOT NULL, ttl INT64 NOT NULL, rcode STRING NOT NULL, transport STRING NOT NULL,
     sensor STRING NOT NULL, ingested_at TIMESTAMP NOT NULL, answer_addr_num STRING`,
    { partitionBy: 'seen_at', clusterBy: ['answer', 'client_addr'] },
  ),
  table(
    'devices',
    `mac STRING NOT NULL, vendor STRING, is_randomised_mac BOOL NOT NULL, hostname STRING,
     vendor_class STRING, first_seen_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP NOT NULL,
     hostname_seen_at TIMESTAMP, vendor_class_seen_at TIMESTAMP`,
  ),
  table(
    'device_addresses',
    `mac STRING NOT NULL, addr STRING NOT NULL, first_seen_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP NOT NULL`,
  ),
  table(
    'device_services',
    `mac STRING NOT NULL, port INT64 NOT NULL, protocol STRING NOT NULL, first_seen_at TIMESTAMP NOT NULL,
     last_seen_at TIMESTAMP NOT NULL`,
  ),
  table(
    'indicators',
    `id STRING NOT NULL, source STRING NOT NULL, type STRING NOT NULL, value STRING NOT NULL, port INT64,
     range_start STRING, range_end STRING, range_start_addr STRING, range_end_addr STRING,
     threat STRING, malware_family STRING, confidence INT64, tags ARRAY<STRING>, reference STRING,
     source_first_seen_at TIMESTAMP, source_last_seen_at TIMESTAMP, valid_from TIMESTAMP,
     valid_until TIMESTAMP, revoked BOOL NOT NULL, raw STRING, first_listed_at TIMESTAMP NOT NULL,
     last_listed_at TIMESTAMP NOT NULL, removed_at TIMESTAMP, fields_hash STRING NOT NULL`,
    { clusterBy: ['source', 'type', 'value'] },
  ),
  table(
    'indicator_listings',
    `indicator_id STRING NOT NULL, listed_from TIMESTAMP NOT NULL, listed_until TIMESTAMP`,
  ),
  table(
    'feed_runs',
    `feed STRING NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, status STRING NOT NULL,
     http_status INT64, bytes INT64, content_hash STRING, etag STRING, last_modified STRING,
     added INT64 NOT NULL, updated INT64 NOT NULL, removed INT64 NOT NULL, indicator_count INT64,
     error_code STRING, error_message STRING`,
  ),
  table(
    'feed_state',
    `feed STRING NOT NULL, etag STRING, last_modified STRING, content_hash STRING, cursor STRING,
     updated_at TIMESTAMP NOT NULL`,
  ),
  table(
    'feed_snapshots',
    `feed STRING NOT NULL, digest STRING NOT NULL, keys INT64 NOT NULL, started_at TIMESTAMP NOT NULL,
     max_started_at TIMESTAMP NOT NULL, is_latest BOOL NOT NULL`,
  ),
  table(
    'allowlist',
    `position INT64 NOT NULL, type STRING NOT NULL, value STRING NOT NULL, range_start STRING,
     range_end STRING, match_overlapping BOOL NOT NULL, reason STRING NOT NULL, source STRING NOT NULL`,
  ),
  table('settings', `key STRING NOT NULL, value STRING NOT NULL`),
  table(
    'rule_state',
    `rule_id STRING NOT NULL, rule_version STRING, flow_watermark TIMESTAMP, indicator_watermark TIMESTAMP,
     last_run_at TIMESTAMP, last_status STRING, last_error_code STRING, last_error STRING,
     last_duration_ms FLOAT64, last_rows INT64, last_success_at TIMESTAMP`,
  ),
  table(
    'alerts',
    `id STRING NOT NULL, rule_id STRING NOT NULL, rule_version STRING NOT NULL, severity STRING NOT NULL,
     title STRING NOT NULL, dedup_key STRING NOT NULL, first_seen_at TIMESTAMP NOT NULL,
     last_seen_at TIMESTAMP NOT NULL, count INT64 NOT NULL, status STRING NOT NULL,
     created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, device_mac STRING, device_name STRING,
     remote_addr STRING, indicator_ids ARRAY<STRING>, indicator_sources ARRAY<STRING>,
     evidence STRING NOT NULL, provenance STRING NOT NULL`,
  ),
  table(
    'alert_routing',
    `alert_id STRING NOT NULL, routed_at TIMESTAMP NOT NULL, routes ARRAY<STRING>, severity STRING NOT NULL,
     notified ARRAY<STRING>, digested ARRAY<STRING>, suppressed BOOL NOT NULL, blocked BOOL NOT NULL,
     throttle_key STRING`,
  ),
  table(
    'deliveries',
    `key STRING NOT NULL, kind STRING NOT NULL, channel STRING NOT NULL, route STRING, alert_ids ARRAY<STRING>,
     state STRING NOT NULL, attempts INT64 NOT NULL, next_attempt_at TIMESTAMP, last_error STRING,
     created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, sent_at TIMESTAMP`,
  ),
  table(
    'alert_events',
    `alert_id STRING NOT NULL, changed_at TIMESTAMP NOT NULL, from_status STRING NOT NULL,
     to_status STRING NOT NULL, comment STRING`,
  ),
];

/** The views this file owns; intel.ts and rules.ts add theirs (bigquery-store.ts joins the lists). */
export const CORE_VIEWS: readonly ViewSpec[] = [
  {
    name: 'flow_logs',
    sql: (t) => `SELECT id, protocol, src_addr, dst_addr, src_port, dst_port, first_seen_at, last_seen_at,
        src_bytes, dst_bytes, src_packets, dst_packets, status
      FROM ${t('flows')}`,
  },
  {
    name: 'device_names',
    sql: (
      t,
    ) => `SELECT mac, coalesce(hostname, vendor, mac) AS device_name, hostname, vendor, is_randomised_mac
      FROM ${t('devices')}`,
  },
];

/**
 * One schema change on BigQuery: tables and columns are declared above and made by `ensureSchema`;
 * a version records that a dataset has them. Append a version when TABLES or a view changes.
 */
export const BIGQUERY_MIGRATIONS: readonly { version: number; name: string }[] = [
  { version: 1, name: 'the tables and views of the DuckDB schema version 5' },
  { version: 2, name: 'indicator_match_periods.url_host, as in the DuckDB schema version 8' },
];

export const BIGQUERY_SCHEMA_VERSION = BIGQUERY_MIGRATIONS[BIGQUERY_MIGRATIONS.length - 1]?.version ?? 0;

const MIGRATIONS_TABLE = table(
  'schema_migrations',
  `version INT64 NOT NULL, name STRING NOT NULL, applied_at TIMESTAMP NOT NULL`,
);

/** The API's schema form of a table. */
export function apiSchema(spec: TableSpec): { fields: { name: string; type: string; mode: string }[] } {
  return { fields: spec.columns.map((c) => ({ name: c.name, type: c.type, mode: c.mode })) };
}

/**
 * Makes the dataset (in `location`), every missing table and every missing column of an existing
 * table (added as NULLABLE, which BigQuery allows in place). Safe to run twice and from two sensors at
 * once: "already exists" counts as done. Needs only metadata access when nothing is missing, so a
 * sensor's account (README, Terraform) can open a dataset the server made. Returns the names of the
 * tables and views the dataset holds afterwards.
 */
export async function ensureTables(connection: BigQueryConnection): Promise<Set<string>> {
  const dataset = connection.client.dataset(connection.target.dataset);
  const names = new Set<string>();
  try {
    const [exists] = await dataset.exists();
    if (!exists) await ignoreConflict(dataset.create({ location: connection.target.location }));
    const [existing] = await dataset.getTables();
    const byName = new Map(existing.map((t) => [t.id ?? '', t]));
    for (const name of byName.keys()) names.add(name);
    for (const spec of [MIGRATIONS_TABLE, ...TABLES]) {
      const current = byName.get(spec.name);
      if (current === undefined) {
        await ignoreConflict(
          dataset.createTable(spec.name, {
            schema: apiSchema(spec),
            ...(spec.partitionBy ? { timePartitioning: { type: 'DAY', field: spec.partitionBy } } : {}),
            ...(spec.clusterBy ? { clustering: { fields: [...spec.clusterBy] } } : {}),
          }),
        );
        names.add(spec.name);
        continue;
      }
      const [metadata] = (await current.getMetadata()) as unknown as [
        { schema?: { fields?: { name: string }[] } },
      ];
      const have = new Set((metadata.schema?.fields ?? []).map((f) => f.name));
      const missing = spec.columns.filter((c) => !have.has(c.name));
      if (missing.length > 0) {
        const fields = [
          ...(metadata.schema?.fields ?? []),
          ...missing.map((c) => ({
            name: c.name,
            type: c.type,
            mode: c.mode === 'REQUIRED' ? 'NULLABLE' : c.mode,
          })),
        ];
        await current.setMetadata({ schema: { fields } });
      }
    }
  } catch (cause) {
    throw connection.wrap(cause, 'the creation of the dataset and its tables', false);
  }
  return names;
}

/**
 * Creates the views, in order: all of them (replacing those in `existing`) when `replace`, else only
 * those missing from `existing`.
 */
export async function ensureViews(
  connection: BigQueryConnection,
  views: readonly ViewSpec[],
  existing: ReadonlySet<string>,
  replace: boolean,
): Promise<void> {
  for (const view of views) {
    if (!replace && existing.has(view.name)) continue;
    const name = connection.table(view.name);
    const body = view.sql((table) => connection.table(table));
    const what = { what: `the creation of the view ${view.name}` };
    if (!connection.isEmulator) {
      await connection.query(`CREATE OR REPLACE VIEW ${name} AS ${body}`, {}, what);
      continue;
    }
    // The emulator refuses CREATE OR REPLACE VIEW over an existing view ("already created"), and
    // DROP VIEW IF EXISTS over a missing one: it drops and creates, going by the listing.
    if (existing.has(view.name)) await connection.query(`DROP VIEW ${name}`, {}, what);
    await connection.query(`CREATE VIEW ${name} AS ${body}`, {}, what);
  }
}

/** Tables (ensureTables), then every view made or remade. */
export async function ensureSchema(
  connection: BigQueryConnection,
  views: readonly ViewSpec[],
): Promise<void> {
  await ensureViews(connection, views, await ensureTables(connection), true);
}

/**
 * Deletes the dataset with its tables and views. BigQuery does it in one call; the emulator's
 * "delete with contents" stops at the first view (and leaves the dataset half deleted), so there the
 * views go first, newest first, with DROP VIEW, then each table, then the dataset.
 */
export async function deleteDataset(
  connection: BigQueryConnection,
  views: readonly ViewSpec[],
): Promise<void> {
  const dataset = connection.client.dataset(connection.target.dataset);
  try {
    if (!connection.isEmulator) {
      await dataset.delete({ force: true });
      return;
    }
    const [listed] = await dataset.getTables();
    const names = new Set(listed.map((t) => t.id ?? ''));
    for (const view of [...views].reverse()) {
      if (names.delete(view.name)) await connection.query(`DROP VIEW ${connection.table(view.name)}`);
    }
    for (const name of names) await dataset.table(name).delete();
    await dataset.delete();
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 404) return;
    throw connection.wrap(cause, 'the deletion of the dataset', false);
  }
}

async function ignoreConflict(creating: Promise<unknown>): Promise<void> {
  try {
    await creating;
  } catch (error) {
    if ((error as { code?: unknown }).code === 409) return;
    throw error;
  }
}

/** The dataset's recorded schema version; 0 before the first migration. */
export async function readBigQuerySchemaVersion(connection: BigQueryConnection): Promise<number> {
  const result = await connection.query(
    'SELECT coalesce(max(version), 0) AS version FROM schema_migrations',
    {},
    { what: 'the read of the schema version' },
  );
  return Number(result.rows[0]?.['version'] ?? 0);
}
