import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMac } from './format-mac.js';

describe('formatMac', () => {
  it('writes six lowercase two-digit hex bytes joined by colons, reading at the offset', () => {
    const bytes = new Uint8Array([0xff, 0x00, 0x1b, 0xa0, 0x0f, 0xee, 0xd1, 0x99]);
    expect(formatMac(bytes, 1)).toBe('00:1b:a0:0f:ee:d1');
  });

  it('gives the right text for any address, including when formatted again after many others', () => {
    const reference = (bytes: Uint8Array): string =>
      Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(':');
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 6, maxLength: 6 }), { maxLength: 300 }),
        (addresses) => {
          for (const bytes of [...addresses, ...[...addresses].reverse()])
            expect(formatMac(bytes, 0)).toBe(reference(bytes));
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ['the first two bytes', 0],
    ['the last four bytes', 2],
  ])('never mistakes one address for another that differs only in %s', (_part, at) => {
    // More addresses than memo slots, so many share a slot and only the full comparison tells them apart.
    for (let i = 1; i <= 3000; i++) {
      const bytes = new Uint8Array([0x02, 0x42, 0xac, 0x11, 0x00, 0x02]);
      const view = new DataView(bytes.buffer);
      if (at === 0) view.setUint16(0, i);
      else view.setUint32(2, Math.imul(i, 0x9e3779b1) >>> 0);
      const expected = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(':');
      expect(formatMac(bytes, 0)).toBe(expected);
    }
  });
});
