import { YamoriError } from '../errors/index.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/**
 * A time given on the command line, as epoch microseconds: an ISO date or date-time ("2026-11-28",
 * "2026-11-28T10:00", local time unless it has a zone), or a duration back from now ("15m", "2h", "7d").
 */
export function parseTimeFlag(flag: string, text: string, nowMs: number): number {
  const relative = /^-?(\d+)([smhdw])$/.exec(text.trim());
  if (relative) return (nowMs - Number(relative[1]) * UNIT_SECONDS[relative[2]!]! * 1000) * 1000;
  if (/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text.trim())) {
    const iso = text.trim().replace(' ', 'T');
    const withTime = iso.length === 10 ? `${iso}T00:00:00` : iso;
    const ms = Date.parse(withTime);
    if (!Number.isNaN(ms)) return ms * 1000;
  }
  throw new YamoriError('CLI_BAD_VALUE', {
    flag,
    value: text,
    expected: 'a time',
    example: `Use a date-time such as "2026-11-28T10:00" (local time) or "2026-11-28T10:00Z", or a duration back from now such as "15m", "2h" or "7d".`,
  });
}

export function parsePositiveInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= max) return Number(text);
  throw new YamoriError('CLI_BAD_VALUE', {
    flag,
    value: text,
    expected: `a whole number from 1 to ${max}`,
    example: `For example ${flag} 100.`,
  });
}
