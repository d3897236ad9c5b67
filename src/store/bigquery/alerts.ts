/**
 * Alerts and rule state on BigQuery. A rule run's alerts and its watermarks are written by one
 * multi-statement transaction (BEGIN … COMMIT), so a crash or a failed statement leaves neither.
 * Repeats are found as on DuckDB: the open alerts of the rules and keys written are read once, the
 * writes merged into them in memory (duckdb/alerts.ts `merge`), and the outcome written.
 */
import { randomUUID } from 'node:crypto';
import {
  ALERT_SEVERITIES,
  type Alert,
  type AlertWrite,
  type EpochMicros,
  type RuleState,
  type RuleStateUpdate,
} from '../../records/index.js';
import { alertFromColumns, merge, overlaps, provenanceToJson, type RowValues } from '../alert-rows.js';
import type { AlertFilter, AlertWriteResult, DeviceRef, ResolvedDevice } from '../store.js';
import { bq, type BqParamValue, type BqValue } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';

const DEFAULT_LIMIT = 100;
const STATUSES = new Set(['ok', 'capped', 'failed']);

/** Statements and their parameters, gathered for one transaction. */
export class Script {
  readonly statements: string[] = [];
  readonly params: Record<string, BqParamValue> = {};
  private next = 0;

  /** Adds `sql`, whose `:name` placeholders become parameters unique to this statement. */
  add(sql: string, values: Record<string, BqParamValue>): void {
    const prefix = `p${this.next++}_`;
    for (const [name, value] of Object.entries(values)) this.params[`${prefix}${name}`] = value;
    this.statements.push(sql.replace(/:(\w+)/g, (_, name: string) => `@${prefix}${name}`));
  }
}

export async function readRuleStates(connection: BigQueryConnection): Promise<RuleState[]> {
  const result = await connection.query(
    `SELECT rule_id, rule_version, flow_watermark, indicator_watermark, last_run_at, last_status,
       last_error_code, last_error, last_duration_ms, last_rows, last_success_at
     FROM rule_state ORDER BY rule_id`,
    {},
    { what: 'the read of rule states' },
  );
  return result.rows.map((row) => {
    const status = text(row['last_status']);
    return {
      ruleId: str(row['rule_id']),
      ruleVersion: text(row['rule_version']),
      flowWatermark: num(row['flow_watermark']),
      indicatorWatermark: num(row['indicator_watermark']),
      lastRunAt: num(row['last_run_at']),
      lastStatus: status !== null && STATUSES.has(status) ? (status as RuleState['lastStatus']) : null,
      lastErrorCode: text(row['last_error_code']),
      lastError: text(row['last_error']),
      lastDurationMs: num(row['last_duration_ms']),
      lastRows: num(row['last_rows']),
      lastSuccessAt: num(row['last_success_at']),
    };
  });
}

/**
 * Saves a run's outcome as DuckDB's upsert does (duckdb/rule-state.ts): an UPDATE of the rule's row,
 * then an INSERT when there was none. (The emulator cannot MERGE from a subquery, and it types a
 * parameter by where it is used, not by its declared type: hence the CASTs in the SELECT list.)
 */
export function saveRuleState(script: Script, update: RuleStateUpdate): void {
  const succeeded = update.status !== 'failed';
  const values = {
    rule: bq.string(update.ruleId),
    version: bq.string(succeeded ? update.ruleVersion : null),
    flow: bq.timestamp(update.flowWatermark),
    indicator: bq.timestamp(update.indicatorWatermark),
    at: bq.timestamp(update.runAt),
    status: bq.string(update.status),
    code: bq.string(update.errorCode),
    message: bq.string(update.errorMessage),
    duration: bq.float64(update.durationMs),
    rows: bq.int64(update.rows),
    success: bq.timestamp(succeeded ? update.runAt : null),
  };
  script.add(
    `UPDATE rule_state SET rule_version = COALESCE(:version, rule_version),
       flow_watermark = COALESCE(:flow, flow_watermark),
       indicator_watermark = COALESCE(:indicator, indicator_watermark),
       last_run_at = :at, last_status = :status, last_error_code = :code, last_error = :message,
       last_duration_ms = :duration, last_rows = :rows, last_success_at = COALESCE(:success, last_success_at)
     WHERE rule_id = :rule`,
    values,
  );
  script.add(
    `INSERT INTO rule_state (rule_id, rule_version, flow_watermark, indicator_watermark, last_run_at,
       last_status, last_error_code, last_error, last_duration_ms, last_rows, last_success_at)
     SELECT CAST(:rule AS STRING), CAST(:version AS STRING), CAST(:flow AS TIMESTAMP),
       CAST(:indicator AS TIMESTAMP), CAST(:at AS TIMESTAMP), CAST(:status AS STRING), CAST(:code AS STRING),
       CAST(:message AS STRING), CAST(:duration AS FLOAT64), CAST(:rows AS INT64), CAST(:success AS TIMESTAMP)
     FROM UNNEST([1])
     WHERE NOT EXISTS (SELECT 1 FROM rule_state WHERE rule_id = :rule)`,
    values,
  );
}

