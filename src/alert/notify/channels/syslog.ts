import { createSocket } from 'node:dgram';
import { hostname as osHostname } from 'node:os';
import { connect, isIPv6 } from 'node:net';
import { SYSLOG_FACILITIES, type SyslogChannelConfig } from '../../../config/index.js';
import type { AlertSeverity } from '../../../records/index.js';
import { buildMessageDocument } from '../message-document.js';
import { DeliveryFailure, type Notification, type Notifier } from '../notification.js';
import { renderOneLine } from '../render-text.js';
import type { NotifierDeps } from './channel-deps.js';

/** RFC 5424 severities: critical → 2 (Critical) … info → 6 (Informational). */
export const SYSLOG_SEVERITY: Record<AlertSeverity, number> = {
  critical: 2,
  high: 3,
  medium: 4,
  low: 5,
  info: 6,
};

/**
 * The SD-ID of Yamori's structured data. 32473 is the private enterprise number RFC 5612 reserves for
 * documentation; a deployment that needs its own can filter on the name part.
 */
export const SD_ID = 'yamori@32473';

/** RFC 5426 asks receivers to take 2048-byte datagrams; longer TCP messages are fine. */
const MAX_UDP_BYTES = 2048;
const MAX_TCP_BYTES = 16 * 1024;

export interface SyslogLineOptions {
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
  timestamp: Date;
  idempotencyKey: string;
  message: string;
  maxBytes: number;
}

/** One RFC 5424 message: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] BOM+MSG`. */
export function syslogLine(notification: Notification, options: SyslogLineOptions): Buffer {
  const pri = options.facility * 8 + SYSLOG_SEVERITY[notification.severity];
  const params: [string, string][] = [
    ['kind', notification.kind],
    ['severity', notification.severity],
    ['idempotency_key', options.idempotencyKey],
  ];
  if (notification.url) params.push(['url', notification.url]);
  // Structured data takes at most half the message, so the text always has room; the rest is counted.
  const budget = Math.floor(options.maxBytes / 2);
  const rendered = (list: [string, string][]): string =>
    `[${SD_ID} ${list.map(([key, value]) => `${key}="${escapeParam(value)}"`).join(' ')}]`;
  let omitted = 0;
  for (const notice of notification.alerts) {
    const device = notice.device?.name ?? notice.alert.deviceName;
    const remote = notice.remote?.addr ?? notice.alert.remoteAddr;
    const more: [string, string][] = [
      ['alert_id', notice.alert.id],
      ['rule', notice.alert.ruleId],
      ...(device ? [['device', device] as [string, string]] : []),
      ...(remote ? [['remote', remote] as [string, string]] : []),
    ];
    if (omitted === 0 && Buffer.byteLength(rendered([...params, ...more])) + 40 <= budget)
      params.push(...more);
    else omitted++;
  }
  if (omitted > 0) params.push(['alerts_omitted', String(omitted)]);
  const sd = rendered(params);
  const header = [
    `<${pri}>1`,
    options.timestamp.toISOString(),
    headerField(options.hostname, 255),
    headerField(options.appName, 48),
    headerField(options.procId, 128),
    headerField(notification.kind, 32),
    sd,
  ].join(' ');
  const head = Buffer.from(header + ' \ufeff', 'utf8');
  const room = Math.max(0, options.maxBytes - head.length);
  return Buffer.concat([head, truncateUtf8(options.message, room)]);
}

/** Inside PARAM-VALUE, '"', '\' and ']' must be escaped with a backslash (RFC 5424 6.3.3). */
function escapeParam(value: string): string {
  return value.replace(/["\\\]]/g, '\\$&');
}

/** Header fields are printable US-ASCII without spaces, or "-" (the NILVALUE). */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

function truncateUtf8(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/**
 * Syslog, RFC 5424: one datagram per message over UDP (RFC 5426), or octet-counted frames over TCP
 * (RFC 6587 "LEN SP MSG"). Severity follows the alert's; facility and app name come from the config.
 */
export function createSyslogNotifier(
  name: string,
  config: SyslogChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  const now = deps.now ?? Date.now;
  const host = deps.hostname ?? osHostname();
  const pid = String(deps.pid ?? process.pid);
  return {
    name,
    type: 'syslog',
    async send(notification, options) {
      const doc = buildMessageDocument(notification, { timeZone: deps.timeZone });
      const line = syslogLine(notification, {
        facility: SYSLOG_FACILITIES[config.facility] ?? 16,
        hostname: host,
        appName: config.appName,
        procId: pid,
        timestamp: new Date(now()),
        idempotencyKey: options.idempotencyKey,
        message: renderOneLine(doc),
        maxBytes: config.protocol === 'udp' ? MAX_UDP_BYTES : MAX_TCP_BYTES,
      });
      if (config.protocol === 'udp') await sendUdp(name, config, line, options.signal);
      else await sendTcp(name, config, Buffer.concat([Buffer.from(`${line.length} `), line]), options.signal);
    },
  };
}

function sendUdp(
  name: string,
  config: SyslogChannelConfig,
  line: Buffer,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(config.host) ? 'udp6' : 'udp4');
    const fail = (error: Error): void => {
      socket.close();
      reject(
        new DeliveryFailure(
          `${name}: cannot send to ${config.host}:${config.port}/udp: ${error.message}`,
          false,
        ),
      );
    };
    socket.once('error', fail);
    if (signal.aborted) return fail(new Error('attempt aborted'));
    socket.send(line, config.port, config.host, (error) => {
      if (error) return fail(error);
      socket.close();
      resolve();
    });
  });
}

function sendTcp(
  name: string,
  config: SyslogChannelConfig,
  frame: Buffer,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = `${config.host}:${config.port}/tcp`;
    const socket = connect({ host: config.host, port: config.port });
    const onAbort = (): void => {
      socket.destroy();
      reject(
        new DeliveryFailure(`${name}: ${target} did not take the message in time (attempt aborted)`, false),
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(new DeliveryFailure(`${name}: cannot send to ${target}: ${error.message}`, false));
    });
    socket.once('connect', () => {
      socket.end(frame, () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve();
      });
    });
  });
}
