import { Command, CommanderError, Option } from 'commander';
import { YamoriError, isYamoriError } from '../errors/index.js';
import { createCliContext, type CliContext, type CliIo, type GlobalOptions } from './cli-context.js';
import { VERSION } from './version.js';

/** A verb's registration: it adds its command to the program and runs with the context when called. */
export type Register = (program: Command, context: () => CliContext) => void;

/**
 * Every verb, in the order help lists them, with its module loaded only when needed: a command line
 * naming one verb loads that verb's module alone (and with it only the folders it uses), so
 * "yamori flows" does not load the dashboard, the notifiers or the routing engine. Help, a bare
 * "yamori" and an unknown verb load them all.
 */
const VERBS: readonly { name: string; load: () => Promise<Register> }[] = [
  { name: 'demo', load: async () => (await import('./demo-command.js')).registerDemoCommand },
  { name: 'import', load: async () => (await import('./import-command.js')).registerImportCommand },
  { name: 'capture', load: async () => (await import('./capture-command.js')).registerCaptureCommand },
  { name: 'collect', load: async () => (await import('./collect-command.js')).registerCollectCommand },
  { name: 'flows', load: async () => (await import('./flows-command.js')).registerFlowsCommand },
  { name: 'devices', load: async () => (await import('./devices-command.js')).registerDevicesCommand },
  { name: 'dns', load: async () => (await import('./dns-command.js')).registerDnsCommand },
  { name: 'feeds', load: async () => (await import('./feeds-command.js')).registerFeedsCommand },
  { name: 'intel', load: async () => (await import('./intel-command.js')).registerIntelCommand },
  { name: 'rules', load: async () => (await import('./rules-command.js')).registerRulesCommand },
  { name: 'alerts', load: async () => (await import('./alerts-command.js')).registerAlertsCommand },
  { name: 'policy', load: async () => (await import('./policy-command.js')).registerPolicyCommand },
  { name: 'notify', load: async () => (await import('./notify-command.js')).registerNotifyCommand },
  { name: 'block', load: async () => (await import('./block-command.js')).registerBlockCommand },
  { name: 'serve', load: async () => (await import('./serve-command.js')).registerServeCommand },
  { name: 'web', load: async () => (await import('./web-command.js')).registerWebCommand },
  { name: 'query', load: async () => (await import('./query-command.js')).registerQueryCommand },
  { name: 'db', load: async () => (await import('./db-command.js')).registerDbCommand },
  { name: 'config', load: async () => (await import('./config-command.js')).registerConfigCommand },
  { name: 'doctor', load: async () => (await import('./doctor-command.js')).registerDoctorCommand },
  { name: 'sample', load: async () => (await import('./sample-command.js')).registerSampleCommand },
];

/** Global options that take a value, so the value is not taken for the verb. */
const VALUE_OPTIONS = new Set(['--db', '--store', '-c', '--config']);

/** The registrations the command line needs: the verb it names, or every verb when it names none. */
async function verbsFor(argv: readonly string[]): Promise<Register[]> {
  let named: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) {
      named = arg;
      break;
    }
  }
  if (named === undefined && (argv.includes('-V') || argv.includes('--version'))) return [];
  const verb = VERBS.find((candidate) => candidate.name === named);
  return Promise.all((verb ? [verb] : VERBS).map((candidate) => candidate.load()));
}

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
    .addOption(
      new Option('--store <engine>', 'the database: duckdb (default) or bigquery (env YAMORI_STORE)').choices(
        ['duckdb', 'bigquery'],
      ),
    )
    .addOption(new Option('-c, --config <path>', 'YAML config file (env YAMORI_CONFIG)'))
    .option('-q, --quiet', 'print only results and errors')
    .option('--debug', 'print debug logs and error stacks')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.write(text),
      writeErr: (text) => err.write(text),
      outputError: () => undefined,
    });
  for (const register of await verbsFor(argv)) register(program, getContext);
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
