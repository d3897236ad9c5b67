import { Command, CommanderError, Option } from 'commander';
import { YamoriError, isYamoriError } from '../errors/index.js';
import { createCliContext, type CliContext, type CliIo, type GlobalOptions } from './cli-context.js';
import { registerAlertsCommand } from './alerts-command.js';
import { registerBlockCommand } from './block-command.js';
import { registerCaptureCommand } from './capture-command.js';
import { registerCollectCommand } from './collect-command.js';
import { registerConfigCommand } from './config-command.js';
import { registerDbCommand } from './db-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerDevicesCommand } from './devices-command.js';
import { registerDnsCommand } from './dns-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import { registerFeedsCommand } from './feeds-command.js';
import { registerIntelCommand } from './intel-command.js';
import { registerFlowsCommand } from './flows-command.js';
import { registerImportCommand } from './import-command.js';
import { registerQueryCommand } from './query-command.js';
import { registerRulesCommand } from './rules-command.js';
import { registerPolicyCommand } from './policy-command.js';
import { registerNotifyCommand } from './notify-command.js';
import { registerSampleCommand } from './sample-command.js';
import { VERSION } from './version.js';
import { registerServeCommand } from './serve-command.js';
import { registerWebCommand } from './web-command.js';

/** A verb's registration: it adds its command to the program and runs with the context when called. */
export type Register = (program: Command, context: () => CliContext) => void;

const VERBS: Register[] = [
  registerDemoCommand,
  registerImportCommand,
  registerCaptureCommand,
  registerCollectCommand,
  registerFlowsCommand,
  registerDevicesCommand,
  registerDnsCommand,
  registerFeedsCommand,
  registerIntelCommand,
  registerRulesCommand,
  registerAlertsCommand,
  registerPolicyCommand,
  registerNotifyCommand,
  registerBlockCommand,
  registerServeCommand,
  registerWebCommand,
  registerQueryCommand,
  registerDbCommand,
  registerConfigCommand,
  registerDoctorCommand,
  registerSampleCommand,
];

/**
 * Runs the command line and returns the exit code: 0 on success, 2 for usage and config errors,
 * 1 for runtime failures. Errors print as "error CODE: message" and "hint: …"; the stack only with --debug.
 */
export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const err = io.err ?? process.stderr;
  const out = io.out ?? process.stdout;
  const program = new Command('yamori');
  let context: CliContext | undefined;
  const getContext = (): CliContext => {
    context ??= createCliContext(program.opts<GlobalOptions>(), io);
    return context;
  };
  program
    .description('Home-network detection: flows and threat intelligence in one database.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--db <path>', 'DuckDB database file (env YAMORI_DB)'))
    .addOption(new Option('-c, --config <path>', 'YAML config file (env YAMORI_CONFIG)'))
    .option('-q, --quiet', 'print only results and errors')
    .option('--debug', 'print debug logs and error stacks')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.write(text),
      writeErr: (text) => err.write(text),
      outputError: () => undefined,
    });
  for (const register of VERBS) register(program, getContext);
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput({ outputError: () => undefined });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return context?.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
      ) {
        return 0;
      }
      // Bare "yamori" printed the help already; that is a usage error without more to say.
      if (error.code === 'commander.help') return 2;
      return report(
        new YamoriError('CLI_USAGE', {
          detail: sentence(error.message.replace(/^error: /, '')),
          command: commandPath(program, argv),
        }),
        err,
        argv.includes('--debug'),
      );
    }
    return report(error, err, argv.includes('--debug'));
  }
}

/** The verb the arguments name ("import pcap"), found by walking the command tree. */
function commandPath(program: Command, argv: string[]): string {
  const names: string[] = [];
  let current = program;
  for (const arg of argv) {
    const next = current.commands.find(
      (command) => command.name() === arg || command.aliases().includes(arg),
    );
    if (!next) continue;
    names.push(next.name());
    current = next;
  }
  return ['yamori', ...names].join(' ');
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : capital + '.';
}

function* allCommands(command: Command): Generator<Command> {
  for (const sub of command.commands) {
    yield sub;
    yield* allCommands(sub);
  }
}

function report(error: unknown, err: NodeJS.WritableStream, debug: boolean): number {
  const yamoriError = isYamoriError(error)
    ? error
    : new YamoriError(
        'INTERNAL',
        { detail: error instanceof Error ? error.message : String(error) },
        { cause: error },
      );
  err.write(`error ${yamoriError.code}: ${yamoriError.message}\n`);
  if (yamoriError.hint) err.write(`hint: ${yamoriError.hint}\n`);
  if (debug) {
    const stack = (yamoriError.cause instanceof Error ? yamoriError.cause : yamoriError).stack;
    if (stack) err.write(stack + '\n');
  }
  return yamoriError.exitCode;
}
