import type { EpochMicros } from '../records/index.js';
import type { FeedRun } from '../store/index.js';

export type FeedHealthStatus =
  'healthy' | 'never-run' | 'failing' | 'auth-required' | 'empty' | 'shrunk' | 'stale';

export interface FeedHealth {
  status: FeedHealthStatus;
  /** One sentence for people; null when healthy. */
  problem: string | null;
}

export interface FeedHealthInput {
  /** Recorded runs of the feed, newest first. */
  runs: readonly FeedRun[];
  scheduleS: number;
  now: EpochMicros;
  /** Failures in a row before a feed counts as failing. */
  failuresBeforeFailing?: number;
}

/**
 * Judges a feed from its recent runs: one that fails repeatedly, suddenly returns no entries, lost
 * most of its entries in one run, started demanding authentication, or has not succeeded for three
 * schedule periods. The newest run decides first: a success clears earlier trouble.
 */
export function judgeFeedHealth(input: FeedHealthInput): FeedHealth {
  const { runs, scheduleS, now } = input;
  const failuresBeforeFailing = input.failuresBeforeFailing ?? 3;
  const latest = runs[0];
  if (!latest) return { status: 'never-run', problem: 'the feed has not been fetched yet' };
  if (latest.status === 'error') {
    if (latest.errorCode === 'FEED_HTTP_STATUS' && /HTTP 40[13]\b/.test(latest.errorMessage ?? '')) {
      const hadData = runs.some((run) => run.status !== 'error');
      return {
        status: 'auth-required',
        problem: hadData
          ? 'the feed worked before and now refuses access (HTTP 401/403): it needs a key'
          : 'the feed refuses access (HTTP 401/403): it needs a key',
      };
    }
    if (latest.errorCode === 'FEED_EMPTY')
      return { status: 'empty', problem: 'the feed suddenly returned no entries' };
    const failures = countWhile(runs, (run) => run.status === 'error');
    if (failures >= failuresBeforeFailing) {
      return {
        status: 'failing',
        problem: `the last ${failures} runs failed; the latest: ${latest.errorMessage ?? latest.errorCode ?? 'unknown error'}`,
      };
    }
  }
  const lastGood = runs.find((run) => run.status !== 'error');
  if (lastGood && now - lastGood.startedAt > 3 * scheduleS * 1_000_000) {
    return {
      status: 'stale',
      problem: `no successful run for ${Math.round((now - lastGood.startedAt) / 3_600_000_000)} hours`,
    };
  }
  const lastChange = runs.find((run) => run.status === 'ok');
  if (lastChange && lastChange.indicatorCount !== null) {
    const before = lastChange.indicatorCount + lastChange.removed - lastChange.added;
    if (before >= 20 && lastChange.removed > before / 2) {
      return {
        status: 'shrunk',
        problem: `the last update retired ${lastChange.removed} of ${before} entries`,
      };
    }
  }
  if (latest.status === 'error' && !lastGood) {
    return {
      status: 'failing',
      problem: `the feed has never been fetched successfully: ${latest.errorMessage ?? latest.errorCode ?? 'unknown error'}`,
    };
  }
  return { status: 'healthy', problem: null };
}

function countWhile<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let count = 0;
  for (const item of items) {
    if (!predicate(item)) break;
    count++;
  }
  return count;
}
