import { YamoriError } from '../errors/index.js';
import {
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  isAlertSeverity,
  isAlertStatus,
  type Alert,
  type RunProvenance,
} from '../records/index.js';
import { changeAlertStatus } from '../alert/index.js';
import type { AlertRouting, AlertStatusChange, Delivery } from '../store/index.js';
import { createAlertDelivery, deliverOnce, raiseFeedHealthAlerts } from './deliver-alerts.js';
import type { CliContext } from './cli-context.js';
import { withStore } from './open-store.js';
import { formatLocalTime, line, printJsonLines, printTable, type Column } from './output.js';
import { parsePositiveInteger, parseTimeFlag } from './parse-time.js';
import type { Register } from './run-cli.js';

interface AlertsOptions {
  status?: string;
  rule?: string;
  since?: string;
  severity?: string;
  limit: string;
  json?: boolean;
}

export const ALERT_COLUMNS: Column<Alert>[] = [
  { header: 'last seen', value: (a) => formatLocalTime(a.lastSeenAt) },
  { header: 'severity', value: (a) => a.severity },
  { header: 'status', value: (a) => a.status },
  { header: 'count', value: (a) => String(a.count), right: true },
  { header: 'rule', value: (a) => a.ruleId },
  { header: 'title', value: (a) => a.title },
];

export const registerAlertsCommand: Register = (program, context) => {
  const alerts = program.command('alerts').description('alerts the rules raised');
  alerts
    .command('list')
    .description('alerts, most recently seen first')
    .option('--status <status>', ALERT_STATUSES.join(', '))
    .option('--rule <id>', 'alerts of this rule')
    .option('--since <time>', 'seen at or after this time (e.g. 24h, 2026-11-28T10:00)')
    .option('--severity <level>', `this severity or worse: ${ALERT_SEVERITIES.join(', ')}`)
    .option('-n, --limit <n>', 'at most this many alerts', '100')
    .option('--json', 'one JSON object per line, with evidence and provenance')
    .action(async (options: AlertsOptions) => {
      const ctx = context();
      const status = options.status;
      if (status !== undefined && !isAlertStatus(status)) throw badValue('--status', status, ALERT_STATUSES);
      const severity = options.severity;
      if (severity !== undefined && !isAlertSeverity(severity))
        throw badValue('--severity', severity, ALERT_SEVERITIES);
      const filter = {
        ...(status !== undefined ? { status } : {}),
        ...(options.rule !== undefined ? { ruleId: options.rule } : {}),
        ...(options.since !== undefined ? { since: parseTimeFlag('--since', options.since, ctx.now()) } : {}),
        ...(severity !== undefined ? { minSeverity: severity } : {}),
        limit: parsePositiveInteger('--limit', options.limit, 1_000_000),
      };
      const found = await withStore(ctx.config(), (store) => store.listAlerts(filter));
      if (options.json) printJsonLines(ctx.output.out, found.map(alertToJson));
      else printTable(ctx.output.out, ALERT_COLUMNS, found);
    });

  alerts
    .command('show')
    .description('one alert with everything: evidence, provenance, routing, deliveries and status changes')
    .argument('<id>', 'the alert id (from "yamori alerts list --json")')
    .option('--json', 'one JSON object')
    .action(async (id: string, options: { json?: boolean }) => {
      const ctx = context();
      const shown = await withStore(ctx.config(), async (store) => {
        const alert = await store.getAlert(id);
        if (alert === null) throw new YamoriError('ALERT_NOT_FOUND', { id });
        return {
          alert,
          routing: (await store.listAlertRoutings([id]))[0] ?? null,
          deliveries: await store.listDeliveries({ alertId: id, limit: 1_000 }),
          events: await store.listAlertEvents(id),
        };
      });
      if (options.json) {
        printJsonLines(ctx.output.out, [
          {
            ...alertToJson(shown.alert),
            routing: shown.routing === null ? null : routingToJson(shown.routing),
            deliveries: shown.deliveries.map(deliveryToJson),
            events: shown.events.map(eventToJson),
          },
        ]);
      } else printAlert(ctx, shown);
    });

  for (const [verb, description] of [
    ['ack', 'acknowledge an open alert: someone is looking at it'],
    ['close', 'close an alert: dealt with; a repeat makes a new alert'],
    ['reopen', 'open an acknowledged or closed alert again'],
  ] as const) {
    alerts
      .command(verb)
      .description(description)
      .argument('<id>', 'the alert id')
      .option('-m, --comment <text>', 'why, stored with the change and the time')
      .action(async (id: string, options: { comment?: string }) => {
        const ctx = context();
        const status = await withStore(ctx.config(), (store) =>
          changeAlertStatus(store, id, verb, options.comment ?? null, ctx.now() * 1000),
        );
        if (!ctx.output.quiet) line(ctx.output.out, `alert ${id} is now ${status}`);
      });
  }

  alerts
    .command('deliver')
    .description('route new alerts (and feed-health problems) through alert.routes and send what is due')
    .option('--watch', 'keep running: check every few seconds until interrupted')
    .action(async (options: { watch?: boolean }) => {
      const ctx = context();
      await withStore(ctx.config(), async (store) => {
        if (!options.watch) {
          await deliverOnce(ctx, store);
          return;
        }
        await raiseFeedHealthAlerts(ctx, store);
        const delivery = createAlertDelivery(ctx, store);
        await delivery.worker.start();
        await new Promise<void>((resolveStop) => {
          process.once('SIGINT', resolveStop);
          process.once('SIGTERM', resolveStop);
        });
        await delivery.worker.stop();
        await delivery.close();
      });
    });
};

