import { describe, expect, it } from 'vitest';
import { feodoJsonParser } from './feodo-json.js';
import { contextFor, describeParserContract, readFixture } from './parser.contract.js';

const fixture = readFixture('feodo-ipblocklist.json');
const at = (iso: string): number => Date.parse(iso) * 1000;

describeParserContract(feodoJsonParser, [{ name: 'fixtures/feodo-ipblocklist.json', text: fixture }]);

describe('feodoJsonParser', () => {
  const result = feodoJsonParser.parse(fixture, contextFor('feodo-json'));

  it('lists each valid entry once: one IP on two ports is two indicators, a repeat is dropped, a bad address skipped', () => {
    const entries = JSON.parse(fixture) as unknown[];
    expect(entries).toHaveLength(5);
    expect(result.indicators.map((d) => [d.value, d.port])).toEqual([
      ['192.0.2.10', 443],
      ['192.0.2.10', 8443],
      ['198.51.100.7', 2222],
    ]);
    expect(result.skipped).toBe(2);
    expect(result.issues[0]).toEqual({ line: 4, message: 'ip_address "203.0.113.300" is not an IP address' });
  });

  it('reads the family, times and link, and keeps the entry object as raw', () => {
    expect(result.indicators[0]).toMatchObject({
      type: 'ipv4',
      threat: 'botnet_cc',
      malwareFamily: 'QakBot',
      reference: 'https://feodotracker.abuse.ch/browse/host/192.0.2.10/',
      sourceFirstSeenAt: at('2024-03-01T10:15:00Z'),
      sourceLastSeenAt: at('2024-04-04T00:00:00Z'),
    });
    expect(result.indicators[2]!.sourceLastSeenAt).toBeNull();
    expect(result.indicators[2]!.raw).toMatchObject({
      hostname: 'host-7.example.net',
      as_number: 64501,
      country: 'DE',
    });
  });

  it('fails with FEED_PARSE_FAILED on JSON that is not an array, and on truncated JSON', () => {
    expect(() => feodoJsonParser.parse('{"ip_address":"192.0.2.1"}', contextFor('feodo-json'))).toThrow(
      'is JSON but not an array',
    );
    expect(() => feodoJsonParser.parse(fixture.slice(0, 100), contextFor('feodo-json'))).toThrow(
      'is not valid JSON',
    );
  });

  it('accepts an empty array as an empty list', () => {
    expect(feodoJsonParser.parse('[]', contextFor('feodo-json')).indicators).toEqual([]);
  });
});
