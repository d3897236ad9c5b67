import { describe, expect, it } from 'vitest';
import { CsvReader } from './csv-reader.js';
import { contextFor, describeParserContract, plain, readSharedFeed } from './parser.contract.js';
import { phishtankCsvParser } from './phishtank-csv.js';

const sample = readSharedFeed('phishtank_online-valid.csv');

describeParserContract(phishtankCsvParser, [{ name: 'phishtank_online-valid.csv', text: sample }]);

describe.skipIf(sample === null)(
  'phishtankCsvParser on the real online-valid.csv (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = phishtankCsvParser.parse(text, contextFor('phishtank'));

    it('lists one url per row; two URLs that differ only by an empty path are one', () => {
      // Each data line starts with the numeric phish_id.
      expect(text.split('\n').filter((line) => /^\d+,/.test(line))).toHaveLength(300);
      expect(result.indicators).toHaveLength(298);
      expect(result.skipped).toBe(2);
      expect(result.indicators.map((d) => d.value)).toContain('https://cap.club/');
    });

    it('reads quoted URLs with commas whole, and quoted targets as tags', () => {
      const withCommas = result.indicators.find((d) =>
        d.value.startsWith('https://smilescartoesway-com-br.umbler.net/cadastrando.php?19,05,25'),
      );
      expect(withCommas?.value).toBe(
        'https://smilescartoesway-com-br.umbler.net/cadastrando.php?19,05,25,pm,000000,20,2019,q,03,/admin.asp',
      );
      const absa = plain(result).indicators.find((d) => d.tags.includes('ABSA Bank'));
      expect(absa).toMatchObject({
        value: 'http://www.friotiendas.com/arim/htmlFiles/oform2.html',
        raw: { phish_id: '6044164', target: 'ABSA Bank' },
      });
    });

    it('links the PhishTank page and reads the +00:00 submission time', () => {
      expect(result.indicators[0]).toMatchObject({
        value: 'http://paypals-gift-cards-business.gitlab.io/paypal.com',
        threat: 'phishing',
        confidence: 90,
        tags: [],
        reference: 'http://www.phishtank.com/phish_detail.php?phish_id=6044296',
        sourceFirstSeenAt: Date.parse('2019-05-15T19:26:26Z') * 1000,
      });
    });

    it('has 30 rows with quoted fields, all read', () => {
      const reader = new CsvReader(text);
      let quoted = 0;
      while (reader.next()) if (reader.recordText().includes('"')) quoted++;
      expect(quoted).toBe(30);
    });
  },
);
