import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';
import { urlhausHostfileParser } from './urlhaus-hostfile.js';

const sample = readSharedFeed('urlhaus_hostfile.txt');

describeParserContract(urlhausHostfileParser, [{ name: 'urlhaus_hostfile.txt', text: sample }]);

describe.skipIf(sample === null)(
  'urlhausHostfileParser on the real hostfile (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = urlhausHostfileParser.parse(text, contextFor('urlhaus-hostfile'));

    it('lists one domain per "127.0.0.1<TAB>host" line, through CRLF and a trailer with no final newline', () => {
      expect(text.includes('\r\n')).toBe(true);
      expect(text.endsWith('# Number of entries: 869')).toBe(true);
      const dataLines = text.split('\r\n').filter((line) => line.startsWith('127.0.0.1\t'));
      expect(dataLines).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(result.indicators.every((d) => d.type === 'domain' && d.threat === 'malware_download')).toBe(
        true,
      );
      expect(result.skipped).toBe(0);
    });

    it('reads the banner time and links each host to its URLhaus page', () => {
      expect(result.generatedAt).toBe(Date.parse('2020-04-14T17:47:03Z') * 1000);
      expect(result.indicators[0]).toMatchObject({
        value: '0400msc.com',
        reference: 'https://urlhaus.abuse.ch/host/0400msc.com/',
        raw: '127.0.0.1\t0400msc.com',
      });
    });
  },
);
