import type { IndicatorMatch } from '../store/index.js';
import { withStore } from './open-store.js';
import { formatLocalTime, line, printJsonLines, printTable, type Column } from './output.js';
import { parseTimeFlag } from './parse-time.js';
import type { Register } from './run-cli.js';

const periods = (match: IndicatorMatch): string =>
  match.listings
    .map(
      (p) =>
        `${formatLocalTime(p.listedFrom)} – ${p.listedUntil === null ? 'now' : formatLocalTime(p.listedUntil)}`,
    )
    .join('; ');

const COLUMNS: Column<IndicatorMatch>[] = [
  { header: 'source', value: (m) => m.source },
  { header: 'type', value: (m) => m.type },
  { header: 'value', value: (m) => (m.port === null ? m.value : `${m.value} port ${m.port}`) },
  { header: 'threat', value: (m) => [m.threat, m.malwareFamily].filter(Boolean).join(' / ') },
  { header: 'active', value: (m) => (m.allowlistReason ? 'allow-listed' : m.isActive ? 'yes' : 'no') },
  { header: 'listed', value: periods },
  { header: 'reference', value: (m) => m.reference ?? '' },
];

export const registerIntelCommand: Register = (program, context) => {
  const intel = program.command('intel').description('look up threat intelligence');
  intel
    .command('lookup')
    .description('which sources list this address, network, domain, URL or hash, and over which period')
    .argument('<value>', 'an IP address, CIDR, domain, URL, hash, JA3 or certificate SHA1')
    .option('--at <time>', 'judge "active" at this time instead of now (e.g. 2026-11-01T12:00, 3d)')
    .option('--json', 'one JSON object per line')
    .action(async (value: string, options: { at?: string; json?: boolean }) => {
      const ctx = context();
      const at = options.at === undefined ? undefined : parseTimeFlag('--at', options.at, ctx.now());
      const matches = await withStore(ctx.config(), (store) => store.lookupIndicators(value, at));
      if (options.json) {
        printJsonLines(
          ctx.output.out,
          matches.map((m) => ({
            source: m.source,
            type: m.type,
            value: m.value,
            port: m.port,
            threat: m.threat,
            malware_family: m.malwareFamily,
            confidence: m.confidence,
            tags: m.tags,
            reference: m.reference,
            is_active: m.isActive,
            allowlist_reason: m.allowlistReason,
            listings: m.listings.map((p) => ({
              listed_from: new Date(Math.floor(p.listedFrom / 1000)).toISOString(),
              listed_until:
                p.listedUntil === null ? null : new Date(Math.floor(p.listedUntil / 1000)).toISOString(),
            })),
            raw: m.raw,
          })),
        );
        return;
      }
      if (matches.length === 0) {
        if (!ctx.output.quiet) line(ctx.output.out, `${value}: no source lists it`);
        return;
      }
      printTable(ctx.output.out, COLUMNS, matches);
      for (const m of matches.filter((match) => match.allowlistReason)) {
        line(ctx.output.out, `note: ${m.source} ${m.value} is allow-listed: ${m.allowlistReason ?? ''}`);
      }
    });
};
