import { CsvReader, type CsvReaderOptions } from './csv-reader.js';

/**
 * One CSV row as its source wrote it, for an indicator's `raw`: JSON.stringify (and so the store)
 * writes it as an object keyed by the header, fields past the header keyed "_<index>". It holds the
 * row's text and reads it again on demand, because a million rows held as objects cost the garbage
 * collector more than parsing them did; toJSON() gives the object.
 */
export class CsvRecord {
  constructor(
    readonly header: readonly string[],
    /** The row's text, without its line end. */
    readonly text: string,
    private readonly options: CsvReaderOptions | undefined,
  ) {}

  toJSON(): Record<string, string> {
    const reader = new CsvReader(this.text, { ...this.options, comment: null, stripBom: false });
    const row: Record<string, string> = {};
    if (!reader.next()) return row;
    const header = this.header;
    const fields = reader.fields;
    for (let i = 0; i < fields.length; i++) row[i < header.length ? header[i]! : `_${i}`] = fields[i]!;
    return row;
  }
}
