export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * The wait before the next attempt after `attempts` failed ones: the base doubled per attempt, capped
 * at `maxMs`, with "equal jitter" (half fixed, half random) so that channels that failed together do
 * not retry in step. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(attempts: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
