import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readFixture, readSharedFeed } from './parser.contract.js';
import { textListParser } from './text-list.js';

const fixture = readFixture('text-list-mixed-and-defanged.txt');
const blockIps = readSharedFeed('et_emerging-Block-IPs.txt');

describeParserContract(textListParser, [
  { name: 'fixtures/text-list-mixed-and-defanged.txt', text: fixture },
  { name: 'et_emerging-Block-IPs.txt', text: blockIps },
]);

describe('textListParser', () => {
  it('detects each kind of value per line, undefangs, and skips comments of every style', () => {
    const result = textListParser.parse(fixture, contextFor('list'));
    expect(result.indicators.map((d) => `${d.type} ${d.value}`)).toEqual([
      'ipv4 192.0.2.1',
      'cidr 198.51.100.0/24',
      'ipv4 203.0.113.9',
      'ipv6 2001:db8::1',
      'cidr 2001:db8:abcd::/48',
      'domain evil.example.com',
      'url http://malware.example.net/drop.bin',
      'url https://phish.example.org/login?next=%2F',
      'cidr 10.0.0.0/8',
      'md5 5d41402abc4b2a76b9719d911017c592',
    ]);
    expect(result.generatedAt).toBe(Date.parse('2024-06-01T12:00:00Z') * 1000);
  });

  it('counts the repeated IP and the two invalid lines, naming the invalid ones', () => {
    const result = textListParser.parse(fixture, contextFor('list'));
    expect(result.skipped).toBe(3);
    expect(result.issues).toEqual([
      { line: 17, message: '"not_a_value!" is not an IP address, CIDR, domain, URL or hash' },
      { line: 18, message: '"1.2.3.999" is not an IP address, CIDR, domain, URL or hash' },
      { line: 7, message: '1 repeated entry was dropped, keeping the first' },
    ]);
  });

  it('keeps the line as raw and takes threat, confidence and tags from the options', () => {
    const result = textListParser.parse(
      '192.0.2.1 # c2 box\n',
      contextFor('list', { threat: 'botnet_cc', confidence: 70, tags: ['mine'] }),
    );
    expect(result.indicators[0]).toMatchObject({
      raw: '192.0.2.1 # c2 box',
      threat: 'botnet_cc',
      confidence: 70,
      tags: ['mine'],
    });
  });

  it('refuses values of another type when options.type forces one', () => {
    const result = textListParser.parse(
      '192.0.2.1\nexample.com\n198.51.100.0/24\n',
      contextFor('list', { type: 'ipv4' }),
    );
    expect(result.indicators.map((d) => d.value)).toEqual(['192.0.2.1']);
    expect(result.skipped).toBe(2);
  });

  it('adds the host of each URL when derive_hosts is set', () => {
    const result = textListParser.parse(
      'http://a.example.com/1\nhttp://a.example.com/2\n',
      contextFor('list', { derive_hosts: true }),
    );
    expect(result.indicators.map((d) => `${d.type} ${d.value}`)).toEqual([
      'url http://a.example.com/1',
      'domain a.example.com',
      'url http://a.example.com/2',
    ]);
    expect(result.indicators[1]!.raw).toEqual({
      derived_from: 'http://a.example.com/1',
      line: 'http://a.example.com/1',
    });
  });

  it('refuses an unknown type option with FEED_OPTIONS_INVALID', () => {
    expect(() => textListParser.parse('192.0.2.1', contextFor('list', { type: 'ip4' }))).toThrow(
      'option "type" is not a value type (got "ip4")',
    );
  });

  it('accepts a list of comments only as an empty list, and refuses a list of junk', () => {
    expect(textListParser.parse('# nothing listed today\n', contextFor('list')).indicators).toEqual([]);
    expect(() => textListParser.parse('junk!\nmore junk!\n', contextFor('list'))).toThrow(
      'holds no valid text-list entries: all 2 records were invalid',
    );
  });
});
