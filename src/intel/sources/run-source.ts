/**
 * One run of a multi-request feed (kind taxii21, misp-feed or otx-pulses) for the feed updater: reads
 * the feed's options and cursor, runs the source, and returns drafts plus the cursor to save with
 * them. These sources return only what changed since the cursor, so the caller applies the drafts as
 * a partial update (nothing is retired because it is absent).
 */
import { YamoriError } from '../../errors/index.js';
import { indicatorKey, type IndicatorDraft } from '../../records/index.js';
import type { HttpGet } from '../fetch/http-get.js';
import { redactUrl } from '../fetch/redact-url.js';
import { optionBoolean, optionNumber, optionString } from '../parsers/parser-options.js';
import type { FeedParser, ParseContext, ParseIssue } from '../parsers/parser.js';
import { parseStixObjects } from '../parsers/stix21.js';
import type { ResolvedFeed } from '../resolve-feeds.js';
import { fetchMispFeed } from './misp-feed.js';
import { fetchOtxPulses, type OtxState } from './otx-pulses.js';
import { isRecord } from './read-json-response.js';
import { fetchTaxiiCollection } from './taxii21.js';

export interface SourceDeps {
  http: HttpGet;
  /** The feed's auth header (X-OTX-API-KEY, or a configured header), already resolved from config. */
  headers: Record<string, string>;
  parsers: ReadonlyMap<string, FeedParser>;
}

export interface SourceOutcome {
  /** Indicators new or changed since the cursor. */
  drafts: IndicatorDraft[];
  skipped: number;
  issues: ParseIssue[];
  /** Save with the drafts; the next run passes it back. JSON-safe. */
  cursor: unknown;
  /** Bytes received on the wire over all requests. */
  bytes: number;
  /**
   * A failure after part of the run succeeded (an OTX page, a MISP event): the drafts and cursor are
   * still right to apply, and the next run retries what failed. Record it as the run's warning.
   */
  partialError: YamoriError | null;
}

/** Runs the source; throws YamoriError when nothing could be read (the cursor then stays as it was). */
export async function fetchSourceDrafts(
  feed: ResolvedFeed,
  cursor: unknown,
  deps: SourceDeps,
): Promise<SourceOutcome> {
  let bytes = 0;
  const http: HttpGet = async (request) => {
    const response = await deps.http(request);
    bytes += response.wireBytes;
    return response;
  };
  const context: ParseContext = { feed: feed.name, location: redactUrl(feed.url), options: feed.options };
  const saved = isRecord(cursor) ? cursor : {};
  switch (feed.kind) {
    case 'taxii21':
      return { ...(await runTaxii(feed, saved, http, deps.headers, context)), bytes };
    case 'misp-feed':
      return { ...(await runMisp(feed, saved, http, deps.headers, context)), bytes };
    case 'otx-pulses':
      return { ...(await runOtx(feed, saved, http, deps.headers, context)), bytes };
    default:
      throw new YamoriError('INTERNAL', {
        detail: `feed ${feed.name} of kind ${feed.kind} is not a multi-request source`,
      });
  }
}

type Run = Omit<SourceOutcome, 'bytes'>;

/**
 * Options: collection (title) or collection_id, username / password for Basic auth, page_limit
 * (default 1000), max_pages (default 100). The URL is a discovery endpoint when it ends in "taxii2/",
 * else an API root.
 */
async function runTaxii(
  feed: ResolvedFeed,
  cursor: Record<string, unknown>,
  http: HttpGet,
  headers: Record<string, string>,
  context: ParseContext,
): Promise<Run> {
  const isDiscovery = /\/taxii2\/?$/.test(new URL(feed.url).pathname);
  const collectionId = optionString(context, feed.format, 'collection_id') ?? undefined;
  const collectionTitle = optionString(context, feed.format, 'collection') ?? undefined;
  if (collectionId === undefined && collectionTitle === undefined) {
    throw new YamoriError('FEED_OPTIONS_INVALID', {
      feed: feed.name,
      format: feed.format,
      option: 'collection',
      problem: 'is missing: a TAXII feed names its collection',
      example: 'Add options: { collection: "Indicators" } or options: { collection_id: "<uuid>" }.',
    });
  }
  const result = await fetchTaxiiCollection(http, {
    ...(isDiscovery ? { discoveryUrl: feed.url } : { apiRootUrl: feed.url }),
    collectionId,
    collectionTitle,
    username: optionString(context, feed.format, 'username') ?? undefined,
    password: optionString(context, feed.format, 'password') ?? undefined,
    headers,
    addedAfter: typeof cursor.addedAfter === 'string' ? cursor.addedAfter : null,
    pageLimit: optionNumber(context, feed.format, 'page_limit', 1, 100_000) ?? 1000,
    maxPages: optionNumber(context, feed.format, 'max_pages', 1, 100_000) ?? 100,
  });
  const parsed = parseStixObjects(result.objects, context);
  return {
    drafts: parsed.indicators,
    skipped: parsed.skipped,
    issues: parsed.issues,
    cursor: { addedAfter: result.nextAddedAfter },
    partialError: null,
  };
}

