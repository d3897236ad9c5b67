import { describe, expect, it } from 'vitest';
import { ALL_FEED_PARSERS, FEED_PARSERS } from './registry.js';

describe('FEED_PARSERS', () => {
  it('holds every parser under its own name, each name once', () => {
    expect(FEED_PARSERS.size).toBe(ALL_FEED_PARSERS.length);
    for (const [name, parser] of FEED_PARSERS) expect(parser.name).toBe(name);
  });

  it('has a parser for every format the feed definitions of the issue name', () => {
    const formats = [
      'feodo-csv',
      'feodo-json',
      'feodo-txt',
      'urlhaus-csv',
      'urlhaus-hostfile',
      'threatfox-csv',
      'threatfox-json',
      'sslbl-ip',
      'sslbl-cert',
      'sslbl-ja3',
      'spamhaus-drop',
      'spamhaus-json',
      'et-ips',
      'tor-exit-addresses',
      'tor-bulk-exit-list',
      'cins',
      'firehol-ipset',
      'firehol-netset',
      'ipsum',
      'openphish',
      'phishtank-csv',
      'text-list',
      'csv-mapped',
      'hosts-file',
      'stix21',
    ];
    for (const format of formats) expect(FEED_PARSERS.has(format), format).toBe(true);
  });
});
