import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TickScale } from './tick-scale.js';

/** The exact answer, by BigInt: floor(ticks * 10^6 / ticks per second). */
function ticksPerSecond(tsresol: number): bigint {
  const exponent = BigInt(tsresol & 0x7f);
  return (tsresol & 0x80) !== 0 ? 1n << exponent : 10n ** exponent;
}

function reference(tsresol: number, high: number, low: number): number {
  const perSecond = ticksPerSecond(tsresol);
  const ticks = (BigInt(high) << 32n) | BigInt(low);
  return Number((ticks * 1_000_000n) / perSecond);
}

describe('TickScale', () => {
  it.each([
    ['microseconds, the default', 6, 1_700_000_000_123_456n, 1_700_000_000_123_456],
    ['nanoseconds', 9, 1_700_000_000_123_456_789n, 1_700_000_000_123_456],
    ['nanoseconds just below a microsecond boundary', 9, 1_700_000_000_123_456_999n, 1_700_000_000_123_456],
    ['tenths of a second', 1, 17_000_000_005n, 1_700_000_000_500_000],
    ['whole seconds', 0, 1_700_000_000n, 1_700_000_000_000_000],
    ['2^-10 s', 0x80 | 10, 1_700_000_000n * 1024n + 512n, 1_700_000_000_500_000],
    ['2^-30 s, just below a millisecond boundary', 0x80 | 30, 2n ** 30n + 1_073_741n, 1_000_999],
    ['2^-64 s', 0x80 | 64, 2n ** 63n, 500_000],
    ['10^-18 s', 18, 5n * 10n ** 17n, 500_000],
  ])('converts %s', (_what, tsresol, ticks, expected) => {
    const high = Number(ticks >> 32n);
    const low = Number(ticks & 0xffffffffn);
    expect(new TickScale(tsresol).toMicros(high, low)).toBe(expected);
    expect(reference(tsresol, high, low)).toBe(expected);
  });

  it('agrees with exact BigInt arithmetic for every unit from 10^-7 to 10^-12 and 2^-1 to 2^-32', () => {
    const resolution = fc.oneof(fc.integer({ min: 7, max: 12 }), fc.integer({ min: 0x81, max: 0x80 | 32 }));
    fc.assert(
      fc.property(
        resolution,
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        (tsresol, anyHigh, low) => {
          // Only tick counts whose answer fits a double exactly (below 2^53 microseconds) have one right answer.
          const maxHigh = (((2n ** 53n - 1n) * ticksPerSecond(tsresol)) / 1_000_000n) >> 32n;
          const high = Number(BigInt(anyHigh) % (maxHigh < 0xffffffffn ? maxHigh : 0xffffffffn));
          expect(new TickScale(tsresol).toMicros(high, low)).toBe(reference(tsresol, high, low));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
