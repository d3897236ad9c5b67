import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, plain, readSharedFeed } from './parser.contract.js';
import { sslblIpParser } from './sslbl-ip.js';

const sample = readSharedFeed('sslbl_sslipblacklist.csv');

describeParserContract(sslblIpParser, [{ name: 'sslbl_sslipblacklist.csv', text: sample }]);

describe.skipIf(sample === null)(
  'sslblIpParser on the real sslipblacklist.csv (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = sslblIpParser.parse(text, contextFor('sslbl-ip'));

    it('lists one ipv4 and port per data row under the plain header, CRLF and trailer included', () => {
      const rows = text.split('\r\n').filter((line) => /^\d{4}-/.test(line));
      expect(rows).toHaveLength(114);
      expect(text.endsWith('# END (114) entries')).toBe(true);
      expect(result.indicators).toHaveLength(114);
      expect(
        result.indicators.every((d) => d.type === 'ipv4' && d.port !== null && d.threat === 'botnet_cc'),
      ).toBe(true);
      expect(result.skipped).toBe(0);
    });

    it('reads the first row with its time, and no family since this layout has none', () => {
      expect(plain(result).indicators[0]).toMatchObject({
        value: '194.5.97.33',
        port: 5200,
        malwareFamily: null,
        sourceFirstSeenAt: Date.parse('2020-08-10T21:58:27Z') * 1000,
        raw: { Firstseen: '2020-08-10 21:58:27', DstIP: '194.5.97.33', DstPort: '5200' },
      });
    });
  },
);

describe('sslblIpParser', () => {
  it('reads the 2015 layout: a commented "DstIP,DstPort" header and a third "<family> C&C" field', () => {
    const text = [
      '# abuse.ch SSL IPBL',
      '# Last updated: 2015-06-01 10:00:00 UTC',
      '# DstIP,DstPort',
      '192.0.2.7,443,TrickBot C&C',
      '198.51.100.8,8443',
    ].join('\n');
    const result = sslblIpParser.parse(text, contextFor('sslbl-ip'));
    expect(result.indicators.map((d) => [d.value, d.port, d.malwareFamily])).toEqual([
      ['192.0.2.7', 443, 'TrickBot'],
      ['198.51.100.8', 8443, null],
    ]);
    expect(plain(result).indicators[0]!.raw).toEqual({
      DstIP: '192.0.2.7',
      DstPort: '443',
      _2: 'TrickBot C&C',
    });
  });
});
