/**
 * The command line: one file per verb; each parses its flags, calls a stage, and prints.
 *
 * In: argv, the environment, standard streams. Out: tables or JSON lines on stdout, errors on stderr,
 * an exit code (0 ok, 2 usage or config error, 1 runtime failure).
 * Errors print as "error CODE: message" and "hint: …", with a stack only under --debug.
 * Called by main.ts only; may import any stage and daemon/.
 */
export { runCli } from './run-cli.js';
export type { CliIo } from './cli-context.js';
