import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  const options = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles the wait per failed attempt, between half and all of it', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, options, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, options, () => 0.999999))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it('never waits longer than the maximum, however many attempts failed', () => {
    expect(backoffDelayMs(40, options, () => 0.999999)).toBe(60_000);
    expect(backoffDelayMs(1_000, options, () => 0)).toBe(30_000);
  });
});