interface Pooled {
  id: string;
  isNew: boolean;
  isDirty: boolean;
  write: AlertWrite;
}

/**
 * Adds to `script` the statements that merge each write into the alert it repeats, or add it; the
 * candidates are read first (outside the transaction: one rule engine writes a rule's alerts).
 */
export async function planAlertWrites(
  connection: BigQueryConnection,
  script: Script,
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
  let created = 0;
  for (const alert of touched) {
    const values = { id: alert.id, now: bq.timestamp(now), ...changedValues(alert.write) };
    if (alert.isNew) {
      created++;
      const w = alert.write;
      script.add(
        `INSERT INTO alerts (id, rule_id, rule_version, severity, title, dedup_key, first_seen_at, last_seen_at,
           count, status, created_at, updated_at, device_mac, device_name, remote_addr, indicator_ids,
           indicator_sources, evidence, provenance)
         VALUES (:id, :rule, :version, :severity, :title, :key, :first, :last, :count, 'open', :now, :now,
           :mac, :name, :remote, :ids, :sources, :evidence, :provenance)`,
        {
          ...values,
          rule: w.ruleId,
          version: w.ruleVersion,
          severity: w.severity,
          title: w.title,
          key: w.dedupKey,
        },
      );
    } else {
      script.add(
        `UPDATE alerts SET first_seen_at = :first, last_seen_at = :last, count = :count, updated_at = :now,
           device_mac = :mac, device_name = :name, remote_addr = :remote, indicator_ids = :ids,
           indicator_sources = :sources, evidence = :evidence, provenance = :provenance
         WHERE id = :id`,
        values,
      );
    }
  }
  return { created, updated: touched.length - created };
}

function changedValues(write: AlertWrite): Record<string, BqParamValue> {
  for (const [name, at] of [
    ['firstSeenAt', write.firstSeenAt],
    ['lastSeenAt', write.lastSeenAt],
  ] as const) {
    if (!Number.isFinite(at)) throw new TypeError(`the alert's ${name} is not an instant (${at})`);
  }
  return {
    first: bq.timestamp(write.firstSeenAt),
    last: bq.timestamp(write.lastSeenAt),
    count: bq.int64(write.count),
    mac: bq.string(write.deviceMac),
    name: bq.string(write.deviceName),
    remote: bq.string(write.remoteAddr),
    ids: bq.array('STRING', write.indicatorIds),
    sources: bq.array('STRING', write.indicatorSources),
    evidence: JSON.stringify(write.evidence),
    provenance: JSON.stringify(write.provenance.map(provenanceToJson)),
  };
}

