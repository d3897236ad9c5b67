import type { EpochMicros } from '../records/index.js';
import { microsFromIso, parseRelativeTime } from './relative-time.js';

export interface RowComparison {
  ok: boolean;
  /** Lines showing expected rows (-, not returned) and returned rows (+, not expected); empty when ok. */
  diff: string[];
}

/**
 * Compares the rows a rule returned with the rows a case expects: the counts must be equal, and each
 * expected row must match a different returned row on every column it names. Instants compare as
 * instants (an expected "-3m" against the returned ISO text), lists without regard to order, a number
 * against its text form.
 */
export function compareRows(
  expected: readonly Record<string, unknown>[],
  actual: readonly Record<string, unknown>[],
  now: EpochMicros,
): RowComparison {
  const used = new Set<number>();
  const unmatched: Record<string, unknown>[] = [];
  const problems: string[] = [];
  // The most specific expectations pick first, so a loose one cannot take the row a strict one needs.
  const order = expected
    .map((_, i) => i)
    .sort((a, b) => Object.keys(expected[b]!).length - Object.keys(expected[a]!).length);
  for (const index of order) {
    const want = expected[index]!;
    for (const column of Object.keys(want)) {
      if (actual.length > 0 && !actual.some((row) => Object.hasOwn(row, column))) {
        problems.push(
          `  column "${column}" is not in the result (columns: ${Object.keys(actual[0]!).join(', ')})`,
        );
      }
    }
    const match = actual.findIndex((row, i) => !used.has(i) && rowMatches(want, row, now));
    if (match === -1) unmatched.push(want);
    else used.add(match);
  }
  const extra = actual.filter((_, i) => !used.has(i));
  if (unmatched.length === 0 && extra.length === 0) return { ok: true, diff: [] };
  const shownColumns = new Set(expected.flatMap((row) => Object.keys(row)));
  const show = (row: Record<string, unknown>): string => {
    const entries = Object.entries(row).filter(
      ([column]) => shownColumns.size === 0 || shownColumns.has(column),
    );
    return `{ ${entries.map(([column, value]) => `${column}: ${JSON.stringify(value)}`).join(', ')} }`;
  };
  const diff = [
    `  expected ${expected.length} row${expected.length === 1 ? '' : 's'}, got ${actual.length}`,
    ...[...new Set(problems)],
    ...unmatched.map((row) => `  - ${show(row)}   (expected, not returned)`),
    ...extra.map((row) => `  + ${show(row)}   (returned, not expected)`),
  ];
  return { ok: false, diff };
}

function rowMatches(want: Record<string, unknown>, row: Record<string, unknown>, now: EpochMicros): boolean {
  return Object.entries(want).every(
    ([column, value]) => Object.hasOwn(row, column) && valueMatches(value, row[column], now),
  );
}

export function valueMatches(want: unknown, got: unknown, now: EpochMicros): boolean {
  if (want === null || want === undefined) return got === null || got === undefined;
  if (got === null || got === undefined) return false;
  if (Array.isArray(want) || Array.isArray(got)) {
    if (!Array.isArray(want) || !Array.isArray(got) || want.length !== got.length) return false;
    const left = want.map((item) => canonical(item, now));
    const right = got.map((item) => canonical(item, now));
    return JSON.stringify(left.sort()) === JSON.stringify(right.sort());
  }
  const gotInstant = microsFromIso(got);
  if (gotInstant !== null && typeof want === 'string') {
    const wantInstant = parseRelativeTime(want, now) ?? microsFromIso(want);
    return wantInstant === gotInstant;
  }
  if (typeof want === 'object' || typeof got === 'object')
    return JSON.stringify(want) === JSON.stringify(got);
  if (typeof want === 'boolean' || typeof got === 'boolean') return want === got;
  return primitiveText(want) === primitiveText(got);
}

function canonical(value: unknown, now: EpochMicros): string {
  if (typeof value === 'string') {
    const instant =
      microsFromIso(value) ??
      (value.startsWith('-') || value === 'now' ? parseRelativeTime(value, now) : null);
    if (instant !== null) return `time:${instant}`;
  }
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function primitiveText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}
