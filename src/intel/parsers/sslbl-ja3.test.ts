import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';
import { sslblJa3Parser } from './sslbl-ja3.js';

const sample = readSharedFeed('sslbl_ja3_fingerprints.csv');

describeParserContract(sslblJa3Parser, [{ name: 'sslbl_ja3_fingerprints.csv', text: sample }]);

describe.skipIf(sample === null)(
  'sslblJa3Parser on the real ja3_fingerprints.csv (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = sslblJa3Parser.parse(text, contextFor('sslbl-ja3'));

    it('lists one ja3 per data row, and the trailer without a final newline is not a row', () => {
      const rows = text.split('\n').filter((line) => /^[0-9a-f]{32},/.test(line));
      expect(rows).toHaveLength(98);
      expect(text.endsWith('# END (98) entries')).toBe(true);
      expect(result.indicators).toHaveLength(98);
      expect(result.indicators.every((d) => d.type === 'ja3')).toBe(true);
    });

    it('reads the family (no " C&C" suffix here), both times, the link and the banner time', () => {
      expect(result.indicators[0]).toMatchObject({
        value: 'b386946a5a44d1ddcc843bc75336dfce',
        malwareFamily: 'Dridex',
        confidence: 50,
        reference: 'https://sslbl.abuse.ch/ja3-fingerprints/b386946a5a44d1ddcc843bc75336dfce/',
        sourceFirstSeenAt: Date.parse('2017-07-14T18:08:15Z') * 1000,
        sourceLastSeenAt: Date.parse('2019-07-27T20:42:54Z') * 1000,
      });
      expect(result.generatedAt).toBe(Date.parse('2020-04-09T06:48:14Z') * 1000);
    });
  },
);
