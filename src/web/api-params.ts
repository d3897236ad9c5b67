/**
 * Reading the API's query parameters. Each value is checked for its shape (a number, an enum, a time)
 * or passed on as text to be bound as a parameter; nothing from a request becomes SQL text.
 */
import { YamoriError } from '../errors/index.js';
import type { EpochMicros } from '../records/index.js';
import type { FlowCursor } from '../store/index.js';

const MAX_TEXT = 256;

function bad(detail: string): YamoriError {
  return new YamoriError('WEB_BAD_REQUEST', { detail });
}

/** A text parameter, trimmed; undefined when absent or empty. */
export function textParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_TEXT) throw bad(`"${name}" is longer than ${MAX_TEXT} characters.`);
  return value;
}

export function integerParam(
  query: URLSearchParams,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = textParam(query, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw bad(`"${name}" must be a whole number from ${min} to ${max} (got "${value}").`);
  }
  return Number(value);
}

export function enumParam<T extends string>(
  query: URLSearchParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = textParam(query, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw bad(`"${name}" must be one of ${allowed.join(', ')} (got "${value}").`);
  }
  return value as T;
}

/**
 * An instant: ISO 8601 ("2026-12-01T10:00:00Z", or without a zone as UTC) or an age before now
 * ("90m", "24h", "7d").
 */
export function timeParam(query: URLSearchParams, name: string, nowMs: number): EpochMicros | undefined {
  const value = textParam(query, name);
  if (value === undefined) return undefined;
  const age = /^(\d{1,6})(m|h|d)$/.exec(value);
  if (age) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 'm' | 'h' | 'd'];
    return (nowMs - Number(age[1]) * unitMs) * 1000;
  }
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + 'Z');
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(ms)) {
    throw bad(`"${name}" must be an ISO 8601 time or an age such as 24h (got "${value}").`);
  }
  return ms * 1000;
}

export function encodeCursor(cursor: FlowCursor): string {
  return Buffer.from(JSON.stringify([cursor.firstSeenAt, cursor.id])).toString('base64url');
}

export function cursorParam(query: URLSearchParams, name: string): FlowCursor | undefined {
  const value = textParam(query, name);
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { firstSeenAt: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // Reported below.
  }
  throw bad(`"${name}" is not a page position the API gave out.`);
}
