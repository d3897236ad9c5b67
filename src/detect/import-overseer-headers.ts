import { nearestName } from '../config/index.js';
import { YamoriError } from '../errors/index.js';

/** The comment headers of an overseer rule, as written. */
export interface OverseerHeaders {
  id: string;
  title: string;
  description: string | null;
  tags: string[];
  /** `-- limit: N`: at most N result rows. */
  limit: number | null;
  /** `-- test: true, FILE`: the emulator data file (as written) and the header's line; null for false. */
  test: { fixture: string; line: number } | null;
  /** The query: the file with its header lines blanked (so line numbers stay those of the file). */
  query: string;
  /** The line of each header given. */
  lines: Partial<Record<OverseerHeader, number>>;
}

const HEADERS = ['id', 'title', 'description', 'tags', 'limit', 'test'] as const;
export type OverseerHeader = (typeof HEADERS)[number];
type Header = OverseerHeader;

const HEADER_LINE = /^--\s*([A-Za-z_][\w-]*)\s*:\s?(.*)$/;
/** A header value goes on over lines indented by two or more spaces after the `--`. */
const CONTINUATION = /^--\s{2,}(\S.*)$/;

/**
 * Reads the header block of an overseer .sql file: the comment lines at its top. Each `-- name: value`
 * line must be a known header, given once; `-- ` lines indented by two or more spaces continue the
 * header above; other comment lines are kept as comments of the query. Throws OVERSEER_HEADER_INVALID
 * naming the file and line: an unknown or repeated header (with the nearest known one), a missing id
 * or title, a limit that is not a whole number of at least 1, or a test header that is not
 * "true, FILE" or "false".
 */
export function parseOverseerHeaders(file: string, text: string): OverseerHeaders {
  const lines = text.split(/\r?\n/);
  const fail = (line: number, problem: string, advice = ''): never => {
    throw new YamoriError('OVERSEER_HEADER_INVALID', { file, line, problem, advice });
  };
  const values = new Map<Header, { value: string; line: number }>();
  let last: Header | null = null;
  let end = 0;
  for (; end < lines.length; end++) {
    const line = lines[end]!.trim();
    if (line === '') {
      last = null;
      continue;
    }
    if (!line.startsWith('--')) break;
    const continued = CONTINUATION.exec(lines[end]!.trimEnd());
    if (continued !== null && last !== null) {
      const entry = values.get(last)!;
      entry.value = `${entry.value} ${continued[1]!.trim()}`.trim();
      lines[end] = '';
      continue;
    }
    const header = HEADER_LINE.exec(line);
    if (header === null) {
      last = null;
      continue;
    }
    const name = header[1]!.toLowerCase();
    if (!(HEADERS as readonly string[]).includes(name)) {
      const near = nearestName(name, [...HEADERS]);
      fail(
        end + 1,
        `"-- ${header[1]!}:" is not an overseer header`,
        near
          ? `Did you mean "-- ${near}:"?`
          : 'Write other notes as comments without a colon after the first word.',
      );
    }
    const known = name as Header;
    if (values.has(known)) {
      fail(end + 1, `"-- ${known}:" is given twice (first on line ${values.get(known)!.line})`, 'Keep one.');
    }
    values.set(known, { value: header[2]!.trim(), line: end + 1 });
    last = known;
    lines[end] = '';
  }
  const required = (name: 'id' | 'title'): string => {
    const entry = values.get(name);
    if (entry === undefined) {
      return fail(
        1,
        `the "-- ${name}:" header is missing`,
        `Add "-- ${name}: …" to the comment lines at the top.`,
      );
    }
    if (entry.value === '') return fail(entry.line, `"-- ${name}:" is empty`);
    return entry.value;
  };
  const id = required('id');
  const title = required('title');
  const description = values.get('description')?.value || null;
  const tagsEntry = values.get('tags');
  const tags =
    tagsEntry === undefined
      ? []
      : tagsEntry.value
          .replace(/^\[|\]$/g, '')
          .split(',')
          .map((tag) => tag.trim().replace(/^["']|["']$/g, ''))
          .filter((tag) => tag !== '');
  let limit: number | null = null;
  const limitEntry = values.get('limit');
  if (limitEntry !== undefined) {
    if (
      !/^\d+$/.test(limitEntry.value) ||
      Number(limitEntry.value) < 1 ||
      !Number.isSafeInteger(Number(limitEntry.value))
    ) {
      fail(
        limitEntry.line,
        `"-- limit:" must be a whole number of at least 1 (got "${limitEntry.value}")`,
        'For example "-- limit: 100".',
      );
    }
    limit = Number(limitEntry.value);
  }
  let test: OverseerHeaders['test'] = null;
  const testEntry = values.get('test');
  if (testEntry !== undefined) {
    const match = /^(true|false)\s*(?:,\s*(\S.*))?$/i.exec(testEntry.value);
    if (match === null) {
      fail(
        testEntry.line,
        `"-- test:" must be "true, FILE" or "false" (got "${testEntry.value}")`,
        'For example "-- test: true, fixtures/feodo_c2.yaml".',
      );
    }
    if (match![1]!.toLowerCase() === 'true') {
      if (match![2] === undefined) {
        fail(
          testEntry.line,
          '"-- test: true" names no fixture file',
          'Write "-- test: true, FILE" with the emulator data file.',
        );
      }
      test = { fixture: match![2]!.trim(), line: testEntry.line };
    }
  }
  const headerLines = Object.fromEntries([...values].map(([name, entry]) => [name, entry.line]));
  return { id, title, description, tags, limit, test, query: lines.join('\n'), lines: headerLines };
}
