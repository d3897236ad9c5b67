import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6Bytes } from '../testing.js';
import { formatIpv4, formatIpv6 } from './format-ip.js';

/** Node's own formatting, which packet addresses must equal so they match socket and `net` text. */
function nodeIpv6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

describe('formatIpv4', () => {
  it('writes four decimal octets without leading zeros, reading at the offset', () => {
    expect(formatIpv4(new Uint8Array([9, 0, 10, 255, 1, 192]), 1)).toBe('0.10.255.1');
  });

  it('matches Node for every address, including when formatted again after many others', () => {
    // Formatting the list twice, the second time in reverse, checks the memo of recent results too.
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { maxLength: 300 }),
        (addresses) => {
          for (const bytes of [...addresses, ...[...addresses].reverse()]) {
            const node = new SocketAddress({ address: Array.from(bytes).join('.'), family: 'ipv4' }).address;
            expect(formatIpv4(bytes, 0)).toBe(node);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('formatIpv6', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0001:0000:0000:0000:0000:0000:0000:0000', '1::'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
    ['fe80:0000:0000:0000:0000:0000:0000:0000', 'fe80::'],
    ['FE80:0000:0000:0000:ABCD:EF01:0000:0000', 'fe80::abcd:ef01:0:0'],
    ['0000:0000:0000:0000:0000:ffff:0102:0304', '::ffff:1.2.3.4'],
    ['0000:0000:0000:0000:0000:0000:0102:0304', '::1.2.3.4'],
    ['0000:0000:0000:0000:0000:fffe:0102:0304', '::fffe:102:304'],
    ['0064:ff9b:0000:0000:0000:0000:0102:0304', '64:ff9b::102:304'],
  ];

  it.each(cases)('formats %s as %s', (full, expected) => {
    const bytes = new Uint8Array(ipv6Bytes(full));
    expect(formatIpv6(bytes, 0)).toBe(expected);
    expect(nodeIpv6Text(bytes)).toBe(expected);
  });

  it('reads the sixteen bytes at the offset', () => {
    const bytes = new Uint8Array([0xaa, ...ipv6Bytes('2001:db8::5'), 0xbb]);
    expect(formatIpv6(bytes, 1)).toBe('2001:db8::5');
  });

  it('matches Node for random addresses rich in zero groups, including when formatted again', () => {
    // Groups drawn mostly from 0, 1 and 0xffff so that zero runs, ties and the dotted forms all occur.
    const group = fc.oneof(
      { weight: 5, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constantFrom(1, 0xffff, 0x0100) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
    );
    const address = fc.array(group, { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(address, { maxLength: 300 }), (addresses) => {
        for (const groups of [...addresses, ...[...addresses].reverse()]) {
          const bytes = new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
          expect(formatIpv6(bytes, 0)).toBe(nodeIpv6Text(bytes));
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([0, 1, 2, 3])(
    'never mistakes one address for another that differs only in 32-bit word %i',
    (word) => {
      // More addresses than memo slots, so many share a slot and only the full comparison tells them apart.
      for (let i = 1; i <= 3000; i++) {
        const bytes = new Uint8Array(ipv6Bytes('2001:db8:1:2:3:4:5:6'));
        new DataView(bytes.buffer).setUint32(word * 4, Math.imul(i, 0x9e3779b1) >>> 0);
        expect(formatIpv6(bytes, 0)).toBe(nodeIpv6Text(bytes));
      }
    },
  );
});
