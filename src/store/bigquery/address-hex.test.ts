import { describe, expect, it } from 'vitest';
import { addressHex, addressNumberHex, LAST_IPV4_HEX } from './address-hex.js';

describe('addressHex', () => {
  const cases: { description: string; addr: string; hex: string | null }[] = [
    {
      description: 'IPv4, mapped into ::ffff:0:0/96',
      addr: '192.0.2.1',
      hex: '00000000000000000000ffffc0000201',
    },
    {
      description: 'the IPv4-mapped IPv6 form of the same host',
      addr: '::ffff:192.0.2.1',
      hex: '00000000000000000000ffffc0000201',
    },
    { description: 'IPv6', addr: '2001:db8::1', hex: '20010db8000000000000000000000001' },
    {
      description: 'the last IPv6 address',
      addr: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      hex: 'f'.repeat(32),
    },
    { description: 'text that is no address', addr: 'example.com', hex: null },
  ];
  for (const { description, addr, hex } of cases) {
    it(`gives 32 hex digits for ${description}`, () => {
      expect(addressHex(addr)).toBe(hex);
    });
  }

  it('orders addresses as text exactly as it orders their numbers, across both families', () => {
    const addrs = [
      '0.0.0.1',
      '9.255.255.255',
      '10.0.0.0',
      '192.0.2.1',
      '255.255.255.255',
      '::1',
      '2001:db8::',
      'fe80::1',
    ];
    const numbers = addrs.map((addr) => addressHex(addr)!);
    const byText = [...numbers].sort();
    const byNumber = [...numbers].sort((a, b) => (BigInt(`0x${a}`) < BigInt(`0x${b}`) ? -1 : 1));
    expect(byText).toEqual(byNumber);
    expect(numbers.every((hex) => hex.length === 32)).toBe(true);
  });

  it('names the last IPv4 address for rules that tell the families apart', () => {
    expect(LAST_IPV4_HEX).toBe(addressHex('255.255.255.255'));
    expect(addressNumberHex(0n)).toBe('0'.repeat(32));
  });
});
