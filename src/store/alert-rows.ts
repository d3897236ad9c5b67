import type { Alert, AlertWrite, EpochMicros, RunProvenance } from '../records/index.js';
import { isAlertSeverity, isAlertStatus } from '../records/index.js';
import { isoFromMicros } from './duckdb/json-value.js';
import type { AlertRouting } from './store.js';

/*
 * Alerts and routing decisions as both engines store them: how a repeat merges into an alert, the
 * provenance JSON, and the rows read back. Each engine hands its result rows over with the few
 * conversions its values need (DuckDB gives bigints and list objects, BigQuery strings and arrays).
 */

/** How one engine's result values read as text, numbers and lists of text. */
export interface RowValues<V> {
  text(value: V | undefined): string;
  textOrNull(value: V | undefined): string | null;
  number(value: V | undefined): number;
  textList(value: V | undefined): string[];
}

export function alertFromColumns<V>(row: Readonly<Record<string, V>>, values: RowValues<V>): Alert {
  const severity = values.text(row['severity']);
  const status = values.text(row['status']);
  return {
    id: values.text(row['id']),
    ruleId: values.text(row['rule_id']),
    ruleVersion: values.text(row['rule_version']),
    severity: isAlertSeverity(severity) ? severity : 'info',
    title: values.text(row['title']),
    dedupKey: values.text(row['dedup_key']),
    firstSeenAt: values.number(row['first_seen_at']),
    lastSeenAt: values.number(row['last_seen_at']),
    count: values.number(row['count']),
    status: isAlertStatus(status) ? status : 'open',
    createdAt: values.number(row['created_at']),
    updatedAt: values.number(row['updated_at']),
    deviceMac: values.textOrNull(row['device_mac']),
    deviceName: values.textOrNull(row['device_name']),
    remoteAddr: values.textOrNull(row['remote_addr']),
    indicatorIds: values.textList(row['indicator_ids']),
    indicatorSources: values.textList(row['indicator_sources']),
    evidence: JSON.parse(values.text(row['evidence'])) as Record<string, unknown>[],
    provenance: (JSON.parse(values.text(row['provenance'])) as Record<string, unknown>[]).map(
      provenanceFromJson,
    ),
  };
}

export function routingFromColumns<V>(row: Readonly<Record<string, V>>, values: RowValues<V>): AlertRouting {
  const severity = values.text(row['severity']);
  return {
    alertId: values.text(row['alert_id']),
    routedAt: values.number(row['routed_at']),
    routes: values.textList(row['routes']),
    severity: isAlertSeverity(severity) ? severity : 'info',
    notified: values.textList(row['notified']),
    digested: values.textList(row['digested']),
    suppressed: row['suppressed'] === true,
    blocked: row['blocked'] === true,
    throttleKey: values.textOrNull(row['throttle_key']),
  };
}

/** A write repeats an alert when their seen times lie within the write's suppression period. */
export function overlaps(alert: AlertWrite, write: AlertWrite): boolean {
  const slack = write.suppressForUs;
  return alert.lastSeenAt + slack >= write.firstSeenAt && write.lastSeenAt + slack >= alert.firstSeenAt;
}

/** An alert with a repeat merged in (Store.commitRuleRun); both engines merge with it. */
export function merge(into: AlertWrite, write: AlertWrite): AlertWrite {
  const max = write.maxEvidenceRows;
  const provenance = [...into.provenance];
  for (const run of write.provenance) {
    if (provenance.length >= max) break;
    if (!provenance.some((seen) => sameRun(seen, run))) provenance.push(run);
  }
  return {
    ...into,
    firstSeenAt: Math.min(into.firstSeenAt, write.firstSeenAt),
    lastSeenAt: Math.max(into.lastSeenAt, write.lastSeenAt),
    count: into.count + write.count,
    deviceMac: into.deviceMac ?? write.deviceMac,
    deviceName: into.deviceName ?? write.deviceName,
    remoteAddr: into.remoteAddr ?? write.remoteAddr,
    indicatorIds: union(into.indicatorIds, write.indicatorIds),
    indicatorSources: union(into.indicatorSources, write.indicatorSources),
    evidence: [...into.evidence, ...write.evidence].slice(0, max),
    provenance,
    suppressForUs: write.suppressForUs,
    maxEvidenceRows: max,
  };
}

function sameRun(a: RunProvenance, b: RunProvenance): boolean {
  return a.pass === b.pass && a.runAt === b.runAt && a.ruleVersion === b.ruleVersion;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

export function provenanceToJson(run: RunProvenance): Record<string, unknown> {
  return {
    rule_id: run.ruleId,
    rule_version: run.ruleVersion,
    pass: run.pass,
    window_start: isoFromMicros(BigInt(run.windowStart)),
    window_end: isoFromMicros(BigInt(run.windowEnd)),
    indicators_since: isoFromMicros(BigInt(run.indicatorsSince)),
    indicators_until: isoFromMicros(BigInt(run.indicatorsUntil)),
    run_at: isoFromMicros(BigInt(run.runAt)),
  };
}

export function provenanceFromJson(json: Record<string, unknown>): RunProvenance {
  return {
    ruleId: String(json['rule_id']),
    ruleVersion: String(json['rule_version']),
    pass: json['pass'] === 'retro-hunt' ? 'retro-hunt' : 'window',
    windowStart: microsFromIso(json['window_start']),
    windowEnd: microsFromIso(json['window_end']),
    indicatorsSince: microsFromIso(json['indicators_since']),
    indicatorsUntil: microsFromIso(json['indicators_until']),
    runAt: microsFromIso(json['run_at']),
  };
}

function microsFromIso(value: unknown): EpochMicros {
  const text = String(value);
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(text);
  if (match === null) return Date.parse(text) * 1000;
  const fraction = (match[2] ?? '').padEnd(6, '0');
  return Date.parse(`${match[1]}Z`) * 1000 + Number(fraction);
}
