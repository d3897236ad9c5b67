import { createAlertWriter } from '../alert/index.js';
import { DROP_REASONS } from '../capture/index.js';
import type { YamoriConfig } from '../config/index.js';
import {
  createCollectPipeline,
  createStageSupervisor,
  MetricSet,
  periodicStage,
  runConntrackLoop,
  runLiveCaptureLoop,
  sleep,
  untilAborted,
  type Stage,
  type StageSupervisor,
} from '../daemon/index.js';
import { createRuleEngine, loadRules, syncDetectSettings, type LoadedRule } from '../detect/index.js';
import { YamoriError } from '../errors/index.js';
import { createIntelService, type IntelService } from '../intel/index.js';
import type { Store } from '../store/index.js';
import { createWebServer } from '../web/index.js';
import type { CliContext } from './cli-context.js';
import { createAlertDelivery, raiseFeedHealthAlerts } from './deliver-alerts.js';
import { withStore } from './open-store.js';
import { line } from './output.js';
import { configuredSources } from './rules-command.js';
import type { Register } from './run-cli.js';
import { VERSION } from './version.js';

const SOURCES = ['capture', 'collect', 'conntrack'] as const;
/** How often the feed stage looks for feeds that are due (each runs on its own schedule). */
const FEED_CHECK_MS = 60_000;
const RETENTION_CHECK_MS = 3_600_000;
const DELIVERY_POLL_MS = 5_000;
const SOURCE_TICK_MS = 1_000;
const ROLLUP_CHECK_MS = 300_000;

export const registerServeCommand: Register = (program, context) => {
  program
    .command('serve')
    .description(
      'run everything in one process until SIGINT or SIGTERM: the flow source (serve.source), feed updates, rule runs, retention, alert delivery and the dashboard with /healthz and /metrics',
    )
    .action(async () => {
      const ctx = context();
      await serve(ctx);
    });
};

/** What the stages publish for /metrics besides the supervisor's own view. */
function defineMetrics(): MetricSet {
  const m = new MetricSet();
  m.define('yamori_stage_up', 'gauge', 'Whether the stage is running without a problem (1) or not (0).');
  m.define('yamori_stage_restarts_total', 'counter', 'Times the stage failed and was restarted.');
  m.define(
    'yamori_source_packets_total',
    'counter',
    'Packets (capture), datagrams (collect) or events (conntrack) the flow source received.',
  );
  m.define(
    'yamori_source_drops_total',
    'counter',
    'Packets or records the source lost: kernel and interface drops, undecodable records, queue overflow.',
  );
  m.define('yamori_flows_written_total', 'counter', 'Flows stored by the flow source.');
  m.define('yamori_live_flows', 'gauge', 'Flows held in memory, not yet stored.');
  m.define('yamori_flows_pruned_total', 'counter', 'Flows deleted by retention (retention.flows_d).');
  m.define(
    'yamori_feed_runs_total',
    'counter',
    'Feed update runs by feed and status (ok, unchanged, error).',
  );
  m.define(
    'yamori_feed_healthy',
    'gauge',
    'Whether an enabled feed is healthy (1) or not (0), with its health status.',
  );
  m.define('yamori_feed_active_indicators', 'gauge', 'Indicators of the feed valid for matching.');
  m.define('yamori_rule_runs_total', 'counter', 'Rule runs by rule and status (ok, capped, failed).');
  m.define('yamori_rule_run_duration_seconds', 'gauge', 'Duration of the last run of each rule.');
  m.define('yamori_rule_alerts_total', 'counter', 'Alerts rule runs created (new) or updated (repeat).');
  m.define('yamori_alerts_routed_total', 'counter', 'Alerts the routing policy handled.');
  m.define(
    'yamori_deliveries_total',
    'counter',
    'Delivery attempts by result: sent, retry (failed, will be retried), given_up.',
  );
  return m;
}

