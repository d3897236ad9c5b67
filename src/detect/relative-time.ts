import type { EpochMicros } from '../records/index.js';
import { parseDuration } from './duration.js';

/**
 * A time in a rule test, against the case's clock: "now", "-10m" / "+5m" (a duration before or after
 * it), or an ISO 8601 date-time with a zone ("2026-11-28T10:00:00Z"). Null when the text is none of them.
 */
export function parseRelativeTime(text: string, now: EpochMicros): EpochMicros | null {
  const trimmed = text.trim();
  if (trimmed === 'now') return now;
  if (trimmed.startsWith('-') || trimmed.startsWith('+')) {
    const micros = parseDuration(trimmed.slice(1));
    if (micros === null) return null;
    return trimmed.startsWith('-') ? now - micros : now + micros;
  }
  const iso = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/.exec(trimmed);
  if (iso === null) return null;
  const millis = Date.parse(`${iso[1]}${iso[3]}`);
  if (Number.isNaN(millis)) return null;
  return millis * 1000 + Number((iso[2] ?? '').padEnd(6, '0'));
}

/** The ISO 8601 text of an instant, with microseconds when it has them (as the store returns instants). */
export function isoFromMicros(micros: EpochMicros): string {
  const millis = Math.floor(micros / 1000);
  const sub = micros - millis * 1000;
  const iso = new Date(millis).toISOString();
  return sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

/** Parses the instants rule queries return ("2024-01-15T12:00:00.123456Z"); null for anything else. */
export function microsFromIso(value: unknown): EpochMicros | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(value);
  if (match === null) return null;
  const millis = Date.parse(`${match[1]}Z`);
  return Number.isNaN(millis) ? null : millis * 1000 + Number((match[2] ?? '').padEnd(6, '0'));
}
