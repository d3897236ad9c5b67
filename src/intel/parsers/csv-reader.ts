import { stripBom } from '../normalise-indicator.js';

export interface CsvReaderOptions {
  /** One character; default ",". */
  delimiter?: string;
  /** A line starting with this character is a comment record; null for none. Default "#". */
  comment?: string | null;
  /**
   * Skip spaces after a delimiter when a quoted field follows: ThreatFox writes `"a", "b"`, and a
   * plain RFC 4180 reader would keep the space and then the quotes. Default false.
   */
  skipSpaceBeforeQuote?: boolean;
  /** Fields kept per record; the rest of an over-long record is read and dropped. Default 512. */
  maxFields?: number;
  /** Drop a leading byte-order mark; default true. */
  stripBom?: boolean;
}

const NO_FIELDS: string[] = [];

/**
 * An RFC 4180 reader that yields one record at a time: quoted fields with doubled quotes, delimiters
 * and newlines inside quotes, LF or CRLF line ends, a BOM, blank lines skipped, comment lines
 * returned as comments. It is lenient where feeds are sloppy: text after a closing quote is kept, a
 * quote inside an unquoted field is an ordinary character, and a quote that never closes runs to the
 * end of the document (a truncated download loses only its last record). Every step scans forward,
 * so the cost is linear in the input, whatever its shape.
 */
export class CsvReader {
  /** The fields of the current record (empty for a comment). Do not keep it past next(). */
  fields: string[] = NO_FIELDS;
  /** The text after the comment character when the current record is a comment line, else null. */
  comment: string | null = null;
  /** 1-based line where the current record starts. */
  line = 0;
  /** True when the current record had more than maxFields fields. */
  overflow = false;
  /** Where the current data record's text starts and ends (before its line end). */
  recordStart = 0;
  recordEnd = 0;
  private readonly text: string;
  private readonly delimiter: number;
  private readonly commentCode: number;
  private readonly skipSpaceBeforeQuote: boolean;
  private readonly maxFields: number;
  private position = 0;
  private lineNumber = 1;
  /** Index of a line feed at or after the last place looked from (the text length when none is left). */
  private nextLineFeed = -1;

  constructor(text: string, options: CsvReaderOptions = {}) {
    this.text = options.stripBom === false ? text : stripBom(text);
    this.delimiter = (options.delimiter ?? ',').charCodeAt(0);
    const comment = options.comment === undefined ? '#' : options.comment;
    this.commentCode = comment === null ? -1 : comment.charCodeAt(0);
    this.skipSpaceBeforeQuote = options.skipSpaceBeforeQuote ?? false;
    this.maxFields = options.maxFields ?? 512;
  }

  next(): boolean {
    const text = this.text;
    const length = text.length;
    let pos = this.position;
    for (;;) {
      if (pos >= length) {
        this.position = pos;
        return false;
      }
      const c = text.charCodeAt(pos);
      if (c === 10) {
        pos++;
        this.lineNumber++;
      } else if (c === 13 && text.charCodeAt(pos + 1) === 10) {
        pos += 2;
        this.lineNumber++;
      } else {
        break;
      }
    }
    this.line = this.lineNumber;
    this.overflow = false;
    if (text.charCodeAt(pos) === this.commentCode) {
      let end = text.indexOf('\n', pos);
      if (end === -1) end = length;
      this.position = end + 1;
      this.lineNumber++;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      this.comment = text.slice(pos + 1, end);
      this.fields = NO_FIELDS;
      return true;
    }
    this.comment = null;
    this.fields = [];
    this.position = pos;
    this.recordStart = pos;
    this.readRecord();
    return true;
  }

  /** The current data record as the document wrote it (without its line end). */
  recordText(): string {
    return this.text.slice(this.recordStart, this.recordEnd);
  }

  private readRecord(): void {
    const text = this.text;
    const length = text.length;
    const delimiter = this.delimiter;
    let pos = this.position;
    for (;;) {
      if (this.skipSpaceBeforeQuote && text.charCodeAt(pos) === 32) {
        let p = pos;
        while (text.charCodeAt(p) === 32) p++;
        if (text.charCodeAt(p) === 34) pos = p;
      }
      let value: string;
      if (text.charCodeAt(pos) === 34) {
        value = '';
        let start = pos + 1;
        for (;;) {
          const quote = text.indexOf('"', start);
          if (quote === -1) {
            value += text.slice(start);
            this.countNewlines(start, length);
            pos = length;
            break;
          }
          this.countNewlines(start, quote);
          if (text.charCodeAt(quote + 1) === 34) {
            value += text.slice(start, quote + 1);
            start = quote + 2;
            continue;
          }
          value += text.slice(start, quote);
          pos = quote + 1;
          break;
        }
        // Lenient: keep anything between the closing quote and the delimiter.
        const tail = pos;
        pos = this.scanUnquoted(pos);
        if (pos > tail) value += text.slice(tail, pos);
      } else {
        const start = pos;
        pos = this.scanUnquoted(pos);
        value = text.slice(start, pos);
      }
      if (this.fields.length < this.maxFields) this.fields.push(value);
      else this.overflow = true;
      if (pos >= length) {
        this.recordEnd = length;
        break;
      }
      const c = text.charCodeAt(pos);
      if (c === delimiter) {
        pos++;
        if (pos >= length) {
          if (this.fields.length < this.maxFields) this.fields.push('');
          this.recordEnd = length;
          break;
        }
        continue;
      }
      // A line end: "\n" or "\r\n".
      this.recordEnd = pos;
      pos += c === 13 ? 2 : 1;
      this.lineNumber++;
      break;
    }
    this.position = pos;
  }

  /** Index of the delimiter or line end at or after `start`, or the text length. */
  private scanUnquoted(start: number): number {
    const text = this.text;
    const length = text.length;
    const delimiter = this.delimiter;
    let pos = start;
    while (pos < length) {
      const c = text.charCodeAt(pos);
      if (c === delimiter || c === 10 || (c === 13 && text.charCodeAt(pos + 1) === 10)) break;
      pos++;
    }
    return pos;
  }

  /**
   * Counts line ends inside a quoted field. The next line feed is looked up once per line, not per
   * field (most fields hold none), and only a field that reaches past it is scanned; both searches
   * move forward only, so the cost stays linear in the text.
   */
  private countNewlines(start: number, end: number): void {
    const text = this.text;
    if (this.nextLineFeed < start) {
      const found = text.indexOf('\n', start);
      this.nextLineFeed = found === -1 ? text.length : found;
    }
    if (this.nextLineFeed >= end) return;
    for (let i = this.nextLineFeed; i < end; i++) if (text.charCodeAt(i) === 10) this.lineNumber++;
  }
}
