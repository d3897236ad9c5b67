import type { EpochMicros } from '../records/index.js';

/**
 * An instant in a log as microseconds since the epoch: Zeek TSV's "1300475167.096535" (read digit by
 * digit, not through a double), or ISO 8601 as Zeek JSON ("2011-03-18T19:06:07.096535Z") and Suricata
 * ("2019-05-28T23:32:29.025256+0200") write it. NaN when unreadable.
 */
export function parseLogTime(text: string): EpochMicros {
  const decimal = parseDecimalMicros(text);
  if (!Number.isNaN(decimal)) return decimal;
  const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/.exec(
    text,
  );
  if (iso === null) return Number.NaN;
  const [, year, month, day, hour, minute, second, fraction, zone] = iso;
  const millis = Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!, +second!);
  if (Number.isNaN(millis) || +month! > 12 || +day! > 31 || +hour! > 23 || +minute! > 59 || +second! > 60) {
    return Number.NaN;
  }
  return millis * 1000 + fractionMicros(fraction ?? '') - zoneOffsetMicros(zone!);
}

/** A duration in seconds ("0.000435", Zeek's `interval`) as whole microseconds; NaN when unreadable. */
export function parseLogInterval(text: string): number {
  return parseDecimalMicros(text);
}

/** A count or port (Zeek's `count`, `port`): a non-negative integer a double holds exactly; NaN otherwise. */
export function parseLogCount(text: string): number {
  const length = text.length;
  if (length === 0 || length > 15) return Number.NaN;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** "1300475167.096535" as microseconds, digit by digit (no double rounding); NaN unless digits[.digits]. */
function parseDecimalMicros(text: string): number {
  const dot = text.indexOf('.');
  const wholeEnd = dot === -1 ? text.length : dot;
  if (wholeEnd === 0 || wholeEnd > 12 || dot === text.length - 1) return Number.NaN;
  const whole = parseLogCount(text.slice(0, wholeEnd));
  if (Number.isNaN(whole)) return Number.NaN;
  if (dot === -1) return whole * 1_000_000;
  let micros = 0;
  for (let i = 0; i < 6; i++) {
    const at = dot + 1 + i;
    const digit = at < text.length ? text.charCodeAt(at) - 0x30 : 0;
    if (digit < 0 || digit > 9) return Number.NaN;
    micros = micros * 10 + digit;
  }
  for (let at = dot + 7; at < text.length; at++) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
  }
  // Round on the seventh digit, as the ISO path does.
  const seventh = dot + 7 < text.length ? text.charCodeAt(dot + 7) - 0x30 : 0;
  return whole * 1_000_000 + micros + (seventh >= 5 ? 1 : 0);
}

/** The first six digits of a fraction as microseconds, rounding on the seventh. */
function fractionMicros(fraction: string): number {
  const micros = Number((fraction + '000000').slice(0, 6));
  return fraction.length > 6 && fraction.charCodeAt(6) >= 0x35 ? micros + 1 : micros;
}

function zoneOffsetMicros(zone: string): number {
  if (zone === 'Z') return 0;
  const digits = zone.replace(':', '');
  const sign = digits[0] === '-' ? -1 : 1;
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return sign * minutes * 60_000_000;
}
