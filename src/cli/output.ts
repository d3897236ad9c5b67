import type { Writable } from 'node:stream';

/** Where a verb prints: stdout for results, stderr for progress and notices. */
export interface Output {
  out: Writable;
  err: Writable;
  /** True when stderr is a terminal (progress bars only then). */
  isTerminal: boolean;
  quiet: boolean;
}

export function line(stream: Writable, text = ''): void {
  stream.write(text + '\n');
}

/** One JSON object per line; bigints become numbers when safe, else strings. */
export function printJsonLines(out: Writable, rows: Iterable<object>): void {
  for (const row of rows) out.write(JSON.stringify(row, jsonReplacer) + '\n');
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Right-align (numbers). */
  right?: boolean;
}

/** A plain text table sized to its content. */
export function printTable<T>(out: Writable, columns: Column<T>[], rows: readonly T[]): void {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const format = (values: string[]): string =>
    values
      .map((value, i) => (columns[i]?.right ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out.write(format(columns.map((column) => column.header)) + '\n');
  for (const row of cells) out.write(format(row) + '\n');
}

/** Local time for people: "2026-11-28 13:04:05". */
export function formatLocalTime(epochMicros: number | null): string {
  if (epochMicros === null) return '';
  const date = new Date(Math.floor(epochMicros / 1000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
