import { describe, expect, it } from 'vitest';
import { YamoriError } from '../errors/index.js';
import { BUILTIN_FEEDS } from './feed-catalogue.js';
import { allowlistEntries } from './intel-service.js';
import { FEED_PARSERS } from './parsers/registry.js';
import { resolveFeeds } from './resolve-feeds.js';

const formats = [...FEED_PARSERS.keys(), 'taxii21', 'misp-feed', 'otx'];

describe('resolveFeeds', () => {
  it('gives every built-in feed a known format, a licence and its default state', () => {
    const feeds = resolveFeeds({ feeds: {} }, formats);
    expect(feeds).toHaveLength(BUILTIN_FEEDS.length);
    for (const feed of feeds) {
      expect(formats, feed.name).toContain(feed.format);
      expect(feed.licence.length, feed.name).toBeGreaterThan(10);
      expect(feed.enabled).toBe(feed.enabledByDefault);
    }
    expect(feeds.filter((f) => f.enabled).map((f) => f.name)).toEqual([
      'feodo',
      'urlhaus',
      'threatfox',
      'sslbl-ip',
      'sslbl-cert',
      'spamhaus-drop',
      'spamhaus-dropv6',
      'et-compromised',
      'tor-exits',
    ]);
  });

  it('applies overrides to a built-in feed and keeps the rest of its definition', () => {
    const [feodo] = resolveFeeds({ feeds: { feodo: { enabled: false, schedule: 600 } } }, formats);
    expect(feodo).toMatchObject({
      name: 'feodo',
      enabled: false,
      scheduleS: 600,
      format: 'feodo-csv',
      auth: 'abusech',
    });
  });

  it('adds a user feed with its options and kind', () => {
    const feeds = resolveFeeds(
      {
        feeds: {
          mine: { url: 'https://example.org/x.txt', format: 'text-list', type: 'domain', threat: 'phishing' },
          partner: {
            url: 'https://taxii.example.org/taxii2/',
            format: 'taxii21',
            options: { collection: 'x' },
          },
        },
      },
      formats,
    );
    expect(feeds.find((f) => f.name === 'mine')).toMatchObject({
      kind: 'document',
      enabled: true,
      isComplete: true,
      options: { type: 'domain', threat: 'phishing' },
    });
    expect(feeds.find((f) => f.name === 'partner')).toMatchObject({ kind: 'taxii21', isComplete: false });
  });

  it('names the key when a user feed lacks a url or has an unknown format', () => {
    expect(() => resolveFeeds({ feeds: { mine: { format: 'text-list' } } }, formats)).toThrow(
      /"intel.feeds.mine" is not a built-in feed/,
    );
    try {
      resolveFeeds({ feeds: { mine: { url: 'https://x.test/a', format: 'txt' } } }, formats);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(YamoriError);
      expect((error as YamoriError).message).toBe(
        'Config key "intel.feeds.mine.format" "txt" is not a feed format.',
      );
    }
  });
});

describe('allowlistEntries', () => {
  it('puts the home networks first, covering overlapping ranges, then built-ins, then the user', () => {
    const entries = allowlistEntries({
      homeNetworks: ['192.168.1.0/24'],
      allowlist: [{ value: '*.corp.example.com', reason: 'our company' }],
    });
    expect(entries[0]).toEqual({
      type: 'cidr',
      value: '192.168.1.0/24',
      reason: 'your home network',
      source: 'user',
      matchOverlapping: true,
    });
    expect(entries.find((e) => e.value === '10.0.0.0/8')).toMatchObject({
      source: 'builtin',
      matchOverlapping: true,
    });
    expect(entries.find((e) => e.value === '8.8.8.8')).toMatchObject({
      type: 'ipv4',
      matchOverlapping: false,
    });
    expect(entries.at(-1)).toEqual({
      type: 'domain',
      value: 'corp.example.com',
      reason: 'our company',
      source: 'user',
    });
    expect(entries.some((e) => e.value === '198.51.100.0/24' || e.value === '203.0.113.0/24')).toBe(false);
  });
});
