import { describe, expect, it } from 'vitest';
import { feodoCsvParser } from './feodo-csv.js';
import { contextFor, describeParserContract, plain, readSharedFeed } from './parser.contract.js';

const sample = readSharedFeed('feodo_ipblocklist.csv');
const at = (iso: string): number => Date.parse(iso) * 1000;

describeParserContract(feodoCsvParser, [{ name: 'feodo_ipblocklist.csv', text: sample }]);

describe.skipIf(sample === null)(
  'feodoCsvParser on the real ipblocklist.csv (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = feodoCsvParser.parse(text, contextFor('feodo'));

    it('lists one indicator per data row: the quoted rows after the header', () => {
      // Data rows start with a quoted date; the header row starts with "first_seen_utc".
      const rows = text.split('\n').filter((line) => line.startsWith('"2'));
      expect(rows).toHaveLength(28);
      expect(result.indicators).toHaveLength(rows.length);
      expect(result.skipped).toBe(0);
    });

    it('reads the banner time, and the trailer without a final newline does not become a row', () => {
      expect(text.endsWith('# END 28 entries')).toBe(true);
      expect(result.generatedAt).toBe(at('2024-04-04T07:03:03Z'));
    });

    it('types every address ipv4 with its C2 port, family, link and times', () => {
      expect(
        result.indicators.every(
          (d) => d.type === 'ipv4' && d.threat === 'botnet_cc' && d.malwareFamily === 'Pikabot',
        ),
      ).toBe(true);
      expect(result.indicators[0]).toMatchObject({
        value: '192.9.135.73',
        port: 1194,
        confidence: 90,
        reference: 'https://feodotracker.abuse.ch/browse/host/192.9.135.73/',
        sourceFirstSeenAt: at('2023-05-23T17:51:44Z'),
        sourceLastSeenAt: at('2024-04-01T00:00:00Z'),
      });
    });

    it('keeps the row, offline status included, as raw keyed by the header', () => {
      expect(plain(result).indicators[1]!.raw).toEqual({
        first_seen_utc: '2024-02-08 19:20:49',
        dst_ip: '85.239.243.155',
        dst_port: '5000',
        c2_status: 'offline',
        last_online: '2024-03-11',
        malware: 'Pikabot',
      });
    });
  },
);

describe('feodoCsvParser', () => {
  const header = '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"';
  const row = (ip: string, port: string, lastOnline = '2024-04-01'): string =>
    `"2024-01-01 00:00:00","${ip}","${port}","online","${lastOnline}","QakBot"`;
  const cases: Array<[string, string, Array<[string, number | null]>, number]> = [
    ['a plain header', [header, row('192.0.2.1', '443')].join('\n'), [['192.0.2.1', 443]], 0],
    [
      'a commented header, as older banners wrote it',
      ['# ' + header, row('192.0.2.1', '443')].join('\n'),
      [['192.0.2.1', 443]],
      0,
    ],
    [
      'no header at all (a stripped copy): the documented column order',
      row('192.0.2.1', '443'),
      [['192.0.2.1', 443]],
      0,
    ],
    [
      'one IP on two ports: two indicators',
      [header, row('192.0.2.1', '443'), row('192.0.2.1', '8443')].join('\n'),
      [
        ['192.0.2.1', 443],
        ['192.0.2.1', 8443],
      ],
      0,
    ],
    [
      'a repeated row: kept once, counted',
      [header, row('192.0.2.1', '443'), row('192.0.2.1', '443')].join('\n'),
      [['192.0.2.1', 443]],
      1,
    ],
    [
      'an invalid address and an invalid port: skipped and counted',
      [header, row('192.0.2.999', '443'), row('192.0.2.2', '70000'), row('192.0.2.3', '')].join('\n'),
      [['192.0.2.3', null]],
      2,
    ],
    [
      'the older "# END (N) entries" trailer',
      [header, row('192.0.2.1', '443'), '# END (1) entries'].join('\r\n'),
      [['192.0.2.1', 443]],
      0,
    ],
  ];
  it.each(cases)('reads %s', (_name, text, expected, skipped) => {
    const result = feodoCsvParser.parse(text, contextFor('feodo'));
    expect(result.indicators.map((d) => [d.value, d.port])).toEqual(expected);
    expect(result.skipped).toBe(skipped);
  });

  it('leaves the last seen time empty when last_online is empty', () => {
    const result = feodoCsvParser.parse(
      [header, row('192.0.2.1', '443', '')].join('\n'),
      contextFor('feodo'),
    );
    expect(result.indicators[0]!.sourceLastSeenAt).toBeNull();
  });
});
