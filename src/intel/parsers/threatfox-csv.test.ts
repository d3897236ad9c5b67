import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, plain, readFixture } from './parser.contract.js';
import { threatfoxCsvParser } from './threatfox-csv.js';

const fixture = readFixture('threatfox-export-comma-space-separated.csv');
const at = (iso: string): number => Date.parse(iso) * 1000;

describeParserContract(threatfoxCsvParser, [
  { name: 'fixtures/threatfox-export-comma-space-separated.csv', text: fixture },
]);

describe('threatfoxCsvParser', () => {
  const result = threatfoxCsvParser.parse(fixture, contextFor('threatfox'));

  it('types each IoC: ip:port as ipv4 with its port, domain, url, and the hashes by algorithm', () => {
    expect(result.indicators.map((d) => [d.type, d.value, d.port])).toEqual([
      ['ipv4', '192.0.2.44', 8443],
      ['domain', 'c2.example.com', null],
      ['url', 'http://files.example.net/payload.exe', null],
      ['md5', '5d41402abc4b2a76b9719d911017c592', null],
      ['sha256', '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', null],
    ]);
    expect(result.generatedAt).toBe(at('2024-05-02T08:10:04Z'));
  });

  it('skips an invalid ip:port and a type Yamori does not read, and counts them', () => {
    expect(result.skipped).toBe(2);
    expect(result.issues.map((i) => i.message)).toEqual([
      'ioc_value "198.51.100.300:80" is not a valid ip:port',
      'ioc_type "email" is not one Yamori reads',
    ]);
  });

  it('reads threat, family, confidence, tags, link and times, with "None" and "" as empty', () => {
    expect(result.indicators[0]).toMatchObject({
      threat: 'botnet_cc',
      malwareFamily: 'Cobalt Strike',
      confidence: 75,
      tags: ['c2', 'CobaltStrike'],
      reference: 'https://threatfox.abuse.ch/ioc/1261001/',
      sourceFirstSeenAt: at('2024-05-02T08:05:11Z'),
      sourceLastSeenAt: null,
    });
    expect(result.indicators[1]).toMatchObject({
      confidence: 100,
      sourceLastSeenAt: at('2024-05-02T09:00:00Z'),
    });
    expect(result.indicators[3]).toMatchObject({ malwareFamily: 'unknown', tags: [], threat: 'payload' });
  });

  it('keeps the row as raw without the spaces after the separators', () => {
    expect(plain(result).indicators[0]!.raw).toMatchObject({
      ioc_id: '1261001',
      ioc_value: '192.0.2.44:8443',
      reference: 'None',
      reporter: 'abuse_ch',
    });
  });
});

describe('threatfoxCsvParser on hostile type names', () => {
  it('skips an ioc_type that names a property of Object, rather than finding it', () => {
    const text = [
      '# "ioc_value","ioc_type"',
      '"192.0.2.1", "constructor"',
      '"192.0.2.2", "__proto__"',
      '"192.0.2.3", "ip:port"',
    ].join('\n');
    const result = threatfoxCsvParser.parse(text, contextFor('threatfox'));
    expect(result.indicators.map((d) => d.value)).toEqual(['192.0.2.3']);
    expect(result.skipped).toBe(2);
  });
});
