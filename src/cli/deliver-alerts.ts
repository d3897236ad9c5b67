import { resolve } from 'node:path';
import {
  compileRoutePolicy,
  createAlertRouter,
  createDeliveryWorker,
  createEnricher,
  createNotificationBuilder,
  createNotifier,
  feedHealthAlertWrites,
  type DeliverySummary,
  type DeliveryWorker,
  type Notifier,
} from '../alert/index.js';
import type { YamoriConfig } from '../config/index.js';
import { builtinRulesDir, loadRules, type RuleDefinition } from '../detect/index.js';
import { YamoriError } from '../errors/index.js';
import { createIntelService } from '../intel/index.js';
import type { Store } from '../store/index.js';
import { configuredResponder } from './block-command.js';
import type { CliContext } from './cli-context.js';
import { line } from './output.js';

/** The channels, routes and workers of one delivery run; `close()` releases the channels. */
export interface AlertDelivery {
  worker: DeliveryWorker;
  close(): Promise<void>;
}

/**
 * Builds the delivery stage from the config: the routing policy, one notifier per configured channel
 * (POLICY_UNKNOWN_CHANNEL when a route names another), enrichment, the block responder when
 * `respond.enabled`, and rule metadata for the messages.
 */
export function createAlertDelivery(
  ctx: CliContext,
  store: Store,
  rules?: readonly RuleDefinition[],
): AlertDelivery {
  const config = ctx.config();
  const policy = compileRoutePolicy(config.alert.routes);
  const channelNames = Object.keys(config.alert.channels);
  for (const route of config.alert.routes) {
    for (const channel of route.notify) {
      if (!channelNames.includes(channel)) {
        throw new YamoriError('POLICY_UNKNOWN_CHANNEL', {
          route: route.name,
          channel,
          channels: channelNames.length > 0 ? channelNames.join(', ') : 'none configured',
        });
      }
    }
  }
  const notifiers = new Map<string, Notifier>();
  for (const [name, channel] of Object.entries(config.alert.channels)) {
    notifiers.set(name, createNotifier(name, channel, { log: ctx.log }));
  }
  const definitions = rules ?? loadConfiguredRules(config);
  const byId = new Map(definitions.map((rule) => [rule.id, rule]));
  const ruleInfo = (id: string) => {
    const rule = byId.get(id);
    return rule === undefined
      ? null
      : {
          id: rule.id,
          title: rule.title,
          description: rule.description,
          triage: rule.triage,
          references: rule.references,
          tags: rule.tags,
        };
  };
  const enricher = createEnricher(config.enrich, {
    listDevices: (filter) => store.listDevices(filter),
    log: ctx.log,
  });
  const enrich = (addr: string) => enricher.enrich(addr);
  const responder = config.respond.enabled ? configuredResponder(config) : undefined;
  const router = createAlertRouter({
    store,
    policy,
    ruleInfo,
    enrich,
    ...(responder ? { responder } : {}),
    log: ctx.log,
    now: () => ctx.now() * 1000,
  });
  const builder = createNotificationBuilder({
    store,
    ruleInfo,
    enrich,
    dashboardUrl: config.alert.dashboardUrl,
  });
  const worker = createDeliveryWorker(config.alert.delivery, {
    store,
    router,
    builder,
    notifiers,
    log: ctx.log,
    now: () => ctx.now() * 1000,
  });
  return {
    worker,
    async close() {
      enricher.close();
      await Promise.allSettled([...notifiers.values()].map((n) => n.close?.() ?? Promise.resolve()));
    },
  };
}

/** Writes alerts for enabled feeds in trouble (rule yamori.feed-health); returns how many were new. */
export async function raiseFeedHealthAlerts(ctx: CliContext, store: Store): Promise<number> {
  const config = ctx.config();
  const intel = createIntelService(config.intel, { store, log: ctx.log, now: () => ctx.now() * 1000 });
  const reports = (await intel.status()).map((status) => ({
    feed: status.feed.name,
    enabled: status.feed.enabled,
    status: status.health.status,
    problem: status.health.problem,
  }));
  const writes = feedHealthAlertWrites(reports, ctx.now() * 1000, config.detect.suppressForH * 3_600_000_000);
  if (writes.length === 0) return 0;
  return (await store.writeAlerts(writes)).created;
}

/** Feed health, routing and sending, once; prints a summary line unless quiet. */
export async function deliverOnce(
  ctx: CliContext,
  store: Store,
  options: { rules?: readonly RuleDefinition[]; print?: boolean } = {},
): Promise<DeliverySummary> {
  await raiseFeedHealthAlerts(ctx, store);
  const delivery = createAlertDelivery(ctx, store, options.rules);
  try {
    const summary = await delivery.worker.runOnce();
    if (options.print !== false) printSummary(ctx, summary);
    if (summary.failed + summary.givenUp > 0) ctx.exitCode = 1;
    return summary;
  } finally {
    await delivery.close();
  }
}

/** One line, when there was anything to route or send. */
export function printSummary(ctx: CliContext, summary: DeliverySummary): void {
  const attempted = summary.sent + summary.failed + summary.givenUp;
  if (ctx.output.quiet || summary.routed + attempted === 0) return;
  line(
    ctx.output.out,
    `alerts routed ${summary.routed} (suppressed ${summary.suppressed}, blocked ${summary.blocked}); deliveries queued ${summary.deliveries}, sent ${summary.sent}, to retry ${summary.failed}, given up ${summary.givenUp}`,
  );
}

function loadConfiguredRules(config: YamoriConfig): RuleDefinition[] {
  const sources = [
    ...(config.detect.builtinRules ? [{ dir: builtinRulesDir(), origin: 'builtin' as const }] : []),
    ...config.detect.rulesDirs.map((dir) => ({ dir: resolve(dir), origin: 'user' as const })),
  ];
  return loadRules(sources).rules.map((rule) => rule.definition);
}
