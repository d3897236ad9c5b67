import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToNumber, cidrToRange } from './address-number.js';

const MAPPED = 0xffff_0000_0000n;

describe('addressToNumber', () => {
  const cases: { description: string; input: string; expected: bigint | null }[] = [
    { description: 'IPv4 maps into ::ffff:0:0/96', input: '192.168.1.20', expected: MAPPED + 0xc0a80114n },
    { description: 'IPv4 zero', input: '0.0.0.0', expected: MAPPED },
    { description: 'IPv4 broadcast', input: '255.255.255.255', expected: MAPPED + 0xffffffffn },
    {
      description: 'IPv4-mapped IPv6 equals the IPv4 address',
      input: '::ffff:192.168.1.20',
      expected: MAPPED + 0xc0a80114n,
    },
    { description: 'IPv6 loopback', input: '::1', expected: 1n },
    { description: 'IPv6 unspecified', input: '::', expected: 0n },
    {
      description: 'IPv6 with a gap in the middle',
      input: '2001:db8::1',
      expected: (0x20010db8n << 96n) + 1n,
    },
    { description: 'IPv6 with a trailing gap', input: 'fe80::', expected: 0xfe80n << 112n },
    {
      description: 'IPv6 in full, uppercase',
      input: 'FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF',
      expected: (1n << 128n) - 1n,
    },
    { description: 'IPv6 with a zone id', input: 'fe80::1%eth0', expected: (0xfe80n << 112n) + 1n },
    {
      description: 'IPv6 gap standing for one group',
      input: '1:2:3::5:6:7:8',
      expected: 0x0001000200030000000500060007_0008n,
    },
    { description: 'IPv4 octet over 255', input: '192.168.1.256', expected: null },
    { description: 'IPv4 with three octets', input: '10.0.0', expected: null },
    { description: 'IPv4 with a leading zero', input: '10.0.0.01', expected: null },
    { description: 'IPv4 with an empty octet', input: '10..0.1', expected: null },
    { description: 'IPv6 with two gaps', input: '1::2::3', expected: null },
    { description: 'IPv6 with nine groups', input: '1:2:3:4:5:6:7:8:9', expected: null },
    { description: 'IPv6 gap plus eight groups', input: '1::2:3:4:5:6:7:8', expected: null },
    { description: 'IPv6 group of five digits', input: '12345::1', expected: null },
    { description: 'IPv6 ending in one colon', input: '1:2:3:4:5:6:7:', expected: null },
    { description: 'IPv6 starting with one colon', input: ':1:2:3:4:5:6:7', expected: null },
    { description: 'a host name', input: 'example.com', expected: null },
    { description: 'empty text', input: '', expected: null },
  ];
  for (const { description, input, expected } of cases) {
    it(`${description}: ${JSON.stringify(input)}`, () => {
      expect(addressToNumber(input)).toBe(expected);
    });
  }

  it('accepts exactly what Node accepts as an address, for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV6(), fc.string(), fc.stringMatching(/^[0-9a-f:.]{0,45}$/)),
        (text) => {
          const number = addressToNumber(text);
          const quad = text.slice(text.lastIndexOf(':') + 1).split('%')[0]!;
          const hasLeadingZero = quad.includes('.') && quad.split('.').some((octet) => /^0\d/.test(octet));
          expect(number !== null).toBe(isIP(text) !== 0 && !hasLeadingZero);
          if (number !== null) expect(number >= 0n && number < 1n << 128n).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('orders IPv4 addresses as their dotted quads order', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), (a, b) => {
        const key = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
        expect(addressToNumber(a)! < addressToNumber(b)!).toBe(key(a) < key(b));
      }),
    );
  });
});

describe('cidrToRange', () => {
  const cases: { input: string; first: bigint; last: bigint }[] = [
    { input: '10.0.0.0/8', first: MAPPED + 0x0a000000n, last: MAPPED + 0x0affffffn },
    { input: '10.1.2.3/8', first: MAPPED + 0x0a000000n, last: MAPPED + 0x0affffffn },
    { input: '203.0.113.9', first: MAPPED + 0xcb007109n, last: MAPPED + 0xcb007109n },
    { input: '0.0.0.0/0', first: MAPPED, last: MAPPED + 0xffffffffn },
    { input: '2001:db8::/32', first: 0x20010db8n << 96n, last: (0x20010db8n << 96n) + (1n << 96n) - 1n },
    { input: '::/0', first: 0n, last: (1n << 128n) - 1n },
  ];
  for (const { input, first, last } of cases) {
    it(`covers ${input}`, () => {
      expect(cidrToRange(input)).toEqual({ first, last });
    });
  }

  for (const input of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/x', 'example.com/8', '/8']) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      expect(cidrToRange(input)).toBeNull();
    });
  }

  it('contains every address of the network and none outside it', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (network, prefix, probe) => {
        const range = cidrToRange(`${network}/${prefix}`)!;
        const n = addressToNumber(probe)!;
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const key = (ip: string) => ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
        const inside = (key(network) & mask) >>> 0 === (key(probe) & mask) >>> 0;
        expect(n >= range.first && n <= range.last).toBe(inside);
      }),
    );
  });
});
