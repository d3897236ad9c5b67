import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';
import { sslblCertParser } from './sslbl-cert.js';

const sample = readSharedFeed('sslbl_sslblacklist.csv');

describeParserContract(sslblCertParser, [{ name: 'sslbl_sslblacklist.csv', text: sample }]);

describe.skipIf(sample === null)(
  'sslblCertParser on the real sslblacklist.csv (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = sslblCertParser.parse(text, contextFor('sslbl-cert'));

    it('lists one cert_sha1 per unquoted data row under the commented header, through CRLF', () => {
      const rows = text.split('\r\n').filter((line) => /^\d{4}-\d\d-\d\d [\d:]+,[0-9a-f]{40},/.test(line));
      expect(rows).toHaveLength(300);
      expect(result.indicators).toHaveLength(300);
      expect(result.indicators.every((d) => d.type === 'cert_sha1' && /^[0-9a-f]{40}$/.test(d.value))).toBe(
        true,
      );
      expect(result.generatedAt).toBe(Date.parse('2023-11-14T06:52:51Z') * 1000);
    });

    it('takes the family from "<family> C&C" and links the certificate page', () => {
      expect(result.indicators[0]).toMatchObject({
        value: '2e3519b7cb61a3cd6167f727df993f68311085ea',
        malwareFamily: 'DCRat',
        threat: 'botnet_cc',
        reference: 'https://sslbl.abuse.ch/ssl-certificates/sha1/2e3519b7cb61a3cd6167f727df993f68311085ea/',
        sourceFirstSeenAt: Date.parse('2023-11-14T06:52:51Z') * 1000,
      });
      expect(result.indicators[1]!.malwareFamily).toBe('AsyncRAT');
    });
  },
);

describe('sslblCertParser', () => {
  it('skips a fingerprint that is not 40 hex digits', () => {
    const text =
      '# Listingdate,SHA1,Listingreason\n2023-11-14 06:52:51,abc,DCRat C&C\n2023-11-14 06:52:51,2E3519B7CB61A3CD6167F727DF993F68311085EA,DCRat C&C';
    const result = sslblCertParser.parse(text, contextFor('sslbl-cert'));
    expect(result.indicators.map((d) => d.value)).toEqual(['2e3519b7cb61a3cd6167f727df993f68311085ea']);
    expect(result.issues[0]).toEqual({ line: 2, message: 'SHA1 "abc" is not 40 hex digits' });
  });
});
