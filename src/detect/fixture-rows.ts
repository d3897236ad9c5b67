import { nearestName } from '../config/index.js';
import type { EpochMicros } from '../records/index.js';
import { parseRelativeTime } from './relative-time.js';

/** How a fixture column is written in rule.test.yaml. */
export type ColumnKind = 'text' | 'integer' | 'time' | 'boolean' | 'text-list' | 'number';

/** The columns each fixture table accepts, as the table's own column names. */
export const FIXTURE_COLUMNS: Record<string, Record<string, ColumnKind>> = {
  flows: {
    id: 'text',
    protocol: 'text',
    ip_proto: 'integer',
    ip_version: 'integer',
    src_addr: 'text',
    dst_addr: 'text',
    src_port: 'integer',
    dst_port: 'integer',
    first_seen_at: 'time',
    last_seen_at: 'time',
    ingested_at: 'time',
    src_bytes: 'integer',
    dst_bytes: 'integer',
    src_packets: 'integer',
    dst_packets: 'integer',
    src_payload_bytes: 'integer',
    dst_payload_bytes: 'integer',
    status: 'text',
    end_reason: 'text',
    community_id: 'text',
    sensor: 'text',
    interface: 'text',
    src_mac: 'text',
    dst_mac: 'text',
    vlan: 'integer',
    inner_vlan: 'integer',
    direction: 'text',
    server_name: 'text',
    dns_name: 'text',
    ja3: 'text',
    ja4: 'text',
    tls_cert_sha1: 'text',
    tls_version: 'text',
    alpn: 'text',
    src_tcp_flags: 'integer',
    dst_tcp_flags: 'integer',
    sampling_rate: 'integer',
    counts_estimated: 'boolean',
  },
  dns: {
    seen_at: 'time',
    ingested_at: 'time',
    client_addr: 'text',
    server_addr: 'text',
    query_name: 'text',
    answer_name: 'text',
    answer_type: 'text',
    answer: 'text',
    ttl: 'integer',
    rcode: 'text',
    transport: 'text',
    sensor: 'text',
  },
  devices: {
    mac: 'text',
    addr: 'text',
    hostname: 'text',
    vendor_class: 'text',
    first_seen_at: 'time',
    last_seen_at: 'time',
    service_port: 'integer',
    service_protocol: 'text',
  },
  indicators: {
    source: 'text',
    type: 'text',
    value: 'text',
    port: 'integer',
    threat: 'text',
    malware_family: 'text',
    confidence: 'integer',
    tags: 'text-list',
    reference: 'text',
    source_first_seen_at: 'time',
    source_last_seen_at: 'time',
    valid_from: 'time',
    valid_until: 'time',
    listed_from: 'time',
    listed_until: 'time',
  },
  allowlist: {
    type: 'text',
    value: 'text',
    reason: 'text',
    match_overlapping: 'boolean',
  },
  settings: {
    'intel.grace_period_h': 'number',
    'detect.dns_resolvers': 'text-list',
  },
};

/** Settings columns named by a pattern: one per feed, e.g. `intel.domain_match.threatfox: subdomains`. */
const PATTERN_COLUMNS: Record<string, [RegExp, ColumnKind][]> = {
  settings: [[/^intel\.domain_match\.[a-z0-9][a-z0-9._-]*$/, 'text']],
};

function columnKind(table: string, column: string): ColumnKind | undefined {
  const kind = FIXTURE_COLUMNS[table]?.[column];
  if (kind !== undefined) return kind;
  return PATTERN_COLUMNS[table]?.find(([pattern]) => pattern.test(column))?.[1];
}

/** A fixture row with every value checked and every time resolved against the case's clock. */
export type FixtureRow = Record<string, string | number | boolean | string[] | null>;

/**
 * Checks one row against its table's columns. Returns the row, or the problem: an unknown column
 * (with the nearest known one) or a value of the wrong kind.
 */
export function checkFixtureRow(
  table: string,
  raw: unknown,
  now: EpochMicros,
): { ok: true; row: FixtureRow } | { ok: false; problem: string; advice: string } {
  const columns = FIXTURE_COLUMNS[table];
  if (columns === undefined) {
    const near = nearestName(table, Object.keys(FIXTURE_COLUMNS));
    return {
      ok: false,
      problem: `"${table}" is not a fixture table`,
      advice: near ? `Did you mean "${near}"?` : `Tables: ${Object.keys(FIXTURE_COLUMNS).join(', ')}.`,
    };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      problem: 'a row must be a mapping of columns to values',
      advice: 'For example { src_addr: 192.168.1.20 }.',
    };
  }
  const row: FixtureRow = {};
  for (const [column, value] of Object.entries(raw as Record<string, unknown>)) {
    const kind = columnKind(table, column);
    if (kind === undefined) {
      const near = nearestName(column, Object.keys(columns));
      return {
        ok: false,
        problem: `"${column}" is not a column of ${table}`,
        advice: near ? `Did you mean "${near}"?` : `Columns: ${Object.keys(columns).join(', ')}.`,
      };
    }
    const checked = checkValue(kind, value, now);
    if (checked === undefined) {
      return {
        ok: false,
        problem: `"${column}" must be ${KIND_NAMES[kind]} (got ${JSON.stringify(value)})`,
        advice: kind === 'time' ? 'Write "now", "-10m", "+1h", "-3d" or an ISO date-time with a zone.' : '',
      };
    }
    row[column] = checked;
  }
  return { ok: true, row };
}

const KIND_NAMES: Record<ColumnKind, string> = {
  text: 'text',
  integer: 'a whole number',
  number: 'a number',
  time: 'a time',
  boolean: 'true or false',
  'text-list': 'a list of text',
};

function checkValue(kind: ColumnKind, value: unknown, now: EpochMicros): FixtureRow[string] | undefined {
  if (value === null) return null;
  switch (kind) {
    case 'text':
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'time':
      return typeof value === 'string' ? (parseRelativeTime(value, now) ?? undefined) : undefined;
    case 'text-list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  }
}
