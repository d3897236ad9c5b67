import { isoTime } from './message-document.js';
import type { AlertNotice, Notification } from './notification.js';

/** The version of the JSON the webhook and file channels write; bumped only on incompatible change. */
export const PAYLOAD_SCHEMA = 'yamori.notification/v1';

/**
 * The JSON object the generic webhook POSTs and the file channel appends (README "Webhook payload").
 * snake_case keys, instants as ISO 8601 UTC, absent values as null; fields are only ever added to v1.
 */
export function notificationPayload(
  notification: Notification,
  idempotencyKey: string,
  text: string,
): Record<string, unknown> {
  return {
    schema: PAYLOAD_SCHEMA,
    idempotency_key: idempotencyKey,
    kind: notification.kind,
    severity: notification.severity,
    title: notification.title,
    url: notification.url,
    created_at: isoTime(notification.createdAt),
    text,
    alerts: notification.alerts.map(alertPayload),
  };
}

function alertPayload(notice: AlertNotice): Record<string, unknown> {
  const { alert, rule, device, remote } = notice;
  return {
    id: alert.id,
    rule_id: alert.ruleId,
    rule_title: rule?.title ?? null,
    severity: alert.severity,
    title: alert.title,
    status: alert.status,
    count: alert.count,
    first_seen_at: isoTime(alert.firstSeenAt),
    last_seen_at: isoTime(alert.lastSeenAt),
    url: notice.url,
    device: {
      name: device?.name ?? alert.deviceName,
      mac: device?.mac ?? alert.deviceMac,
      vendor: device?.vendor ?? null,
      addresses: device?.addresses ?? [],
    },
    remote:
      remote === null && alert.remoteAddr === null
        ? null
        : {
            addr: remote?.addr ?? alert.remoteAddr,
            names: remote?.names ?? [],
            asn: remote?.asn ?? null,
            as_org: remote?.asOrg ?? null,
            country: remote?.country ?? null,
            ptr: remote?.ptr ?? null,
          },
    indicators: notice.indicators.map((indicator) => ({
      id: indicator.id,
      source: indicator.source,
      type: indicator.type,
      value: indicator.value,
      threat: indicator.threat,
      malware_family: indicator.malwareFamily,
      reference: indicator.reference,
      listed_at: indicator.listedAt === null ? null : isoTime(indicator.listedAt),
    })),
    triage: rule?.triage ?? null,
    references: rule?.references ?? [],
    tags: rule?.tags ?? [],
    evidence: alert.evidence,
  };
}
