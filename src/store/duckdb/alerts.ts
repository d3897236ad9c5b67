import { randomUUID } from 'node:crypto';
import { LIST, listValue, TIMESTAMPTZ, VARCHAR, type DuckDBConnection } from './duckdb-api.js';
import { ALERT_SEVERITIES, type Alert, type AlertWrite, type EpochMicros } from '../../records/index.js';
import { alertFromColumns, merge, overlaps, provenanceToJson, type RowValues } from '../alert-rows.js';
import type { AlertFilter, AlertWriteResult, DeviceRef, ResolvedDevice } from '../store.js';
import { timestampTz, toNumber, toStringOrNull, toText } from './duckdb-values.js';
import { limitOf, SqlConditions } from './sql-conditions.js';

const DEFAULT_LIMIT = 100;

interface Pooled {
  id: string;
  isNew: boolean;
  isDirty: boolean;
  write: AlertWrite;
}

/**
 * Merges each write into the alert it repeats, or adds it (Store.commitRuleRun). Runs inside the
 * caller's transaction. Candidates are read once per call: the alerts of the rules written that are not
 * closed and carry one of the keys written; writes then merge in memory, in order, so that two writes
 * with one key in one run make one alert.
 */
export async function writeAlerts(
  connection: DuckDBConnection,
  writes: readonly AlertWrite[],
  now: EpochMicros,
): Promise<AlertWriteResult> {
  if (writes.length === 0) return { created: 0, updated: 0 };
  const pools = await readCandidates(connection, writes);
  const touched: Pooled[] = [];
  for (const write of writes) {
    const poolKey = `${write.ruleId}\u0000${write.dedupKey}`;
    const pool = pools.get(poolKey) ?? [];
    pools.set(poolKey, pool);
    const match = pool
      .filter((alert) => overlaps(alert.write, write))
      .sort((a, b) => b.write.lastSeenAt - a.write.lastSeenAt)[0];
    if (match === undefined) {
      const created: Pooled = { id: randomUUID(), isNew: true, isDirty: true, write: { ...write } };
      pool.push(created);
      touched.push(created);
    } else {
      match.write = merge(match.write, write);
      if (!match.isDirty) touched.push(match);
      match.isDirty = true;
    }
  }
  const inserts = touched.filter((alert) => alert.isNew);
  const updates = touched.filter((alert) => !alert.isNew);
  for (let at = 0; at < inserts.length; at += ROWS_PER_STATEMENT) {
    await insertAlerts(connection, inserts.slice(at, at + ROWS_PER_STATEMENT), now);
  }
  for (let at = 0; at < updates.length; at += ROWS_PER_STATEMENT) {
    await updateAlerts(connection, updates.slice(at, at + ROWS_PER_STATEMENT), now);
  }
  const created = inserts.length;
  const updated = updates.length;
  return { created, updated };
}

async function readCandidates(
  connection: DuckDBConnection,
  writes: readonly AlertWrite[],
): Promise<Map<string, Pooled[]>> {
  const rules = [...new Set(writes.map((w) => w.ruleId))];
  const keys = [...new Set(writes.map((w) => w.dedupKey))];
  const reader = await connection.runAndReadAll(
    `SELECT ${ALERT_COLUMNS} FROM alerts
     WHERE status <> 'closed' AND list_contains($rules, rule_id) AND list_contains($keys, dedup_key)`,
    { rules: listValue(rules), keys: listValue(keys) },
    { rules: LIST(VARCHAR), keys: LIST(VARCHAR) },
  );
  const pools = new Map<string, Pooled[]>();
  const byRule = new Map(writes.map((w) => [w.ruleId, w]));
  for (const row of reader.getRowObjects()) {
    const alert = alertFromRow(row);
    const template = byRule.get(alert.ruleId)!;
    const poolKey = `${alert.ruleId}\u0000${alert.dedupKey}`;
    const write: AlertWrite = {
      ...alert,
      suppressForUs: template.suppressForUs,
      maxEvidenceRows: template.maxEvidenceRows,
    };
    const pool = pools.get(poolKey) ?? [];
    pool.push({ id: alert.id, isNew: false, isDirty: false, write });
    pools.set(poolKey, pool);
  }
  return pools;
}

