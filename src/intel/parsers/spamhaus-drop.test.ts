import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';
import { spamhausDropParser } from './spamhaus-drop.js';

const drop = readSharedFeed('spamhaus_drop.txt');
const dropv6 = readSharedFeed('spamhaus_dropv6.txt');
const edrop = readSharedFeed('spamhaus_edrop.txt');
const merged = readSharedFeed('spamhaus_edrop_after_merge.txt');

describeParserContract(spamhausDropParser, [
  { name: 'spamhaus_drop.txt', text: drop },
  { name: 'spamhaus_dropv6.txt', text: dropv6 },
  { name: 'spamhaus_edrop.txt', text: edrop },
  { name: 'spamhaus_edrop_after_merge.txt', text: merged, isEmptyList: true },
]);

/** Data lines are the ones that do not start with ";". */
const dataLines = (text: string): string[] =>
  text.split(/\r?\n/).filter((line) => line !== '' && !line.startsWith(';'));

describe.skipIf(drop === null || dropv6 === null || edrop === null || merged === null)(
  'spamhausDropParser on the real DROP, DROPv6 and EDROP lists (skipped when ../shared/feeds is absent)',
  () => {
    it('lists one cidr per data line of each list, with its SBL link', () => {
      for (const [text, count] of [
        [drop!, 300],
        [dropv6!, 78],
        [edrop!, 289],
      ] as const) {
        const result = spamhausDropParser.parse(text, contextFor('drop'));
        expect(dataLines(text)).toHaveLength(count);
        expect(result.indicators).toHaveLength(count);
        expect(
          result.indicators.every(
            (d) =>
              d.type === 'cidr' &&
              d.threat === 'spam' &&
              d.reference?.startsWith('https://check.spamhaus.org/sbl/query/SBL'),
          ),
        ).toBe(true);
      }
    });

    it('reads the first DROP entry without its "; SBL" suffix, and Last-Modified as the time of the list', () => {
      const result = spamhausDropParser.parse(drop!, contextFor('drop'));
      expect(result.indicators[0]).toMatchObject({
        value: '1.10.16.0/20',
        reference: 'https://check.spamhaus.org/sbl/query/SBL256894',
        raw: '1.10.16.0/20 ; SBL256894',
      });
      expect(result.generatedAt).toBe(Date.parse('2025-01-17T17:03:47Z') * 1000);
    });

    it('reads the IPv6 prefixes of DROPv6', () => {
      const result = spamhausDropParser.parse(dropv6!, contextFor('dropv6'));
      expect(result.indicators[0]!.value).toBe('2001:678:6c4::/48');
      expect(result.indicators.at(-1)!.value).toBe('2c0f:6c0::/28');
    });

    it('accepts EDROP after its merge into DROP as a real, empty list', () => {
      const result = spamhausDropParser.parse(merged!, contextFor('edrop'));
      expect(result).toEqual({
        indicators: [],
        skipped: 0,
        issues: [],
        generatedAt: Date.parse('2024-10-18T10:22:39Z') * 1000,
      });
    });
  },
);

describe('spamhausDropParser', () => {
  it('takes the list date when there is no Last-Modified line, and tolerates entries without an SBL reference', () => {
    const text =
      '; Spamhaus DROP List 2023/12/01 - (c) 2023 The Spamhaus Project\n192.0.2.0/24\n198.51.100.0/24 ; not-an-sbl\n; EOF';
    const result = spamhausDropParser.parse(text, contextFor('drop'));
    expect(result.generatedAt).toBe(Date.parse('2023-12-01T00:00:00Z') * 1000);
    expect(result.indicators.map((d) => [d.value, d.reference])).toEqual([
      ['192.0.2.0/24', null],
      ['198.51.100.0/24', null],
    ]);
  });

  it('fails when every line is invalid, rather than retiring every indicator', () => {
    expect(() =>
      spamhausDropParser.parse('; Spamhaus DROP List 2023/12/01\nnot a network ; SBL1\n', contextFor('drop')),
    ).toThrow('all 1 records were invalid');
  });
});
