/**
 * Helpers for the end-to-end tests: run the built binary (dist/main.js) as a user would, in a clean
 * environment, and read what it prints.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const MAIN_JS = join(REPO_ROOT, 'dist', 'main.js');

export interface RunResult {
  /** Exit status; null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes fed to standard input (which is closed after them); standard input is empty otherwise. */
  stdin?: Buffer;
  /** Words before `node dist/main.js`, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  prefix?: readonly string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * The environment the binary runs in: no YAMORI_* variables from the developer's shell, and a data
 * home in a temp folder, so a test that forgets --db can never touch the real database.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('YAMORI_')) env[key] = value;
  }
  env['XDG_DATA_HOME'] = join(tmpdir(), 'yamori-e2e-no-data-home');
  env['TZ'] = 'UTC';
  return { ...env, ...extra };
}

/** Starts `node dist/main.js ARGS` and returns the child; its output is piped. */
export function startYamori(args: readonly string[], options: RunOptions = {}): ChildProcess {
  const prefix = options.prefix ?? [];
  const command = prefix[0] ?? process.execPath;
  const argv = [...prefix.slice(1), ...(prefix.length > 0 ? [process.execPath] : []), MAIN_JS, ...args];
  return spawn(command, argv, {
    cwd: REPO_ROOT,
    env: options.env ?? cleanEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs the binary to the end and collects what it printed. */
export function runYamori(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const child = startYamori(args, options);
  return collect(child, options.timeoutMs ?? 60_000, options.stdin);
}

/** Waits for a started child to exit, collecting its output; kills it (and fails) past the timeout. */
export function collect(child: ChildProcess, timeoutMs: number, stdin?: Buffer): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    // A child that exits before reading all of its input must not fail the test with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `yamori ${child.spawnargs.join(' ')} did not finish in ${timeoutMs} ms\n` +
            `stdout: ${Buffer.concat(out).toString()}\nstderr: ${Buffer.concat(err).toString()}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** One parsed object per non-empty line of JSON-lines output. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** A fresh temp folder for one test file. */
export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `yamori-e2e-${label}-`));
}

/** Whether `command args` runs and exits 0 (used to skip tests whose tools are missing). */
export function hasCommand(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** Shows a result in an assertion failure: exit status and both streams. */
export function describeRun(result: RunResult): string {
  return `exit ${result.code ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
