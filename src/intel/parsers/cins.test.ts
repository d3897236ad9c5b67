import { describe, expect, it } from 'vitest';
import { cinsParser } from './cins.js';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';

const sample = readSharedFeed('cins_ci-badguys.txt');

describeParserContract(cinsParser, [{ name: 'cins_ci-badguys.txt', text: sample }]);

describe.skipIf(sample === null)(
  'cinsParser on the real ci-badguys.txt (skipped when ../shared/feeds is absent)',
  () => {
    it('lists every line as a scanner ipv4', () => {
      const text = sample ?? '';
      const result = cinsParser.parse(text, contextFor('cins'));
      expect(text.split('\n').filter((line) => line !== '')).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(
        result.indicators.every((d) => d.type === 'ipv4' && d.threat === 'scanner' && d.confidence === 60),
      ).toBe(true);
    });
  },
);

describe('cinsParser', () => {
  it('takes the threat from the feed options over its default', () => {
    const result = cinsParser.parse('192.0.2.1\n', contextFor('cins', { threat: 'attacker' }));
    expect(result.indicators[0]!.threat).toBe('attacker');
  });

  it('skips a line that is not an IP, naming it', () => {
    const result = cinsParser.parse('192.0.2.1\nexample.com\n', contextFor('cins'));
    expect(result.issues).toEqual([{ line: 2, message: '"example.com" is not an IP address' }]);
  });
});
