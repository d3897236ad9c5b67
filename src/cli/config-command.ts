import { stringify } from 'yaml';
import { configForDisplay } from '../config/index.js';
import { line } from './output.js';
import type { Register } from './run-cli.js';

export const registerConfigCommand: Register = (program, context) => {
  const config = program.command('config').description('check or show the configuration');
  config
    .command('check')
    .description('validate the config file and environment overrides, then exit')
    .action(() => {
      const ctx = context();
      ctx.config();
      const path = program.opts<{ config?: string }>().config ?? ctx.env['YAMORI_CONFIG'];
      if (!ctx.output.quiet)
        line(ctx.output.out, path ? `${path}: ok` : 'no config file; defaults and environment: ok');
    });
  config
    .command('show')
    .description('print the effective configuration (secrets redacted)')
    .option('--json', 'print JSON instead of YAML')
    .action((options: { json?: boolean }) => {
      const ctx = context();
      const shown = configForDisplay(ctx.config());
      ctx.output.out.write(options.json ? JSON.stringify(shown) + '\n' : stringify(shown));
    });
};
