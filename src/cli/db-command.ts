import { withStore } from './open-store.js';
import { formatBytes, formatCount, formatLocalTime, line, printJsonLines } from './output.js';
import type { Register } from './run-cli.js';

export const registerDbCommand: Register = (program, context) => {
  const db = program.command('db').description('the database file');
  db.command('info')
    .description('show the database file, schema version, row counts and time range')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const info = await withStore(ctx.config(), (store) => store.info());
      if (options.json) {
        printJsonLines(ctx.output.out, [info]);
        return;
      }
      const out = ctx.output.out;
      line(out, `database        ${info.path}`);
      line(
        out,
        `size            ${info.fileSizeBytes === null ? 'in memory' : formatBytes(info.fileSizeBytes)}`,
      );
      line(out, `schema version  ${info.schemaVersion}`);
      if (info.walSizeBytes) line(out, `write-ahead log ${formatBytes(info.walSizeBytes)}`);
      line(out, `engine          DuckDB ${info.engineVersion}`);
      line(
        out,
        `flows from      ${info.flowTimeRange ? formatLocalTime(info.flowTimeRange.firstSeenAt) : '(none)'}`,
      );
      line(
        out,
        `flows to        ${info.flowTimeRange ? formatLocalTime(info.flowTimeRange.lastSeenAt) : '(none)'}`,
      );
      line(out, 'tables:');
      for (const table of info.tables) {
        const rows = table.rows === null ? 'view' : `${formatCount(table.rows)} rows`;
        line(out, `  ${table.name.padEnd(18)} ${rows.padStart(16)}`);
      }
    });
};
