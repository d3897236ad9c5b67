import type { IntelConfig } from '../config/index.js';
import { YamoriError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { EpochMicros } from '../records/index.js';
import type { AllowlistEntry, Store } from '../store/index.js';
import { BUILTIN_ALLOWLIST } from './builtin-allowlist.js';
import { DOMAIN_MATCH_SETTING, domainMatchSettings } from './domain-match.js';
import { judgeFeedHealth, type FeedHealth } from './feed-health.js';
import { updateFeed, type FeedInput, type FeedUpdateResult } from './feed-updater.js';
import { createHttpGet } from './fetch/http-client.js';
import type { HttpGet } from './fetch/http-get.js';
import { detectIndicator } from './normalise-indicator.js';
import { FEED_PARSERS } from './parsers/registry.js';
import { resolveFeeds, type ResolvedFeed } from './resolve-feeds.js';

export interface IntelServiceDeps {
  store: Store;
  log: Logger;
  /** Wall clock, epoch microseconds. */
  now?: () => EpochMicros;
  /** HTTP client; by default one built from the config's limits. */
  http?: HttpGet;
}

export interface FeedStatus {
  feed: ResolvedFeed;
  health: FeedHealth;
  lastRun: Awaited<ReturnType<Store['listFeedRuns']>>[number] | null;
  activeIndicators: number;
}

export interface IntelService {
  /** Every feed, built-in and configured, with whether it is on. */
  feeds(): ResolvedFeed[];
  feed(name: string): ResolvedFeed;
  /** Writes the built-in and configured allow-list and the grace period into the store. */
  syncSettings(): Promise<void>;
  /** Runs the named feeds (default: every enabled feed) one after another; one failure never stops the rest. */
  update(
    names?: readonly string[],
    input?: FeedInput,
    onResult?: (result: FeedUpdateResult) => void,
  ): Promise<FeedUpdateResult[]>;
  status(): Promise<FeedStatus[]>;
  /** Starts the schedule: each enabled feed runs when due (its last run plus its schedule). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Threat intelligence as a stage: feeds resolved from the catalogue and the config, fetched on their
 * schedules into the store, with the allow-list kept in step. Creating it does no I/O.
 */
export function createIntelService(config: IntelConfig, deps: IntelServiceDeps): IntelService {
  const now = deps.now ?? (() => Date.now() * 1000);
  const http =
    deps.http ??
    createHttpGet({
      timeoutMs: config.fetchTimeoutS * 1000,
      maxBytes: config.maxFeedBytes,
      retries: config.fetchRetries,
      backoffMs: 2_000,
      userAgent: 'yamori (home-network threat detection)',
    });
  let resolved: ResolvedFeed[] | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const feeds = (): ResolvedFeed[] =>
    (resolved ??= resolveFeeds(config, [...FEED_PARSERS.keys(), 'taxii21', 'misp-feed', 'otx']));
  const feed = (name: string): ResolvedFeed => {
    const found = feeds().find((candidate) => candidate.name === name);
    if (!found)
      throw new YamoriError('INTEL_FEED_UNKNOWN', {
        name,
        names: feeds()
          .map((f) => f.name)
          .join(', '),
      });
    return found;
  };

  const update: IntelService['update'] = async (names, input = { kind: 'feed' }, onResult) => {
    const chosen = names && names.length > 0 ? names.map(feed) : feeds().filter((f) => f.enabled);
    const results: FeedUpdateResult[] = [];
    for (const one of chosen) {
      const result = await updateFeed(one, input, {
        store: deps.store,
        http,
        parsers: FEED_PARSERS,
        keys: config,
        now,
        log: deps.log,
      });
      results.push(result);
      onResult?.(result);
    }
    return results;
  };

  const status = async (): Promise<FeedStatus[]> => {
    const stats = await deps.store.indicatorStats();
    const latest = await deps.store.listLatestFeedRuns(10);
    return feeds().map((one) => {
      const runs = latest.get(one.name) ?? [];
      return {
        feed: one,
        health: judgeFeedHealth({ runs, scheduleS: one.scheduleS, now: now() }),
        lastRun: runs[0] ?? null,
        activeIndicators: stats.find((entry) => entry.source === one.name)?.active ?? 0,
      };
    });
  };

  const runDue = async (): Promise<void> => {
    const latest = await deps.store.listLatestFeedRuns(1);
    const due: string[] = [];
    for (const one of feeds().filter((f) => f.enabled)) {
      const last = latest.get(one.name)?.[0];
      if (!last || now() - last.startedAt >= one.scheduleS * 1_000_000) due.push(one.name);
    }
    if (due.length > 0) await update(due);
  };

  return {
    feeds,
    feed,
    async syncSettings() {
      await deps.store.setAllowlist(allowlistEntries(config));
      await deps.store.setIndicatorGracePeriod(config.gracePeriodH);
      await deps.store.replaceSettings(
        DOMAIN_MATCH_SETTING,
        domainMatchSettings(feeds(), [...FEED_PARSERS.keys()].join(', ')),
      );
    },
    update,
    status,
    async start() {
      await this.syncSettings();
      const tick = (): void => {
        running = running
          .then(runDue)
          .catch((error: unknown) => deps.log.warnLimited('feed schedule failed', { error: String(error) }));
      };
      tick();
      timer = setInterval(tick, 60_000);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}

/** The allow-list the store applies: the home networks, the built-in list, then the user's entries. */
export function allowlistEntries(config: Pick<IntelConfig, 'allowlist' | 'homeNetworks'>): AllowlistEntry[] {
  const entries: AllowlistEntry[] = [];
  const add = (
    value: string,
    reason: string,
    source: AllowlistEntry['source'],
    matchOverlapping: boolean,
  ): void => {
    const text = value.startsWith('*.') ? value.slice(2) : value;
    const detected = detectIndicator(text);
    if (!detected) return;
    const isAddress = detected.type === 'ipv4' || detected.type === 'ipv6' || detected.type === 'cidr';
    entries.push({
      type: detected.type,
      value: detected.value,
      reason,
      source,
      ...(isAddress ? { matchOverlapping } : {}),
    });
  };
  for (const network of config.homeNetworks) add(network, 'your home network', 'user', true);
  for (const entry of BUILTIN_ALLOWLIST)
    add(entry.value, entry.reason, 'builtin', entry.reason.startsWith('private'));
  for (const entry of config.allowlist) add(entry.value, entry.reason, 'user', false);
  return entries;
}
