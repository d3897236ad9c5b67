/**
 * The JSON API over the store, one handler per route. Handlers read only checked parameters
 * (api-params.ts) and hand them to the store, which binds them; changes to alerts go through the same
 * function as "yamori alerts ack|close|reopen".
 */
import { changeAlertStatus, type AlertVerb } from '../alert/index.js';
import { YamoriError } from '../errors/index.js';
import {
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  type Alert,
  type EpochMicros,
  type FlowDirection,
} from '../records/index.js';
import type { WebServerDeps } from './web-server.js';
import { cursorParam, encodeCursor, enumParam, integerParam, textParam, timeParam } from './api-params.js';
import { bodyText } from './http-exchange.js';
import { describeIndicators } from './alert-indicators.js';
import { summariseRemotes } from './remote-summary.js';

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** Who asks: "session" or "token:NAME"; written into alert comments' trail. */
  actor: string;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  /** Path with `:name` segments, e.g. /api/alerts/:id. */
  pattern: string;
  handle(request: ApiRequest): Promise<unknown>;
}

const FLOW_DIRECTIONS: readonly FlowDirection[] = ['outbound', 'inbound', 'internal', 'external'];
const RANGES = { '1h': 3_600, '6h': 21_600, '24h': 86_400, '7d': 604_800, '30d': 2_592_000 } as const;
const OVERVIEW_STEP_US = 300_000_000;
/** A device page shows the peers of the last 30 days. */
const PEER_WINDOW_US = 30 * 86_400_000_000;

