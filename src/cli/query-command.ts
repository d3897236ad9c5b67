import { withStore } from './open-store.js';
import { printJsonLines, printTable } from './output.js';
import type { Register } from './run-cli.js';

export const registerQueryCommand: Register = (program, context) => {
  program
    .command('query')
    .description('run a read-only SQL query (DuckDB dialect) and print the rows')
    .argument('<sql>', 'one SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN statement')
    .option('--json', 'one JSON object per line')
    .action(async (sql: string, options: { json?: boolean }) => {
      const ctx = context();
      const result = await withStore(ctx.config(), (store) => store.query(sql));
      if (options.json) {
        printJsonLines(ctx.output.out, result.rows);
        return;
      }
      const columns = result.columns.map((column) => ({
        header: column.name,
        value: (row: Record<string, unknown>) => cellText(row[column.name]),
      }));
      printTable(ctx.output.out, columns, result.rows);
    });
};

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}
