import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType } from '../packet.js';
import {
  ethernetFrame,
  pppoeSession,
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
    name: 'a PPPoE session carrying IPv4',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8864 }, pppoeSession(0x0021, v4)),
    expected: { kind: 'ip', packet: v4Fields },
  },
  {
    name: 'a PPPoE session carrying IPv6 behind a VLAN tag',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8864, tags: [{ id: 35 }] }, pppoeSession(0x0057, v6)),
    expected: { kind: 'ip', packet: { ...v6Fields, vlan: 35 } },
  },
  {
    name: 'a PPPoE session with a compressed one-byte PPP protocol',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8864 }, pppoeSession(0x21, v4, true)),
    expected: { kind: 'ip', packet: v4Fields },
  },
  {
    name: 'PPP link control inside a PPPoE session as other',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8864 }, pppoeSession(0xc021, [1, 1, 0, 4])),
    expected: { kind: 'other', what: 'ppp-not-ip' },
  },
  {
    name: 'PPPoE discovery as other',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8863 }, [0x11, 0x09, 0, 0, 0, 0]),
    expected: { kind: 'other', what: 'pppoe-discovery' },
  },
  {
    name: 'a PPPoE header cut short as malformed',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame({ etherType: 0x8864 }, [0x11, 0, 0, 1, 0, 2, 0]),
    expected: { kind: 'malformed', reason: expect.stringContaining('pppoe') },
  },
];

describe('decodePppoeSession', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });
});
