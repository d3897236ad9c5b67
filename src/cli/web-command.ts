import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEnricher } from '../alert/index.js';
import { parseListenAddress, type YamoriConfig } from '../config/index.js';
import { builtinRulesDir, loadRules, type RuleSource } from '../detect/index.js';
import { YamoriError } from '../errors/index.js';
import { createIntelService } from '../intel/index.js';
import {
  createToken,
  createWebServer,
  ensurePassword,
  listTokens,
  MIN_PASSWORD_LENGTH,
  revokeToken,
  setPassword,
} from '../web/index.js';
import type { CliContext } from './cli-context.js';
import { withStore } from './open-store.js';
import { formatLocalTime, line, printJsonLines, printTable } from './output.js';
import type { Register } from './run-cli.js';
import { VERSION } from './version.js';

export const registerWebCommand: Register = (program, context) => {
  const web = program
    .command('web')
    .description('serve the dashboard and its API over the database (Ctrl-C stops it)')
    .option('--listen <addr:port>', 'address to listen on (default: web.listen, 127.0.0.1:8080)')
    .action(async (options: { listen?: string }) => {
      const ctx = context();
      const config = ctx.config();
      if (options.listen !== undefined && parseListenAddress(options.listen) === null) {
        throw new YamoriError('CLI_BAD_VALUE', {
          flag: '--listen',
          value: options.listen,
          expected: 'ADDR:PORT',
          example: 'For example: --listen 127.0.0.1:8080, or --listen 192.168.1.2:8080 to serve the LAN.',
        });
      }
      await serveDashboard(ctx, config, options.listen ?? config.web.listen);
    });

  const token = web.command('token').description('API tokens for scripts ("Authorization: Bearer TOKEN")');
  token
    .command('create')
    .description('create a token and print it (only its hash is stored: copy it now)')
    .argument('<name>', 'what the token is for, e.g. home-assistant')
    .action(async (name: string) => {
      const ctx = context();
      const created = await withStore(ctx.config(), (store) => createToken(store, name, ctx.now() * 1000));
      line(ctx.output.out, created);
      if (!ctx.output.quiet) {
        ctx.output.err.write(
          `token "${name}" created; it is shown only now. Send it as "Authorization: Bearer ${created.slice(0, 19)}…".\n`,
        );
      }
    });
  token
    .command('list')
    .description('the tokens: name, id and when each was created (never the secrets)')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const tokens = await withStore(ctx.config(), (store) => listTokens(store));
      if (options.json) {
        printJsonLines(
          ctx.output.out,
          tokens.map((t) => ({
            name: t.name,
            id: t.id,
            created_at: new Date(t.createdAt / 1000).toISOString(),
          })),
        );
      } else {
        printTable(
          ctx.output.out,
          [
            { header: 'name', value: (t) => t.name },
            { header: 'id', value: (t) => t.id },
            { header: 'created', value: (t) => formatLocalTime(t.createdAt) },
          ],
          tokens,
        );
      }
    });
  token
    .command('revoke')
    .description('revoke a token: requests carrying it are refused from then on')
    .argument('<name>', 'the token name')
    .action(async (name: string) => {
      const ctx = context();
      await withStore(ctx.config(), (store) => revokeToken(store, name));
      if (!ctx.output.quiet) line(ctx.output.out, `token "${name}" revoked`);
    });

  web
    .command('password')
    .description(
      `set the dashboard password: read from standard input when piped (at least ${MIN_PASSWORD_LENGTH} characters), else generated and printed`,
    )
    .action(async () => {
      const ctx = context();
      const piped = !process.stdin.isTTY;
      const given = piped ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : null;
      const shown = await withStore(ctx.config(), async (store) => {
        if (given !== null && given !== '') {
          await setPassword(store, given);
          return null;
        }
        await store.replaceSettings('web.password_hash', {});
        return ensurePassword(store);
      });
      if (shown !== null) line(ctx.output.out, `new dashboard password: ${shown}`);
      else if (!ctx.output.quiet) line(ctx.output.out, 'dashboard password set');
    });
};

/**
 * Serves the dashboard on `listen`, printing its URL (and, on the first start, a one-time password),
 * until SIGINT or SIGTERM.
 */
export async function serveDashboard(ctx: CliContext, config: YamoriConfig, listen: string): Promise<void> {
  await withStore(config, async (store) => {
    const rules = loadRules(ruleSources(config)).rules;
    const intel = createIntelService(config.intel, { store, log: ctx.log, now: () => ctx.now() * 1000 });
    const enricher = config.enrich.geoip
      ? createEnricher({ ...config.enrich, reverseDns: false }, { log: ctx.log })
      : null;
    const server = createWebServer(
      { ...config.web, listen },
      {
        store,
        rules: () => rules,
        feedStatus: () => intel.status(),
        ...(enricher === null ? {} : { enrich: (addr: string) => enricher.enrich(addr) }),
        log: ctx.log,
        now: ctx.now,
        version: VERSION,
      },
    );
    const { url, oneTimePassword } = await server.start();
    line(ctx.output.out, `dashboard: ${url}`);
    if (oneTimePassword !== null) {
      line(ctx.output.out, `first start: log in with this one-time password: ${oneTimePassword}`);
      line(
        ctx.output.out,
        'it is shown only now (only a hash is stored); change it on the dashboard or with "yamori web password"',
      );
    }
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    await server.stop();
    enricher?.close();
  });
}

function ruleSources(config: YamoriConfig): RuleSource[] {
  return [
    ...(config.detect.builtinRules ? [{ dir: builtinRulesDir(), origin: 'builtin' as const }] : []),
    ...config.detect.rulesDirs.map((dir) => ({ dir: resolve(dir), origin: 'user' as const })),
  ];
}