interface ShownAlert {
  alert: Alert;
  routing: AlertRouting | null;
  deliveries: Delivery[];
  events: AlertStatusChange[];
}

function printAlert(ctx: CliContext, { alert, routing, deliveries, events }: ShownAlert): void {
  const out = ctx.output.out;
  const row = (label: string, value: string | number | null): void =>
    line(out, `${label.padEnd(12)} ${value === null || value === '' ? '-' : value}`);
  row('id', alert.id);
  row('title', alert.title);
  row('rule', `${alert.ruleId} (version ${alert.ruleVersion})`);
  row(
    'severity',
    routing && routing.severity !== alert.severity
      ? `${alert.severity} (routed as ${routing.severity})`
      : alert.severity,
  );
  row('status', alert.status);
  row('count', alert.count);
  row('first seen', formatLocalTime(alert.firstSeenAt));
  row('last seen', formatLocalTime(alert.lastSeenAt));
  row('device', [alert.deviceName, alert.deviceMac].filter(Boolean).join(' '));
  row('remote', alert.remoteAddr);
  row('indicators', alert.indicatorIds.join(', '));
  row('sources', alert.indicatorSources.join(', '));
  line(out, 'evidence');
  for (const evidence of alert.evidence) line(out, `  ${JSON.stringify(evidence)}`);
  line(out, 'provenance');
  for (const run of alert.provenance) {
    line(
      out,
      `  ${run.pass} run at ${formatLocalTime(run.runAt)}, window ${formatLocalTime(run.windowStart)} – ${formatLocalTime(run.windowEnd)}`,
    );
  }
  if (routing === null) row('routing', 'not routed yet ("yamori alerts deliver")');
  else {
    row('routes', routing.routes.length > 0 ? routing.routes.join(', ') : 'none matched');
    row('notified', routing.notified.join(', '));
    row('digest', routing.digested.join(', '));
    if (routing.suppressed) row('suppressed', 'yes');
    if (routing.blocked) row('blocked', 'yes');
  }
  line(out, 'deliveries');
  for (const d of deliveries) {
    const when =
      d.sentAt !== null
        ? `sent ${formatLocalTime(d.sentAt)}`
        : d.nextAttemptAt !== null
          ? `next ${formatLocalTime(d.nextAttemptAt)}`
          : '';
    line(
      out,
      `  ${d.channel.padEnd(12)} ${d.kind.padEnd(7)} ${d.state.padEnd(8)} attempts ${d.attempts}  ${when}${d.lastError ? `  last error: ${d.lastError}` : ''}`,
    );
  }
  line(out, 'history');
  for (const e of events) {
    line(out, `  ${formatLocalTime(e.at)}  ${e.from} → ${e.to}${e.comment ? `: ${e.comment}` : ''}`);
  }
}

function routingToJson(routing: AlertRouting): Record<string, unknown> {
  return {
    routed_at: iso(routing.routedAt),
    routes: routing.routes,
    severity: routing.severity,
    notified: routing.notified,
    digested: routing.digested,
    suppressed: routing.suppressed,
    blocked: routing.blocked,
  };
}

function deliveryToJson(d: Delivery): Record<string, unknown> {
  return {
    key: d.key,
    kind: d.kind,
    channel: d.channel,
    route: d.route,
    state: d.state,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
    last_error: d.lastError,
    sent_at: d.sentAt === null ? null : iso(d.sentAt),
  };
}

function eventToJson(e: AlertStatusChange): Record<string, unknown> {
  return { at: iso(e.at), from: e.from, to: e.to, comment: e.comment };
}

function badValue(flag: string, value: string, allowed: readonly string[]): YamoriError {
  return new YamoriError('CLI_BAD_VALUE', {
    flag,
    value,
    expected: `one of ${allowed.join(', ')}`,
    example: `For example ${flag} ${allowed[allowed.length - 1] ?? ''}.`,
  });
}

const iso = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString();

export function alertToJson(alert: Alert): Record<string, unknown> {
  return {
    id: alert.id,
    rule_id: alert.ruleId,
    rule_version: alert.ruleVersion,
    severity: alert.severity,
    status: alert.status,
    title: alert.title,
    dedup_key: alert.dedupKey,
    first_seen_at: iso(alert.firstSeenAt),
    last_seen_at: iso(alert.lastSeenAt),
    count: alert.count,
    created_at: iso(alert.createdAt),
    updated_at: iso(alert.updatedAt),
    device_mac: alert.deviceMac,
    device_name: alert.deviceName,
    remote_addr: alert.remoteAddr,
    indicator_ids: alert.indicatorIds,
    indicator_sources: alert.indicatorSources,
    evidence: alert.evidence,
    provenance: alert.provenance.map(provenanceToJson),
  };
}

function provenanceToJson(run: RunProvenance): Record<string, unknown> {
  return {
    rule_id: run.ruleId,
    rule_version: run.ruleVersion,
    pass: run.pass,
    window_start: iso(run.windowStart),
    window_end: iso(run.windowEnd),
    indicators_since: iso(run.indicatorsSince),
    indicators_until: iso(run.indicatorsUntil),
    run_at: iso(run.runAt),
  };
}
