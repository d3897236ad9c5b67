import { UHUGEINT } from './duckdb-api.js';
import { addressToNumber, cidrToRange } from '../address-number.js';
import type { SqlConditions } from './sql-conditions.js';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const DOMAIN = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/i;

/**
 * The conditions, each enough on its own, under which a stored indicator matches what a person looks
 * up: the value itself, exactly or lowercased, in any type; for an address, every address or network
 * indicator whose range holds it; for a network, every range overlapping it; for a domain, domain
 * indicators naming it or a parent; for a URL, the URL (as given and as WHATWG-normalised) and its host
 * as a domain or address. Values are bound through `c`. The caller runs one query per condition: an OR
 * across columns would keep DuckDB from skipping row groups by their min/max.
 */
export function indicatorLookupConditions(c: SqlConditions, input: string): string[] {
  const text = input.trim();
  const exact = new Set([text, text.toLowerCase()]);
  const alternatives: string[] = [];
  const oneOf = (values: Iterable<string>): string => [...values].map((v) => c.param(v)).join(', ');
  const addHost = (host: string): void => {
    const number = addressToNumber(host);
    if (number !== null) {
      const n = c.param(number, UHUGEINT);
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
      const first = c.param(range.first, UHUGEINT);
      const last = c.param(range.last, UHUGEINT);
      alternatives.push(`range_start <= ${last} AND range_end >= ${first}`);
    }
  } else {
    addHost(text);
  }
  alternatives.push(`value IN (${oneOf(exact)})`);
  return alternatives;
}

/** "a.b.example.com" → itself, "b.example.com", "example.com", "com"; lowercase, without a final dot. */
export function parentDomains(name: string): string[] {
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
