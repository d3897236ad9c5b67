import {
  createIntelService,
  type FeedInput,
  type FeedStatus,
  type FeedUpdateResult,
} from '../intel/index.js';
import { YamoriError } from '../errors/index.js';
import type { CliContext } from './cli-context.js';
import { withStore } from './open-store.js';
import {
  formatBytes,
  formatCount,
  formatLocalTime,
  line,
  printJsonLines,
  printTable,
  type Column,
} from './output.js';
import type { Register } from './run-cli.js';

const schedule = (seconds: number): string =>
  seconds % 86_400 === 0
    ? `${seconds / 86_400}d`
    : seconds % 3_600 === 0
      ? `${seconds / 3_600}h`
      : `${Math.round(seconds / 60)}m`;

const COLUMNS: Column<FeedStatus>[] = [
  { header: 'feed', value: (s) => s.feed.name },
  { header: 'on', value: (s) => (s.feed.enabled ? 'yes' : 'no') },
  { header: 'format', value: (s) => s.feed.format },
  { header: 'every', value: (s) => schedule(s.feed.scheduleS), right: true },
  { header: 'last run', value: (s) => (s.lastRun ? formatLocalTime(s.lastRun.startedAt) : 'never') },
  { header: 'result', value: (s) => s.lastRun?.status ?? '' },
  { header: 'listed', value: (s) => formatCount(s.activeIndicators), right: true },
  { header: 'health', value: (s) => s.health.status },
  { header: 'provider', value: (s) => s.feed.provider },
];

export const registerFeedsCommand: Register = (program, context) => {
  const feeds = program.command('feeds').description('threat-intelligence feeds: list, update, show');
  feeds
    .command('list')
    .description('every feed with its status, last run, indicator count and health')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const statuses = await withIntel(ctx, (intel) => intel.status());
      if (options.json) printJsonLines(ctx.output.out, statuses.map(statusToJson));
      else printTable(ctx.output.out, COLUMNS, statuses);
    });

  feeds
    .command('update')
    .description(
      'fetch feeds now (default: every enabled feed); --file or --url loads one run of one feed from elsewhere',
    )
    .argument('[names...]', 'feeds to update')
    .option('--file <path>', 'read this file instead of downloading (one feed)')
    .option('--url <url>', "download from this URL instead of the feed's own (one feed)")
    .option('--json', 'one JSON object per feed run')
    .action(async (names: string[], options: { file?: string; url?: string; json?: boolean }) => {
      const ctx = context();
      const input = feedInput(names, options);
      const results = await withIntel(ctx, async (intel) => {
        await intel.syncSettings();
        return intel.update(names, input, (result) => {
          if (!options.json && !ctx.output.quiet) line(ctx.output.out, describeResult(result));
        });
      });
      if (options.json) printJsonLines(ctx.output.out, results.map(resultToJson));
      if (results.some((result) => result.run.status === 'error')) ctx.exitCode = 1;
    });

  feeds
    .command('show')
    .description('one feed: its definition, licence, health and recent runs')
    .argument('<name>', 'feed name')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const ctx = context();
      const shown = await withIntel(ctx, async (intel, store) => {
        const feed = intel.feed(name);
        const status = (await intel.status()).find((s) => s.feed.name === name)!;
        const runs = await store.listFeedRuns(name, 10);
        const stats = (await store.indicatorStats()).find((s) => s.source === name) ?? null;
        return { feed, status, runs, stats };
      });
      if (options.json) {
        printJsonLines(ctx.output.out, [
          {
            ...statusToJson(shown.status),
            runs: shown.runs.map(runToJson),
            by_type: shown.stats?.byType ?? {},
          },
        ]);
        return;
      }
      const { feed, status, runs, stats } = shown;
      const out = ctx.output.out;
      line(out, `${feed.name}: ${feed.title}`);
      line(out, `  provider   ${feed.provider} (${feed.homepage})`);
      line(out, `  url        ${feed.url}`);
      line(out, `  format     ${feed.format}${feed.kind === 'document' ? '' : ` (${feed.kind})`}`);
      line(
        out,
        `  enabled    ${feed.enabled ? 'yes' : 'no'}${feed.isBuiltin ? ` (built-in, ${feed.enabledByDefault ? 'on' : 'off'} by default)` : ' (from the config)'}`,
      );
      line(out, `  schedule   every ${schedule(feed.scheduleS)}`);
      line(out, `  licence    ${feed.licence}`);
      line(
        out,
        `  health     ${status.health.status}${status.health.problem ? `: ${status.health.problem}` : ''}`,
      );
      line(
        out,
        `  listed     ${formatCount(stats?.active ?? 0)} (${formatCount(stats?.removed ?? 0)} retired)`,
      );
      for (const [type, count] of Object.entries(stats?.byType ?? {}))
        line(out, `    ${type.padEnd(10)} ${formatCount(count ?? 0)}`);
      line(out, '  recent runs:');
      if (runs.length === 0) line(out, '    none yet: run "yamori feeds update ' + feed.name + '"');
      for (const run of runs) {
        const counts = run.status === 'ok' ? ` +${run.added} ~${run.updated} -${run.removed}` : '';
        const error = run.errorMessage ? `  ${run.errorMessage}` : '';
        line(
          out,
          `    ${formatLocalTime(run.startedAt)}  ${run.status.padEnd(9)}${run.httpStatus ? ` HTTP ${run.httpStatus}` : ''}${counts}${error}`,
        );
      }
    });
};

