import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readFixture, readSharedFeed } from './parser.contract.js';
import { spamhausJsonParser } from './spamhaus-json.js';

const dropV4 = readSharedFeed('spamhaus_drop_v4.json');
const asnDrop = readSharedFeed('spamhaus_asndrop.json');
const dropV6 = readFixture('spamhaus-drop-v6.jsonl');

describeParserContract(spamhausJsonParser, [
  { name: 'spamhaus_drop_v4.json', text: dropV4 },
  { name: 'spamhaus_asndrop.json', text: asnDrop },
  { name: 'fixtures/spamhaus-drop-v6.jsonl', text: dropV6 },
]);

/** Record lines are every line but the metadata one. */
const recordLines = (text: string): string[] =>
  text.split('\n').filter((line) => line.startsWith('{') && !line.includes('"type":"metadata"'));

describe.skipIf(dropV4 === null || asnDrop === null)(
  'spamhausJsonParser on the real drop_v4.json and asndrop.json (skipped when ../shared/feeds is absent)',
  () => {
    it('lists one cidr per record line, keeping the first of the repeated 62.60.226.0/24', () => {
      const result = spamhausJsonParser.parse(dropV4!, contextFor('drop-v4'));
      expect(recordLines(dropV4!)).toHaveLength(300);
      // Lines 213 and 214 list the same network under two SBL ids.
      expect(result.indicators).toHaveLength(299);
      expect(result.skipped).toBe(1);
      expect(result.issues).toEqual([
        { line: 214, message: '1 repeated entry was dropped, keeping the first' },
      ]);
      expect(result.indicators.find((d) => d.value === '62.60.226.0/24')!.reference).toBe(
        'https://check.spamhaus.org/sbl/query/SBL697779',
      );
    });

    it('reads the metadata timestamp as the time of the list, and a record with "rir": null', () => {
      const result = spamhausJsonParser.parse(dropV4!, contextFor('drop-v4'));
      expect(result.generatedAt).toBe(1784798042 * 1_000_000);
      expect(result.indicators[27]).toMatchObject({
        value: '23.143.16.0/24',
        raw: { cidr: '23.143.16.0/24', sblid: 'SBL698941', rir: null },
      });
    });

    it('lists ASN-DROP records as asn indicators in decimal', () => {
      const result = spamhausJsonParser.parse(asnDrop!, contextFor('asndrop'));
      expect(recordLines(asnDrop!)).toHaveLength(201);
      expect(result.indicators).toHaveLength(201);
      expect(result.indicators[0]).toMatchObject({
        type: 'asn',
        value: '932',
        threat: 'spam',
        raw: { asn: 932, asname: 'XNNET' },
      });
      expect(result.generatedAt).toBe(1709006105 * 1_000_000);
    });
  },
);

describe('spamhausJsonParser', () => {
  it('normalises the IPv6 networks of drop_v6.json, clearing host bits', () => {
    const result = spamhausJsonParser.parse(dropV6, contextFor('drop-v6'));
    expect(result.indicators.map((d) => d.value)).toEqual([
      '2001:db8:1000::/36',
      '2001:db8:2000::/40',
      '2001:db8:3000::/48',
    ]);
  });

  it('skips and counts a line that is not JSON, and one with neither cidr nor asn', () => {
    const text = '{"cidr":"192.0.2.0/24","sblid":"SBL1"}\n{"cidr":\n{"foo":1}\n';
    const result = spamhausJsonParser.parse(text, contextFor('drop'));
    expect(result.indicators).toHaveLength(1);
    expect(result.issues.map((i) => i.line)).toEqual([2, 3]);
  });
});
