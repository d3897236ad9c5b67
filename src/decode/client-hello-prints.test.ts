import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientHelloPrints, type PrintInput } from './client-hello-prints.js';
import { computeJa3 } from './ja3.js';
import { computeJa4 } from './ja4.js';

/** ClientHellos drawn from small pools of lists, so that shapes repeat and differ in one list at a time. */
const hello: fc.Arbitrary<PrintInput> = fc
  .record({
    legacyVersion: fc.constantFrom(0x0301, 0x0303),
    supportedVersions: fc.constantFrom<number[]>([], [0x0304, 0x0303], [0x0a0a, 0x0304]),
    cipherSuites: fc.constantFrom<number[]>([0x1301, 0x1302], [0x1302, 0x1301], [0xc02f, 0x009c, 0x2a2a]),
    extensions: fc.constantFrom<number[]>([0, 10, 11, 13, 16, 43], [10, 11, 13], [0, 16, 0x1a1a]),
    supportedGroups: fc.constantFrom<number[]>([], [29, 23], [23, 29]),
    ecPointFormats: fc.constantFrom<number[]>([], [0]),
    signatureAlgorithms: fc.constantFrom<number[]>([], [0x0403, 0x0804], [0x0804, 0x0403]),
    alpn: fc.constantFrom<string[]>([], ['h2'], ['http/1.1', 'h2'], ['h2', 'http/1.1']),
  })
  .map((h) => ({ ...h, version: 0x0303, serverName: null }));

function direct(h: PrintInput): { ja3: string; ja3String: string; ja4: string } {
  const { ja3, ja3String } = computeJa3(h);
  return { ja3, ja3String, ja4: computeJa4(h) };
}

describe('ClientHelloPrints', () => {
  it('gives the fingerprints computed afresh, for repeated and new shapes alike', () => {
    fc.assert(
      fc.property(fc.array(hello, { minLength: 1, maxLength: 30 }), (hellos) => {
        const prints = new ClientHelloPrints();
        for (const h of hellos) expect(prints.of(h)).toMatchObject(direct(h));
      }),
      { numRuns: 300 },
    );
  });

  it('never hands out another shape’s fingerprints when every shape hashes alike', () => {
    fc.assert(
      fc.property(fc.array(hello, { minLength: 1, maxLength: 30 }), (hellos) => {
        const prints = new ClientHelloPrints(() => 7);
        for (const h of hellos) expect(prints.of(h)).toMatchObject(direct(h));
      }),
      { numRuns: 300 },
    );
  });

  it('is not misled when the caller changes a list it was given', () => {
    const prints = new ClientHelloPrints(() => 1);
    const first: PrintInput = {
      legacyVersion: 0x0303,
      supportedVersions: [],
      version: 0x0303,
      cipherSuites: [0x1301, 0x1302],
      extensions: [10],
      serverName: null,
      alpn: [],
      supportedGroups: [],
      ecPointFormats: [],
      signatureAlgorithms: [],
    };
    prints.of(first);
    first.cipherSuites.reverse();
    const second = { ...first, cipherSuites: [0x1302, 0x1301] };
    expect(prints.of(second)).toMatchObject(direct(second));
  });
});
