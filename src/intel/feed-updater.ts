import { readFile } from 'node:fs/promises';
import type { IntelConfig } from '../config/index.js';
import { YamoriError, isYamoriError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { EpochMicros, IndicatorDraft } from '../records/index.js';
import type { FeedRun, FeedState, Store } from '../store/index.js';
import { contentHash, fileContentHash } from './fetch/content-hash.js';
import type { HttpGet, HttpGetResponse } from './fetch/http-get.js';
import { redactUrl } from './fetch/redact-url.js';
import type { FeedParser, ParseResult } from './parsers/parser.js';
import type { ResolvedFeed } from './resolve-feeds.js';
import { fetchSourceDrafts } from './sources/run-source.js';

/** Where one run reads its data: the feed's own URL, another URL (a mirror), or a local file. */
export type FeedInput = { kind: 'feed' } | { kind: 'url'; url: string } | { kind: 'file'; path: string };

export interface FeedUpdateDeps {
  store: Store;
  http: HttpGet;
  parsers: ReadonlyMap<string, FeedParser>;
  keys: Pick<IntelConfig, 'abusechAuthKey' | 'otxApiKey'>;
  now: () => EpochMicros;
  log: Logger;
}

export interface FeedUpdateResult {
  feed: string;
  run: FeedRun;
  /** Records skipped by the parser as invalid (bad address, unknown pattern, …). */
  skipped: number;
  error: YamoriError | null;
}

/**
 * One run of one feed: fetch (conditional), parse, apply the difference, record the run. Any failure
 * is recorded as the run's error and returned, never thrown: the indicators of the last good run stay
 * as they were, and other feeds go on.
 */
export async function updateFeed(
  feed: ResolvedFeed,
  input: FeedInput,
  deps: FeedUpdateDeps,
): Promise<FeedUpdateResult> {
  const startedAt = deps.now();
  const run: FeedRun = {
    feed: feed.name,
    startedAt,
    finishedAt: startedAt,
    status: 'error',
    httpStatus: null,
    bytes: null,
    contentHash: null,
    etag: null,
    lastModified: null,
    added: 0,
    updated: 0,
    removed: 0,
    indicatorCount: null,
    errorCode: null,
    errorMessage: null,
  };
  let skipped = 0;
  let error: YamoriError | null = null;
  try {
    const previous = await deps.store.getFeedState(feed.name);
    if (feed.kind === 'document') {
      skipped = await runDocument(feed, input, previous, run, deps);
    } else {
      const outcome = await fetchSourceDrafts(feed, previous?.cursor ?? null, {
        http: deps.http,
        headers: authHeaders(feed, deps.keys),
        parsers: deps.parsers,
      });
      skipped = outcome.skipped;
      const result = await deps.store.applyFeedSnapshot(feed.name, outcome.drafts, {
        startedAt,
        complete: false,
        state: { etag: null, lastModified: null, contentHash: null, cursor: outcome.cursor },
      });
      Object.assign(run, {
        status: 'ok',
        added: result.added + result.reactivated,
        updated: result.updated,
        removed: result.removed,
      });
      run.bytes = outcome.bytes;
      if (outcome.partialError) {
        // What was read is stored and the cursor moved past it; the rest comes on the next run.
        error = outcome.partialError;
        run.errorCode = error.code;
        run.errorMessage = `partly done: ${error.message}`;
      }
    }
  } catch (caught) {
    error = isYamoriError(caught)
      ? caught
      : new YamoriError(
          'INTERNAL',
          { detail: caught instanceof Error ? caught.message : String(caught) },
          { cause: caught },
        );
    run.status = 'error';
    run.errorCode = error.code;
    run.errorMessage = error.message;
    deps.log.warn('feed update failed', { feed: feed.name, code: error.code, error: error.message });
  }
  run.finishedAt = deps.now();
  await deps.store.recordFeedRun(run);
  return { feed: feed.name, run, skipped, error };
}

async function runDocument(
  feed: ResolvedFeed,
  input: FeedInput,
  previous: FeedState | null,
  run: FeedRun,
  deps: FeedUpdateDeps,
): Promise<number> {
  const parser = deps.parsers.get(feed.format);
  if (!parser)
    throw new YamoriError('INTEL_FEED_INVALID', {
      key: `intel.feeds.${feed.name}.format`,
      problem: `"${feed.format}" is not a feed format`,
      formats: [...deps.parsers.keys()].join(', '),
    });
  let body: Buffer | null;
  let location: string;
  if (input.kind === 'file') {
    location = input.path;
    try {
      // A file the last good run loaded already is told by its hash alone, read a chunk at a time:
      // the whole file is read only when it changed.
      if (previous?.contentHash) {
        const file = await fileContentHash(input.path);
        if (file.hash === previous.contentHash) {
          run.bytes = file.bytes;
          run.contentHash = file.hash;
          run.status = 'unchanged';
          return 0;
        }
      }
      body = await readFile(input.path);
    } catch (cause) {
      throw new YamoriError(
        'FEED_FILE_UNREADABLE',
        { path: input.path, feed: feed.name, reason: (cause as NodeJS.ErrnoException).code ?? String(cause) },
        { cause },
      );
    }
    run.bytes = body.length;
  } else {
    const url = input.kind === 'url' ? input.url : feed.url;
    location = redactUrl(url);
    // A different URL is a different document: its validators say nothing about this one.
    const validators = input.kind === 'feed' ? previous : null;
    const response = await deps.http({
      url,
      headers: authHeaders(feed, deps.keys),
      etag: validators?.etag ?? null,
      lastModified: validators?.lastModified ?? null,
    });
    run.httpStatus = response.status;
    run.bytes = response.wireBytes;
    if (response.notModified) {
      run.status = 'unchanged';
      run.etag = previous?.etag ?? null;
      run.lastModified = previous?.lastModified ?? null;
      run.contentHash = previous?.contentHash ?? null;
      return 0;
    }
    checkStatus(feed, response, location, previous);
    body = response.body;
    run.etag = response.etag;
    run.lastModified = response.lastModified;
  }
  const hash = contentHash(body);
  run.contentHash = hash;
  if (previous?.contentHash === hash) {
    run.status = 'unchanged';
    // Keep the newest validators so the next fetch can be a 304; when they are the stored ones (a
    // file, or a server that ignored them), there is nothing to write.
    const etag = run.etag ?? previous.etag;
    const lastModified = run.lastModified ?? previous.lastModified;
    if (etag !== previous.etag || lastModified !== previous.lastModified) {
      await deps.store.setFeedState(feed.name, { ...previous, etag, lastModified });
    }
    return 0;
  }
  const text = body.toString('utf8');
  // The bytes are no longer needed: let them go before the long part.
  body = null;
  // The parse runs inside the store's write, batch by batch, so a million drafts never sit in memory
  // at once. Its first step runs here: a document with no entries ends there, and is checked first.
  const parse = parser.parseBatches(
    text,
    { feed: feed.name, location, options: feed.options },
    PARSE_BATCH_ROWS,
  );
  const first = parse.next();
  let summary: ParseResult | null = first.done === true ? first.value : null;
  if (first.done === true) {
    const stats = await deps.store.indicatorStats();
    const before = stats.find((entry) => entry.source === feed.name)?.active ?? 0;
    if (before > 0) throw new YamoriError('FEED_EMPTY', { feed: feed.name, location, previous: before });
  }
  const drafts =
    first.done === true
      ? []
      : {
          batches: batchesFrom(first.value, parse, (result) => {
            summary = result;
          }),
          // A parser lists each key once (its ResultBuilder drops repeats).
          uniqueKeys: true,
        };
  const result = await deps.store.applyFeedSnapshot(feed.name, drafts, {
    startedAt: run.startedAt,
    complete: feed.isComplete,
    state: {
      etag: run.etag,
      lastModified: run.lastModified,
      contentHash: hash,
      cursor: previous?.cursor ?? null,
    },
  });
  run.status = 'ok';
  run.added = result.added + result.reactivated;
  run.updated = result.updated;
  run.removed = result.removed;
  if (summary === null) throw new Error('the store finished a snapshot without reading all of its batches');
  return summary.skipped;
}

/** Drafts per batch of a document's parse: enough to pay for the hand-over, few enough to stay young. */
const PARSE_BATCH_ROWS = 1024;

/** The batch already taken, then the rest of the parse; hands the parse's result to `onEnd`. */
function* batchesFrom(
  first: IndicatorDraft[],
  rest: Generator<IndicatorDraft[], ParseResult, undefined>,
  onEnd: (result: ParseResult) => void,
): Generator<IndicatorDraft[], void, undefined> {
  yield first;
  onEnd(yield* rest);
}

function checkStatus(
  feed: ResolvedFeed,
  response: HttpGetResponse,
  location: string,
  previous: FeedState | null,
): void {
  if (response.status >= 200 && response.status < 300) return;
  const needsKey = response.status === 401 || response.status === 403;
  const keyAdvice =
    feed.auth === 'abusech'
      ? 'abuse.ch wants an Auth-Key: get one free at auth.abuse.ch and set ABUSECH_AUTH_KEY (or intel.abusech_auth_key).'
      : feed.auth === 'otx'
        ? 'Set a valid OTX API key in OTX_API_KEY (or intel.otx_api_key).'
        : 'The feed now needs credentials: set auth_header and auth_value for it under intel.feeds.';
  const advice = needsKey
    ? `${previous ? 'The feed worked before and now refuses access. ' : ''}${keyAdvice}`
    : response.status === 404
      ? 'The feed may have moved: check its URL.'
      : 'The server refused the request; the next scheduled run tries again.';
  throw new YamoriError('FEED_HTTP_STATUS', {
    url: location,
    status: response.status,
    detail: needsKey ? ' (access denied)' : '',
    advice,
  });
}

/** The header a feed's key goes in. Values are secrets: they travel only in the request. */
export function authHeaders(feed: ResolvedFeed, keys: FeedUpdateDeps['keys']): Record<string, string> {
  if (feed.auth === 'abusech' && keys.abusechAuthKey) return { 'Auth-Key': keys.abusechAuthKey };
  if (feed.auth === 'otx' && keys.otxApiKey) return { 'X-OTX-API-KEY': keys.otxApiKey };
  if (feed.auth === 'header' && feed.authHeader && feed.authValue)
    return { [feed.authHeader]: feed.authValue };
  return {};
}