/** The routes that need a session or token (login, logout and the session probe live in web-server.ts). */
export function createApiRoutes(deps: WebServerDeps, nowMs: () => number): ApiRoute[] {
  const { store } = deps;
  const nowUs = (): EpochMicros => nowMs() * 1000;

  const alertAction = (verb: AlertVerb): ApiRoute => ({
    method: 'POST',
    pattern: `/api/alerts/:id/${verb}`,
    async handle({ params, body }) {
      const comment = bodyText(body, 'comment') ?? null;
      const status = await changeAlertStatus(store, params['id']!, verb, comment, nowUs());
      return { id: params['id'], status };
    },
  });

  return [
    {
      method: 'GET',
      pattern: '/api/overview',
      async handle({ query }) {
        const range = enumParam(query, 'range', Object.keys(RANGES) as (keyof typeof RANGES)[]) ?? '24h';
        // The range ends at the next 5-minute mark, so that its 48 buckets of 24 h, 7 d and 30 d are
        // whole 5-minute steps and the store can read them from its rollups.
        const until = Math.ceil(nowUs() / OVERVIEW_STEP_US) * OVERVIEW_STEP_US;
        const since = until - RANGES[range] * 1_000_000;
        const overview = await store.dashboardOverview({ since, until, buckets: 48, top: 10 });
        const feeds = await deps.feedStatus();
        const enabled = feeds.filter((feed) => feed.feed.enabled);
        return {
          range,
          sinceAt: since,
          untilAt: until,
          ...overview,
          remotes: await summariseRemotes(overview.topRemotes, deps.enrich, 10),
          topRemotes: overview.topRemotes.slice(0, 10),
          feeds: {
            enabled: enabled.length,
            healthy: enabled.filter((feed) => feed.health.status === 'healthy').length,
            problems: enabled
              .filter((feed) => feed.health.status !== 'healthy')
              .map((feed) => ({
                name: feed.feed.name,
                status: feed.health.status,
                problem: feed.health.problem,
              })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/api/devices',
      async handle({ query }) {
        const devices = await store.listDevices({ limit: integerParam(query, 'limit', 1, 5000) ?? 1000 });
        return { devices };
      },
    },
    {
      method: 'GET',
      pattern: '/api/devices/:mac',
      async handle({ params }) {
        const mac = params['mac']!;
        const [device] = await store.listDevices({ mac, limit: 1 });
        if (device === undefined) throw new YamoriError('WEB_NOT_FOUND', { what: 'device', id: mac });
        const [peers, alerts] = await Promise.all([
          store.devicePeers(device.mac, { since: nowUs() - PEER_WINDOW_US, limit: 50 }),
          store.pageAlerts({ deviceMac: device.mac, limit: 50 }),
        ]);
        return { device, peers, alerts: alerts.map(alertSummary) };
      },
    },
    {
      method: 'GET',
      pattern: '/api/flows',
      async handle({ query }) {
        const now = nowMs();
        const filter = {
          device: textParam(query, 'device'),
          addr: textParam(query, 'addr'),
          port: integerParam(query, 'port', 0, 65_535),
          protocol: textParam(query, 'protocol'),
          name: textParam(query, 'name'),
          direction: enumParam(query, 'direction', FLOW_DIRECTIONS),
          since: timeParam(query, 'since', now),
          until: timeParam(query, 'until', now),
          before: cursorParam(query, 'before'),
          limit: integerParam(query, 'limit', 1, 500) ?? 50,
        };
        const page = await store.pageFlows(filter);
        return { flows: page.flows, next: page.next === null ? null : encodeCursor(page.next) };
      },
    },
    {
      method: 'GET',
      pattern: '/api/alerts',
      async handle({ query }) {
        const alerts = await store.pageAlerts({
          status: enumParam(query, 'status', ALERT_STATUSES),
          minSeverity: enumParam(query, 'severity', ALERT_SEVERITIES),
          ruleId: textParam(query, 'rule'),
          deviceMac: textParam(query, 'device'),
          text: textParam(query, 'q'),
          limit: integerParam(query, 'limit', 1, 500) ?? 100,
        });
        return { alerts: alerts.map(alertSummary) };
      },
    },
    {
      method: 'GET',
      pattern: '/api/alerts/:id',
      async handle({ params }) {
        const alert = await store.getAlert(params['id']!);
        if (alert === null) throw new YamoriError('WEB_NOT_FOUND', { what: 'alert', id: params['id']! });
        const rule = deps.rules().find((one) => one.definition.id === alert.ruleId)?.definition ?? null;
        return {
          alert,
          events: await store.listAlertEvents(alert.id),
          indicators: await describeIndicators(store, alert),
          remote:
            alert.remoteAddr === null || deps.enrich === undefined
              ? null
              : await deps.enrich(alert.remoteAddr),
          rule:
            rule === null
              ? null
              : {
                  id: rule.id,
                  title: rule.title,
                  description: rule.description,
                  triage: rule.triage,
                  falsePositives: rule.falsePositives,
                  references: rule.references,
                },
        };
      },
    },
    alertAction('ack'),
    alertAction('close'),
    alertAction('reopen'),
    {
      method: 'POST',
      pattern: '/api/alerts/:id/comment',
      async handle({ params, body }) {
        const comment = bodyText(body, 'comment');
        if (comment === undefined || comment.trim() === '') {
          throw new YamoriError('WEB_BAD_REQUEST', { detail: 'A comment needs "comment" text.' });
        }
        const alert = await store.getAlert(params['id']!);
        if (alert === null) throw new YamoriError('WEB_NOT_FOUND', { what: 'alert', id: params['id']! });
        // A comment is a status change to the same status: one trail of events, one writer.
        const written = await store.changeAlertStatus({
          alertId: alert.id,
          from: alert.status,
          to: alert.status,
          at: nowUs(),
          comment: comment.trim(),
        });
        if (!written)
          throw new YamoriError('WEB_BAD_REQUEST', { detail: 'The alert changed meanwhile; reload it.' });
        return { id: alert.id, status: alert.status };
      },
    },
    {
      method: 'GET',
      pattern: '/api/feeds',
      async handle() {
        const feeds = await deps.feedStatus();
        return {
          feeds: feeds.map((status) => ({
            name: status.feed.name,
            enabled: status.feed.enabled,
            builtin: status.feed.isBuiltin,
            format: status.feed.format,
            scheduleS: status.feed.scheduleS,
            health: status.health.status,
            problem: status.health.problem,
            activeIndicators: status.activeIndicators,
            lastRun: status.lastRun,
          })),
        };
      },
    },
    {
      method: 'GET',
      pattern: '/api/rules',
      async handle() {
        const states = new Map((await store.listRuleStates()).map((state) => [state.ruleId, state]));
        const open = await store.query(
          `SELECT rule_id, count(*) FILTER (WHERE status = 'open') AS open, count(*) AS total FROM alerts GROUP BY rule_id`,
        );
        const counts = new Map(open.rows.map((row) => [String(row['rule_id']), row]));
        return {
          rules: deps.rules().map((rule) => {
            const state = states.get(rule.definition.id) ?? null;
            const alerts = counts.get(rule.definition.id);
            return {
              id: rule.definition.id,
              title: rule.definition.title,
              severity: rule.definition.severity,
              status: rule.definition.status,
              origin: rule.origin,
              version: rule.version,
              everyUs: rule.definition.schedule.everyUs,
              state,
              openAlerts: Number(alerts?.['open'] ?? 0),
              alerts: Number(alerts?.['total'] ?? 0),
            };
          }),
        };
      },
    },
  ];
}

function alertSummary(alert: Alert): Omit<Alert, 'evidence' | 'provenance'> & { evidenceRows: number } {
  const { evidence, provenance: _provenance, ...rest } = alert;
  return { ...rest, evidenceRows: evidence.length };
}
