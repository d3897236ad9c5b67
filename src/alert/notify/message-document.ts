/**
 * What a notification says, once, as a small document of headings, paragraphs, labelled fields and
 * lists; each channel renders it in its own markup with its own escaping (render-text, render-html,
 * render-markdown). Written for someone who is not a security engineer: which device, what it talked
 * to and when, why that is bad, what to do first, and where to look.
 */
import { ALERT_SEVERITIES, type AlertSeverity, type EpochMicros } from '../../records/index.js';
import type { AlertNotice, Notification } from './notification.js';

export interface Span {
  text: string;
  style?: 'bold' | 'code';
  /** Makes the span a link. */
  href?: string;
}

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; spans: Span[] }
  | { kind: 'fields'; fields: { label: string; spans: Span[] }[] }
  | { kind: 'list'; items: Span[][] };

export interface MessageDocument {
  /** One line, with the severity in front. */
  title: string;
  severity: AlertSeverity;
  blocks: Block[];
  /** The dashboard link of the whole notification, if any. */
  url: string | null;
  /** One sentence saying what happened (syslog, previews). */
  summary: string;
}

export interface DocumentOptions {
  /** IANA time zone for the times people read; default the process's zone. */
  timeZone?: string;
}

const SEVERITY_WORDS: Record<AlertSeverity, string> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFO',
};

const GENERIC_TRIAGE =
  'Find out which app or person on the device made the connection. If nobody recognises it, ' +
  'disconnect the device from the network and check it for malware before reconnecting it.';

export function buildMessageDocument(
  notification: Notification,
  options: DocumentOptions = {},
): MessageDocument {
  const title = `[${SEVERITY_WORDS[notification.severity]}] ${notification.title}`;
  const blocks: Block[] = [];
  if (notification.kind === 'test') {
    blocks.push({
      kind: 'paragraph',
      spans: [
        {
          text: 'This is a test message from Yamori. It shows what an alert looks like; nothing happened on your network.',
        },
      ],
    });
  }
  if (notification.kind === 'digest') {
    blocks.push(...digestBlocks(notification, options));
  } else {
    for (const notice of notification.alerts) {
      blocks.push(...alertBlocks({ ...notice, url: notice.url ?? notification.url }, options));
    }
  }
  const url = notification.url ?? (notification.alerts.length === 1 ? notification.alerts[0]!.url : null);
  const first = notification.kind === 'test' ? blocks[1] : blocks[0];
  const summary = first?.kind === 'paragraph' ? spansText(first.spans) : notification.title;
  return { title, severity: notification.severity, blocks, url, summary };
}

function alertBlocks(notice: AlertNotice, options: DocumentOptions): Block[] {
  const { alert, rule, device, remote } = notice;
  const deviceName = device?.name ?? alert.deviceName ?? 'A device on your network';
  const remoteAddr = remote?.addr ?? alert.remoteAddr;
  const blocks: Block[] = [];
  const summary: Span[] = [{ text: deviceName, style: 'bold' }];
  if (remoteAddr) {
    summary.push({ text: ' talked to ' }, { text: remoteAddr, style: 'bold' });
    const names = remote?.names ?? [];
    if (names.length > 0) summary.push({ text: ` (${names.slice(0, 3).join(', ')})` });
  } else {
    summary.push({ text: ' did something a detection rule flags' });
  }
  const times = alert.count === 1 ? 'once' : `${alert.count} times`;
  summary.push({ text: `, ${times}, ${describeSpan(alert.firstSeenAt, alert.lastSeenAt, options)}.` });
  blocks.push({ kind: 'paragraph', spans: summary });

  const fields: { label: string; spans: Span[] }[] = [];
  const deviceDetails = [
    device?.vendor,
    device?.mac ?? alert.deviceMac,
    ...(device?.addresses.slice(0, 3) ?? []),
  ].filter((part): part is string => typeof part === 'string' && part !== '' && part !== deviceName);
  fields.push({
    label: 'Device',
    spans: [{ text: deviceName, style: 'bold' }, ...detail(deviceDetails)],
  });
  if (remoteAddr) {
    const remoteDetails = [
      ...(remote?.names.slice(0, 3) ?? []),
      remote?.ptr && !remote.names.includes(remote.ptr) ? `reverse DNS ${remote.ptr}` : null,
      remote?.asn !== null && remote?.asn !== undefined
        ? `AS${remote.asn}${remote.asOrg ? ' ' + remote.asOrg : ''}`
        : null,
      remote?.country ?? null,
    ].filter((part): part is string => typeof part === 'string' && part !== '');
    fields.push({
      label: 'Talked to',
      spans: [{ text: remoteAddr, style: 'code' }, ...detail(remoteDetails)],
    });
  }
  fields.push({ label: 'First seen', spans: [{ text: formatInstant(alert.firstSeenAt, options) }] });
  if (alert.lastSeenAt !== alert.firstSeenAt) {
    fields.push({ label: 'Last seen', spans: [{ text: formatInstant(alert.lastSeenAt, options) }] });
  }
  fields.push({ label: 'Severity', spans: [{ text: alert.severity }] });
  fields.push({
    label: 'Rule',
    spans: rule ? [{ text: rule.title }, { text: ` (${rule.id})` }] : [{ text: alert.ruleId }],
  });
  blocks.push({ kind: 'fields', fields });

  blocks.push({ kind: 'heading', text: 'Why this matters' });
  if (rule?.description) blocks.push({ kind: 'paragraph', spans: [{ text: rule.description.trim() }] });
  const reasons: Span[][] = notice.indicators.map((indicator) => {
    const what = [
      indicator.threat ? threatWords(indicator.threat) : null,
      indicator.malwareFamily ? `(malware family ${indicator.malwareFamily})` : null,
    ]
      .filter(Boolean)
      .join(' ');
    const item: Span[] = [
      { text: indicator.value, style: 'code' },
      { text: ' is listed by ' },
      { text: indicator.source, style: 'bold' },
      { text: what ? ` as ${what}` : '' },
      { text: indicator.listedAt !== null ? ` since ${formatDate(indicator.listedAt, options)}` : '' },
    ];
    if (indicator.reference) item.push({ text: ' — ' }, { text: 'details', href: indicator.reference });
    return item.filter((span) => span.text !== '');
  });
  if (reasons.length === 0 && alert.indicatorSources.length > 0) {
    reasons.push([{ text: 'Listed by ' }, { text: alert.indicatorSources.join(', '), style: 'bold' }]);
  }
  if (reasons.length > 0) blocks.push({ kind: 'list', items: reasons });

  blocks.push({ kind: 'heading', text: 'What to do first' });
  blocks.push({ kind: 'paragraph', spans: [{ text: (rule?.triage || GENERIC_TRIAGE).trim() }] });

  const links: Span[][] = [];
  if (notice.url) links.push([{ text: 'Open this alert in the Yamori dashboard', href: notice.url }]);
  for (const reference of rule?.references ?? []) links.push([{ text: reference, href: reference }]);
  if (links.length > 0) blocks.push({ kind: 'heading', text: 'More' }, { kind: 'list', items: links });
  return blocks;
}

