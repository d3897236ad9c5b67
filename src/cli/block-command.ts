import { createResponder, type BlockEntry, type Responder } from '../alert/index.js';
import type { YamoriConfig } from '../config/index.js';
import { YamoriError } from '../errors/index.js';
import { BUILTIN_ALLOWLIST } from '../intel/index.js';
import type { CliContext } from './cli-context.js';
import { line, printJsonLines, printTable, type Column } from './output.js';
import type { Register } from './run-cli.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

const COLUMNS: Column<BlockEntry>[] = [
  { header: 'address', value: (e) => e.addr },
  {
    header: 'expires in',
    value: (e) => (e.expiresInS === null ? 'never' : formatDuration(e.expiresInS)),
    right: true,
  },
  {
    header: 'blocked for',
    value: (e) => (e.timeoutS === null ? '' : formatDuration(e.timeoutS)),
    right: true,
  },
  { header: 'reason', value: (e) => e.reason ?? '' },
];

export const registerBlockCommand: Register = (program, context) => {
  const block = program
    .command('block')
    .description('the nftables block list on this router (respond.block)');
  block
    .command('list')
    .description('blocked addresses and when each block expires')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const entries = await responder(ctx).list();
      if (options.json) {
        printJsonLines(
          ctx.output.out,
          entries.map((e) => ({
            addr: e.addr,
            expires_in_s: e.expiresInS,
            timeout_s: e.timeoutS,
            reason: e.reason,
            set: e.set,
          })),
        );
      } else printTable(ctx.output.out, COLUMNS, entries);
    });
  block
    .command('add <addr>')
    .description('block traffic to an address for a while (needs respond.block.enabled)')
    .option('--for <duration>', 'how long, e.g. 30m, 1h, 7d (default respond.block.default_ttl_s)')
    .option('--reason <text>', 'why; kept as the comment of the nftables element')
    .action(async (addr: string, options: { for?: string; reason?: string }) => {
      const ctx = context();
      const ttlS = options.for === undefined ? ctx.config().respond.defaultTtlS : parseDuration(options.for);
      await responder(ctx).block(addr, ttlS, options.reason ?? 'yamori block add');
      line(ctx.output.out, `blocked ${addr} for ${formatDuration(ttlS)}`);
    });
  block
    .command('remove <addr>')
    .description('unblock an address now')
    .action(async (addr: string) => {
      const ctx = context();
      if (!(await responder(ctx).unblock(addr))) throw new YamoriError('BLOCK_NOT_LISTED', { addr });
      line(ctx.output.out, `unblocked ${addr}`);
    });
};

function responder(ctx: CliContext): Responder {
  return configuredResponder(ctx.config());
}

/** The responder every verb and the block action use: the config's settings and the built-in allow-list. */
export function configuredResponder(config: YamoriConfig): Responder {
  return createResponder(config.respond, { allowlist: BUILTIN_ALLOWLIST });
}

/** "90", "90s", "30m", "1h", "7d", "2w" to seconds. */
function parseDuration(text: string): number {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] || 's']! : NaN;
  if (Number.isSafeInteger(seconds) && seconds >= 1 && seconds <= 31_536_000) return seconds;
  throw new YamoriError('CLI_BAD_VALUE', {
    flag: '--for',
    value: text,
    expected: 'a duration from 1 second to a year',
    example: 'For example --for 30m, --for 1h or --for 7d.',
  });
}

/** 3600 → "1h", 5400 → "1h30m", 45 → "45s". */
function formatDuration(totalS: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(totalS));
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}
