import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType } from '../packet.js';
import {
  ethernetFrame,
  sampleIpv4 as v4,
  sampleIpv6 as v6,
  sampleIpv4Fields as v4Fields,
  sampleIpv6Fields as v6Fields,
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
    name: 'an 802.1Q tag, whose id excludes the priority bits',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0800, tags: [{ id: 100, priority: 5 }] }, v4),
    expected: { kind: 'ip', packet: { ...v4Fields, vlan: 100, innerVlan: null } },
  },
  {
    name: 'an 802.1ad S-tag over a C-tag (QinQ)',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x86dd, tags: [{ tpid: 0x88a8, id: 300 }, { id: 42 }] }, v6),
    expected: { kind: 'ip', packet: { ...v6Fields, vlan: 300, innerVlan: 42 } },
  },
  {
    name: 'an old-style 0x9100 outer tag over a C-tag',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0800, tags: [{ tpid: 0x9100, id: 7 }, { id: 8 }] }, v4),
    expected: { kind: 'ip', packet: { ...v4Fields, vlan: 7, innerVlan: 8 } },
  },
  {
    name: 'three stacked tags, keeping the outer two',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0800, tags: [{ tpid: 0x88a8, id: 1 }, { id: 2 }, { id: 3 }] }, v4),
    expected: { kind: 'ip', packet: { ...v4Fields, vlan: 1, innerVlan: 2 } },
  },
  {
    name: 'LLDP as other',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x88cc }, [2, 7, 4]),
    expected: { kind: 'other', what: 'lldp' },
  },
  {
    name: 'an unknown EtherType as other, naming it',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x88b5 }, [1, 2, 3]),
    expected: { kind: 'other', what: 'ethertype-0x88b5' },
  },
  {
    name: 'EAPOL (802.1X) as other',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x888e }, [2, 3, 0, 0]),
    expected: { kind: 'other', what: 'eapol' },
  },
  {
    name: 'an 802.3 length field behind a VLAN tag as llc',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0026, tags: [{ id: 5 }] }, [0x42, 0x42, 0x03]),
    expected: { kind: 'other', what: 'llc' },
  },
  {
    name: 'a VLAN tag cut short as malformed',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8100 }, [0, 1]),
    expected: { kind: 'malformed', reason: expect.stringContaining('vlan tag truncated') },
  },
];

describe('decodeEtherType', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });
});
