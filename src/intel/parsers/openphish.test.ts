import { describe, expect, it } from 'vitest';
import { openphishParser } from './openphish.js';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';

const sample = readSharedFeed('openphish_feed.txt');

describeParserContract(openphishParser, [{ name: 'openphish_feed.txt', text: sample }]);

describe.skipIf(sample === null)(
  'openphishParser on the real feed.txt (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';

    it('lists every line as a phishing url, long lines included, and no hosts by default', () => {
      const lines = text.split('\n').filter((line) => line !== '');
      expect(lines).toHaveLength(300);
      const result = openphishParser.parse(text, contextFor('openphish'));
      expect(result.indicators).toHaveLength(300);
      expect(result.indicators.every((d) => d.type === 'url' && d.threat === 'phishing')).toBe(true);
      const longest = lines.reduce((a, b) => (b.length > a.length ? b : a));
      expect(longest.length).toBe(368);
      expect(result.indicators.some((d) => d.raw === longest)).toBe(true);
    });

    it('adds one host per distinct host when derive_hosts is set', () => {
      const result = openphishParser.parse(text, contextFor('openphish', { derive_hosts: true }));
      const urls = result.indicators.filter((d) => d.type === 'url');
      const hosts = new Set(urls.map((d) => new URL(d.value).hostname));
      expect(result.indicators.length - urls.length).toBe(hosts.size);
    });
  },
);
