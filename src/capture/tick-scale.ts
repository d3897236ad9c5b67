/**
 * pcapng timestamps are 64-bit tick counts whose unit an interface sets with `if_tsresol`
 * (10^-n or 2^-n seconds). A tick count from a nanosecond interface is past 2^53, so it cannot be
 * formed in a double and divided; this converts the two 32-bit halves to microseconds exactly
 * with plain number arithmetic for the common units, and falls back to BigInt for exotic ones.
 */
const TWO_TO_32 = 4294967296;

const MULTIPLY = 0;
const DIVIDE_DECIMAL = 1;
const SHIFT_BINARY = 2;
const BIG = 3;

export class TickScale {
  private readonly mode: number;
  /** MULTIPLY: microseconds per tick. DIVIDE_DECIMAL: ticks per microsecond. SHIFT_BINARY: the n of 2^-n. */
  private readonly factor: number;
  private readonly bigDenominator: bigint;

  /** `tsresol` is the raw `if_tsresol` byte: high bit clear for 10^-n, set for 2^-n; default 6 (microseconds). */
  constructor(tsresol = 6) {
    const exponent = tsresol & 0x7f;
    const isBinary = (tsresol & 0x80) !== 0;
    this.bigDenominator = 1n;
    if (!isBinary && exponent <= 6) {
      this.mode = MULTIPLY;
      this.factor = 10 ** (6 - exponent);
    } else if (!isBinary && exponent <= 12) {
      // (hi mod d) * 2^32 + lo stays below d * 2^32 < 2^53 while d <= 10^6.
      this.mode = DIVIDE_DECIMAL;
      this.factor = 10 ** (exponent - 6);
    } else if (isBinary && exponent <= 32) {
      this.mode = SHIFT_BINARY;
      this.factor = exponent;
    } else {
      this.mode = BIG;
      this.factor = 0;
      this.bigDenominator = isBinary ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
    }
  }

  /** Microseconds (rounded down) for the tick count `high * 2^32 + low`. */
  toMicros(high: number, low: number): number {
    switch (this.mode) {
      case MULTIPLY:
        return (high * TWO_TO_32 + low) * this.factor;
      case DIVIDE_DECIMAL: {
        const d = this.factor;
        const q = Math.floor(high / d);
        const rest = (high - q * d) * TWO_TO_32 + low;
        let restQuotient = Math.floor(rest / d);
        if (restQuotient * d > rest) restQuotient -= 1;
        return q * TWO_TO_32 + restQuotient;
      }
      case SHIFT_BINARY: {
        const n = this.factor;
        const unit = 2 ** n;
        const seconds = high * 2 ** (32 - n) + Math.floor(low / unit);
        const fraction = low - Math.floor(low / unit) * unit;
        return seconds * 1_000_000 + Math.floor((fraction * 1_000_000) / unit);
      }
      default: {
        const ticks = (BigInt(high) << 32n) | BigInt(low);
        return Number((ticks * 1_000_000n) / this.bigDenominator);
      }
    }
  }
}
