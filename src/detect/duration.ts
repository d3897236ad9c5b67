const UNIT_MICROS: Record<string, number> = {
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
  w: 604_800_000_000,
};

const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;

/** "90s", "5m", "2h", "7d", "1w", "500ms" as microseconds; null when the text is not one. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * UNIT_MICROS[match[2]!]!;
}

/** Microseconds as the largest whole unit: 300_000_000 → "5m", 90_000_000 → "90s". */
export function formatDuration(micros: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MICROS[unit]!;
    if (micros >= size && micros % size === 0) return `${micros / size}${unit}`;
  }
  return `${micros}us`;
}