/**
 * Alerts go in and are updated a list of rows per statement, bound as one JSON text that DuckDB reads
 * with from_json: a statement per alert cost a round trip and a plan each (seconds for a run that raises
 * a thousand), and a LIST(STRUCT) parameter of the same rows costs four times the JSON text (0.15 CPU s
 * for 500 alerts), as the client builds and DuckDB binds one value per field.
 */
const ROWS_PER_STATEMENT = 1000;

const ALERT_ROWS = `(SELECT unnest(from_json($rows, '[{
  "id": "VARCHAR", "rule": "VARCHAR", "version": "VARCHAR", "severity": "VARCHAR", "title": "VARCHAR",
  "key": "VARCHAR", "first": "BIGINT", "last": "BIGINT", "count": "BIGINT", "mac": "VARCHAR", "name": "VARCHAR",
  "remote": "VARCHAR", "ids": ["VARCHAR"], "sources": ["VARCHAR"], "evidence": "VARCHAR", "provenance": "VARCHAR"
}]'), recursive := true))`;

function alertRows(alerts: readonly Pooled[]): string {
  const rows = alerts.map(({ id, write }) => ({
    id,
    rule: write.ruleId,
    version: write.ruleVersion,
    severity: write.severity,
    title: write.title,
    key: write.dedupKey,
    first: Math.trunc(write.firstSeenAt),
    last: Math.trunc(write.lastSeenAt),
    count: write.count,
    mac: write.deviceMac,
    name: write.deviceName,
    remote: write.remoteAddr,
    ids: write.indicatorIds,
    sources: write.indicatorSources,
    evidence: JSON.stringify(write.evidence),
    provenance: JSON.stringify(write.provenance.map(provenanceToJson)),
  }));
  // JSON.stringify writes a lone UTF-16 surrogate (a name decoded from broken bytes) as an escape that
  // DuckDB's JSON reader rejects; the client's own string conversion makes it U+FFFD, and so does this.
  // Only such an escape (or a backslash before "ud8…") takes the slower way.
  const text = JSON.stringify(rows);
  return /\\u[dD][89a-fA-F]/.test(text) ? JSON.stringify(rows, wellFormedStrings) : text;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormedStrings(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? value.replace(LONE_SURROGATE, '\ufffd') : value;
}

async function insertAlerts(
  connection: DuckDBConnection,
  alerts: readonly Pooled[],
  now: EpochMicros,
): Promise<void> {
  await connection.run(
    `INSERT INTO alerts (id, rule_id, rule_version, severity, title, dedup_key, first_seen_at, last_seen_at,
       count, status, created_at, updated_at, device_mac, device_name, remote_addr, indicator_ids,
       indicator_sources, evidence, provenance)
     SELECT id::UUID, rule, version, severity, title, key, make_timestamptz(first), make_timestamptz(last),
       count, 'open', $now, $now, mac, name, remote, ids, sources, evidence::JSON, provenance::JSON
     FROM ${ALERT_ROWS}`,
    { rows: alertRows(alerts), now: timestampTz(now) },
    { rows: VARCHAR, now: TIMESTAMPTZ },
  );
}

async function updateAlerts(
  connection: DuckDBConnection,
  alerts: readonly Pooled[],
  now: EpochMicros,
): Promise<void> {
  await connection.run(
    `UPDATE alerts SET first_seen_at = make_timestamptz(u.first), last_seen_at = make_timestamptz(u.last),
       count = u.count, updated_at = $now, device_mac = u.mac, device_name = u.name, remote_addr = u.remote,
       indicator_ids = u.ids, indicator_sources = u.sources, evidence = u.evidence::JSON,
       provenance = u.provenance::JSON
     FROM ${ALERT_ROWS} AS u
     WHERE alerts.id = u.id::UUID`,
    { rows: alertRows(alerts), now: timestampTz(now) },
    { rows: VARCHAR, now: TIMESTAMPTZ },
  );
}

/** DuckDB's result values: VARCHAR as strings, BIGINT as bigints, lists as list values. */
export const DUCKDB_VALUES: RowValues<unknown> = {
  text: toText,
  textOrNull: toStringOrNull,
  number: toNumber,
  textList,
};

export function alertFromRow(row: Record<string, unknown>): Alert {
  return alertFromColumns(row, DUCKDB_VALUES);
}

export const ALERT_COLUMNS = `CAST(id AS VARCHAR) AS id, rule_id, rule_version, severity, title, dedup_key,
  epoch_us(first_seen_at) AS first_seen_at, epoch_us(last_seen_at) AS last_seen_at, count, status,
  epoch_us(created_at) AS created_at, epoch_us(updated_at) AS updated_at, device_mac, device_name,
  remote_addr, indicator_ids, indicator_sources, CAST(evidence AS VARCHAR) AS evidence,
  CAST(provenance AS VARCHAR) AS provenance`;

export async function readAlerts(connection: DuckDBConnection, filter: AlertFilter): Promise<Alert[]> {
  const c = new SqlConditions();
  if (filter.status !== undefined) c.add(`status = ${c.param(filter.status)}`);
  if (filter.ruleId !== undefined) c.add(`rule_id = ${c.param(filter.ruleId)}`);
  if (filter.since !== undefined) c.add(`last_seen_at >= ${c.time(filter.since)}`);
  if (filter.minSeverity !== undefined) {
    const worse = ALERT_SEVERITIES.slice(ALERT_SEVERITIES.indexOf(filter.minSeverity));
    c.add(`severity IN (${worse.map((s) => c.param(s)).join(', ')})`);
  }
  const reader = await connection.runAndReadAll(
    `SELECT ${ALERT_COLUMNS} FROM alerts ${c.where()}
     ORDER BY last_seen_at DESC, created_at DESC, id
     LIMIT ${limitOf(filter.limit, DEFAULT_LIMIT)}`,
    c.values,
    c.types,
  );
  return reader.getRowObjects().map(alertFromRow);
}

export function textList(value: unknown): string[] {
  const items = (value as { items?: unknown[] } | null)?.items ?? [];
  return items.filter((item): item is string => typeof item === 'string');
}

/** Parses the ISO text isoFromMicros writes, keeping microseconds. */

/**
 * Names the device behind each reference (Store.resolveDevices): a MAC by its name row; an address by
 * the device seen with it last (ties by MAC). Two queries for the whole list, not one per reference.
 */
export async function resolveDevices(
  connection: DuckDBConnection,
  refs: readonly DeviceRef[],
): Promise<ResolvedDevice[]> {
  const macs = [...new Set(refs.flatMap((ref) => (ref.mac === null ? [] : [ref.mac.toLowerCase()])))];
  const addrs = [
    ...new Set(refs.flatMap((ref) => (ref.mac === null && ref.addr !== null ? [ref.addr] : []))),
  ];
  const nameOfMac = new Map<string, string | null>();
  if (macs.length > 0) {
    const reader = await connection.runAndReadAll(
      `SELECT mac, hostname, vendor FROM device_names WHERE mac IN (SELECT unnest($macs))`,
      { macs: listValue(macs) },
      { macs: LIST(VARCHAR) },
    );
    for (const row of reader.getRowObjects()) {
      nameOfMac.set(toText(row['mac']), toStringOrNull(row['hostname']) ?? toStringOrNull(row['vendor']));
    }
  }
  const deviceOfAddr = new Map<string, ResolvedDevice>();
  if (addrs.length > 0) {
    const reader = await connection.runAndReadAll(
      `SELECT addr, mac, hostname, vendor FROM (
         SELECT a.addr, a.mac, n.hostname, n.vendor,
           row_number() OVER (PARTITION BY a.addr ORDER BY a.last_seen_at DESC, a.mac) AS pick
         FROM device_addresses a JOIN device_names n ON n.mac = a.mac
         WHERE a.addr IN (SELECT unnest($addrs)))
       WHERE pick = 1`,
      { addrs: listValue(addrs) },
      { addrs: LIST(VARCHAR) },
    );
    for (const row of reader.getRowObjects()) {
      deviceOfAddr.set(toText(row['addr']), {
        mac: toText(row['mac']),
        name: toStringOrNull(row['hostname']) ?? toStringOrNull(row['vendor']),
      });
    }
  }
  return refs.map((ref) => {
    if (ref.mac !== null) return { mac: ref.mac, name: nameOfMac.get(ref.mac.toLowerCase()) ?? null };
    if (ref.addr === null) return { mac: null, name: null };
    return deviceOfAddr.get(ref.addr) ?? { mac: null, name: null };
  });
}
