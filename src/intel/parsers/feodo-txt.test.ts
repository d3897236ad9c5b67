import { describe, expect, it } from 'vitest';
import { feodoTxtParser } from './feodo-txt.js';
import { contextFor, describeParserContract, readFixture } from './parser.contract.js';

const fixture = readFixture('feodo-ipblocklist-recommended.txt');

describeParserContract(feodoTxtParser, [
  { name: 'fixtures/feodo-ipblocklist-recommended.txt', text: fixture },
]);

describe('feodoTxtParser', () => {
  it('lists the IPs under the banner with their Feodo link, and reads the banner time', () => {
    const result = feodoTxtParser.parse(fixture, contextFor('feodo-txt'));
    expect(result.indicators.map((d) => d.value)).toEqual(['192.0.2.10', '198.51.100.7', '203.0.113.45']);
    expect(result.indicators[0]).toMatchObject({
      type: 'ipv4',
      port: null,
      threat: 'botnet_cc',
      reference: 'https://feodotracker.abuse.ch/browse/host/192.0.2.10/',
      raw: '192.0.2.10',
    });
    expect(result.generatedAt).toBe(Date.parse('2024-04-04T07:03:03Z') * 1000);
  });
});
