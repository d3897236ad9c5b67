import { UHUGEINT, type DuckDBType, type DuckDBValue } from './duckdb-api.js';
import type { EpochMicros } from '../../records/index.js';
import { cidrToRange } from '../address-number.js';
import { timestampTz } from './duckdb-values.js';

/**
 * Collects the WHERE clauses of a reader's query with their parameters, so that every value a caller
 * passes is bound, never spliced into SQL text.
 */
export class SqlConditions {
  private readonly clauses: string[] = [];
  readonly values: Record<string, DuckDBValue> = {};
  readonly types: Record<string, DuckDBType | undefined> = {};

  /** Binds a value and returns its placeholder. */
  param(value: DuckDBValue, type?: DuckDBType): string {
    const name = `p${Object.keys(this.values).length}`;
    this.values[name] = value;
    this.types[name] = type;
    return `$${name}`;
  }

  time(micros: EpochMicros): string {
    return this.param(timestampTz(micros));
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }

  /**
   * A condition that `columns` (numeric address columns, ORed) fall in `addrOrCidr`'s range when it
   * is a CIDR, or that `textColumns` equal it otherwise.
   */
  addAddress(addrOrCidr: string, textColumns: readonly string[], numberColumns: readonly string[]): void {
    if (addrOrCidr.includes('/')) {
      const range = cidrToRange(addrOrCidr);
      if (range !== null) {
        const first = this.param(range.first, UHUGEINT);
        const last = this.param(range.last, UHUGEINT);
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
