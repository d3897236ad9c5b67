import { describe, expect, it } from 'vitest';
import { decodePacket } from '../decode-packet.js';
import { LinkType } from '../packet.js';
import {
  concat,
  loopbackHeader,
  sampleIpv4 as v4,
  sampleIpv6 as v6,
  sampleIpv4Fields as v4Fields,
  sampleIpv6Fields as v6Fields,
  noLinkFields as noLink,
} from '../testing.js';

interface Case {
  name: string;
  linkType: number;
  frame: Uint8Array;
  /** A subset of the result: only the fields named are compared. */
  expected: Record<string, unknown>;
}

const cases: Case[] = [
  ...(['little', 'big'] as const).flatMap((order): Case[] => [
    {
      name: `NULL loopback with AF_INET in ${order}-endian order`,
      linkType: LinkType.NULL,
      frame: concat(loopbackHeader(2, order), v4),
      expected: { kind: 'ip', packet: { ...v4Fields, ...noLink } },
    },
    ...[24, 28, 30].map((family): Case => ({
      name: `NULL loopback with AF_INET6 = ${family} in ${order}-endian order`,
      linkType: LinkType.NULL,
      frame: concat(loopbackHeader(family, order), v6),
      expected: { kind: 'ip', packet: v6Fields },
    })),
  ]),
  {
    name: 'NULL loopback with a non-IP family as other',
    linkType: LinkType.NULL,
    frame: concat(loopbackHeader(7, 'little'), [1, 2, 3]),
    expected: { kind: 'other', what: 'loopback-family-not-ip' },
  },
  {
    name: 'a loopback header whose family fits neither byte order as other',
    linkType: LinkType.NULL,
    frame: concat([2, 0, 0, 2], v4),
    expected: { kind: 'other', what: 'loopback-family-not-ip' },
  },
  {
    name: 'OpenBSD LOOP with AF_INET in network order',
    linkType: LinkType.LOOP,
    frame: concat(loopbackHeader(2, 'big'), v4),
    expected: { kind: 'ip', packet: v4Fields },
  },
  {
    name: 'OpenBSD LOOP with AF_INET6 in network order',
    linkType: LinkType.LOOP,
    frame: concat(loopbackHeader(24, 'big'), v6),
    expected: { kind: 'ip', packet: v6Fields },
  },
  {
    name: 'a loopback header cut short as malformed',
    linkType: LinkType.NULL,
    frame: new Uint8Array([2, 0, 0]),
    expected: { kind: 'malformed', reason: expect.stringContaining('loopback header truncated') },
  },
];

describe('decodeLoopback', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });
});
