import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';
import { torBulkExitListParser } from './tor-bulk-exit-list.js';

const sample = readSharedFeed('tor_torbulkexitlist.txt');

describeParserContract(torBulkExitListParser, [{ name: 'tor_torbulkexitlist.txt', text: sample }]);

describe.skipIf(sample === null)(
  'torBulkExitListParser on the real torbulkexitlist (skipped when ../shared/feeds is absent)',
  () => {
    it('lists every line as a tor_exit ipv4', () => {
      const text = sample ?? '';
      const result = torBulkExitListParser.parse(text, contextFor('tor'));
      expect(text.split('\n').filter((line) => line !== '')).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(result.indicators.every((d) => d.type === 'ipv4' && d.threat === 'tor_exit')).toBe(true);
      expect(result.indicators[0]).toMatchObject({ value: '185.241.208.232', raw: '185.241.208.232' });
    });
  },
);
