import { describe, expect, it } from 'vitest';
import { communityId, icmpCounterpart } from './community-id.js';

// Vectors from the Community ID specification's baseline tables (corelight/community-id-spec).
describe('communityId', () => {
  const cases: {
    description: string;
    tuple: Parameters<typeof communityId>[0];
    options?: Parameters<typeof communityId>[1];
    id: string;
  }[] = [
    {
      description: 'hashes a TCP tuple',
      tuple: { ipProto: 6, srcAddr: '1.2.3.4', dstAddr: '5.6.7.8', srcPort: 1122, dstPort: 3344 },
      id: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    },
    {
      description: 'gives the reverse direction the same ID',
      tuple: { ipProto: 6, srcAddr: '5.6.7.8', dstAddr: '1.2.3.4', srcPort: 3344, dstPort: 1122 },
      id: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    },
    {
      description: 'applies a seed',
      tuple: { ipProto: 17, srcAddr: '1.2.3.4', dstAddr: '5.6.7.8', srcPort: 1122, dstPort: 3344 },
      options: { seed: 1 },
      id: '1:OShq+iKDAMVouh/4bMxB9Sz4amw=',
    },
    {
      description: 'writes hex when base64 is off',
      tuple: { ipProto: 132, srcAddr: '1.2.3.4', dstAddr: '5.6.7.8', srcPort: 1122, dstPort: 3344 },
      options: { base64: false },
      id: '1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f',
    },
    {
      description: 'pairs an ICMP echo reply with its request',
      tuple: { ipProto: 1, srcAddr: '5.6.7.8', dstAddr: '1.2.3.4', srcPort: 0, dstPort: 0 },
      id: '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=',
    },
    {
      description: 'keeps one-way ICMP types in the order given',
      tuple: { ipProto: 1, srcAddr: '1.2.3.4', dstAddr: '5.6.7.8', srcPort: 11, dstPort: 0 },
      id: '1:f/YiSyWqczrTgfUCZlBUnvHRcPk=',
    },
    {
      description: 'pairs an ICMPv6 echo reply with its request, for uncompressed IPv6 text',
      tuple: {
        ipProto: 58,
        srcAddr: 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
        dstAddr: 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
        srcPort: 129,
        dstPort: 0,
      },
      id: '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=',
    },
    {
      description: 'leaves ports out for a portless protocol',
      tuple: { ipProto: 46, srcAddr: '5.6.7.8', dstAddr: '1.2.3.4', srcPort: 0, dstPort: 0 },
      id: '1:ikv3kmf89luf73WPz1jOs49S768=',
    },
  ];
  for (const c of cases) {
    it(c.description, () => {
      expect(communityId(c.tuple, c.options)).toBe(c.id);
    });
  }

  it('returns an empty string for text that is not an address', () => {
    expect(communityId({ ipProto: 6, srcAddr: 'host', dstAddr: '1.2.3.4', srcPort: 1, dstPort: 2 })).toBe('');
    expect(communityId({ ipProto: 6, srcAddr: '::1', dstAddr: '1.2.3.4', srcPort: 1, dstPort: 2 })).toBe('');
  });
});

describe('icmpCounterpart', () => {
  it.each([
    [1, 8, 0],
    [1, 13, 14],
    [1, 3, -1],
    [58, 128, 129],
    [58, 134, 133],
    [58, 1, -1],
  ])('maps protocol %i type %i to %i', (proto, type, counterpart) => {
    expect(icmpCounterpart(proto, type)).toBe(counterpart);
  });
});
