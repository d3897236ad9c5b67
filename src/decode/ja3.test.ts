import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeJa3, computeJa3s } from './ja3.js';

describe('computeJa3', () => {
  it("gives the JA3 of Salesforce's README example", () => {
    expect(
      computeJa3({
        legacyVersion: 769,
        cipherSuites: [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
        extensions: [0, 10, 11],
        supportedGroups: [23, 24, 25],
        ecPointFormats: [0],
      }),
    ).toEqual({
      ja3: 'ada70206e40642a3e4461f35503241d5',
      ja3String: '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0',
    });
  });

  it('removes GREASE from ciphers, extensions and groups', () => {
    const { ja3String } = computeJa3({
      legacyVersion: 771,
      cipherSuites: [0x4a4a, 4865],
      extensions: [0x9a9a, 0, 0xfafa],
      supportedGroups: [0x1a1a, 29],
      ecPointFormats: [0],
    });
    expect(ja3String).toBe('771,4865,0,29,0');
  });
});

describe('computeJa3s', () => {
  it('joins version, cipher and extensions, as tshark gives for tls-conn-with-extensions.pcap', () => {
    expect(
      computeJa3s({ legacyVersion: 769, cipherSuite: 49169, extensions: [0, 65281, 11, 35, 13172] }),
    ).toEqual({
      ja3s: 'e07f21892995126f4b539c02215c8456',
      ja3sString: '769,49169,0-65281-11-35-13172',
    });
  });

  it('gives every text its own hash, also past the texts it remembers and on repeats', () => {
    const hello = (cipherSuite: number): Parameters<typeof computeJa3s>[0] => ({
      legacyVersion: 771,
      cipherSuite,
      extensions: [65281, 16],
    });
    // More distinct texts than are remembered, each asked for twice, and the first again at the end.
    for (let suite = 0; suite < 5000; suite += 1) {
      const text = `771,${suite},65281-16`;
      const expected = { ja3s: createHash('md5').update(text).digest('hex'), ja3sString: text };
      expect(computeJa3s(hello(suite))).toEqual(expected);
      expect(computeJa3s(hello(suite))).toEqual(expected);
    }
    expect(computeJa3s(hello(0)).ja3s).toBe(createHash('md5').update('771,0,65281-16').digest('hex'));
  });
});
