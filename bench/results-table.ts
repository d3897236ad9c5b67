/** Renders rows of strings as an aligned plain-text table for the terminal and as a markdown table. */

export interface Table {
  headers: string[];
  rows: string[][];
  /** Columns whose text is right-aligned (numbers). */
  rightAligned?: number[];
}

export function renderText(table: Table): string {
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const right = new Set(table.rightAligned ?? []);
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(table.headers), rule, ...table.rows.map(line)].join('\n');
}

export function renderMarkdown(table: Table): string {
  const right = new Set(table.rightAligned ?? []);
  const escape = (cell: string): string => cell.replaceAll('|', '\\|');
  const row = (cells: string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  const rule = `|${table.headers.map((_, column) => (right.has(column) ? ' ---: ' : ' --- ')).join('|')}|`;
  return [row(table.headers), rule, ...table.rows.map(row)].join('\n');
}
