import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType } from '../packet.js';
import {
  ethernetFrame,
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
    name: 'Ethernet II carrying IPv4, with MACs in lowercase',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ ...macs, etherType: 0x0800 }, v4),
    expected: { kind: 'ip', packet: { ...v4Fields, ...lowerMacs, vlan: null, innerVlan: null } },
  },
  {
    name: 'Ethernet II carrying IPv6',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ ...macs, etherType: 0x86dd }, v6),
    expected: { kind: 'ip', packet: { ...v6Fields, ...lowerMacs } },
  },
  {
    name: 'an 802.3 frame with a length field (LLC, spanning tree) as other',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0026 }, [0x42, 0x42, 0x03, ...new Uint8Array(35)]),
    expected: { kind: 'other', what: 'llc' },
  },
  {
    name: 'an Ethernet frame shorter than its header as malformed',
    linkType: LinkType.ETHERNET,
    frame: new Uint8Array(13),
    expected: { kind: 'malformed', reason: expect.stringContaining('ethernet header truncated') },
  },
  {
    name: 'an EtherType of IPv4 with nothing after it as malformed',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0800 }, []),
    expected: { kind: 'malformed', reason: expect.stringContaining('ipv4 header truncated') },
  },
];

describe('decodeEthernet', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });
});