function digestBlocks(notification: Notification, options: DocumentOptions): Block[] {
  const count = notification.alerts.length;
  const rank = (notice: AlertNotice): number => ALERT_SEVERITIES.indexOf(notice.alert.severity);
  const sorted = [...notification.alerts].sort(
    (a, b) => rank(b) - rank(a) || a.alert.firstSeenAt - b.alert.firstSeenAt,
  );
  const items = sorted.map((notice): Span[] => {
    const { alert } = notice;
    const device = notice.device?.name ?? alert.deviceName;
    const remote = notice.remote?.addr ?? alert.remoteAddr;
    const spans: Span[] = [
      { text: `[${SEVERITY_WORDS[alert.severity]}] `, style: 'bold' },
      notice.url ? { text: alert.title, href: notice.url } : { text: alert.title },
    ];
    const who = [device, remote].filter(Boolean).join(' → ');
    spans.push({
      text: ` — ${who ? who + ', ' : ''}${formatInstant(alert.firstSeenAt, options)}${alert.count > 1 ? ` (${alert.count}×)` : ''}`,
    });
    return spans;
  });
  return [
    {
      kind: 'paragraph',
      spans: [{ text: `${count} alert${count === 1 ? '' : 's'} since the last digest, most severe first.` }],
    },
    { kind: 'list', items },
    ...(notification.url
      ? [
          {
            kind: 'paragraph' as const,
            spans: [{ text: 'Open the digest in the Yamori dashboard', href: notification.url }],
          },
        ]
      : []),
  ];
}

const THREAT_WORDS: Record<string, string> = {
  botnet_cc: 'a botnet command-and-control server',
  c2: 'a command-and-control server',
  malware_download: 'a malware download site',
  payload_delivery: 'a malware delivery site',
  phishing: 'a phishing site',
  scanner: 'a host that scans the internet for victims',
  spam: 'a spam source',
  tor_exit: 'a Tor exit node',
};

/** Feed threat labels in words ("botnet_cc" → "a botnet command-and-control server"). */
function threatWords(threat: string): string {
  return THREAT_WORDS[threat.toLowerCase()] ?? threat.replace(/_/g, ' ');
}

function detail(parts: string[]): Span[] {
  return parts.length > 0 ? [{ text: ` (${parts.join(', ')})` }] : [];
}

function describeSpan(from: EpochMicros, to: EpochMicros, options: DocumentOptions): string {
  if (to - from < 60_000_000) return `at ${formatHuman(from, options)}`;
  const start = formatHuman(from, options);
  const end = formatHuman(to, options);
  const [startDay, endDay] = [start, end].map((text) => text.slice(0, text.lastIndexOf(',')));
  return `from ${start} to ${startDay === endDay ? end.slice(end.lastIndexOf(',') + 2) : end}`;
}

/** "Mon 7 Dec 2026, 07:02 CET (2026-12-07T06:02:11Z)": human time in the reader's zone, then UTC ISO. */
export function formatInstant(at: EpochMicros, options: DocumentOptions = {}): string {
  return `${formatHuman(at, options)} (${isoTime(at)})`;
}

/** ISO 8601 in UTC to the second. */
export function isoTime(at: EpochMicros): string {
  return new Date(Math.floor(at / 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function formatHuman(at: EpochMicros, options: DocumentOptions): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  })
    .format(new Date(Math.floor(at / 1000)))
    .replace(/^(\w+),? /, '$1 ')
    .replace(/ at /, ', ');
}

function formatDate(at: EpochMicros, options: DocumentOptions): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(new Date(Math.floor(at / 1000)));
}

/** The plain text of spans, links as "text (url)" unless the text is the URL. */
export function spansText(spans: readonly Span[]): string {
  return spans
    .map((span) => (span.href && span.href !== span.text ? `${span.text} (${span.href})` : span.text))
    .join('');
}
