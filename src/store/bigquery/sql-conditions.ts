import type { EpochMicros } from '../../records/index.js';
import { cidrToRange } from '../address-number.js';
import { addressNumberHex } from './address-hex.js';
import { bq, type BqParamValue } from './bigquery-values.js';

/**
 * The WHERE clauses of a reader's query with their named parameters, so every value a caller passes
 * is bound, never spliced into SQL. Placeholders come back wrapped in CAST: the emulator infers a
 * parameter's type from where it is used, and a bare `@p` in a select list would read as INT64.
 */
export class BqConditions {
  private readonly clauses: string[] = [];
  readonly params: Record<string, BqParamValue> = {};

  /** Binds a value and returns its placeholder, cast to `type`. */
  param(value: BqParamValue, type = 'STRING'): string {
    const name = `p${Object.keys(this.params).length}`;
    this.params[name] = value;
    return `CAST(@${name} AS ${type})`;
  }

  time(micros: EpochMicros): string {
    return this.param(bq.timestamp(micros), 'TIMESTAMP');
  }

  int(value: number): string {
    return this.param(bq.int64(value), 'INT64');
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }

  /**
   * `numberColumns` (32-hex address numbers, ORed) in `addrOrCidr`'s range when it is a CIDR, else
   * `textColumns` equal to it.
   */
  addAddress(addrOrCidr: string, textColumns: readonly string[], numberColumns: readonly string[]): void {
    if (addrOrCidr.includes('/')) {
      const range = cidrToRange(addrOrCidr);
      if (range !== null) {
        const first = this.param(addressNumberHex(range.first));
        const last = this.param(addressNumberHex(range.last));
        this.add(`(${numberColumns.map((c) => `${c} BETWEEN ${first} AND ${last}`).join(' OR ')})`);
        return;
      }
    }
    const value = this.param(addrOrCidr);
    this.add(`(${textColumns.map((c) => `${c} = ${value}`).join(' OR ')})`);
  }

  where(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}

/** A caller's limit as a safe SQL integer. */
export function limitOf(limit: number | undefined, fallback: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(0, Math.floor(limit));
}

/** Typed reads of result cells (bigquery-values.ts gives INT64 and TIMESTAMP as numbers). */
export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new TypeError(`expected a number from BigQuery, got ${typeof value}`);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`expected text from BigQuery, got ${typeof value}`);
}

export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : text(value);
}