/** Options: include_non_ids (default false), max_events (default all). */
async function runMisp(
  feed: ResolvedFeed,
  cursor: Record<string, unknown>,
  http: HttpGet,
  headers: Record<string, string>,
  context: ParseContext,
): Promise<Run> {
  const seen: Record<string, number> = {};
  if (isRecord(cursor.seen)) {
    for (const [uuid, timestamp] of Object.entries(cursor.seen))
      if (typeof timestamp === 'number') seen[uuid] = timestamp;
  }
  const result = await fetchMispFeed(http, {
    url: feed.url,
    headers,
    seen,
    manifestEtag: typeof cursor.manifestEtag === 'string' ? cursor.manifestEtag : null,
    manifestLastModified:
      typeof cursor.manifestLastModified === 'string' ? cursor.manifestLastModified : null,
    includeNonIds: optionBoolean(context, feed.format, 'include_non_ids') ?? false,
    maxEvents: optionNumber(context, feed.format, 'max_events', 1, 1_000_000) ?? undefined,
    context,
  });
  const firstFailure = result.failed[0]?.error ?? null;
  if (firstFailure !== null && result.changed.length === 0) throw firstFailure;
  return {
    // Newest event first, so a value listed by several events keeps the newest listing.
    drafts: unique(result.changed.toReversed().flatMap((event) => event.indicators)),
    skipped: result.skipped,
    issues: result.issues,
    cursor: {
      seen: result.seen,
      manifestEtag: result.manifestEtag,
      manifestLastModified: result.manifestLastModified,
    },
    partialError: firstFailure,
  };
}

/** Options: limit (pulses per page, default 50), max_pages (default 50). */
async function runOtx(
  feed: ResolvedFeed,
  cursor: Record<string, unknown>,
  http: HttpGet,
  headers: Record<string, string>,
  context: ParseContext,
): Promise<Run> {
  const apiKey = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-otx-api-key')?.[1];
  if (apiKey === undefined || apiKey === '') {
    throw new YamoriError('FEED_KEY_MISSING', {
      feed: feed.name,
      what: 'an OTX API key',
      advice: 'Set OTX_API_KEY (or intel.otx_api_key); the key is on your OTX settings page.',
    });
  }
  const state: OtxState = {
    modifiedSince: typeof cursor.modifiedSince === 'string' ? cursor.modifiedSince : null,
    resumePage: typeof cursor.resumePage === 'number' ? cursor.resumePage : null,
    pendingNewest: typeof cursor.pendingNewest === 'string' ? cursor.pendingNewest : null,
  };
  const result = await fetchOtxPulses(http, {
    url: feed.url,
    apiKey,
    state,
    limit: optionNumber(context, feed.format, 'limit', 1, 1000) ?? 50,
    maxPages: optionNumber(context, feed.format, 'max_pages', 1, 100_000) ?? 50,
    context,
  });
  if (result.error !== null && result.pulses.length === 0) throw result.error;
  return {
    drafts: unique(result.pulses.flatMap((pulse) => pulse.indicators)),
    skipped: result.skipped,
    issues: result.issues,
    cursor: result.state,
    partialError: result.error,
  };
}

/** One draft per indicator key (the store applies a batch by key), keeping the first. */
function unique(drafts: IndicatorDraft[]): IndicatorDraft[] {
  const seen = new Set<string>();
  return drafts.filter((draft) => {
    const key = indicatorKey(draft);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
