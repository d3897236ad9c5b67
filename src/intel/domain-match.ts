import { YamoriError } from '../errors/index.js';
import type { FeedDefinition } from './feed-definition.js';

/** How a feed's domain indicators match names: the name only, or the name and every subdomain. */
export type DomainMatch = 'exact' | 'subdomains';

/** Where rule SQL finds a feed's domain matching: `settings` key `intel.domain_match.<feed>`. */
export const DOMAIN_MATCH_SETTING = 'intel.domain_match.';

/**
 * A feed's `domain_match` option: `exact` (default; most feeds list one host name, and its parent or
 * sibling names are somebody else) or `subdomains` (the feed lists whole domains, as a registered
 * domain an operator owns). Throws INTEL_FEED_INVALID naming the config key for any other value.
 */
export function feedDomainMatch(
  feed: Pick<FeedDefinition, 'name' | 'options'>,
  formats: string,
): DomainMatch {
  const value = feed.options['domain_match'];
  if (value === undefined || value === null || value === 'exact') return 'exact';
  if (value === 'subdomains') return 'subdomains';
  throw new YamoriError('INTEL_FEED_INVALID', {
    key: `intel.feeds.${feed.name}.options.domain_match`,
    problem: `must be "exact" or "subdomains" (got ${JSON.stringify(value)})`,
    formats,
  });
}

/** The settings rules read: one key per feed whose domains cover their subdomains. */
export function domainMatchSettings(
  feeds: readonly Pick<FeedDefinition, 'name' | 'options'>[],
  formats: string,
): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const feed of feeds) {
    if (feedDomainMatch(feed, formats) === 'subdomains')
      settings[`${DOMAIN_MATCH_SETTING}${feed.name}`] = 'subdomains';
  }
  return settings;
}
