import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodePacket } from './decode-packet.js';
import { LinkType, type DecodeResult } from './packet.js';
import {
  arbitraryFrame,
  concat,
  ethernetFrame,
  linuxSll,
  linuxSll2,
  loopbackHeader,
  sampleIpv4 as v4,
  sampleIpv6 as v6,
  sampleIpv4Fields as v4Fields,
  sampleIpv6Fields as v6Fields,
  noLinkFields as noLink,
} from './testing.js';

interface Case {
  name: string;
  linkType: number;
  frame: Uint8Array;
  /** A subset of the result: only the fields named are compared. */
  expected: Record<string, unknown>;
}

const cases: Case[] = [
  ...[LinkType.RAW, LinkType.RAW_12, LinkType.RAW_OPENBSD].flatMap((linkType): Case[] => [
    {
      name: `raw IPv4 on link type ${linkType}`,
      linkType,
      frame: v4,
      expected: { kind: 'ip', packet: { ...v4Fields, ...noLink } },
    },
    {
      name: `raw IPv6 on link type ${linkType}`,
      linkType,
      frame: v6,
      expected: { kind: 'ip', packet: v6Fields },
    },
  ]),
  {
    name: 'IPv4 on link type 228',
    linkType: LinkType.IPV4,
    frame: v4,
    expected: { kind: 'ip', packet: v4Fields },
  },
  {
    name: 'IPv6 on link type 229',
    linkType: LinkType.IPV6,
    frame: v6,
    expected: { kind: 'ip', packet: v6Fields },
  },
  {
    name: 'an unsupported link type as other',
    linkType: 127,
    frame: v4,
    expected: { kind: 'other', what: 'unsupported-link-type' },
  },
  {
    name: 'an empty raw IP frame as malformed',
    linkType: LinkType.RAW,
    frame: new Uint8Array(0),
    expected: { kind: 'malformed', reason: expect.stringContaining('raw ip packet is empty') },
  },
  {
    name: 'a raw IP frame of version 5 as malformed',
    linkType: LinkType.RAW,
    frame: new Uint8Array([0x50, 0, 0, 0]),
    expected: { kind: 'malformed', reason: expect.stringContaining('neither ipv4 nor ipv6') },
  },
];

describe('decodePacket', () => {
  it.each(cases)('decodes $name', ({ linkType, frame, expected }) => {
    expect(decodePacket(linkType, frame)).toMatchObject(expected);
  });

  it('turns an exception inside a decoder into a malformed result instead of throwing', () => {
    class ExplodingFrame extends Uint8Array {
      override subarray(): never {
        throw new Error('boom');
      }
    }
    const frame = new ExplodingFrame(v4);
    expect(decodePacket(LinkType.RAW, frame)).toEqual({ kind: 'malformed', reason: 'internal error: boom' });
  });
});

const KINDS = ['ip', 'arp', 'other', 'malformed'];
const SUPPORTED_LINK_TYPES = Object.values(LinkType);

/** What must hold for any input: a known kind, no decoder bug hidden by the last-resort catch, sane fields. */
function expectWellFormed(result: DecodeResult, frame: Uint8Array): void {
  expect(KINDS).toContain(result.kind);
  if (result.kind === 'malformed') expect(result.reason).not.toMatch(/^internal error/);
  if (result.kind !== 'ip') return;
  const p = result.packet;
  expect(isIP(p.srcAddr)).toBe(p.ipVersion);
  expect(isIP(p.dstAddr)).toBe(p.ipVersion);
  for (const port of [p.srcPort, p.dstPort]) expect(port >= 0 && port <= 0xffff).toBe(true);
  expect(p.payloadLength).toBeGreaterThanOrEqual(p.payload.length);
  if (p.payload.length > 0) {
    expect(p.payload.buffer).toBe(frame.buffer);
    expect(p.payload.byteOffset + p.payload.length).toBeLessThanOrEqual(frame.byteOffset + frame.length);
  }
}

