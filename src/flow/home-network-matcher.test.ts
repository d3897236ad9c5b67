import { describe, expect, it } from 'vitest';
import { isYamoriError } from '../errors/index.js';
import { createHomeNetworkMatcher, isMulticastOrBroadcast } from './home-network-matcher.js';

describe('createHomeNetworkMatcher', () => {
  const home = createHomeNetworkMatcher([
    '10.0.0.0/8',
    '192.168.1.0/24',
    '172.16.5.7',
    'fd00::/7',
    'fe80::/10',
    '2001:db8:1:2::/63',
  ]);
  const cases: [string, boolean][] = [
    ['10.255.1.1', true],
    ['11.0.0.1', false],
    ['192.168.1.255', true],
    ['192.168.2.1', false],
    ['172.16.5.7', true],
    ['172.16.5.8', false],
    ['fd12::1', true],
    ['fc00::1', true],
    ['fe80::abcd', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['2001:db8:1:3::1', true],
    ['2001:db8:1:4::1', false],
    ['2001:db9::1', false],
    ['not-an-address', false],
  ];
  for (const [addr, isHome] of cases) {
    it(`says ${addr} is ${isHome ? '' : 'not '}home`, () => {
      expect(home.isHome(addr)).toBe(isHome);
    });
  }

  it('treats 0.0.0.0/0 as every IPv4 address', () => {
    expect(createHomeNetworkMatcher(['0.0.0.0/0']).isHome('8.8.8.8')).toBe(true);
  });

  it('rejects an entry that is not a CIDR with FLOW_HOME_NETWORK_INVALID', () => {
    let error: unknown;
    try {
      createHomeNetworkMatcher(['192.168.1.0/33']);
    } catch (caught) {
      error = caught;
    }
    expect(isYamoriError(error) && error.code).toBe('FLOW_HOME_NETWORK_INVALID');
  });
});

describe('isMulticastOrBroadcast', () => {
  it.each([
    ['224.0.0.251', true],
    ['239.255.255.250', true],
    ['240.0.0.1', false],
    ['255.255.255.255', true],
    ['192.168.1.255', false],
    ['ff02::fb', true],
    ['ff::1', false],
    ['fe80::1', false],
  ])('says %s is %s', (addr, expected) => {
    expect(isMulticastOrBroadcast(addr)).toBe(expected);
  });
});

describe('HomeNetworkMatcher.direction', () => {
  const home = createHomeNetworkMatcher(['192.168.1.0/24']);
  it.each([
    ['192.168.1.2', '8.8.8.8', 'outbound'],
    ['8.8.8.8', '192.168.1.2', 'inbound'],
    ['192.168.1.2', '192.168.1.3', 'internal'],
    ['192.168.1.2', '224.0.0.251', 'internal'],
    ['8.8.8.8', '224.0.0.251', 'external'],
  ])('calls %s to %s %s', (src, dst, direction) => {
    expect(home.direction(src, dst)).toBe(direction);
  });
});
