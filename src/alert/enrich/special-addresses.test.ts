import { describe, expect, it } from 'vitest';
import { addressKind, networkContains, parseAddress, parseNetwork } from './special-addresses.js';

describe('parseAddress', () => {
  it.each([
    ['8.8.8.8', 4, 0x08080808n, '8.8.8.8'],
    ['255.255.255.255', 4, 0xffffffffn, '255.255.255.255'],
    ['2001:4860:4860::8888', 6, 0x20014860486000000000000000008888n, '2001:4860:4860::8888'],
    ['2001:DB8:0:0:1:0:0:1', 6, 0x20010db8000000000001000000000001n, '2001:db8::1:0:0:1'],
    ['::', 6, 0n, '::'],
    ['::1', 6, 1n, '::1'],
    ['fe80::1%eth0', 6, 0xfe800000000000000000000000000001n, 'fe80::1'],
    ['::ffff:8.8.4.4', 4, 0x08080404n, '8.8.4.4'],
    ['64:ff9b::192.0.2.33', 6, 0x0064ff9b0000000000000000c0000221n, '64:ff9b::c000:221'],
  ] as const)('reads %s', (text, version, value, canonical) => {
    expect(parseAddress(text)).toEqual({ version, value, text: canonical });
  });

  it.each(['', '8.8.8', '256.1.1.1', '2001:db8::/32', 'example.com', '1::2::3'])('refuses %j', (text) => {
    expect(parseAddress(text)).toBeNull();
  });
});

describe('addressKind', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2a00:1450:4001::1', 'public'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['127.0.0.53', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['198.51.100.7', 'documentation'],
    ['198.19.0.1', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'private'],
    ['fe80::1', 'link-local'],
    ['ff02::fb', 'multicast'],
    ['2001:db8::9', 'documentation'],
    ['::ffff:192.168.0.1', 'private'],
  ] as const)('%s is %s', (text, kind) => {
    expect(addressKind(parseAddress(text)!)).toBe(kind);
  });
});

describe('networkContains', () => {
  it('holds the addresses under its prefix and no others', () => {
    const network = parseNetwork('192.168.1.0/24')!;
    expect(networkContains(network, parseAddress('192.168.1.255')!)).toBe(true);
    expect(networkContains(network, parseAddress('192.168.2.0')!)).toBe(false);
    expect(networkContains(network, parseAddress('::ffff:192.168.1.9')!)).toBe(true);
    expect(networkContains(parseNetwork('2001:db8::/32')!, parseAddress('2001:db8:ffff::1')!)).toBe(true);
    expect(networkContains(parseNetwork('2001:db8::/32')!, parseAddress('192.168.1.1')!)).toBe(false);
    expect(networkContains(parseNetwork('9.9.9.9')!, parseAddress('9.9.9.9')!)).toBe(true);
    expect(networkContains(parseNetwork('0.0.0.0/0')!, parseAddress('203.0.113.1')!)).toBe(true);
  });

  it('refuses prefixes longer than the address', () => {
    expect(parseNetwork('10.0.0.0/33')).toBeNull();
    expect(parseNetwork('::/129')).toBeNull();
    expect(parseNetwork('10.0.0.0/x')).toBeNull();
  });
});
