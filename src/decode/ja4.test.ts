import { describe, expect, it } from 'vitest';
import { computeJa4, ja4AlpnCode } from './ja4.js';
import type { Ja4Input } from './ja4.js';

/** A latin1 string holding these bytes, as the ClientHello parser stores ALPN values. */
function bytes(...values: number[]): string {
  return String.fromCharCode(...values);
}

describe('ja4AlpnCode', () => {
  // The cases JA4.md lists under "ALPN Extension Value".
  it.each([
    ['h2', ['h2', 'http/1.1'], 'h2'],
    ['http/1.1 first', ['http/1.1'], 'h1'],
    ['no ALPN', [], '00'],
    ['an empty first value', ['', 'h2'], '00'],
    ['a single character', ['x'], 'xx'],
    ['0xAB', [bytes(0xab)], 'ab'],
    ['0xAB 0xCD', [bytes(0xab, 0xcd)], 'ad'],
    ['0x30 0xAB', [bytes(0x30, 0xab)], '3b'],
    ['0x30 0x31 0xAB 0xCD', [bytes(0x30, 0x31, 0xab, 0xcd)], '3d'],
    ['0x30 0xAB 0xCD 0x31', [bytes(0x30, 0xab, 0xcd, 0x31)], '01'],
  ])('writes %s as the spec says', (_, alpn, expected) => {
    expect(ja4AlpnCode(alpn)).toBe(expected);
  });
});

const SPEC: Ja4Input = {
  legacyVersion: 0x0303,
  supportedVersions: [0x0304, 0x0303],
  cipherSuites: [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
    0x002f, 0x0035,
  ],
  extensions: [
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
    0x000b, 0x000a, 0x0015,
  ],
  alpn: ['h2'],
  signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
};

describe('computeJa4', () => {
  it.each<[string, Partial<Ja4Input>, string]>([
    ['the JA4.md example', {}, 't13d1516h2_8daaf6152771_e5627efa2ab1'],
    [
      'no SNI extension: i',
      { extensions: SPEC.extensions.filter((e) => e !== 0) },
      't13i1515h2_8daaf6152771_e5627efa2ab1',
    ],
    [
      'GREASE signature algorithms left out',
      { signatureAlgorithms: [0x0a0a, ...SPEC.signatureAlgorithms] },
      't13d1516h2_8daaf6152771_e5627efa2ab1',
    ],
    [
      'legacy version without supported_versions',
      { supportedVersions: [] },
      't12d1516h2_8daaf6152771_e5627efa2ab1',
    ],
    ['SSL 3.0', { supportedVersions: [], legacyVersion: 0x0300 }, 'ts3d1516h2_8daaf6152771_e5627efa2ab1'],
    ['an unknown version as 00', { supportedVersions: [0x0305] }, 't00d1516h2_8daaf6152771_e5627efa2ab1'],
  ])('fingerprints %s', (_, change, expected) => {
    expect(computeJa4({ ...SPEC, ...change })).toBe(expected);
  });

  it('marks QUIC and DTLS in the first character', () => {
    expect(computeJa4(SPEC, 'q')).toBe('q13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('caps the extension count at 99', () => {
    const extensions = Array.from({ length: 150 }, (_, i) => 0x1000 + i);
    expect(computeJa4({ ...SPEC, extensions }).slice(0, 10)).toBe('t13i1599h2');
  });
});
