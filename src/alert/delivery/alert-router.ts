import type { Logger } from '../../log/index.js';
import type { Alert, EpochMicros } from '../../records/index.js';
import type { AlertRouting, DeliveryDraft, Store } from '../../store/index.js';
import type { RuleNotice } from '../notify/notification.js';
import type { PolicyDecision, PolicyInput, RoutePolicy } from '../policy/route-policy.js';
import { FEED_HEALTH_RULE } from './feed-health-alerts.js';
import type { RemoteFacts } from './notification-builder.js';

/** The block response as the policy uses it (alert/respond's Responder fits). */
export interface Responder {
  block(addr: string, ttlS: number | null, reason: string | null): Promise<void>;
}

export interface AlertRouterDeps {
  store: Store;
  policy: RoutePolicy;
  ruleInfo: (ruleId: string) => RuleNotice | null;
  enrich?: (addr: string) => Promise<RemoteFacts>;
  /** Receives `block: true` decisions; without it they are logged and recorded only. */
  responder?: Responder;
  log: Logger;
  now: () => EpochMicros;
}

export interface RoutingSummary {
  routed: number;
  deliveries: number;
  suppressed: number;
  blocked: number;
}

export interface AlertRouter {
  /**
   * Routes every alert not routed yet: decides its actions, then stores the decision and the
   * deliveries it makes in one transaction, and only then blocks. A crash before that commit routes
   * the alert again on the next run; after it, never.
   */
  routeNew(): Promise<RoutingSummary>;
  /** The policy's input for one stored alert (device vendor and enrichment included). */
  inputOf(alert: Alert): Promise<PolicyInput>;
}

const BATCH = 100;

export function createAlertRouter(deps: AlertRouterDeps): AlertRouter {
  // Enrichment may load tens of megabytes of open data or ask DNS: only when a route looks at it.
  const needsFacts = deps.policy.routes.some((route) =>
    /\bremote\.(country|asn|as_org|ptr)\b/.test(route.when),
  );
  const inputOf = async (alert: Alert): Promise<PolicyInput> => {
    const rule = deps.ruleInfo(alert.ruleId);
    const isFeedHealth = alert.ruleId === FEED_HEALTH_RULE;
    let vendor: string | null = null;
    if (alert.deviceMac !== null) {
      vendor = (await deps.store.listDevices({ mac: alert.deviceMac, limit: 1 }))[0]?.vendor ?? null;
    }
    const facts =
      alert.remoteAddr !== null && deps.enrich && needsFacts
        ? await deps.enrich(alert.remoteAddr).catch(() => null)
        : null;
    return {
      rule: alert.ruleId,
      title: alert.title,
      severity: alert.severity,
      tags: rule?.tags ?? (isFeedHealth ? ['feed-health'] : []),
      sources: alert.indicatorSources,
      count: alert.count,
      status: alert.status,
      kind: isFeedHealth ? 'feed-health' : 'alert',
      device: { name: alert.deviceName, mac: alert.deviceMac, vendor },
      remote: {
        addr: alert.remoteAddr,
        country: facts?.country ?? null,
        asn: facts?.asn ?? null,
        asOrg: facts?.asOrg ?? null,
        ptr: facts?.ptr ?? null,
      },
    };
  };

  return {
    inputOf,
    async routeNew() {
      const summary: RoutingSummary = { routed: 0, deliveries: 0, suppressed: 0, blocked: 0 };
      for (;;) {
        const alerts = await deps.store.listUnroutedAlerts(BATCH);
        if (alerts.length === 0) return summary;
        const now = deps.now();
        const routings: AlertRouting[] = [];
        const drafts: DeliveryDraft[] = [];
        const toBlock: Alert[] = [];
        const notifiedNow = new Set<string>();
        for (const alert of alerts) {
          const decision = deps.policy.decide(await inputOf(alert));
          for (const error of decision.errors) {
            deps.log.warnLimited('route condition failed', {
              route: error.route,
              alert: alert.id,
              error: error.message,
            });
          }
          const throttleKey = typeof decision.suppress === 'number' ? throttleKeyOf(alert) : null;
          let suppressed = decision.suppress === 'always';
          if (throttleKey !== null && typeof decision.suppress === 'number') {
            const since = now - decision.suppress * 1_000_000;
            const seen = await deps.store.notifiedThrottleKeys([throttleKey], since);
            suppressed = seen.length > 0 || notifiedNow.has(throttleKey);
          }
          const routing = routingOf(alert, decision, now, suppressed, throttleKey);
          if (!suppressed) {
            drafts.push(...draftsOf(alert, decision, now));
            if (throttleKey !== null && routing.notified.length + routing.digested.length > 0) {
              notifiedNow.add(throttleKey);
            }
          }
          if (decision.block && alert.remoteAddr !== null) toBlock.push(alert);
          routings.push(routing);
          summary.suppressed += suppressed ? 1 : 0;
        }
        await deps.store.recordRouting(routings, drafts);
        summary.routed += routings.length;
        summary.deliveries += drafts.length;
        for (const alert of toBlock) {
          if (deps.responder === undefined) {
            deps.log.warn('route asks to block but no responder is configured', {
              alert: alert.id,
              addr: alert.remoteAddr,
            });
            continue;
          }
          try {
            await deps.responder.block(alert.remoteAddr!, null, `yamori alert ${alert.id}: ${alert.title}`);
            summary.blocked++;
          } catch (error) {
            deps.log.warn('block failed', { alert: alert.id, addr: alert.remoteAddr, error: String(error) });
          }
        }
        if (alerts.length < BATCH) return summary;
      }
    },
  };
}

function throttleKeyOf(alert: Alert): string {
  return [alert.ruleId, alert.deviceMac ?? alert.deviceName ?? '', alert.remoteAddr ?? ''].join('|');
}

function routingOf(
  alert: Alert,
  decision: PolicyDecision,
  now: EpochMicros,
  suppressed: boolean,
  throttleKey: string | null,
): AlertRouting {
  return {
    alertId: alert.id,
    routedAt: now,
    routes: decision.routes,
    severity: decision.severity,
    notified: suppressed ? [] : decision.notify,
    digested: suppressed ? [] : decision.digests.map((d) => d.channel),
    suppressed,
    blocked: decision.block && alert.remoteAddr !== null,
    throttleKey,
  };
}

/**
 * One delivery per channel told at once, keyed by alert and channel; a digest delivery per route,
 * channel and period, due when the period ends (the period the routing time falls in).
 */
function draftsOf(alert: Alert, decision: PolicyDecision, now: EpochMicros): DeliveryDraft[] {
  const kind = alert.ruleId === FEED_HEALTH_RULE ? 'feed-health' : 'alert';
  const route = decision.routes.join(',') || null;
  const drafts: DeliveryDraft[] = decision.notify.map((channel) => ({
    key: `alert:${alert.id}:${channel}`,
    kind,
    channel,
    route,
    alertIds: [alert.id],
    nextAttemptAt: now,
    createdAt: now,
  }));
  for (const digest of decision.digests) {
    const periodUs = digest.periodS * 1_000_000;
    const start = Math.floor(now / periodUs) * periodUs;
    drafts.push({
      key: `digest:${digest.route}:${digest.channel}:${new Date(start / 1000).toISOString()}`,
      kind: 'digest',
      channel: digest.channel,
      route: digest.route,
      alertIds: [alert.id],
      nextAttemptAt: start + periodUs,
      createdAt: now,
    });
  }
  return drafts;
}
