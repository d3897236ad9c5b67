import {
  DuckDBArrayValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUnionValue,
  type DuckDBValue,
} from './duckdb-api.js';

/**
 * A DuckDB value as plain JSON: integers are numbers while a double holds them exactly and strings
 * past that; instants are ISO 8601 in UTC (a TIMESTAMP without zone is taken as UTC, the store's
 * convention); DECIMAL is a number; lists, structs and maps become arrays and objects; anything else
 * (DATE, TIME, INTERVAL, UUID, BLOB …) is its DuckDB text form.
 */
export function toJsonValue(value: DuckDBValue): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return bigintToJson(value);
  if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue) {
    return isoFromMicros(value.micros);
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoFromMicros(value.millis * 1000n);
  if (value instanceof DuckDBTimestampSecondsValue) return isoFromMicros(value.seconds * 1_000_000n);
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoFromMicros(value.nanos / 1000n);
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue)
    return value.items.map(toJsonValue);
  if (value instanceof DuckDBStructValue) {
    const object: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value.entries)) object[key] = toJsonValue(entry);
    return object;
  }
  if (value instanceof DuckDBMapValue) {
    return value.entries.map((entry) => ({ key: toJsonValue(entry.key), value: toJsonValue(entry.value) }));
  }
  if (value instanceof DuckDBUnionValue) return toJsonValue(value.value);
  return value.toString();
}

function bigintToJson(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

const MAX_DATE_MICROS = 8_640_000_000_000_000_000n;

/**
 * "2024-01-15T12:34:56.789Z", with six fraction digits when the instant has microseconds.
 * Infinite and out-of-range instants (DuckDB allows them) come back as "infinity" / "-infinity".
 */
export function isoFromMicros(micros: bigint): string {
  if (micros > MAX_DATE_MICROS) return 'infinity';
  if (micros < -MAX_DATE_MICROS) return '-infinity';
  let millis = micros / 1000n;
  let subMillis = micros % 1000n;
  if (subMillis < 0n) {
    subMillis += 1000n;
    millis -= 1n;
  }
  const iso = new Date(Number(millis)).toISOString();
  return subMillis === 0n ? iso : `${iso.slice(0, -1)}${subMillis.toString().padStart(3, '0')}Z`;
}
