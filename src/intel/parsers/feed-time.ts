import type { EpochMicros } from '../../records/index.js';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i);
    // Written so that NaN (reading past the end) fails too.
    if (!(c >= 48 && c <= 57)) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/**
 * A feed timestamp as microseconds since the epoch. Feeds write times without a zone and mean UTC
 * (abuse.ch, Tor, Spamhaus), so a time without a zone is read as UTC, never as local time.
 * Accepts "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.ffffff]]" (or with "T") followed by nothing, "Z",
 * "UTC", "(UTC)", "GMT" or a "+HH:MM"/"+HHMM" offset; and, for banners, RFC 1123 dates and FireHOL's
 * "Mon Dec 12 01:52:05 UTC 2016" when they name a zone. Null for anything else.
 */
export function parseFeedTime(text: string): EpochMicros | null {
  const year = digits(text, 0, 4);
  if (year >= 0 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) return parseIsoLike(text, year);
  return parseZonedBanner(text);
}

function parseIsoLike(text: string, year: number): EpochMicros | null {
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return null;
  if (month === 2 && day === 29 && (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0))) return null;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let micros = 0;
  let i = 10;
  const sep = text.charCodeAt(10);
  if (i < text.length && (sep === 32 || sep === 84 || sep === 116) && text.charCodeAt(13) === 58) {
    hour = digits(text, 11, 2);
    minute = digits(text, 14, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
    i = 16;
    if (text.charCodeAt(16) === 58) {
      second = digits(text, 17, 2);
      if (second < 0 || second > 60) return null;
      i = 19;
      if (text.charCodeAt(19) === 46) {
        i = 20;
        let scale = 100_000;
        while (i < text.length) {
          const c = text.charCodeAt(i);
          if (c < 48 || c > 57) break;
          micros += (c - 48) * scale;
          scale = Math.floor(scale / 10);
          i++;
        }
      }
    }
  }
  const offsetMinutes = zoneOffsetMinutes(text, i);
  if (offsetMinutes === null) return null;
  const ms = utcMillis(year, month, day, hour, minute, second) - offsetMinutes * 60_000;
  return ms * 1000 + micros;
}

/**
 * Date.UTC(year, month - 1, …) for the validated fields above, without the call (a million-row feed
 * reads two times a row): days from the civil date (H. Hinnant's algorithm), years 0–99 taken as
 * 1900–1999 as Date.UTC takes them.
 */
function utcMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  const y = (year <= 99 ? year + 1900 : year) - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

/** Minutes east of UTC for the zone suffix at text[i…]; 0 for none or a UTC name; null for junk. */
function zoneOffsetMinutes(text: string, start: number): number | null {
  let i = start;
  while (text.charCodeAt(i) === 32) i++;
  if (i >= text.length) return 0;
  const rest = text.slice(i);
  if (rest === 'Z' || rest === 'z' || rest === 'UTC' || rest === '(UTC)' || rest === 'GMT') return 0;
  const sign = rest.charCodeAt(0) === 43 ? 1 : rest.charCodeAt(0) === 45 ? -1 : 0;
  if (sign === 0) return null;
  const hours = digits(rest, 1, 2);
  const minutes =
    rest.length === 6 && rest.charCodeAt(3) === 58
      ? digits(rest, 4, 2)
      : rest.length === 5
        ? digits(rest, 3, 2)
        : -1;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

const NAMED_ZONE = /(?:\bGMT\b|\bUTC\b|[+-]\d{4}\b)/;

function parseZonedBanner(text: string): EpochMicros | null {
  // Date.parse reads zone-less text as local time; only text that names its zone is handed to it.
  if (text.length > 64 || !NAMED_ZONE.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms * 1000;
}

const BANNER_TIME =
  /^\s*(?:last[ -]?updated?|last[ -]modified|this file date|generated(?: at| on)?|updated)\s*:\s*(.+?)[\s#]*$/i;

/**
 * The timestamp a comment line announces ("Last updated: 2024-04-04 07:03:03 UTC", "Last update:",
 * "Last-Modified:", FireHOL's "This File Date  : …"), given the comment text without its marker.
 */
export function timeFromBanner(comment: string): EpochMicros | null {
  if (comment.length > 200) return null;
  const match = BANNER_TIME.exec(comment);
  return match === null ? null : parseFeedTime(match[1]!);
}
