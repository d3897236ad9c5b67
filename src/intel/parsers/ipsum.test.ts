import { describe, expect, it } from 'vitest';
import { ipsumConfidence, ipsumParser } from './ipsum.js';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';

const ipsum = readSharedFeed('ipsum.txt');
const level3 = readSharedFeed('ipsum_levels_3.txt');

describeParserContract(ipsumParser, [
  { name: 'ipsum.txt', text: ipsum },
  { name: 'ipsum_levels_3.txt', text: level3 },
]);

describe.skipIf(ipsum === null || level3 === null)(
  'ipsumParser on the real ipsum.txt and levels/3.txt (skipped when ../shared/feeds is absent)',
  () => {
    it('lists every "IP<TAB>count" line with a confidence from the count, and the +0200 banner time in UTC', () => {
      const result = ipsumParser.parse(ipsum!, contextFor('ipsum'));
      const rows = ipsum!.split('\n').filter((line) => /^\d+\.\d+\.\d+\.\d+\t\d+$/.test(line));
      expect(rows).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(result.indicators[0]).toMatchObject({
        value: '77.90.185.20',
        confidence: 100,
        threat: 'suspicious',
        raw: '77.90.185.20\t10',
      });
      expect(result.indicators.at(-1)).toMatchObject({ value: '211.62.61.190', confidence: 60 });
      expect(result.generatedAt).toBe(Date.parse('2026-08-22T01:00:29Z') * 1000);
    });

    it('lists the bare IPs of a level file with the default confidence', () => {
      const result = ipsumParser.parse(level3!, contextFor('ipsum-3'));
      expect(level3!.split('\n').filter((line) => line !== '')).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(result.indicators.every((d) => d.confidence === 30)).toBe(true);
      expect(
        ipsumParser.parse(level3!, contextFor('ipsum-3', { confidence: 45 })).indicators[0]!.confidence,
      ).toBe(45);
    });
  },
);

describe('ipsumConfidence', () => {
  it('gives 10 per list, capped at 100', () => {
    expect([1, 3, 6, 10, 14].map(ipsumConfidence)).toEqual([10, 30, 60, 100, 100]);
  });
});
