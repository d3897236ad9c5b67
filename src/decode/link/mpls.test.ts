import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType } from '../packet.js';
import {
  concat,
  ethernetFrame,
  mplsStack,
  sampleIpv4 as v4,
  sampleIpv6 as v6,
  sampleIpv4Fields as v4Fields,
  sampleIpv6Fields as v6Fields,
  sampleMacs as macs,
  sampleMacFields as lowerMacs,
} from '../testing.js';

interface Case {
  name: string;
  linkType: number;
  frame: Uint8Array;
  /** A subset of the result: only the fields named are compared. */
  expected: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'an MPLS unicast label stack over IPv4',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ ...macs, etherType: 0x8847 }, mplsStack([16, 17, 18], v4)),
    expected: { kind: 'ip', packet: { ...v4Fields, ...lowerMacs } },
  },
  {
    name: 'an MPLS multicast label over IPv6',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8848 }, mplsStack([1000], v6)),
    expected: { kind: 'ip', packet: v6Fields },
  },
  {
    name: 'an Ethernet pseudowire inside MPLS, keeping the outer MACs and taking the inner VLAN',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame(
      { ...macs, etherType: 0x8847 },
      mplsStack([19, 16], concat([0, 0, 0, 0], ethernetFrame({ etherType: 0x0800, tags: [{ id: 1 }] }, v4))),
    ),
    expected: { kind: 'ip', packet: { ...v4Fields, ...lowerMacs, vlan: 1 } },
  },
  {
    name: 'a pseudowire nested in a pseudowire as other, so nesting cannot recurse',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame(
      { etherType: 0x8847 },
      mplsStack(
        [16],
        concat(
          [0, 0, 0, 0],
          ethernetFrame(
            { etherType: 0x8847 },
            mplsStack([17], concat([0, 0, 0, 0], ethernetFrame({ etherType: 0x0800 }, v4))),
          ),
        ),
      ),
    ),
    expected: { kind: 'other', what: 'mpls-not-ip' },
  },
  {
    name: 'an MPLS payload that is neither IP nor a pseudowire as other',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8847 }, mplsStack([20], [0x51, 0, 0, 0])),
    expected: { kind: 'other', what: 'mpls-not-ip' },
  },
  {
    name: 'a pseudowire carrying an 802.3 (LLC) frame as llc',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame(
      { etherType: 0x8847 },
      mplsStack([16], concat([0, 0, 0, 0], ethernetFrame({ etherType: 0x0026 }, [0x42, 0x42, 0x03]))),
    ),
    expected: { kind: 'other', what: 'llc' },
  },
  {
    name: 'an MPLS stack with no bottom entry as malformed',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8847 }, [0, 1, 0, 64, 0, 2, 0, 64]),
    expected: { kind: 'malformed', reason: expect.stringContaining('mpls') },
  },
  {
    name: 'an MPLS stack with nothing after it as malformed',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8847 }, mplsStack([3], [])),
    expected: { kind: 'malformed', reason: expect.stringContaining('mpls') },
  },
  {
    name: 'a pseudowire with its inner Ethernet header cut short as malformed',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8847 }, mplsStack([3], [0, 0, 0, 0, 1, 2, 3])),
    expected: { kind: 'malformed', reason: expect.stringContaining('pseudowire') },
  },
];

describe('decodeMpls', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });
});
