import type { JsonTextWriter, RawJsonText } from '../../store/index.js';

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** What CsvRecord.writeJSON() writes before each field, as UTF-8: `{"name":` first, then `,"name":`. */
export type JsonKeys = readonly Uint8Array[];

const UTF8 = new TextEncoder();
const CLOSE = UTF8.encode('}');

/**
 * The JSON keys of a header, encoded once per document for CsvRecord.writeJSON(); null when an object
 * keyed by this header would not keep the header's order and names (a repeated name, "__proto__", or
 * a name that is an array index, which objects list first).
 */
export function jsonKeys(header: readonly string[]): JsonKeys | null {
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name) || name === '__proto__' || ARRAY_INDEX.test(name)) return null;
    seen.add(name);
  }
  return header.map((name, i) => UTF8.encode(`${i === 0 ? '{' : ','}${JSON.stringify(name)}:`));
}

/**
 * One CSV row as its source wrote it, for an indicator's `raw`: JSON.stringify (and so the store)
 * writes it as an object keyed by the header, fields past the header keyed "_<index>". It keeps the
 * reader's field array and builds the object only on demand (toJSON), and writeJSON() writes the
 * same JSON without building it, as a million-row load would otherwise spend a second on objects.
 */
export class CsvRecord implements RawJsonText {
  constructor(
    readonly header: readonly string[],
    /** The row's fields as read (not trimmed); never changed. */
    readonly fields: readonly string[],
    /** jsonKeys(header). */
    private readonly keys: JsonKeys | null,
  ) {}

  toJSON(): Record<string, string> {
    const row: Record<string, string> = {};
    const header = this.header;
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) row[i < header.length ? header[i]! : `_${i}`] = fields[i]!;
    return row;
  }

  /** Exactly JSON.stringify(this), in pieces, without building the object or the text. */
  writeJSON(out: JsonTextWriter): void {
    const keys = this.keys;
    const fields = this.fields;
    if (keys === null || fields.length > keys.length || fields.length === 0) {
      out.text(JSON.stringify(this.toJSON()));
      return;
    }
    for (let i = 0; i < fields.length; i++) {
      out.utf8(keys[i]!);
      out.string(fields[i]!);
    }
    out.utf8(CLOSE);
  }
}
