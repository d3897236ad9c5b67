import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readFixture } from './parser.contract.js';
import { threatfoxJsonParser } from './threatfox-json.js';
import { splitIpPort } from './threatfox-ioc.js';

const fixture = readFixture('threatfox-export.json');

describeParserContract(threatfoxJsonParser, [{ name: 'fixtures/threatfox-export.json', text: fixture }]);

describe('threatfoxJsonParser', () => {
  it('reads the object keyed by IoC id (in id order, as JavaScript orders numeric keys), with numbers, nulls and a mixed-case domain', () => {
    const result = threatfoxJsonParser.parse(fixture, contextFor('threatfox-json'));
    expect(result.indicators.map((d) => [d.type, d.value, d.port, d.confidence, d.reference])).toEqual([
      [
        'sha256',
        '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
        null,
        90,
        'https://threatfox.abuse.ch/ioc/1260997/',
      ],
      ['url', 'http://files.example.net/payload.exe', null, 50, 'https://threatfox.abuse.ch/ioc/1260999/'],
      ['domain', 'c2.example.com', null, 100, 'https://threatfox.abuse.ch/ioc/1261000/'],
      ['ipv4', '192.0.2.44', 8443, 75, 'https://threatfox.abuse.ch/ioc/1261001/'],
    ]);
    expect(result.indicators[1]).toMatchObject({
      tags: [],
      malwareFamily: 'Agent Tesla',
      threat: 'payload_delivery',
      sourceLastSeenAt: null,
    });
    expect(result.indicators[3]!.raw).toMatchObject({ malware_alias: 'Agentemis,BEACON,CobaltStrike' });
  });

  it('fails with FEED_PARSE_FAILED when the JSON is a list rather than the keyed object', () => {
    expect(() => threatfoxJsonParser.parse('[]', contextFor('threatfox-json'))).toThrow(
      'is JSON but not an object of ThreatFox IoCs',
    );
  });
});

describe('splitIpPort', () => {
  const cases: Array<[string, [string, number | null] | null]> = [
    ['192.0.2.1:443', ['192.0.2.1', 443]],
    ['192.0.2.1', ['192.0.2.1', null]],
    ['[2001:db8::1]:443', ['2001:db8::1', 443]],
    ['2001:db8::1', ['2001:db8::1', null]],
    ['192.0.2.1:99999', null],
    ['192.0.2.1:', ['192.0.2.1', null]],
    ['[2001:db8::1', null],
    ['example.com:443', null],
  ];
  it.each(cases)('splits %j', (text, expected) => {
    const split = splitIpPort(text);
    expect(split === null ? null : [split.ip.value, split.port]).toEqual(expected);
  });
});
