import { describe, expect, it } from 'vitest';
import { csvMappedParser } from './csv-mapped.js';
import { contextFor, describeParserContract, plain, readFixture, readSharedFeed } from './parser.contract.js';

const fixture = readFixture('csv-mapped-semicolon-typed.csv');
const feodo = readSharedFeed('feodo_ipblocklist.csv');
const sslblIp = readSharedFeed('sslbl_sslipblacklist.csv');

const fixtureOptions = {
  delimiter: ';',
  has_header: true,
  columns: {
    value: 'indicator',
    type: 'kind',
    port: 'port',
    malware: 'family',
    first_seen: 'first',
    last_seen: 'last',
    confidence: 'score',
    tags: 'labels',
  },
  threat: 'botnet_cc',
};
const feodoOptions = {
  columns: {
    value: 'dst_ip',
    port: 'dst_port',
    malware: 'malware',
    first_seen: 'first_seen_utc',
    last_seen: 'last_online',
  },
  type: 'ip',
};

describeParserContract(csvMappedParser, [
  { name: 'fixtures/csv-mapped-semicolon-typed.csv', text: fixture, options: fixtureOptions },
  { name: 'feodo_ipblocklist.csv', text: feodo, options: feodoOptions },
]);

describe('csvMappedParser', () => {
  it("maps the columns of a semicolon export with a type column in other tools' names", () => {
    const result = csvMappedParser.parse(fixture, contextFor('mapped', fixtureOptions));
    expect(result.indicators.map((d) => [d.type, d.value, d.port])).toEqual([
      ['ipv4', '192.0.2.55', null],
      ['domain', 'bad.example.com', null],
      ['ipv4', '198.51.100.9', 8080],
      ['url', 'http://x.example.net/a;b', null],
      ['md5', '5d41402abc4b2a76b9719d911017c592', null],
    ]);
    expect(result.indicators[0]).toMatchObject({
      malwareFamily: 'Emotet',
      threat: 'botnet_cc',
      confidence: 90,
      tags: ['c2', 'epoch4'],
      sourceFirstSeenAt: Date.parse('2024-06-01T10:00:00Z') * 1000,
      sourceLastSeenAt: 1717236000 * 1_000_000,
    });
    expect(result.indicators[3]!.tags).toEqual(['mal;ware']);
    expect(result.issues).toEqual([{ line: 8, message: 'type "banana" is not a type Yamori reads' }]);
    expect(plain(result).indicators[1]!.raw).toEqual({
      indicator: 'bad.example.com',
      kind: 'hostname',
      port: '',
      family: '',
      first: '',
      last: '',
      score: '60',
      labels: '',
    });
  });

  it.skipIf(feodo === null || sslblIp === null)(
    'reads abuse.ch files by header name, a commented header included (skipped when ../shared/feeds is absent)',
    () => {
      const fromFeodo = csvMappedParser.parse(feodo!, contextFor('mapped', feodoOptions));
      expect(fromFeodo.indicators).toHaveLength(28);
      expect(fromFeodo.indicators[0]).toMatchObject({
        value: '192.9.135.73',
        port: 1194,
        malwareFamily: 'Pikabot',
      });
      const commented =
        '# Listingdate,SHA1,Listingreason\n2023-11-14 06:52:51,2e3519b7cb61a3cd6167f727df993f68311085ea,DCRat C&C\n';
      const fromSslbl = csvMappedParser.parse(
        commented,
        contextFor('mapped', { columns: { value: 'sha1', malware: 'listingreason' }, type: 'cert_sha1' }),
      );
      expect(fromSslbl.indicators[0]).toMatchObject({ type: 'cert_sha1', malwareFamily: 'DCRat C&C' });
      expect(
        csvMappedParser.parse(
          sslblIp!,
          contextFor('mapped', { columns: { value: 'DstIP', port: 'DstPort' } }),
        ).indicators,
      ).toHaveLength(114);
    },
  );

  it('reads a commented header in the feed\'s own delimiter, and "#" lines as data when comments are off', () => {
    const semicolons = '# Last updated: 2024-06-01 12:00:00 UTC\n# ip;port\n192.0.2.1;443\n';
    const result = csvMappedParser.parse(
      semicolons,
      contextFor('mapped', { delimiter: ';', columns: { value: 'ip', port: 'port' } }),
    );
    expect(result.indicators.map((d) => [d.value, d.port])).toEqual([['192.0.2.1', 443]]);
    expect(result.generatedAt).toBe(Date.parse('2024-06-01T12:00:00Z') * 1000);
    const noComments = csvMappedParser.parse(
      '#ip\n192.0.2.2\n',
      contextFor('mapped', { comment: null, columns: { value: '#ip' } }),
    );
    expect(noComments.indicators.map((d) => d.value)).toEqual(['192.0.2.2']);
  });

  it('skips a type cell that names a property of Object, rather than finding it', () => {
    const text = 'v,t\n192.0.2.1,constructor\n192.0.2.2,toString\n192.0.2.3,ip\n';
    const result = csvMappedParser.parse(text, contextFor('mapped', { columns: { value: 'v', type: 't' } }));
    expect(result.indicators.map((d) => d.value)).toEqual(['192.0.2.3']);
    expect(result.skipped).toBe(2);
  });

  it('reads a headerless file by column numbers, keeping the fields as raw', () => {
    const result = csvMappedParser.parse(
      '192.0.2.1\t443\n192.0.2.2\t80\n',
      contextFor('mapped', { has_header: false, delimiter: 'tab', columns: { value: 0, port: 1 } }),
    );
    expect(result.indicators.map((d) => [d.value, d.port, d.raw])).toEqual([
      ['192.0.2.1', 443, ['192.0.2.1', '443']],
      ['192.0.2.2', 80, ['192.0.2.2', '80']],
    ]);
  });

  it('fails with FEED_PARSE_FAILED when the header lacks a mapped column', () => {
    expect(() =>
      csvMappedParser.parse(
        'ip,port\n192.0.2.1,443\n',
        contextFor('mapped', { columns: { value: 'address' } }),
      ),
    ).toThrow('has no header with the mapped column "address"');
  });

  const badOptions: Array<[string, Record<string, unknown>, string]> = [
    ['no columns', {}, 'option "columns" must map at least "value"'],
    ['no value column', { columns: { port: 1 } }, 'option "columns.value" is missing'],
    [
      'an unknown column key',
      { columns: { value: 0, colour: 1 } },
      'option "columns.colour" is not a column Yamori maps',
    ],
    [
      'a negative column number',
      { columns: { value: -1 } },
      'option "columns.value" must be a header name or a 0-based column number',
    ],
    [
      'a header name without a header',
      { has_header: false, columns: { value: 'ip' } },
      'names a header column, but has_header is false',
    ],
    [
      'a two-character delimiter',
      { delimiter: ';;', columns: { value: 0 } },
      'option "delimiter" must be one character',
    ],
    [
      'a quote as delimiter',
      { delimiter: '"', columns: { value: 0 } },
      'option "delimiter" must be one character',
    ],
    [
      'a two-character comment marker',
      { comment: '//', columns: { value: 0 } },
      'option "comment" must be one character',
    ],
  ];
  it.each(badOptions)('refuses options with %s, with FEED_OPTIONS_INVALID', (_name, options, message) => {
    expect(() => csvMappedParser.parse('ip\n192.0.2.1\n', contextFor('mapped', options))).toThrow(message);
  });
});
