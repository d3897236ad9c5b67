import { addressToNumber, cidrToRange } from '../address-number.js';
import { addressNumberHex } from './address-hex.js';
import type { BqParamValue } from './bigquery-values.js';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const DOMAIN = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/i;

/** Named parameters collected while a query is built, so no value is ever spliced into SQL text. */
export class BqConditions {
  readonly params: Record<string, BqParamValue> = {};
  private readonly clauses: string[] = [];

  /** Binds a value and returns its placeholder. */
  param(value: BqParamValue): string {
    const name = `p${Object.keys(this.params).length}`;
    this.params[name] = value;
    return `@${name}`;
  }

  /**
   * Binds a value and returns its placeholder cast to `type`: where nothing else gives the parameter
   * its type (a VALUES list, a SELECT list), the emulator guesses one instead of reading the declared one.
   */
  typed(value: BqParamValue, type: 'STRING' | 'INT64' | 'BOOL' | 'TIMESTAMP'): string {
    return `CAST(${this.param(value)} AS ${type})`;
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }

  where(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}

/**
 * The conditions, each enough on its own, under which a stored indicator matches what a person looks
 * up, as in DuckDB's indicator-lookup.ts: the value itself, exactly or lowercased, in any type; for an
 * address, every range holding it; for a network, every range overlapping it; for a domain, domain
 * indicators naming it or a parent; for a URL, the URL (as given and WHATWG-normalised) and its host
 * as a domain or address. Ranges compare as 32-hex-digit text (address-hex.ts).
 */
export function indicatorLookupConditions(c: BqConditions, input: string): string[] {
  const text = input.trim();
  const exact = new Set([text, text.toLowerCase()]);
  const alternatives: string[] = [];
  const oneOf = (values: Iterable<string>): string => [...values].map((v) => c.param(v)).join(', ');
  const addHost = (host: string): void => {
    const number = addressToNumber(host);
    if (number !== null) {
      const n = c.param(addressNumberHex(number));
      alternatives.push(`range_start <= ${n} AND range_end >= ${n}`);
    } else if (DOMAIN.test(host)) {
      alternatives.push(`type = 'domain' AND value IN (${oneOf(parentDomains(host))})`);
    }
  };
  if (URL_SCHEME.test(text)) {
    const url = parseUrl(text);
    if (url !== null) {
      exact.add(url.href);
      addHost(url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname);
    }
  } else if (text.includes('/')) {
    const range = cidrToRange(text);
    if (range !== null) {
      const first = c.param(addressNumberHex(range.first));
      const last = c.param(addressNumberHex(range.last));
      alternatives.push(`range_start <= ${last} AND range_end >= ${first}`);
    }
  } else {
    addHost(text);
  }
  alternatives.push(`value IN (${oneOf(exact)})`);
  return alternatives;
}

/** "a.b.example.com" → itself, "b.example.com", "example.com", "com"; lowercase, without a final dot. */
function parentDomains(name: string): string[] {
  let domain = name.toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  const names: string[] = [];
  for (let dot = -1; ;) {
    names.push(domain.slice(dot + 1));
    dot = domain.indexOf('.', dot + 1);
    if (dot === -1) return names;
  }
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
