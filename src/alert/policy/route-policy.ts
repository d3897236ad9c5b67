import type { Environment } from '@marcbachmann/cel-js';
import { createRouteEnvironment, severityRank, type AlertRouteConfig } from '../../config/index.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../../records/index.js';

/** What a route condition sees of one alert (the names README "Routing policy" documents). */
export interface PolicyInput {
  rule: string;
  title: string;
  severity: AlertSeverity;
  tags: string[];
  /** Indicator sources (feed names) behind the alert. */
  sources: string[];
  count: number;
  status: string;
  /** `alert`, or `feed-health` for the alerts Yamori raises about its own feeds. */
  kind: string;
  device: { name: string | null; mac: string | null; vendor: string | null };
  remote: {
    addr: string | null;
    country: string | null;
    asn: number | null;
    asOrg: string | null;
    ptr: string | null;
  };
}

/** A digest a route asks for: the channel gets the alert in one message per period. */
export interface DigestAction {
  route: string;
  channel: string;
  periodS: number;
}

/** The actions the policy chose for one alert. */
export interface PolicyDecision {
  /** Routes that matched, in order. */
  routes: string[];
  /** Severity after raise/lower. */
  severity: AlertSeverity;
  /** Channels notified at once. */
  notify: string[];
  digests: DigestAction[];
  /** `always`: send nothing; a number: send only if the same rule, device and remote was not notified within it. */
  suppress: 'always' | number | null;
  block: boolean;
  /** Routes whose condition failed to evaluate (counted as not matching). */
  errors: { route: string; message: string }[];
}

export interface RoutePolicy {
  readonly routes: readonly AlertRouteConfig[];
  decide(input: PolicyInput): PolicyDecision;
}

type Condition = (context: Record<string, unknown>) => unknown;

/**
 * Compiles the routes' conditions once (the config loader already checked them) and returns the
 * policy: routes are evaluated in order, each match applies its actions, and evaluation stops at the
 * first match unless the route says `continue: true`. A severity change is visible to later routes.
 */
export function compileRoutePolicy(
  routes: readonly AlertRouteConfig[],
  env: Environment = createRouteEnvironment(),
): RoutePolicy {
  const compiled = routes.map((route) => ({ route, condition: env.parse(route.when) as Condition }));
  return {
    routes,
    decide(input) {
      const decision: PolicyDecision = {
        routes: [],
        severity: input.severity,
        notify: [],
        digests: [],
        suppress: null,
        block: false,
        errors: [],
      };
      for (const { route, condition } of compiled) {
        let matched: unknown;
        try {
          matched = condition(celContext({ ...input, severity: decision.severity }));
        } catch (error) {
          decision.errors.push({ route: route.name, message: firstLine(error) });
          continue;
        }
        if (matched !== true) continue;
        apply(decision, route);
        if (!route.continue) break;
      }
      // A channel told at once needs no digest of the same alert.
      decision.digests = decision.digests.filter((d) => !decision.notify.includes(d.channel));
      return decision;
    },
  };
}

function apply(decision: PolicyDecision, route: AlertRouteConfig): void {
  decision.routes.push(route.name);
  if (route.severity !== null) decision.severity = changeSeverity(decision.severity, route.severity);
  for (const channel of route.notify) {
    if (route.digestS !== null) {
      if (!decision.digests.some((d) => d.channel === channel)) {
        decision.digests.push({ route: route.name, channel, periodS: route.digestS });
      }
    } else if (!decision.notify.includes(channel)) decision.notify.push(channel);
  }
  if (route.suppressS === 'always' || decision.suppress === 'always') decision.suppress = 'always';
  else if (route.suppressS !== null) decision.suppress = Math.max(decision.suppress ?? 0, route.suppressS);
  if (route.block) decision.block = true;
}

function changeSeverity(
  current: AlertSeverity,
  change: NonNullable<AlertRouteConfig['severity']>,
): AlertSeverity {
  const rank = severityRank(current);
  if (change === 'raise') return ALERT_SEVERITIES[Math.min(rank + 1, ALERT_SEVERITIES.length - 1)]!;
  if (change === 'lower') return ALERT_SEVERITIES[Math.max(rank - 1, 0)]!;
  return change;
}

/** CEL values: integers as BigInt, and "" / 0 for what the alert does not have (CEL's unset fields). */
function celContext(input: PolicyInput): Record<string, unknown> {
  return {
    rule: input.rule,
    title: input.title,
    severity: input.severity,
    severity_rank: BigInt(severityRank(input.severity)),
    tags: input.tags,
    sources: input.sources,
    count: BigInt(Math.trunc(input.count)),
    status: input.status,
    kind: input.kind,
    device: {
      name: input.device.name ?? '',
      mac: input.device.mac ?? '',
      vendor: input.device.vendor ?? '',
    },
    remote: {
      addr: input.remote.addr ?? '',
      country: input.remote.country ?? '',
      asn: BigInt(input.remote.asn ?? 0),
      as_org: input.remote.asOrg ?? '',
      ptr: input.remote.ptr ?? '',
    },
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
