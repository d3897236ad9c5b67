import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType } from '../packet.js';
import { ethernetFrame, sampleArp as arp } from '../testing.js';

interface Case {
  name: string;
  linkType: number;
  frame: Uint8Array;
  /** A subset of the result: only the fields named are compared. */
  expected: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'ARP inside a VLAN as an arp result',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0806, tags: [{ id: 10 }] }, arp),
    expected: {
      kind: 'arp',
      vlan: 10,
      arp: {
        operation: 1,
        senderMac: '00:1b:21:aa:bb:cc',
        senderAddr: '192.168.1.10',
        targetMac: '00:00:00:00:00:00',
        targetAddr: '192.168.1.1',
      },
    },
  },
  {
    name: 'ARP for another protocol than IPv4 as other',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0806 }, [0, 1, 0x86, 0xdd, 6, 16, 0, 1]),
    expected: { kind: 'other', what: 'arp-not-ipv4-over-ethernet' },
  },
  {
    name: 'an ARP message cut short as malformed',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x0806 }, arp.subarray(0, 20)),
    expected: { kind: 'malformed', reason: expect.stringContaining('arp truncated') },
  },
];

describe('decodeArp', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });
});
