/** The Zeek logs Yamori reads. */
export type ZeekLogKind = 'conn' | 'dns' | 'ssl' | 'http';

/** What `parseLine` made of a line. */
export const ZeekLine = {
  /** A record: read it with `get`, `list` and `kind`. */
  RECORD: 1,
  /** A header, comment or blank line. */
  SKIPPED: 0,
  /** Unreadable; `error` says why. */
  BAD: -1,
} as const;
export type ZeekLine = (typeof ZeekLine)[keyof typeof ZeekLine];

const BACKSLASH = 0x5c;

/**
 * Reads a Zeek log line by line, in either of Zeek's encodings:
 *
 * - TSV (Zeek's ASCII writer): `#separator`, `#set_separator`, `#empty_field`, `#unset_field`,
 *   `#path` and `#fields` directives, then one record per line. Unset fields read as null, empty
 *   containers as empty lists, and `\xHH` and `\\` escapes are undone (bytes decoded as UTF-8).
 *   A new header block (log rotation into the same stream) replaces the old one.
 * - JSON lines (LogAscii::use_json): one object per line; missing keys read as null.
 *
 * One parser per file. The current record stays readable until the next `parseLine`; nothing is
 * copied out of the line unless a field is asked for.
 */
export class ZeekLogParser {
  format: 'tsv' | 'json' | null = null;
  /** The `#path` directive of a TSV log (conn, dns, …); null before it or for JSON. */
  path: string | null = null;
  /** Why the last line was BAD. */
  error = '';
  private separator = '\t';
  private setSeparator = ',';
  private emptyField = '(empty)';
  private unsetField = '-';
  private fields: string[] = [];
  private index = new Map<string, number>();
  private headerKind: ZeekLogKind | null = null;
  private values: string[] = [];
  private object: Record<string, unknown> = {};

  parseLine(line: string): ZeekLine {
    if (line.length === 0) return ZeekLine.SKIPPED;
    const first = line.charCodeAt(0);
    if (first === 0x23 /* # */) return this.directive(line);
    if (first === 0x7b /* { */) return this.jsonRecord(line);
    if (this.fields.length === 0) {
      this.error = 'a record before the "#fields" header (or not a Zeek log)';
      return ZeekLine.BAD;
    }
    const values = line.split(this.separator);
    if (values.length !== this.fields.length) {
      this.error = `${values.length} fields where "#fields" names ${this.fields.length}`;
      return ZeekLine.BAD;
    }
    this.format = 'tsv';
    this.values = values;
    return ZeekLine.RECORD;
  }

  /** Which log the current record belongs to, or null when it looks like none Yamori reads. */
  kind(): ZeekLogKind | null {
    if (this.format === 'tsv') return this.headerKind;
    const path = this.object['_path'];
    if (typeof path === 'string') return kindOfPath(path);
    return kindOfFields((name) => name in this.object);
  }

  /** A field as text: unescaped, '' for an empty field, null when unset or absent. */
  get(name: string): string | null {
    if (this.format === 'json') return jsonText(this.object[name]);
    const at = this.index.get(name);
    if (at === undefined) return null;
    const value = this.values[at]!;
    if (value === this.unsetField) return null;
    if (value === this.emptyField) return '';
    return value.includes('\\') ? unescapeZeek(value) : value;
  }

  /** A set or vector field as its elements; [] when empty, null when unset or absent. */
  list(name: string): string[] | null {
    if (this.format === 'json') {
      const value = this.object[name];
      if (value === undefined || value === null) return null;
      if (!Array.isArray(value)) return [jsonText(value) ?? ''];
      return value.map((element) => jsonText(element) ?? '');
    }
    const at = this.index.get(name);
    if (at === undefined) return null;
    const value = this.values[at]!;
    if (value === this.unsetField) return null;
    if (value === this.emptyField) return [];
    return value
      .split(this.setSeparator)
      .map((element) => (element.includes('\\') ? unescapeZeek(element) : element));
  }

  private directive(line: string): ZeekLine {
    if (line.startsWith('#separator ')) {
      this.separator = unescapeZeek(line.slice('#separator '.length));
      this.fields = [];
      this.index.clear();
      return ZeekLine.SKIPPED;
    }
    const parts = line.split(this.separator);
    const name = parts[0];
    const value = parts[1] === undefined ? '' : unescapeZeek(parts[1]);
    if (name === '#set_separator') this.setSeparator = value;
    else if (name === '#empty_field') this.emptyField = value;
    else if (name === '#unset_field') this.unsetField = value;
    else if (name === '#path') {
      this.path = value;
      this.headerKind = this.fields.length > 0 ? this.kindOfHeader() : null;
    } else if (name === '#fields') {
      this.fields = parts.slice(1);
      this.index = new Map(this.fields.map((field, i) => [field, i]));
      this.headerKind = this.kindOfHeader();
    }
    // Other lines that start with "#" (#open, #close, #types, comments) say nothing we need.
    return ZeekLine.SKIPPED;
  }

  private kindOfHeader(): ZeekLogKind | null {
    return (
      kindOfFields((name) => this.index.has(name)) ?? (this.path === null ? null : kindOfPath(this.path))
    );
  }

  private jsonRecord(line: string): ZeekLine {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      this.error = `not JSON (${(error as Error).message})`;
      return ZeekLine.BAD;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      this.error = 'a JSON value that is not an object';
      return ZeekLine.BAD;
    }
    this.format = 'json';
    this.object = parsed as Record<string, unknown>;
    return ZeekLine.RECORD;
  }
}

/** A log's kind from the columns it has: the columns each log is known by, not its file name. */
function kindOfFields(has: (name: string) => boolean): ZeekLogKind | null {
  if (has('conn_state') || (has('orig_pkts') && has('resp_pkts'))) return 'conn';
  if (has('query') && (has('rcode') || has('qtype') || has('answers'))) return 'dns';
  if (has('server_name') && (has('cipher') || has('version') || has('established'))) return 'ssl';
  if (has('trans_depth') || (has('method') && has('host') && has('uri'))) return 'http';
  return null;
}

function kindOfPath(path: string): ZeekLogKind | null {
  // Log filters add suffixes ("conn-local", "dns_2"); the stem names the stream.
  const stem = /^(conn|dns|ssl|http)(?:$|[-_.])/.exec(path);
  return (stem?.[1] as ZeekLogKind | undefined) ?? null;
}

function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  return JSON.stringify(value);
}

/**
 * Undoes the ASCII writer's escaping: `\xHH` is a byte, `\\` a backslash. The bytes are UTF-8 (Zeek
 * escapes each byte of a character it will not print raw), so they are decoded together.
 */
export function unescapeZeek(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  let plainFrom = 0;
  const flushPlain = (end: number): void => {
    if (end > plainFrom) for (const byte of Buffer.from(text.slice(plainFrom, end), 'utf8')) bytes.push(byte);
  };
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== BACKSLASH) continue;
    const next = text.charCodeAt(i + 1);
    if (next === 0x78 /* x */ && isHexPair(text, i + 2)) {
      flushPlain(i);
      bytes.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
      plainFrom = i + 1;
    } else if (next === BACKSLASH) {
      flushPlain(i);
      bytes.push(BACKSLASH);
      i += 1;
      plainFrom = i + 1;
    }
  }
  flushPlain(text.length);
  return Buffer.from(bytes).toString('utf8');
}

function isHexPair(text: string, at: number): boolean {
  return at + 2 <= text.length && /^[0-9a-fA-F]{2}$/.test(text.slice(at, at + 2));
}
