import type { Writable } from 'node:stream';
import { loadConfig, type YamoriConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log/index.js';
import type { Output } from './output.js';

export interface GlobalOptions {
  db?: string;
  store?: string;
  config?: string;
  quiet?: boolean;
  debug?: boolean;
}

/** What a verb gets: where to print, the environment, the clock, and the config as flags say. */
export interface CliContext {
  output: Output;
  env: NodeJS.ProcessEnv;
  /** Wall clock in milliseconds (injected for tests). */
  now: () => number;
  log: Logger;
  config(): YamoriConfig;
  /**
   * The exit status when the verb returns without throwing: a verb that did its work but hit a runtime
   * problem it already reported (a capture cut off mid-record) sets 1.
   */
  exitCode: 0 | 1;
}

export interface CliIo {
  out?: Writable;
  err?: Writable;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  isTerminal?: boolean;
}

export function createCliContext(globals: GlobalOptions, io: CliIo): CliContext {
  const env = io.env ?? process.env;
  const err = io.err ?? process.stderr;
  const output: Output = {
    out: io.out ?? process.stdout,
    err,
    isTerminal: io.isTerminal ?? (process.stderr.isTTY && !globals.quiet),
    quiet: globals.quiet ?? false,
  };
  const log = createLogger({
    level: globals.debug ? 'debug' : globals.quiet ? 'error' : 'info',
    write: (text) => err.write(text + '\n'),
  });
  let config: YamoriConfig | undefined;
  return {
    output,
    env,
    now: io.now ?? Date.now,
    log,
    exitCode: 0,
    config() {
      config ??= loadConfig({
        path: globals.config ?? (env['YAMORI_CONFIG'] || null),
        env,
        overrides: { 'database.path': globals.db, 'store.engine': globals.store },
      });
      return config;
    },
  };
}
