import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, decodePacket } from './decode-packet.js';
import { DecodedFrame, FrameKind } from './decoded-frame.js';
import { createPacketSummary } from './ip/create-packet-summary.js';
import { arpSummary } from './link/arp.js';
import { LinkType, type DecodeResult } from './packet.js';
import { arbitraryFrame, ethernetFrame, sampleArp, sampleIpv4, sampleIpv6 } from './testing.js';

/** What `decodePacket` would say, rebuilt from a `DecodedFrame` (payload copied, as the buffer is shared). */
function resultOf(f: DecodedFrame): unknown {
  switch (f.kind) {
    case FrameKind.IP: {
      const packet = createPacketSummary(f);
      return { kind: 'ip', packet: { ...packet, payload: Uint8Array.from(packet.payload) } };
    }
    case FrameKind.ARP:
      return { kind: 'arp', arp: arpSummary(f.bytes, f.arpAt), vlan: f.vlan < 0 ? null : f.vlan };
    default:
      return f.outcome;
  }
}

function copied(result: DecodeResult): unknown {
  return result.kind === 'ip'
    ? { ...result, packet: { ...result.packet, payload: Uint8Array.from(result.packet.payload) } }
    : result;
}

const LINK_TYPES = Object.values(LinkType);

describe('decodeFrame', () => {
  it('decodes a frame in the middle of a larger buffer exactly as the same bytes on their own', () => {
    const input = fc.record({
      frame: fc.oneof(
        arbitraryFrame().map((g) => ({ linkType: g.linkType, bytes: g.frame })),
        fc.record({ linkType: fc.constantFrom(...LINK_TYPES), bytes: fc.uint8Array({ maxLength: 120 }) }),
      ),
      before: fc.uint8Array({ maxLength: 40 }),
      after: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    });
    fc.assert(
      fc.property(input, ({ frame, before, after }) => {
        const buffer = new Uint8Array(before.length + frame.bytes.length + after.length);
        buffer.set(before, 0);
        buffer.set(frame.bytes, before.length);
        // Bytes after the end look like more packet: a decoder that read past `end` would see them.
        buffer.set(after, before.length + frame.bytes.length);
        const f = new DecodedFrame();
        decodeFrame(f, frame.linkType, buffer, before.length, before.length + frame.bytes.length);
        expect(resultOf(f)).toEqual(copied(decodePacket(frame.linkType, frame.bytes)));
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves nothing of the previous packet behind when one frame object decodes a sequence', () => {
    const sequence = fc.array(
      fc.oneof(
        arbitraryFrame().map((g) => ({ linkType: g.linkType, bytes: g.frame })),
        fc.record({ linkType: fc.constantFrom(...LINK_TYPES), bytes: fc.uint8Array({ maxLength: 80 }) }),
      ),
      { minLength: 2, maxLength: 8 },
    );
    fc.assert(
      fc.property(sequence, (frames) => {
        const reused = new DecodedFrame();
        for (const { linkType, bytes } of frames) {
          decodeFrame(reused, linkType, bytes, 0, bytes.length);
          const fresh = new DecodedFrame();
          decodeFrame(fresh, linkType, bytes, 0, bytes.length);
          expect(resultOf(reused)).toEqual(resultOf(fresh));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['an IPv4 packet', LinkType.ETHERNET, ethernetFrame({ etherType: 0x0800 }, sampleIpv4), FrameKind.IP],
    ['an IPv6 packet', LinkType.RAW, sampleIpv6, FrameKind.IP],
    ['an ARP message', LinkType.ETHERNET, ethernetFrame({ etherType: 0x0806 }, sampleArp), FrameKind.ARP],
    ['LLDP', LinkType.ETHERNET, ethernetFrame({ etherType: 0x88cc }, [1, 2, 3]), FrameKind.OTHER],
    ['a cut Ethernet header', LinkType.ETHERNET, new Uint8Array(9), FrameKind.MALFORMED],
  ])('returns the kind of %s', (_name, linkType, bytes, kind) => {
    expect(decodeFrame(new DecodedFrame(), linkType, bytes, 0, bytes.length)).toBe(kind);
  });

  it('gives addresses as offsets of their bytes in the buffer it was handed', () => {
    const bytes = ethernetFrame({ etherType: 0x0800 }, sampleIpv4);
    const f = new DecodedFrame();
    decodeFrame(f, LinkType.ETHERNET, bytes, 0, bytes.length);
    expect(f.bytes).toBe(bytes);
    expect([...bytes.subarray(f.srcAddrAt, f.srcAddrAt + 4)]).toEqual([...sampleIpv4.subarray(12, 16)]);
    expect([...bytes.subarray(f.dstAddrAt, f.dstAddrAt + 4)]).toEqual([...sampleIpv4.subarray(16, 20)]);
    expect([f.srcMacAt, f.dstMacAt]).toEqual([6, 0]);
  });
});
