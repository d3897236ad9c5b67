import { DuckDBTimestampTZValue } from './duckdb-api.js';
import type { EpochMicros } from '../../records/index.js';

/** An instant as a TIMESTAMPTZ parameter value. */
export function timestampTz(micros: EpochMicros): DuckDBTimestampTZValue {
  return new DuckDBTimestampTZValue(BigInt(Math.trunc(micros)));
}

/** A BIGINT/HUGEINT result as a number (the columns it is used for hold counts and epoch microseconds). */
export function toNumber(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  throw new TypeError(`expected a number from the database, got ${typeof value}`);
}

export function toNumberOrNull(value: unknown): number | null {
  return value === null ? null : toNumber(value);
}

export function toStringOrNull(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  throw new TypeError(`expected text from the database, got ${typeof value}`);
}

export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`expected text from the database, got ${typeof value}`);
}

/** DuckDB's own message, without the wrapper the Node binding adds. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Failed to extract statements: /, '').trim();
}
