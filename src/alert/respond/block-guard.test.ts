import { describe, expect, it } from 'vitest';
import { createBlockGuard } from './block-guard.js';

const guard = createBlockGuard({
  homeNetworks: ['192.168.1.0/24', '2a02:8070:1234::/48', '81.2.3.0/29'],
  resolvers: ['9.9.9.9', '[2620:fe::fe]:53', '1.1.1.1:5353'],
  allowlist: [
    { value: '140.82.112.0/20', reason: 'it is on the allow-list (github)' },
    { value: 'example.com', reason: 'domains are not addresses' },
  ],
});

describe('createBlockGuard', () => {
  it.each(['203.0.113.9', '198.51.100.1', '2001:db8::9', '8.8.8.8', '::ffff:45.9.20.1', '81.2.3.8'])(
    'allows %s',
    (addr) => {
      expect(guard(addr).text).toBe(addr.replace('::ffff:', ''));
    },
  );

  it.each([
    ['192.168.1.20', 'it is on the home network 192.168.1.0/24'],
    ['192.168.2.20', 'it is a private address'],
    ['81.2.3.4', 'it is on the home network 81.2.3.0/29'],
    ['2a02:8070:1234:5::1', 'it is on the home network 2a02:8070:1234::/48'],
    ['127.0.0.1', 'it is a loopback address'],
    ['::1', 'it is a loopback address'],
    ['10.9.9.9', 'it is a private address'],
    ['fe80::1', 'it is a link-local address'],
    ['224.0.0.251', 'it is a multicast address'],
    ['0.0.0.0', 'it is an unspecified address'],
    ['9.9.9.9', 'it is a DNS resolver the home network uses'],
    ['2620:fe::fe', 'it is a DNS resolver the home network uses'],
    ['1.1.1.1', 'it is a DNS resolver the home network uses'],
    ['140.82.114.4', 'it is on the allow-list (github)'],
  ])('refuses %s: %s', (addr, reason) => {
    expect(() => guard(addr)).toThrow(
      expect.objectContaining({ code: 'BLOCK_REFUSED', message: expect.stringContaining(reason) }),
    );
  });

  it.each(['203.0.113.0/24', 'example.com', '', '1.2.3'])('refuses %j as not one address', (addr) => {
    expect(() => guard(addr)).toThrow(expect.objectContaining({ code: 'BLOCK_BAD_ADDRESS' }));
  });
});