async function readCandidates(
  connection: BigQueryConnection,
  writes: readonly AlertWrite[],
): Promise<Map<string, Pooled[]>> {
  const rules = [...new Set(writes.map((w) => w.ruleId))];
  const keys = [...new Set(writes.map((w) => w.dedupKey))];
  const result = await connection.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts
     WHERE status <> 'closed' AND rule_id IN UNNEST(@rules) AND dedup_key IN UNNEST(@keys)`,
    { rules: bq.array('STRING', rules), keys: bq.array('STRING', keys) },
    { what: 'the read of alerts to merge repeats into' },
  );
  const pools = new Map<string, Pooled[]>();
  const byRule = new Map(writes.map((w) => [w.ruleId, w]));
  for (const row of result.rows) {
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

export const ALERT_COLUMNS = `id, rule_id, rule_version, severity, title, dedup_key, first_seen_at, last_seen_at,
  count, status, created_at, updated_at, device_mac, device_name, remote_addr, indicator_ids,
  indicator_sources, evidence, provenance`;

export async function readAlerts(connection: BigQueryConnection, filter: AlertFilter): Promise<Alert[]> {
  const where: string[] = [];
  const params: Record<string, BqParamValue> = {};
  if (filter.status !== undefined) {
    where.push('status = @status');
    params['status'] = filter.status;
  }
  if (filter.ruleId !== undefined) {
    where.push('rule_id = @rule');
    params['rule'] = filter.ruleId;
  }
  if (filter.since !== undefined) {
    where.push('last_seen_at >= @since');
    params['since'] = bq.timestamp(filter.since);
  }
  if (filter.minSeverity !== undefined) {
    where.push('severity IN UNNEST(@severities)');
    params['severities'] = bq.array(
      'STRING',
      ALERT_SEVERITIES.slice(ALERT_SEVERITIES.indexOf(filter.minSeverity)),
    );
  }
  const result = await connection.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY last_seen_at DESC, created_at DESC, id LIMIT ${limitOf(filter.limit, DEFAULT_LIMIT)}`,
    params,
    { what: 'the read of alerts' },
  );
  return result.rows.map(alertFromRow);
}

/** BigQuery's result values: strings, numbers as strings, arrays. */
export const BIGQUERY_VALUES: RowValues<BqValue> = {
  text: str,
  textOrNull: text,
  number: (value) => Number(value),
  textList,
};

export function alertFromRow(row: Record<string, BqValue>): Alert {
  return alertFromColumns(row, BIGQUERY_VALUES);
}

/** Names the device behind each reference (Store.resolveDevices), as DuckDB does. */
export async function resolveDevices(
  connection: BigQueryConnection,
  refs: readonly DeviceRef[],
): Promise<ResolvedDevice[]> {
  const cache = new Map<string, Promise<ResolvedDevice>>();
  return Promise.all(
    refs.map((ref) => {
      const key = `${ref.mac ?? ''}\u0000${ref.addr ?? ''}`;
      let device = cache.get(key);
      if (device === undefined) {
        device = resolveOne(connection, ref);
        cache.set(key, device);
      }
      return device;
    }),
  );
}

async function resolveOne(connection: BigQueryConnection, ref: DeviceRef): Promise<ResolvedDevice> {
  if (ref.mac !== null) {
    const result = await connection.query(
      'SELECT hostname, vendor FROM devices WHERE mac = @mac',
      { mac: ref.mac.toLowerCase() },
      { what: 'the read of a device name' },
    );
    const row = result.rows[0];
    return { mac: ref.mac, name: row ? (text(row['hostname']) ?? text(row['vendor'])) : null };
  }
  if (ref.addr === null) return { mac: null, name: null };
  const result = await connection.query(
    `SELECT a.mac, n.hostname, n.vendor FROM device_addresses a JOIN devices n ON n.mac = a.mac
     WHERE a.addr = @addr ORDER BY a.last_seen_at DESC, a.mac LIMIT 1`,
    { addr: ref.addr },
    { what: 'the read of a device name' },
  );
  const row = result.rows[0];
  if (row === undefined) return { mac: null, name: null };
  return { mac: str(row['mac']), name: text(row['hostname']) ?? text(row['vendor']) };
}

export function limitOf(limit: number | undefined, fallback: number): number {
  return limit === undefined || !Number.isFinite(limit) ? fallback : Math.max(0, Math.floor(limit));
}

export function text(value: BqValue | undefined): string | null {
  return value === null || value === undefined ? null : str(value);
}

/** A cell as text: JSON for a nested value, '' for none. */
export function str(value: BqValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return JSON.stringify(value);
}

export function num(value: BqValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function textList(value: BqValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
