/**
 * Threat intelligence: feed definitions, fetching (conditional, incremental), parsing of every feed
 * format, normalising into indicators, the allow-list, and feed health.
 *
 * In: feed definitions from the catalogue and the config; documents over HTTP or from files.
 * Out: indicators, feed runs and feed state in the store.
 * A failing feed never blocks another, and never touches the indicators of its last good run.
 * Called by cli/ and daemon/; imports store/, config/ and the leaves.
 */
export {
  createIntelService,
  allowlistEntries,
  type IntelService,
  type IntelServiceDeps,
  type FeedStatus,
} from './intel-service.js';
export { updateFeed, type FeedInput, type FeedUpdateResult } from './feed-updater.js';
export { resolveFeeds, type ResolvedFeed } from './resolve-feeds.js';
export { BUILTIN_FEEDS } from './feed-catalogue.js';
export { BUILTIN_ALLOWLIST } from './builtin-allowlist.js';
export type { FeedDefinition, FeedKind } from './feed-definition.js';
export { judgeFeedHealth, type FeedHealth, type FeedHealthStatus } from './feed-health.js';
export { FEED_PARSERS, ALL_FEED_PARSERS } from './parsers/registry.js';
export type { FeedParser, ParseResult, ParseContext } from './parsers/parser.js';
export { createHttpGet } from './fetch/http-client.js';
export type { HttpGet, HttpGetRequest, HttpGetResponse } from './fetch/http-get.js';
export { detectIndicator, normaliseValue } from './normalise-indicator.js';
