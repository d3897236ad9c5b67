import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOME_NETWORK_DEVICES, SAMPLE_INDICATORS } from '../capture/index.js';
import { loadConfig, type FeedConfig, type YamoriConfig } from '../config/index.js';
import { loadRules } from '../detect/index.js';
import { BUILTIN_FEEDS, createIntelService, type FeedUpdateResult } from '../intel/index.js';
import { ALERT_COLUMNS, alertToJson } from './alerts-command.js';
import type { CliContext } from './cli-context.js';
import { startDemoFeedServer, type DemoFeedServer } from './demo-feed-server.js';
import { importPcapFiles } from './import-command.js';
import { withStore } from './open-store.js';
import { formatCount, line, printJsonLines, printTable } from './output.js';
import { configuredSources, runRules } from './rules-command.js';
import type { Register } from './run-cli.js';
import { runCli } from './run-cli.js';
import { writeSampleCapture } from './sample-command.js';
import { serveDashboard } from './web-command.js';

interface DemoOptions {
  dir: string;
  json?: boolean;
  serve: boolean;
}

export const registerDemoCommand: Register = (program, context) => {
  program
    .command('demo')
    .description(
      'the whole job on a sample home network: capture, feeds, rules, alerts, then the dashboard (Ctrl-C stops it)',
    )
    .option('--dir <dir>', 'where the demo database and capture go', 'demo')
    .option('--json', 'print the alerts as JSON lines and nothing else on standard output')
    .option('--no-serve', 'stop after printing the alerts instead of serving the dashboard')
    .action(async (options: DemoOptions) => runDemo(context(), options));
};

/**
 * Runs the demo on nothing but what the package ships: no config (the defaults, whatever the user's
 * config or environment says), and no network beyond loopback (the feeds come from a local server).
 */
async function runDemo(ctx: CliContext, options: DemoOptions): Promise<void> {
  const dir = resolve(options.dir);
  const db = join(dir, 'yamori.duckdb');
  const pcap = join(dir, 'home-network.pcap');
  mkdirSync(dir, { recursive: true });
  rmSync(db, { force: true });
  rmSync(db + '.wal', { force: true });
  // With --json, standard output carries the alerts only; the story goes to standard error.
  const story = options.json ? ctx.output.err : ctx.output.out;
  const say = (text = ''): void => {
    if (!ctx.output.quiet) line(story, text);
  };

  const packets = await writeSampleCapture(pcap, {
    minutes: 10,
    seed: 1,
    startUs: (ctx.now() - 600_000) * 1000,
  });
  say(`1. generated ${pcap}: ${formatCount(packets)} packets, ten minutes of a small home network`);
  const feedServer = await startDemoFeedServer(ctx.now());
  const config = demoConfig(db, feedServer);
  try {
    const summary = await importPcapFiles({ ...ctx, config: () => config }, [pcap]);
    say(
      `2. imported it into ${db}: ${formatCount(summary.flows)} flows, ${formatCount(summary.dnsAnswers)} DNS answers`,
    );
    if (!options.json && !ctx.output.quiet) await showNetwork(ctx, config);
    say(
      `5. fetched sample feeds in the upstream formats from a local server (${new URL(feedServer.urls.feodo).host}):`,
    );
    for (const result of await updateFeeds(ctx, config)) {
      say(`   ${describeFeedRun(result)}`);
      if (result.run.status === 'error') ctx.exitCode = 1;
    }
  } finally {
    await feedServer.close();
  }

  const collection = loadRules(configuredSources(config));
  for (const problem of collection.problems) {
    line(ctx.output.err, `warning ${problem.error.code}: ${problem.error.message}`);
  }
  const { reports, alerts } = await withStore(config, async (store) => {
    const ran = await runRules(store, config, collection.rules);
    return { reports: ran, alerts: await store.listAlerts({ limit: 1_000 }) };
  });
  const failed = reports.filter((report) => report.status === 'failed');
  say(
    `6. ran ${reports.length} built-in rules over it: ${alerts.length} alert${alerts.length === 1 ? '' : 's'}` +
      (failed.length > 0 ? `; ${failed.length} failed: ${failed.map((r) => r.ruleId).join(', ')}` : ''),
  );
  if (failed.length > 0) ctx.exitCode = 1;
  say();
  if (options.json) printJsonLines(ctx.output.out, alerts.map(alertToJson));
  else printTable(ctx.output.out, ALERT_COLUMNS, alerts);
  say();
  say('Try next:');
  say(`  yamori --db ${db} alerts list --json`);
  say(`  yamori --db ${db} flows --device ${device('camera')} --addr ${SAMPLE_INDICATORS.c2Address}`);
  say(`  yamori --db ${db} dns --name ${SAMPLE_INDICATORS.badDomain}`);
  say(`  yamori --db ${db} web`);
  if (!options.serve) return;
  say();
  say('7. the dashboard, on this machine only (Ctrl-C stops it):');
  const serveCtx: CliContext = { ...ctx, output: { ...ctx.output, out: story } };
  await serveDashboard(serveCtx, config, '127.0.0.1:0');
}

/** The defaults with the database in the demo folder and the two abuse.ch feeds fetched from `server`. */
function demoConfig(db: string, server: DemoFeedServer): YamoriConfig {
  const defaults = loadConfig({ path: null, env: {}, overrides: { 'database.path': db } });
  const feeds: Record<string, FeedConfig> = {};
  for (const feed of BUILTIN_FEEDS) feeds[feed.name] = { enabled: false };
  feeds['feodo'] = { url: server.urls.feodo };
  feeds['urlhaus'] = { url: server.urls.urlhaus };
  return { ...defaults, intel: { ...defaults.intel, feeds, abusechAuthKey: null } };
}

async function updateFeeds(ctx: CliContext, config: YamoriConfig): Promise<FeedUpdateResult[]> {
  return withStore(config, async (store) => {
    const intel = createIntelService(config.intel, { store, log: ctx.log, now: () => ctx.now() * 1000 });
    await intel.syncSettings();
    return intel.update(['feodo', 'urlhaus']);
  });
}

function describeFeedRun({ feed, run, error }: FeedUpdateResult): string {
  if (run.status === 'error') return `${feed}: failed: error ${run.errorCode ?? ''}: ${error?.message ?? ''}`;
  return `${feed}: HTTP ${run.httpStatus ?? '-'}, ${formatCount(run.added)} indicators listed`;
}

/** Steps 3 and 4: the devices and the latest flows, as "yamori devices" and "yamori flows" print them. */
async function showNetwork(ctx: CliContext, config: YamoriConfig): Promise<void> {
  const out = ctx.output.out;
  const db = config.store.database.path;
  // The verbs run with no config and no YAMORI_* variables, like the rest of the demo.
  const cli = async (...argv: string[]): Promise<void> => {
    const code = await runCli(['--db', db, ...argv], { out, err: ctx.output.err, env: {}, now: ctx.now });
    if (code !== 0) ctx.exitCode = 1;
  };
  const devices = await withStore(config, (store) => store.listDevices());
  line(out, `3. devices on the network (${devices.length}):`);
  line(out);
  await cli('devices');
  line(out);
  line(out, '4. the 15 most recent flows:');
  line(out);
  await cli('flows', '--limit', '15');
  line(out);
}

const device = (name: string): string =>
  HOME_NETWORK_DEVICES.find((candidate) => candidate.name === name)?.ipv4 ?? name;
