import type { FlowDirection, StoredFlow } from '../records/index.js';
import { YamoriError } from '../errors/index.js';
import { withStore } from './open-store.js';
import { formatBytes, formatLocalTime, printJsonLines, printTable, type Column } from './output.js';
import { parsePositiveInteger, parseTimeFlag } from './parse-time.js';
import type { Register } from './run-cli.js';
import { recordToJson } from './record-json.js';

interface FlowsOptions {
  addr?: string;
  port?: string;
  protocol?: string;
  device?: string;
  direction?: string;
  since?: string;
  until?: string;
  limit: string;
  json?: boolean;
}

const DIRECTIONS: readonly FlowDirection[] = ['outbound', 'inbound', 'internal', 'external'];

const endpoint = (addr: string, port: number, protocol: string): string => {
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
};

const COLUMNS: Column<StoredFlow>[] = [
  { header: 'first seen', value: (f) => formatLocalTime(f.firstSeenAt) },
  { header: 'proto', value: (f) => f.protocol },
  { header: 'source', value: (f) => endpoint(f.srcAddr, f.srcPort, f.protocol) },
  { header: 'destination', value: (f) => endpoint(f.dstAddr, f.dstPort, f.protocol) },
  { header: 'name', value: (f) => f.serverName ?? f.dnsName ?? '' },
  { header: 'sent', value: (f) => formatBytes(f.srcBytes), right: true },
  { header: 'received', value: (f) => formatBytes(f.dstBytes), right: true },
  { header: 'pkts', value: (f) => String(f.srcPackets + f.dstPackets), right: true },
  { header: 'status', value: (f) => f.status },
  { header: 'direction', value: (f) => f.direction },
];

export const registerFlowsCommand: Register = (program, context) => {
  program
    .command('flows')
    .description('list recent flows, newest first')
    .option('--addr <address>', 'either side is this address')
    .option('--port <port>', 'either side uses this port')
    .option('--protocol <name>', 'tcp, udp, icmp, icmp6, …')
    .option('--device <mac|address|name>', 'flows of this home device')
    .option('--direction <direction>', DIRECTIONS.join(', '))
    .option('--since <time>', 'from this time (e.g. 2h, 2026-11-28T10:00)')
    .option('--until <time>', 'up to this time')
    .option('-n, --limit <n>', 'at most this many flows', '50')
    .option('--json', 'one JSON object per line')
    .action(async (options: FlowsOptions) => {
      const ctx = context();
      const now = ctx.now();
      if (options.direction && !DIRECTIONS.includes(options.direction as FlowDirection)) {
        throw new YamoriError('CLI_BAD_VALUE', {
          flag: '--direction',
          value: options.direction,
          expected: 'a direction',
          example: `Use one of: ${DIRECTIONS.join(', ')}.`,
        });
      }
      const filter = {
        addr: options.addr,
        port: options.port === undefined ? undefined : parsePort(options.port),
        protocol: options.protocol?.toLowerCase(),
        device: options.device,
        direction: options.direction as FlowDirection | undefined,
        since: options.since === undefined ? undefined : parseTimeFlag('--since', options.since, now),
        until: options.until === undefined ? undefined : parseTimeFlag('--until', options.until, now),
        limit: parsePositiveInteger('--limit', options.limit, 1_000_000),
      };
      const flows = await withStore(ctx.config(), (store) => store.listFlows(filter));
      if (options.json) printJsonLines(ctx.output.out, flows.map(recordToJson));
      else printTable(ctx.output.out, COLUMNS, flows);
    });
};

function parsePort(text: string): number {
  if (/^\d+$/.test(text) && Number(text) <= 65_535) return Number(text);
  throw new YamoriError('CLI_BAD_VALUE', {
    flag: '--port',
    value: text,
    expected: 'a port number',
    example: 'Use a number from 0 to 65535, e.g. --port 443.',
  });
}
