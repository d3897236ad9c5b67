import type { EpochMicros } from '../../records/index.js';
import { CsvReader, type CsvReaderOptions } from './csv-reader.js';
import { CsvRecord, jsonKeys, type JsonKeys } from './csv-record.js';
import { timeFromBanner } from './feed-time.js';

export interface CsvTableSpec {
  /** Lowercase names of the columns the parser reads; get(i) reads columns[i]. */
  columns: readonly string[];
  /** Lowercase names that must all appear in a row (or a comment) for it to be the header. */
  required: readonly string[];
  /**
   * The documented column order, assumed when the document has no header at all (copies that
   * circulate with the banner and header stripped).
   */
  fallbackHeader: readonly string[];
  csv?: CsvReaderOptions;
}

function headerName(cell: string): string {
  return cell.trim().toLowerCase();
}

/**
 * A CSV document with a header, as abuse.ch and others publish it: a "#" banner (whose "Last updated"
 * line gives generatedAt), a header row that may be plain or commented ("# id,dateadded,…", also
 * quoted), data rows, and a "# END" trailer. next() yields data rows only.
 */
export class CsvTable {
  /** The header in the document's spelling, once found or assumed. */
  header: string[] | null = null;
  /** True when the document carried its header (plain or commented), false when it was assumed. */
  headerFound = false;
  generatedAt: EpochMicros | null = null;
  private readonly reader: CsvReader;
  private readonly spec: CsvTableSpec;
  private readonly indexes: number[];
  private headerFirst = '';
  private jsonKeys: JsonKeys | null = null;

  constructor(text: string, spec: CsvTableSpec) {
    this.spec = spec;
    this.reader = new CsvReader(text, spec.csv);
    this.indexes = spec.columns.map(() => -1);
  }

  /** 1-based line where the current row starts. */
  get line(): number {
    return this.reader.line;
  }

  get fields(): string[] {
    return this.reader.fields;
  }

  /** Whether the document showed it is of this format: a header of its own, or a dated banner. */
  get recognised(): boolean {
    return this.headerFound || this.generatedAt !== null;
  }

  next(): boolean {
    const reader = this.reader;
    while (reader.next()) {
      const comment = reader.comment;
      if (comment !== null) {
        this.readComment(comment);
        continue;
      }
      const fields = reader.fields;
      if (this.header === null) {
        if (this.isHeader(fields)) {
          this.setHeader(fields, true);
          continue;
        }
        this.setHeader(this.spec.fallbackHeader, false);
        return true;
      }
      // A repeated header (two dumps concatenated) is not data.
      if (this.headerFound && this.startsLikeHeader(fields[0]) && this.isHeader(fields)) {
        continue;
      }
      return true;
    }
    return false;
  }

  /** The current row's value in spec.columns[column], trimmed; "" when the document lacks that column. */
  get(column: number): string {
    const index = this.indexes[column]!;
    if (index < 0) return '';
    const value = this.reader.fields[index];
    return value === undefined ? '' : value.trim();
  }

  /** True when the document has spec.columns[column]. */
  has(column: number): boolean {
    return this.indexes[column]! >= 0;
  }

  /** The current row, for `raw`: it serialises as an object keyed by the header (see CsvRecord). */
  raw(): CsvRecord {
    return new CsvRecord(this.header ?? [], this.reader.fields, this.jsonKeys);
  }

  private readComment(comment: string): void {
    if (this.generatedAt === null) {
      const at = timeFromBanner(comment);
      if (at !== null) {
        this.generatedAt = at;
        return;
      }
    }
    if (this.header !== null || comment.length > 4096) return;
    if (!comment.toLowerCase().includes(this.spec.required[0]!)) return;
    const inner = new CsvReader(comment.trim(), {
      ...this.spec.csv,
      comment: null,
      skipSpaceBeforeQuote: true,
    });
    if (inner.next() && this.isHeader(inner.fields)) this.setHeader(inner.fields, true);
  }

  /** A cheap first test for a repeated header row: no allocation unless the length fits. */
  private startsLikeHeader(first: string | undefined): boolean {
    if (first === undefined) return false;
    const length = this.headerFirst.length;
    return (
      first.length >= length &&
      first.length <= length + 8 &&
      (first.charCodeAt(0) | 0x20) === this.headerFirst.charCodeAt(0) &&
      headerName(first) === this.headerFirst
    );
  }

  private isHeader(fields: readonly string[]): boolean {
    if (fields.length < this.spec.required.length) return false;
    const names = fields.map(headerName);
    return this.spec.required.every((name) => names.includes(name));
  }

  private setHeader(fields: readonly string[], found: boolean): void {
    this.header = fields.map((cell) => cell.trim());
    this.jsonKeys = jsonKeys(this.header);
    this.headerFound = found;
    const names = this.header.map((cell) => cell.toLowerCase());
    this.headerFirst = names[0] ?? '';
    for (let i = 0; i < this.spec.columns.length; i++) this.indexes[i] = names.indexOf(this.spec.columns[i]!);
  }
}