describe('decodePacket on hostile input', () => {
  it('returns a well-formed result for random bytes under any link type', () => {
    const linkType = fc.oneof(fc.constantFrom(...SUPPORTED_LINK_TYPES), fc.integer({ min: 0, max: 300 }));
    fc.assert(
      fc.property(linkType, fc.uint8Array({ maxLength: 200 }), (type, frame) => {
        expectWellFormed(decodePacket(type, frame), frame);
      }),
      { numRuns: 5000 },
    );
  });

  it('returns a well-formed result for a valid link header followed by random bytes', () => {
    const etherType = fc.constantFrom(0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x8847, 0x8848, 0x8864, 0x0806);
    const ipStart = fc.constantFrom(0x45, 0x46, 0x4f, 0x60, 0x41);
    const arbitraryInput = fc
      .record({
        kind: fc.constantFrom('ethernet', 'sll', 'sll2', 'null', 'raw'),
        etherType,
        ipStart,
        tail: fc.uint8Array({ maxLength: 160 }),
      })
      .map(({ kind, etherType: type, ipStart: first, tail }) => {
        const body = concat([first], tail);
        switch (kind) {
          case 'ethernet':
            return {
              linkType: LinkType.ETHERNET,
              frame: ethernetFrame({ etherType: type }, type === 0x0800 || type === 0x86dd ? body : tail),
            };
          case 'sll':
            return { linkType: LinkType.LINUX_SLL, frame: linuxSll({ protocol: type }, body) };
          case 'sll2':
            return { linkType: LinkType.LINUX_SLL2, frame: linuxSll2({ protocol: type }, body) };
          case 'null':
            return {
              linkType: LinkType.NULL,
              frame: concat(loopbackHeader(first >> 4 === 6 ? 30 : 2, 'little'), body),
            };
          default:
            return { linkType: LinkType.RAW, frame: body };
        }
      });
    fc.assert(
      fc.property(arbitraryInput, ({ linkType, frame }) => {
        expectWellFormed(decodePacket(linkType, frame), frame);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads back every field of a generated valid frame', () => {
    fc.assert(
      fc.property(arbitraryFrame(), (g) => {
        const result = decodePacket(g.linkType, g.frame);
        if (result.kind !== 'ip') throw new Error(`${g.link}: expected ip, got ${JSON.stringify(result)}`);
        expect(result.packet).toMatchObject({
          ipVersion: g.ipVersion,
          srcAddr: g.srcAddr,
          dstAddr: g.dstAddr,
          ipProto: g.ipProto,
          srcPort: g.srcPort,
          dstPort: g.dstPort,
          vlan: g.vlan,
          innerVlan: g.innerVlan,
          ipBytes: g.ipBytes,
          payloadLength: g.payload.length,
          payload: g.payload,
        });
        expect(result.packet.payload.byteOffset).toBe(g.payload.length > 0 ? g.payloadOffset : 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes a frame cut by the snap length when its headers survive, with the stated lengths, and reports it malformed otherwise', () => {
    const cutFrame = arbitraryFrame().chain((g) =>
      fc.tuple(fc.constant(g), fc.integer({ min: 0, max: g.frame.length })),
    );
    fc.assert(
      fc.property(cutFrame, ([g, cut]) => {
        const frame = g.frame.subarray(0, cut);
        const result = decodePacket(g.linkType, frame);
        expectWellFormed(result, frame);
        if (cut < g.requiredLength) {
          expect(result.kind).toBe('malformed');
          return;
        }
        if (result.kind !== 'ip')
          throw new Error(`${g.link} cut at ${cut}: expected ip, got ${JSON.stringify(result)}`);
        const captured = Math.max(0, cut - g.payloadOffset);
        expect(result.packet).toMatchObject({
          srcAddr: g.srcAddr,
          srcPort: g.srcPort,
          dstPort: g.dstPort,
          payloadLength: g.payload.length,
        });
        expect(result.packet.payload).toEqual(g.payload.subarray(0, captured));
      }),
      { numRuns: 3000 },
    );
  });

  it('returns a well-formed result when bytes of a valid frame are overwritten at random', () => {
    const corrupted = arbitraryFrame().chain((g) =>
      fc.tuple(
        fc.constant(g),
        fc.array(fc.tuple(fc.nat({ max: g.frame.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
      ),
    );
    fc.assert(
      fc.property(corrupted, ([g, edits]) => {
        const frame = g.frame.slice();
        for (const [at, value] of edits) frame[at] = value;
        expectWellFormed(decodePacket(g.linkType, frame), frame);
      }),
      { numRuns: 3000 },
    );
  });
});
