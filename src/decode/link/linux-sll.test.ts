import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType } from '../packet.js';
import {
  concat,
  linuxSll,
  linuxSll2,
  u16,
  sampleIpv4 as v4,
  sampleIpv6 as v6,
  sampleIpv4Fields as v4Fields,
  sampleIpv6Fields as v6Fields,
  noLinkFields as noLink,
  sampleArp as arp,
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
    name: 'Linux cooked v1 with the sender address as the source MAC and no destination MAC',
    linkType: LinkType.LINUX_SLL,
    frame: linuxSll({ protocol: 0x0800, address: '00:1B:21:AA:BB:CC', packetType: 4 }, v4),
    expected: { kind: 'ip', packet: { ...v4Fields, srcMac: '00:1b:21:aa:bb:cc', dstMac: null } },
  },
  {
    name: 'Linux cooked v1 from a tunnel device, with no MAC',
    linkType: LinkType.LINUX_SLL,
    frame: linuxSll({ protocol: 0x86dd, hardwareType: 0xfffe, address: '00:00' }, v6),
    expected: { kind: 'ip', packet: { ...v6Fields, ...noLink } },
  },
  {
    name: 'Linux cooked v1 with a VLAN tag kept in the data',
    linkType: LinkType.LINUX_SLL,
    frame: linuxSll({ protocol: 0x8100 }, concat(u16(12), u16(0x0800), v4)),
    expected: { kind: 'ip', packet: { ...v4Fields, vlan: 12 } },
  },
  {
    name: 'Linux cooked v1 with an 802.2 LLC protocol as other',
    linkType: LinkType.LINUX_SLL,
    frame: linuxSll({ protocol: 0x0004 }, [0x42, 0x42, 0x03]),
    expected: { kind: 'other', what: 'llc' },
  },
  {
    name: 'Linux cooked v1 netlink as other',
    linkType: LinkType.LINUX_SLL,
    frame: linuxSll({ protocol: 0x0000, hardwareType: 824, address: '00:00' }, [16, 0, 0, 0]),
    expected: { kind: 'other', what: 'netlink' },
  },
  {
    name: 'Linux cooked v1 with a protocol below 0x0600 that is not LLC (CAN) as other',
    linkType: LinkType.LINUX_SLL,
    frame: linuxSll({ protocol: 0x000c, hardwareType: 280, address: '00:00' }, new Uint8Array(16)),
    expected: { kind: 'other', what: 'cooked-protocol-not-ethertype' },
  },
  {
    name: 'Linux cooked v2 carrying IPv6',
    linkType: LinkType.LINUX_SLL2,
    frame: linuxSll2({ protocol: 0x86dd, address: '02:42:AC:11:00:02' }, v6),
    expected: { kind: 'ip', packet: { ...v6Fields, srcMac: '02:42:ac:11:00:02', dstMac: null } },
  },
  {
    name: 'Linux cooked v2 carrying ARP',
    linkType: LinkType.LINUX_SLL2,
    frame: linuxSll2({ protocol: 0x0806 }, arp),
    expected: { kind: 'arp', vlan: null, arp: { senderAddr: '192.168.1.10' } },
  },
  {
    name: 'a cooked v1 header cut short as malformed',
    linkType: LinkType.LINUX_SLL,
    frame: new Uint8Array(15),
    expected: { kind: 'malformed', reason: expect.stringContaining('linux cooked header truncated') },
  },
  {
    name: 'a cooked v2 header cut short as malformed',
    linkType: LinkType.LINUX_SLL2,
    frame: new Uint8Array(19),
    expected: { kind: 'malformed', reason: expect.stringContaining('linux cooked v2 header truncated') },
  },
];

describe('decodeLinuxSll and decodeLinuxSll2', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });
});
