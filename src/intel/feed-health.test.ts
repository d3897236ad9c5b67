import { describe, expect, it } from 'vitest';
import type { FeedRun } from '../store/index.js';
import { judgeFeedHealth } from './feed-health.js';

const HOUR = 3_600_000_000;
const now = 1_000 * HOUR;

function run(overrides: Partial<FeedRun>): FeedRun {
  return {
    feed: 'feodo',
    startedAt: now - HOUR,
    finishedAt: now - HOUR,
    status: 'ok',
    httpStatus: 200,
    bytes: 100,
    contentHash: 'h',
    etag: null,
    lastModified: null,
    added: 0,
    updated: 0,
    removed: 0,
    indicatorCount: 100,
    errorCode: null,
    errorMessage: null,
    ...overrides,
  };
}

const failed = (code: string, message: string, hoursAgo = 1): FeedRun =>
  run({
    status: 'error',
    errorCode: code,
    errorMessage: message,
    startedAt: now - hoursAgo * HOUR,
    indicatorCount: null,
  });

describe('judgeFeedHealth', () => {
  it.each([
    ['a feed never fetched', [], 'never-run'],
    ['a good latest run', [run({})], 'healthy'],
    [
      'one failure after good runs (transient)',
      [failed('FEED_TIMEOUT', 'timed out'), run({ startedAt: now - 2 * HOUR })],
      'healthy',
    ],
    [
      'three failures in a row',
      [
        failed('FEED_TIMEOUT', 't', 1),
        failed('FEED_TIMEOUT', 't', 2),
        failed('FEED_TIMEOUT', 't', 3),
        run({ startedAt: now - 4 * HOUR }),
      ],
      'failing',
    ],
    [
      'a 401 where there was data before',
      [failed('FEED_HTTP_STATUS', 'https://x answered HTTP 401 (access denied).'), run({})],
      'auth-required',
    ],
    ['an empty response where there were entries', [failed('FEED_EMPTY', 'no entries'), run({})], 'empty'],
    ['an update that retired most entries', [run({ removed: 80, added: 0, indicatorCount: 20 })], 'shrunk'],
    [
      'no success for three schedule periods',
      [failed('FEED_TIMEOUT', 't', 1), run({ startedAt: now - 10 * HOUR })],
      'stale',
    ],
    ['an unchanged refresh', [run({ status: 'unchanged' }), run({ startedAt: now - 2 * HOUR })], 'healthy'],
  ] as const)('judges %s', (_name, runs, expected) => {
    expect(judgeFeedHealth({ runs, scheduleS: 3_600, now }).status).toBe(expected);
  });

  it('names the problem in a sentence', () => {
    const health = judgeFeedHealth({
      runs: [failed('FEED_HTTP_STATUS', 'HTTP 403'), run({})],
      scheduleS: 3_600,
      now,
    });
    expect(health.problem).toBe(
      'the feed worked before and now refuses access (HTTP 401/403): it needs a key',
    );
  });
});
