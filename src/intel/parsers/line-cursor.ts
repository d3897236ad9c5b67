import { stripBom } from '../normalise-indicator.js';

/**
 * Walks the lines of a document: a leading BOM is dropped, "\n" and "\r\n" both end a line (the "\r"
 * is not part of it), and a last line without a newline still counts. Each step is one indexOf from
 * where the last line ended, so a 10 MB line costs one linear scan, and a line is a slice (no copy).
 *
 * ```ts
 * const lines = new LineCursor(text);
 * while (lines.next()) use(lines.line, lines.lineNumber);
 * ```
 */
export class LineCursor {
  /** The current line, without its line ending. */
  line = '';
  /** 1-based number of the current line. */
  lineNumber = 0;
  private readonly text: string;
  private position = 0;

  constructor(text: string) {
    this.text = stripBom(text);
  }

  next(): boolean {
    const text = this.text;
    const start = this.position;
    if (start >= text.length) return false;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    this.position = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    this.line = text.slice(start, end);
    this.lineNumber++;
    return true;
  }
}

/** Index of the first character in text that is not a space or tab, from `start`. */
export function skipBlanks(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** Index of the first space or tab in text from `start`, or text.length. */
export function tokenEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) break;
    i++;
  }
  return i;
}
