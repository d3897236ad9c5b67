import { ALERT_SEVERITIES, type Alert, type AlertSeverity, type EpochMicros } from '../../records/index.js';
import type { Store } from '../../store/index.js';
import type {
  AlertNotice,
  DeviceNotice,
  IndicatorNotice,
  Notification,
  RemoteNotice,
  RuleNotice,
} from '../notify/notification.js';

/** What enrichment knows about a remote address (alert/enrich's Enricher.enrich fits). */
export interface RemoteFacts {
  asn: number | null;
  asOrg: string | null;
  country: string | null;
  ptr: string | null;
}

export interface NotificationBuilderDeps {
  store: Store;
  /** The rule's metadata (title, description, triage, references, tags); null for an unknown rule. */
  ruleInfo: (ruleId: string) => RuleNotice | null;
  /** ASN, country and PTR of an address; without it those stay null. */
  enrich?: (addr: string) => Promise<RemoteFacts>;
  /** `alert.dashboard_url`; links are left out when null. */
  dashboardUrl?: string | null;
}

export interface NotificationBuilder {
  /** One alert with its rule, device, remote and indicators, as notifiers show it. */
  notice(alert: Alert): Promise<AlertNotice>;
  /** The message for one delivery: one alert (or feed-health alert), or a digest of several. */
  build(kind: Notification['kind'], alerts: readonly Alert[], createdAt: EpochMicros): Promise<Notification>;
}

/**
 * Builds notifications from stored alerts: rule metadata, the device (device_names), what the
 * network called the remote address (DNS answers, SNI), the indicators behind it (source, threat,
 * reference), enrichment, and dashboard links. Reads only; a part that cannot be read stays null.
 */
export function createNotificationBuilder(deps: NotificationBuilderDeps): NotificationBuilder {
  const base = deps.dashboardUrl?.replace(/\/+$/, '') ?? null;
  const notice = async (alert: Alert): Promise<AlertNotice> => ({
    alert,
    rule: deps.ruleInfo(alert.ruleId),
    device: await describeDevice(deps.store, alert),
    remote: alert.remoteAddr === null ? null : await describeRemote(deps, alert.remoteAddr),
    indicators: await describeIndicators(deps.store, alert.indicatorIds),
    url: base === null ? null : `${base}/alerts/${alert.id}`,
  });
  return {
    notice,
    async build(kind, alerts, createdAt) {
      const notices: AlertNotice[] = [];
      for (const alert of alerts) notices.push(await notice(alert));
      const severity = highest(alerts.map((a) => a.severity));
      const first = alerts[0];
      const title = kind === 'digest' ? digestTitle(alerts) : (first?.title ?? 'alert');
      return {
        kind,
        severity,
        title,
        alerts: notices,
        url: base === null ? null : kind === 'digest' ? `${base}/alerts` : (notices[0]?.url ?? null),
        createdAt,
      };
    },
  };
}

function highest(severities: readonly AlertSeverity[]): AlertSeverity {
  let rank = 0;
  for (const s of severities) rank = Math.max(rank, ALERT_SEVERITIES.indexOf(s));
  return ALERT_SEVERITIES[rank]!;
}

/** "Digest: 3 alerts (1 high, 2 low)". */
function digestTitle(alerts: readonly Alert[]): string {
  const counts = [...ALERT_SEVERITIES]
    .reverse()
    .map((severity) => [severity, alerts.filter((a) => a.severity === severity).length] as const)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`);
  return `Digest: ${alerts.length} alert${alerts.length === 1 ? '' : 's'} (${counts.join(', ')})`;
}

async function describeDevice(store: Store, alert: Alert): Promise<DeviceNotice | null> {
  if (alert.deviceMac === null && alert.deviceName === null) return null;
  let vendor: string | null = null;
  let addresses: string[] = [];
  if (alert.deviceMac !== null) {
    const [device] = await store.listDevices({ mac: alert.deviceMac, limit: 1 });
    if (device !== undefined) {
      vendor = device.vendor;
      addresses = device.addresses.map((a) => a.addr);
    }
  }
  return {
    mac: alert.deviceMac,
    name: alert.deviceName ?? vendor ?? alert.deviceMac ?? 'unknown device',
    vendor,
    addresses,
  };
}

async function describeRemote(deps: NotificationBuilderDeps, addr: string): Promise<RemoteNotice> {
  const names = new Set<string>();
  for (const answer of await deps.store.listDns({ answer: addr, limit: 20 })) {
    names.add(answer.queryName.replace(/\.$/, ''));
  }
  for (const flow of await deps.store.listFlows({ dstAddr: addr, limit: 50 })) {
    if (flow.serverName) names.add(flow.serverName);
  }
  const facts = deps.enrich ? await deps.enrich(addr).catch(() => null) : null;
  return {
    addr,
    names: [...names].slice(0, 10),
    asn: facts?.asn ?? null,
    asOrg: facts?.asOrg ?? null,
    country: facts?.country ?? null,
    ptr: facts?.ptr ?? null,
  };
}

async function describeIndicators(store: Store, ids: readonly string[]): Promise<IndicatorNotice[]> {
  if (ids.length === 0) return [];
  const result = await store.query(
    `SELECT CAST(id AS VARCHAR) AS id, source, type, value, threat, malware_family, reference, epoch_us(first_listed_at) AS listed_at
     FROM indicators WHERE list_contains(from_json($ids, '["VARCHAR"]'), CAST(id AS VARCHAR)) ORDER BY source, value`,
    { ids: JSON.stringify(ids) },
  );
  return result.rows.map((row) => ({
    id: String(row['id']),
    source: String(row['source']),
    type: String(row['type']),
    value: String(row['value']),
    threat: nullableText(row['threat']),
    malwareFamily: nullableText(row['malware_family']),
    reference: nullableText(row['reference']),
    listedAt: row['listed_at'] === null || row['listed_at'] === undefined ? null : Number(row['listed_at']),
  }));
}

function nullableText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
