import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToNumber } from '../address-number.js';
import { formatAddressNumber, indicatorRange, ipv4RangeNumber } from './indicator-range.js';

describe('indicatorRange', () => {
  const cases: { description: string; type: string; value: string; expected: [string, string] | null }[] = [
    {
      description: 'one IPv4 address',
      type: 'ipv4',
      value: '192.0.2.1',
      expected: ['192.0.2.1', '192.0.2.1'],
    },
    {
      description: 'an IPv4 network',
      type: 'cidr',
      value: '10.0.0.0/8',
      expected: ['10.0.0.0', '10.255.255.255'],
    },
    {
      description: 'a network given by a host inside it',
      type: 'cidr',
      value: '10.1.2.3/16',
      expected: ['10.1.0.0', '10.1.255.255'],
    },
    {
      description: 'the whole IPv4 space',
      type: 'cidr',
      value: '0.0.0.0/0',
      expected: ['0.0.0.0', '255.255.255.255'],
    },
    { description: 'a /32', type: 'cidr', value: '8.8.8.8/32', expected: ['8.8.8.8', '8.8.8.8'] },
    {
      description: 'an IPv6 network',
      type: 'cidr',
      value: '2001:db8::/32',
      expected: ['2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
    },
    {
      description: 'one IPv6 address',
      type: 'ipv6',
      value: '2001:db8::1',
      expected: ['2001:db8::1', '2001:db8::1'],
    },
    { description: 'a prefix too long', type: 'cidr', value: '10.0.0.0/33', expected: null },
    { description: 'a value that is no address', type: 'ipv4', value: 'example.com', expected: null },
    { description: 'a type without a range', type: 'domain', value: '10.0.0.1', expected: null },
  ];
  for (const { description, type, value, expected } of cases) {
    it(`gives ${description} its first and last address`, () => {
      const range = indicatorRange(type, value);
      expect(range === null ? null : [range.startText, range.endText]).toEqual(expected);
      if (range !== null) expect(range.start).toBe(addressToNumber(range.startText));
      if (range !== null) expect(range.end).toBe(addressToNumber(range.endText));
    });
  }
});

describe('formatAddressNumber', () => {
  const cases: { number: string; text: string }[] = [
    { number: '::', text: '::' },
    { number: '::1', text: '::1' },
    { number: '2001:db8:0:0:1:0:0:1', text: '2001:db8::1:0:0:1' },
    { number: '2001:0:0:1:0:0:0:1', text: '2001:0:0:1::1' },
    { number: '2001:db8:0:1:1:1:1:1', text: '2001:db8:0:1:1:1:1:1' },
    { number: 'fe80:0:0:0:0:0:0:0', text: 'fe80::' },
  ];
  for (const { number, text } of cases) {
    it(`writes ${number} as ${text} (RFC 5952)`, () => {
      expect(formatAddressNumber(addressToNumber(number)!, false)).toBe(text);
    });
  }

  it('writes any IPv6 address as the WHATWG URL parser does, which follows RFC 5952', () => {
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const text = groups.map((g) => g.toString(16)).join(':');
        const expected = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        expect(formatAddressNumber(addressToNumber(text)!, false)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('writes any IPv4 address back as it was read', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(formatAddressNumber(addressToNumber(address)!, true)).toBe(address);
      }),
    );
  });
});

describe('ipv4RangeNumber', () => {
  it('gives the number indicatorRange gives for any dotted-quad address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(BigInt(ipv4RangeNumber(address))).toBe(indicatorRange('ipv4', address)!.start);
      }),
    );
  });

  it('refuses what is not a bare dotted quad, leaving it to indicatorRange, on any text', () => {
    for (const text of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.256',
      '1.2.3.4/32',
      '::1',
      ' 1.2.3.4',
      '1..2.3',
    ]) {
      expect(ipv4RangeNumber(text), text).toBe(-1);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        const number = ipv4RangeNumber(text);
        if (number !== -1) expect(BigInt(number)).toBe(indicatorRange('ipv4', text)!.start);
      }),
      { numRuns: 2000 },
    );
  });
});
