import { describe, expect, it } from 'vitest';
import { etIpsParser } from './et-ips.js';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';

const compromised = readSharedFeed('et_compromised-ips.txt');
const block = readSharedFeed('et_emerging-Block-IPs.txt');

describeParserContract(etIpsParser, [
  { name: 'et_compromised-ips.txt', text: compromised },
  { name: 'et_emerging-Block-IPs.txt', text: block },
]);

const dataLines = (text: string): string[] =>
  text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));

describe.skipIf(compromised === null || block === null)(
  'etIpsParser on the real ET lists (skipped when ../shared/feeds is absent)',
  () => {
    it('lists every IP of compromised-ips.txt as a compromised ipv4, in the file order', () => {
      const result = etIpsParser.parse(compromised!, contextFor('et-compromised'));
      expect(dataLines(compromised!)).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(
        result.indicators.every(
          (d) => d.type === 'ipv4' && d.threat === 'compromised' && d.tags.length === 0,
        ),
      ).toBe(true);
      expect(result.indicators[0]!.value).toBe('101.200.77.117');
    });

    it('gives each section of emerging-Block-IPs.txt its threat: 140 Feodo IPs, 140 DROP networks, 20 DShield /24s', () => {
      const result = etIpsParser.parse(block!, contextFor('et-block'));
      expect(dataLines(block!)).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      const byTag = (tag: string) => result.indicators.filter((d) => d.tags.includes(tag));
      expect(byTag('abusech')).toHaveLength(140);
      expect(byTag('abusech').every((d) => d.type === 'ipv4' && d.threat === 'botnet_cc')).toBe(true);
      expect(byTag('spamhaus-drop')).toHaveLength(140);
      expect(byTag('spamhaus-drop').every((d) => d.type === 'cidr' && d.threat === 'spam')).toBe(true);
      expect(byTag('dshield')).toHaveLength(20);
      expect(byTag('dshield').every((d) => d.value.endsWith('/24') && d.threat === 'scanner')).toBe(true);
    });

    it('keeps the RFC 1918 test line the repository added: the allow-list, not the parser, keeps it from alerting', () => {
      const result = etIpsParser.parse(block!, contextFor('et-block'));
      expect(result.indicators.slice(0, 2).map((d) => d.value)).toEqual(['222.222.222.222', '192.168.1.101']);
    });
  },
);
