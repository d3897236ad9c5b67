import { describe, expect, it } from 'vitest';
import { domainMatchSettings, feedDomainMatch } from './domain-match.js';

describe('feedDomainMatch', () => {
  it('reads exact when the feed says nothing, and the value the feed gives otherwise', () => {
    expect(feedDomainMatch({ name: 'a', options: {} }, '')).toBe('exact');
    expect(feedDomainMatch({ name: 'a', options: { domain_match: 'exact' } }, '')).toBe('exact');
    expect(feedDomainMatch({ name: 'a', options: { domain_match: 'subdomains' } }, '')).toBe('subdomains');
  });

  it('rejects any other value, naming the config key', () => {
    expect(() =>
      feedDomainMatch({ name: 'blocklist', options: { domain_match: 'wildcard' } }, 'text-list'),
    ).toThrow(
      expect.objectContaining({
        code: 'INTEL_FEED_INVALID',
        message: expect.stringContaining('intel.feeds.blocklist.options.domain_match') as unknown,
      }),
    );
  });
});

describe('domainMatchSettings', () => {
  it('writes one setting per feed whose domains cover their subdomains, and none for exact feeds', () => {
    expect(
      domainMatchSettings(
        [
          { name: 'threatfox', options: {} },
          { name: 'whole-domains', options: { domain_match: 'subdomains' } },
        ],
        '',
      ),
    ).toEqual({ 'intel.domain_match.whole-domains': 'subdomains' });
  });
});