async function serve(ctx: CliContext): Promise<void> {
  const config = ctx.config();
  const source = config.serve.source;
  if (source !== null && !(SOURCES as readonly string[]).includes(source)) {
    throw new YamoriError('SERVE_SOURCE_INVALID', { value: source, sources: SOURCES.join(', ') });
  }
  if (source === 'capture' && !config.capture.interface) {
    throw new YamoriError('SERVE_SOURCE_INVALID', {
      value: 'capture without capture.interface',
      sources: SOURCES.join(', '),
    });
  }
  const collection = loadRules(configuredSources(config));
  for (const problem of collection.problems) {
    ctx.log.warn('rule not loaded', { folder: problem.folder ?? '-', error: problem.error.message });
  }
  await withStore(config, async (store) => {
    const metrics = defineMetrics();
    const intel = createIntelService(config.intel, { store, log: ctx.log, now: () => ctx.now() * 1000 });
    const stages: Stage[] = [];
    if (source !== null) stages.push(sourceStage(ctx, config, store, source, metrics));
    stages.push(feedStage(ctx, intel, metrics));
    stages.push(ruleStage(ctx, config, store, collection.rules, metrics));
    if (config.retention.flowsD > 0) stages.push(retentionStage(ctx, config, store, metrics));
    if (config.serve.deliver) stages.push(deliveryStage(ctx, store, collection.rules, metrics));
    let supervisor: StageSupervisor | null = null;
    const refresh = async (): Promise<void> => refreshMetrics(metrics, supervisor, intel);
    if (config.serve.web) {
      stages.push(
        webStage(ctx, config, store, collection.rules, intel, {
          health: async () => {
            const statuses = supervisor === null ? [] : await supervisor.status();
            return { healthy: statuses.every((s) => s.healthy), stages: statuses };
          },
          metrics: async () => {
            await refresh();
            return metrics.render();
          },
        }),
      );
    }
    stages.push(rollupStage(store));
    supervisor = createStageSupervisor(stages, { log: ctx.log, now: ctx.now });
    const running = supervisor;
    const stopped = new Promise<void>((resolveStop) => {
      const onSignal = (): void => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        ctx.log.info('stopping', { stages: stages.length });
        void running.stop().then(resolveStop);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    await running.start();
    ctx.log.info('serving', { stages: stages.map((s) => s.name).join(', ') });
    await stopped;
    ctx.log.info('stopped: every stage wrote what it held');
  });
}

async function refreshMetrics(
  m: MetricSet,
  supervisor: StageSupervisor | null,
  intel: IntelService,
): Promise<void> {
  if (supervisor !== null) {
    for (const s of await supervisor.status()) {
      m.set('yamori_stage_up', s.healthy ? 1 : 0, { stage: s.name });
      m.set('yamori_stage_restarts_total', s.restarts, { stage: s.name });
    }
  }
  m.clear('yamori_feed_healthy');
  m.clear('yamori_feed_active_indicators');
  for (const feed of await intel.status()) {
    if (!feed.feed.enabled) continue;
    const status =
      feed.health.status === 'healthy' && feed.lastRun?.status === 'error'
        ? 'last-run-failed'
        : feed.health.status;
    m.set('yamori_feed_healthy', status === 'healthy' ? 1 : 0, { feed: feed.feed.name, status });
    m.set('yamori_feed_active_indicators', feed.activeIndicators, { feed: feed.feed.name });
  }
}

/** The flow source: its pipeline stores flows; stopping writes every flow still in memory. */
function sourceStage(
  ctx: CliContext,
  config: YamoriConfig,
  store: Store,
  source: string,
  m: MetricSet,
): Stage {
  const publish = (packets: number, drops: number, flows: number, live: number): void => {
    m.set('yamori_source_packets_total', packets, { source });
    m.set('yamori_source_drops_total', drops, { source });
    m.set('yamori_flows_written_total', flows, { source });
    m.set('yamori_live_flows', live, { source });
  };
  const warn = (error: unknown): void =>
    ctx.log.warnLimited('writing flows failed; will retry', { error: String(error) });
  if (source === 'collect') {
    return {
      name: 'collect',
      async run({ signal, ready }) {
        const pipeline = createCollectPipeline(config, { store, log: ctx.log, now: ctx.now });
        const report = (): void => {
          const s = pipeline.stats();
          let drops = s.queueDrops + s.flowsLost;
          for (const reason of DROP_REASONS) drops += s.drops[reason];
          publish(s.datagrams, drops, s.flowsWritten, s.flowsBuffered + s.stitch.pending);
        };
        const bound = await pipeline.start();
        for (const socket of bound) ctx.log.info('listening', { udp: `${socket.address}:${socket.port}` });
        ready();
        const timer = setInterval(() => {
          pipeline.tick().catch(warn);
          report();
        }, SOURCE_TICK_MS);
        try {
          await untilAborted(signal);
        } finally {
          clearInterval(timer);
          await pipeline.stop();
          report();
        }
      },
    };
  }
  if (source === 'conntrack') {
    return {
      name: 'conntrack',
      async run({ signal, ready }) {
        const result = await runConntrackLoop(
          config,
          { store, log: ctx.log, now: ctx.now },
          {
            signal,
            onStarted: ready,
            onProgress: ({ pipeline: s }) =>
              publish(s.newEvents + s.destroyEvents, 0, s.flowsWritten, s.openConnections),
          },
        );
        if (!result.stopped) throw new Error('conntrack stopped sending events');
      },
    };
  }
  return {
    name: 'capture',
    async run({ signal, ready }) {
      const result = await runLiveCaptureLoop(
        config,
        { store, log: ctx.log, now: ctx.now },
        {
          signal,
          onStarted: ready,
          onProgress: ({ pipeline: s, capture: c }) =>
            publish(s.packets, c.kernelDrops + c.ifDrops + s.malformed, s.flowsWritten, s.liveFlows),
        },
      );
      if (!result.stopped) throw new Error('live capture ended');
    },
  };
}

/** Feed updates: every enabled feed when its schedule says it is due (its last run plus its schedule). */
function feedStage(ctx: CliContext, intel: IntelService, m: MetricSet): Stage {
  let synced = false;
  const stage = periodicStage(
    'feeds',
    () => FEED_CHECK_MS,
    async () => {
      if (!synced) {
        await intel.syncSettings();
        synced = true;
      }
      const nowUs = ctx.now() * 1000;
      const due = (await intel.status())
        .filter((s) => s.feed.enabled)
        .filter((s) => s.lastRun === null || nowUs - s.lastRun.startedAt >= s.feed.scheduleS * 1_000_000)
        .map((s) => s.feed.name);
      if (due.length === 0) return;
      await intel.update(due, undefined, (result) => {
        m.add('yamori_feed_runs_total', 1, { feed: result.feed, status: result.run.status });
        if (result.error !== null) {
          ctx.log.warn('feed update failed', { feed: result.feed, error: result.error.message });
        }
      });
    },
    async () => {
      // The last run failing is shown at once; feed-health alerts wait for several (judgeFeedHealth).
      const problems: string[] = [];
      for (const s of await intel.status()) {
        if (!s.feed.enabled) continue;
        if (s.health.status !== 'healthy') {
          problems.push(`feed "${s.feed.name}" ${s.health.status}: ${s.health.problem ?? ''}`);
        } else if (s.lastRun?.status === 'error') {
          problems.push(
            `feed "${s.feed.name}" last run failed: ${s.lastRun.errorMessage ?? s.lastRun.errorCode ?? ''}`,
          );
        }
      }
      return problems.length === 0 ? null : problems.join('; ');
    },
  );
  return stage;
}

/** Rule runs: the rules that are due, checked every detect.schedule_s (at least once a minute). */
function ruleStage(
  ctx: CliContext,
  config: YamoriConfig,
  store: Store,
  rules: readonly LoadedRule[],
  m: MetricSet,
): Stage {
  let synced = false;
  let lastFailed: string[] = [];
  return periodicStage(
    'rules',
    () => Math.min(config.detect.scheduleS, 60) * 1000,
    async () => {
      if (!synced) {
        await syncDetectSettings(store, config.detect);
        synced = true;
      }
      const writer = createAlertWriter({ maxEvidenceRows: config.detect.maxEvidenceRows }, { store });
      const engine = createRuleEngine(config.detect, { store, commit: (run) => writer.commit(run) });
      const failed: string[] = [];
      await engine.run([...rules], {
        onReport: (report) => {
          m.add('yamori_rule_runs_total', 1, { rule: report.ruleId, status: report.status });
          m.set('yamori_rule_run_duration_seconds', report.durationMs / 1000, { rule: report.ruleId });
          if (report.alertsCreated > 0)
            m.add('yamori_rule_alerts_total', report.alertsCreated, { rule: report.ruleId, kind: 'new' });
          if (report.alertsUpdated > 0)
            m.add('yamori_rule_alerts_total', report.alertsUpdated, { rule: report.ruleId, kind: 'repeat' });
          if (report.status === 'failed') {
            failed.push(report.ruleId);
            ctx.log.warn('rule run failed', { rule: report.ruleId, error: report.error?.message ?? '' });
          }
        },
      });
      lastFailed = failed;
      await raiseFeedHealthAlerts(ctx, store);
    },
    () => (lastFailed.length === 0 ? null : `rules failed on their last run: ${lastFailed.join(', ')}`),
  );
}

/** Retention: flows whose last packet is older than retention.flows_d go; alerts and indicators stay. */
function retentionStage(ctx: CliContext, config: YamoriConfig, store: Store, m: MetricSet): Stage {
  return periodicStage(
    'retention',
    () => RETENTION_CHECK_MS,
    async () => {
      const before = (ctx.now() - config.retention.flowsD * 86_400_000) * 1000;
      const pruned = await store.pruneFlows(before);
      m.add('yamori_flows_pruned_total', pruned);
      if (pruned > 0) ctx.log.info('old flows pruned', { flows: pruned, days: config.retention.flowsD });
    },
  );
}

/**
 * The dashboard's hourly rollups: hours that ended (or took late flows) since the last round are
 * rolled up, then the write-ahead log is checkpointed. Ready at once, as the first round after an
 * upgrade can take minutes over a long history; until an hour is rolled up, readers use its flows.
 */
function rollupStage(store: Store): Stage {
  return {
    name: 'rollups',
    async run({ signal, ready }) {
      ready();
      while (!signal.aborted) {
        await store.checkpoint();
        await sleep(ROLLUP_CHECK_MS, signal);
      }
    },
  };
}

/** Alert delivery: routes new alerts and sends what is due every few seconds; failures wait in the outbox. */
function deliveryStage(ctx: CliContext, store: Store, rules: readonly LoadedRule[], m: MetricSet): Stage {
  let failing = 0;
  return {
    name: 'delivery',
    problem: () =>
      failing === 0 ? null : `${failing} deliveries failed on the last round (they are retried)`,
    async run({ signal, ready }) {
      const delivery = createAlertDelivery(
        ctx,
        store,
        rules.map((rule) => rule.definition),
      );
      const onAbort = (): void => {
        delivery.worker.stop().catch(() => undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        let first = true;
        while (!signal.aborted) {
          const summary = await delivery.worker.runOnce();
          m.add('yamori_alerts_routed_total', summary.routed);
          m.add('yamori_deliveries_total', summary.sent, { result: 'sent' });
          m.add('yamori_deliveries_total', summary.failed, { result: 'retry' });
          m.add('yamori_deliveries_total', summary.givenUp, { result: 'given_up' });
          if (summary.sent + summary.failed + summary.givenUp > 0) failing = summary.failed + summary.givenUp;
          if (first) ready();
          first = false;
          await sleep(DELIVERY_POLL_MS, signal);
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        await delivery.close();
      }
    },
  };
}

function webStage(
  ctx: CliContext,
  config: YamoriConfig,
  store: Store,
  rules: readonly LoadedRule[],
  intel: IntelService,
  serveDeps: {
    health: () => Promise<{ healthy: boolean } & Record<string, unknown>>;
    metrics: () => Promise<string>;
  },
): Stage {
  let printed = false;
  return {
    name: 'web',
    async run({ signal, ready }) {
      const server = createWebServer(config.web, {
        store,
        rules: () => rules,
        feedStatus: () => intel.status(),
        log: ctx.log,
        now: ctx.now,
        version: VERSION,
        ...serveDeps,
        metricsToken: config.serve.metricsToken,
      });
      const { url, oneTimePassword } = await server.start();
      if (!printed) {
        printed = true;
        line(ctx.output.out, `dashboard: ${url}  (health: ${url}/healthz, metrics: ${url}/metrics)`);
        if (oneTimePassword !== null) {
          line(ctx.output.out, `first start: log in with this one-time password: ${oneTimePassword}`);
        }
      }
      ready();
      try {
        await untilAborted(signal);
      } finally {
        await server.stop();
      }
    },
  };
}
