import type { DnsRecord } from '../records/index.js';
import { withStore } from './open-store.js';
import { formatLocalTime, printJsonLines, printTable, type Column } from './output.js';
import { parsePositiveInteger, parseTimeFlag } from './parse-time.js';
import type { Register } from './run-cli.js';
import { recordToJson } from './record-json.js';

const COLUMNS: Column<DnsRecord>[] = [
  { header: 'seen', value: (r) => formatLocalTime(r.seenAt) },
  { header: 'client', value: (r) => r.clientAddr },
  { header: 'query', value: (r) => r.queryName },
  { header: 'type', value: (r) => r.answerType },
  { header: 'answer', value: (r) => r.answer },
  { header: 'ttl', value: (r) => String(r.ttl), right: true },
  { header: 'rcode', value: (r) => r.rcode },
];

export const registerDnsCommand: Register = (program, context) => {
  program
    .command('dns')
    .description('list DNS answers clients received (passive DNS), newest first')
    .option('--client <address>', 'answers this client received')
    .option('--name <text>', 'query or answer name contains this text')
    .option('--since <time>', 'from this time (e.g. 2h, 2026-11-28T10:00)')
    .option('-n, --limit <n>', 'at most this many answers', '50')
    .option('--json', 'one JSON object per line')
    .action(
      async (options: { client?: string; name?: string; since?: string; limit: string; json?: boolean }) => {
        const ctx = context();
        const filter = {
          clientAddr: options.client,
          name: options.name,
          since: options.since === undefined ? undefined : parseTimeFlag('--since', options.since, ctx.now()),
          limit: parsePositiveInteger('--limit', options.limit, 1_000_000),
        };
        const records = await withStore(ctx.config(), (store) => store.listDns(filter));
        if (options.json) printJsonLines(ctx.output.out, records.map(recordToJson));
        else printTable(ctx.output.out, COLUMNS, records);
      },
    );
};
