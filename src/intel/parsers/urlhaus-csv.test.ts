import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, plain, readFixture, readSharedFeed } from './parser.contract.js';
import { urlhausCsvParser } from './urlhaus-csv.js';

const sample = readSharedFeed('urlhaus_csv_online.csv');
const fixture = readFixture('urlhaus-csv-recent-with-banner.csv');
const at = (iso: string): number => Date.parse(iso) * 1000;

describeParserContract(urlhausCsvParser, [
  { name: 'urlhaus_csv_online.csv', text: sample },
  { name: 'fixtures/urlhaus-csv-recent-with-banner.csv', text: fixture },
]);

describe.skipIf(sample === null)(
  'urlhausCsvParser on the real csv_online dump (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = urlhausCsvParser.parse(text, contextFor('urlhaus'));
    const urls = result.indicators.filter((d) => d.type === 'url');
    const hosts = result.indicators.filter((d) => d.type !== 'url');

    it('lists one url per data row (the copy has a plain header line and no banner)', () => {
      const rows = text.split('\n').filter((line) => line.startsWith('"'));
      expect(text.startsWith('id,dateadded,url,')).toBe(true);
      expect(rows).toHaveLength(300);
      expect(urls).toHaveLength(300);
      expect(result.skipped).toBe(0);
      expect(result.generatedAt).toBeNull();
    });

    it('derives one host indicator per distinct host, typed ipv4 or domain, whose raw points back to the URL', () => {
      const distinctHosts = new Set(urls.map((d) => new URL(d.value).hostname));
      expect(hosts).toHaveLength(distinctHosts.size);
      expect(hosts.filter((d) => d.type === 'domain').map((d) => d.value)).toEqual(['github.com']);
      expect(plain(result).indicators[1]).toMatchObject({
        type: 'ipv4',
        value: '117.209.87.242',
        port: null,
        reference: 'https://urlhaus.abuse.ch/host/117.209.87.242/',
        raw: { derived_from: 'http://117.209.87.242:60905/bin.sh', record: { id: '3520667' } },
      });
    });

    it('reads the threat, the tags quoted inside one field, the link and the times', () => {
      expect(plain(result).indicators[0]).toMatchObject({
        type: 'url',
        value: 'http://117.209.87.242:60905/bin.sh',
        threat: 'malware_download',
        tags: ['32-bit', 'elf', 'mips', 'Mozi'],
        reference: 'https://urlhaus.abuse.ch/url/3520667/',
        sourceFirstSeenAt: at('2025-04-21T12:35:06Z'),
        sourceLastSeenAt: at('2025-04-21T12:35:06Z'),
        raw: { id: '3520667', url_status: 'online', reporter: 'geenensp', tags: '32-bit,elf,mips,Mozi' },
      });
    });
  },
);

describe('urlhausCsvParser', () => {
  it('reads the upstream layout: banner time, commented header, a canonicalised URL, one host for two URLs', () => {
    const result = urlhausCsvParser.parse(fixture, contextFor('urlhaus'));
    expect(result.generatedAt).toBe(at('2025-04-21T12:40:02Z'));
    expect(result.indicators.map((d) => `${d.type} ${d.value}`)).toEqual([
      'url http://192.0.2.80:60905/bin.sh',
      'ipv4 192.0.2.80',
      'url http://192.0.2.80:60905/i',
      'url https://downloads.example.com/Setup.EXE',
      'domain downloads.example.com',
    ]);
    expect(result.indicators[3]).toMatchObject({ tags: [], sourceLastSeenAt: null });
    expect(result.skipped).toBe(1);
    expect(result.issues).toEqual([
      { line: 13, message: 'url "not a url" is not a URL with scheme and host' },
    ]);
  });

  it('lists URLs only when derive_hosts is false', () => {
    const result = urlhausCsvParser.parse(fixture, contextFor('urlhaus', { derive_hosts: false }));
    expect(result.indicators.every((d) => d.type === 'url')).toBe(true);
  });
});
