import { describe, expect, it } from 'vitest';
import { contextFor, describeParserContract, readSharedFeed } from './parser.contract.js';
import { torExitAddressesParser } from './tor-exit-addresses.js';

const sample = readSharedFeed('tor_exit-addresses.txt');

describeParserContract(torExitAddressesParser, [{ name: 'tor_exit-addresses.txt', text: sample }]);

describe.skipIf(sample === null)(
  'torExitAddressesParser on the real exit-addresses (skipped when ../shared/feeds is absent)',
  () => {
    const text = sample ?? '';
    const result = torExitAddressesParser.parse(text, contextFor('tor'));

    it('lists one ipv4 per distinct ExitAddress; relays sharing an address count as repeats', () => {
      const addresses = text
        .split('\n')
        .filter((line) => line.startsWith('ExitAddress '))
        .map((line) => line.split(' ')[1]);
      expect(addresses).toHaveLength(75);
      expect(new Set(addresses).size).toBe(70);
      expect(result.indicators).toHaveLength(70);
      expect(result.skipped).toBe(5);
      expect(result.indicators.every((d) => d.type === 'ipv4' && d.threat === 'tor_exit')).toBe(true);
    });

    it('keeps the relay record as raw, the exit time as last seen, and links the relay', () => {
      expect(result.indicators[0]).toMatchObject({
        value: '185.241.208.232',
        sourceLastSeenAt: Date.parse('2024-03-12T08:10:51Z') * 1000,
        reference: 'https://metrics.torproject.org/rs.html#details/FE39F07EBE7870DCE124AB30DF3ABD0700A43F75',
        raw: {
          ExitNode: 'FE39F07EBE7870DCE124AB30DF3ABD0700A43F75',
          Published: '2024-03-11 13:07:19',
          LastStatus: '2024-03-12 08:00:00',
          ExitAddress: '185.241.208.232 2024-03-12 08:10:51',
        },
      });
    });
  },
);

describe('torExitAddressesParser', () => {
  it('lists every ExitAddress of a relay that has several, and counts an unknown keyword', () => {
    const text = [
      'ExitNode 0123456789ABCDEF0123456789ABCDEF01234567',
      'Published 2024-03-11 13:07:19',
      'LastStatus 2024-03-12 08:00:00',
      'ExitAddress 192.0.2.1 2024-03-12 08:10:51',
      'ExitAddress 2001:db8::1 2024-03-12 09:10:51',
      'Bogus line',
    ].join('\n');
    const result = torExitAddressesParser.parse(text, contextFor('tor'));
    expect(result.indicators.map((d) => [d.type, d.value])).toEqual([
      ['ipv4', '192.0.2.1'],
      ['ipv6', '2001:db8::1'],
    ]);
    expect(result.issues).toEqual([{ line: 6, message: '"Bogus" is not an exit-addresses keyword' }]);
  });
});
