import { describe, expect, it } from 'vitest';
import { fireholIpsetParser, fireholNetsetParser } from './firehol-ipset.js';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';

const blocklistDe = readSharedFeed('firehol_blocklist_de.ipset');
const level1 = readSharedFeed('firehol_level1.netset');

describeParserContract(fireholIpsetParser, [{ name: 'firehol_blocklist_de.ipset', text: blocklistDe }]);
describeParserContract(fireholNetsetParser, [{ name: 'firehol_level1.netset', text: level1 }]);

const dataLines = (text: string): string[] =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe.skipIf(blocklistDe === null || level1 === null)(
  'the FireHOL parsers on the real ipset and netset (skipped when ../shared/feeds is absent)',
  () => {
    it('lists every blocklist.de IP as a scanner tagged with the ipset name, bogon 0.0.24.169 included', () => {
      const result = fireholIpsetParser.parse(blocklistDe!, contextFor('blocklist-de'));
      expect(dataLines(blocklistDe!)).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(
        result.indicators.every(
          (d) => d.type === 'ipv4' && d.threat === 'scanner' && d.tags.join() === 'blocklist_de',
        ),
      ).toBe(true);
      expect(result.indicators[0]!.value).toBe('0.0.24.169');
      expect(result.generatedAt).toBe(Date.parse('2016-12-12T01:52:05Z') * 1000);
    });

    it('lists level 1 networks and single IPs, the private and reserved ranges included', () => {
      const text = level1!;
      const result = fireholNetsetParser.parse(text, contextFor('level1'));
      const lines = dataLines(text);
      expect(lines).toHaveLength(296);
      expect(result.indicators).toHaveLength(296);
      expect(result.indicators.filter((d) => d.type === 'cidr')).toHaveLength(
        lines.filter((line) => line.includes('/')).length,
      );
      const values = result.indicators.map((d) => d.value);
      for (const reserved of [
        '0.0.0.0/8',
        '10.0.0.0/8',
        '100.64.0.0/10',
        '127.0.0.0/8',
        '169.254.0.0/16',
        '172.16.0.0/12',
        '192.168.0.0/16',
        '224.0.0.0/3',
      ]) {
        expect(values).toContain(reserved);
      }
      expect(result.indicators[0]).toMatchObject({ threat: 'attack', tags: ['firehol_level1'] });
      expect(result.generatedAt).toBe(Date.parse('2021-06-28T05:00:36Z') * 1000);
    });
  },
);

describe('fireholNetsetParser', () => {
  it('falls back to "reputation" for a category it does not know, "constructor" included', () => {
    const text = '#\n# some_set\n#\n# Category        : constructor\n#\n192.0.2.0/24\n';
    const result = fireholNetsetParser.parse(text, contextFor('firehol'));
    expect(result.indicators[0]).toMatchObject({ threat: 'reputation', tags: ['some_set'] });
  });
});
