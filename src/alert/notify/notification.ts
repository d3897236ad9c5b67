import type { Alert, AlertSeverity, EpochMicros } from '../../records/index.js';

/**
 * What a notifier sends: one alert, a digest of several, a feed-health problem, or a test message.
 * Built by the delivery stage from a stored alert, the rule's metadata and the enrichment; rendered
 * by each channel in its own shape (Slack blocks, e-mail text and HTML, syslog line …).
 */
export interface Notification {
  kind: 'alert' | 'digest' | 'feed-health' | 'test';
  /** The highest severity among the alerts it carries. */
  severity: AlertSeverity;
  /** One line a person reads first. */
  title: string;
  alerts: AlertNotice[];
  /** Link to the dashboard page of this alert or digest; null when no dashboard URL is configured. */
  url: string | null;
  createdAt: EpochMicros;
}

/** One alert with everything a person needs to understand it without opening anything. */
export interface AlertNotice {
  alert: Alert;
  rule: RuleNotice | null;
  device: DeviceNotice | null;
  remote: RemoteNotice | null;
  indicators: IndicatorNotice[];
  /** Link to the alert on the dashboard; null when no dashboard URL is configured. */
  url: string | null;
}

export interface RuleNotice {
  id: string;
  title: string;
  description: string;
  /** What to do first, in words a non-expert follows. */
  triage: string;
  references: string[];
  tags: string[];
}

export interface DeviceNotice {
  mac: string | null;
  /** Hostname, else vendor, else MAC or address. */
  name: string;
  vendor: string | null;
  addresses: string[];
}

export interface RemoteNotice {
  addr: string;
  /** Names the network resolved for it (DNS answers, SNI, Host), most recent first. */
  names: string[];
  asn: number | null;
  asOrg: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  /** Reverse DNS name, where enrichment may look it up. */
  ptr: string | null;
}

export interface IndicatorNotice {
  id: string;
  source: string;
  type: string;
  value: string;
  threat: string | null;
  malwareFamily: string | null;
  reference: string | null;
  listedAt: EpochMicros | null;
}

export interface SendOptions {
  /** The same for every attempt of one delivery; channels that support it pass it on (header, field). */
  idempotencyKey: string;
  /** Aborted when the attempt times out or the process stops. */
  signal: AbortSignal;
}

/** One configured channel (`alert.channels.NAME`). */
export interface Notifier {
  readonly name: string;
  readonly type: string;
  /** Resolves when the channel accepted the message; throws DeliveryFailure (or any error: retryable). */
  send(notification: Notification, options: SendOptions): Promise<void>;
  /** Releases sockets and connections. */
  close?(): Promise<void>;
}

/**
 * A send that failed. `permanent` failures (a 4xx other than 408/429, a rejected recipient) are not
 * retried; others are, after `retryAfterMs` when the channel said so (HTTP Retry-After).
 */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}
