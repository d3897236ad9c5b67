/**
 * Runs one command as a child process and measures its wall time and peak resident memory.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child and the
 * descendants it waited for) when it is installed. Without it, /proc/<pid>/status VmHWM is polled
 * every 50 ms over the child's process tree, which can miss a short spike but never overstates.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 50;

export interface Measurement {
  wallSeconds: number;
  peakRssMb: number;
  /** User plus system CPU time of the command and its children; null when GNU time is missing. */
  cpuSeconds: number | null;
  exitCode: number;
  /** How peak RSS was taken. */
  rssSource: 'gnu-time' | 'proc-poll';
}

export interface MeasureOptions {
  /** stdout and stderr of the command go to this file (overwritten). */
  logPath: string;
  cwd?: string;
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

export async function measureProcess(
  command: string,
  args: readonly string[],
  options: MeasureOptions,
): Promise<Measurement> {
  const log = openSync(options.logPath, 'w');
  try {
    return hasGnuTime()
      ? await measureWithGnuTime(command, args, log, options)
      : await measureWithPolling(command, args, log, options);
  } finally {
    closeSync(log);
  }
}

async function measureWithGnuTime(
  command: string,
  args: readonly string[],
  log: number,
  options: MeasureOptions,
): Promise<Measurement> {
  const timeFile = `${options.logPath}.time`;
  rmSync(timeFile, { force: true });
  const started = performance.now();
  const exitCode = await runChild(
    GNU_TIME,
    ['-f', '%e %M %U %S', '-o', timeFile, command, ...args],
    log,
    options,
  );
  const wallSeconds = (performance.now() - started) / 1000;
  // GNU time puts "Command exited with non-zero status N" before the numbers when the command fails.
  const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
  const [, maxRssKb, user, system] = (lines.at(-1) ?? '').split(' ');
  const peakRssMb = Number(maxRssKb) / 1024;
  const cpuSeconds = Number(user) + Number(system);
  if (!Number.isFinite(peakRssMb) || !Number.isFinite(cpuSeconds)) {
    throw new Error(`unexpected GNU time output: ${lines.join(' | ')}`);
  }
  return { wallSeconds, peakRssMb, cpuSeconds, exitCode, rssSource: 'gnu-time' };
}

async function measureWithPolling(
  command: string,
  args: readonly string[],
  log: number,
  options: MeasureOptions,
): Promise<Measurement> {
  let peakKb = 0;
  const started = performance.now();
  const exited = runChild(command, args, log, options, (pid) => {
    const timer = setInterval(() => {
      peakKb = Math.max(peakKb, treePeakKb(pid));
    }, POLL_MS);
    return () => clearInterval(timer);
  });
  const exitCode = await exited;
  const wallSeconds = (performance.now() - started) / 1000;
  return { wallSeconds, peakRssMb: peakKb / 1024, cpuSeconds: null, exitCode, rssSource: 'proc-poll' };
}

function runChild(
  command: string,
  args: readonly string[],
  log: number,
  options: MeasureOptions,
  watch?: (pid: number) => () => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', log, log], cwd: options.cwd });
    const stop = child.pid !== undefined && watch ? watch(child.pid) : () => undefined;
    child.on('error', (error) => {
      stop();
      reject(error);
    });
    child.on('close', (code, signal) => {
      stop();
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** Sum of VmHWM over a process and its descendants: each is a separate address space. */
function treePeakKb(pid: number): number {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    total += vmHwmKb(current);
    pending.push(...childrenOf(current));
  }
  return total;
}

function vmHwmKb(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // Gone between listing and reading.
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter((text) => text.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}