function feedInput(names: string[], options: { file?: string; url?: string }): FeedInput {
  if (options.file !== undefined && options.url !== undefined) {
    throw new YamoriError('CLI_USAGE', {
      detail: 'Give --file or --url, not both.',
      command: 'yamori feeds update',
    });
  }
  if ((options.file !== undefined || options.url !== undefined) && names.length !== 1) {
    throw new YamoriError('CLI_USAGE', {
      detail: `--${options.file !== undefined ? 'file' : 'url'} loads one run of one feed: name exactly one feed (e.g. "yamori feeds update feodo --file ipblocklist.csv").`,
      command: 'yamori feeds update',
    });
  }
  if (options.file !== undefined) return { kind: 'file', path: options.file };
  if (options.url !== undefined) return { kind: 'url', url: options.url };
  return { kind: 'feed' };
}

async function withIntel<T>(
  ctx: CliContext,
  use: (
    intel: ReturnType<typeof createIntelService>,
    store: Parameters<Parameters<typeof withStore>[1]>[0],
  ) => Promise<T>,
): Promise<T> {
  const config = ctx.config();
  return withStore(config, (store) =>
    use(createIntelService(config.intel, { store, log: ctx.log, now: () => ctx.now() * 1000 }), store),
  );
}

function describeResult(result: FeedUpdateResult): string {
  const run = result.run;
  const seconds = ((run.finishedAt - run.startedAt) / 1e6).toFixed(1);
  if (run.status === 'unchanged')
    return `${result.feed}: unchanged (${run.httpStatus === 304 ? 'HTTP 304' : 'same content'}), ${seconds} s`;
  if (run.status === 'ok') {
    const skipped = result.skipped > 0 ? `, ${formatCount(result.skipped)} invalid records skipped` : '';
    const partial = result.error ? ` (partly: ${result.error.message})` : '';
    return `${result.feed}: +${formatCount(run.added)} new, ${formatCount(run.updated)} updated, ${formatCount(run.removed)} retired; ${run.bytes === null ? '' : formatBytes(run.bytes) + ', '}${seconds} s${skipped}${partial}`;
  }
  return `${result.feed}: failed: error ${run.errorCode ?? ''}: ${run.errorMessage ?? ''}${result.error?.hint ? `\n  hint: ${result.error.hint}` : ''}`;
}

const iso = (micros: number | null): string | null =>
  micros === null ? null : new Date(Math.floor(micros / 1000)).toISOString();

function runToJson(run: FeedUpdateResult['run']): Record<string, unknown> {
  return {
    feed: run.feed,
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    status: run.status,
    http_status: run.httpStatus,
    bytes: run.bytes,
    added: run.added,
    updated: run.updated,
    removed: run.removed,
    indicator_count: run.indicatorCount,
    error_code: run.errorCode,
    error_message: run.errorMessage,
  };
}

function resultToJson(result: FeedUpdateResult): Record<string, unknown> {
  return { ...runToJson(result.run), skipped: result.skipped, hint: result.error?.hint ?? null };
}

function statusToJson(status: FeedStatus): Record<string, unknown> {
  return {
    name: status.feed.name,
    title: status.feed.title,
    provider: status.feed.provider,
    enabled: status.feed.enabled,
    format: status.feed.format,
    url: status.feed.url,
    schedule_s: status.feed.scheduleS,
    licence: status.feed.licence,
    listed: status.activeIndicators,
    health: status.health.status,
    health_problem: status.health.problem,
    last_run: status.lastRun ? runToJson(status.lastRun) : null,
  };
}
