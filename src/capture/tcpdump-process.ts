import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { emptyCounts, readTcpdumpStatsLine, type TcpdumpCounts } from './tcpdump-stats.js';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Why a tcpdump never got to capturing. */
export type StartFailure =
  { kind: 'spawn'; error: NodeJS.ErrnoException } | { kind: 'exited'; detail: string } | { kind: 'timeout' };

const STDERR_TAIL_CHARS = 4096;

/**
 * One tcpdump run: the child process, what it said on standard error (its "listening on" line, its
 * counters, its last words), and promises for the moments the supervisor waits for.
 */
export class TcpdumpProcess {
  readonly child: ChildProcess;
  readonly stdout: Readable;
  readonly startedAt: number;
  readonly counts: TcpdumpCounts = emptyCounts();
  readonly ended: Promise<void>;
  isListening = false;
  hasEnded = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  spawnError: NodeJS.ErrnoException | null = null;
  private stderrTail = '';
  private partialLine = '';
  private listeningWaiters: (() => void)[] = [];
  private statsWaiters: (() => void)[] = [];

  constructor(spawn: SpawnFn, argv: readonly string[], startedAt: number) {
    this.startedAt = startedAt;
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.stdout = this.child.stdout!;
    const stderr = this.child.stderr!;
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => this.onStderr(text));
    const exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
      this.child.on('error', (error: NodeJS.ErrnoException) => {
        // Also emitted when a kill fails; only a process that never started has ended here.
        if (this.child.pid === undefined) {
          this.spawnError = error;
          resolve();
        }
      });
    });
    const stderrDone = new Promise<void>((resolve) => stderr.once('close', resolve));
    this.ended = Promise.all([exited, stderrDone]).then(() => {
      if (this.partialLine !== '') this.onLine(this.partialLine);
      this.hasEnded = true;
      this.wakeAll();
    });
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** The last few lines tcpdump wrote to standard error, without its "listening" and counter lines. */
  stderrText(): string {
    return this.stderrTail.trim();
  }

  /** Resolves once tcpdump says it is listening; otherwise says why it did not get there. */
  async waitListening(timeoutMs: number): Promise<StartFailure | null> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const listening = new Promise<void>((resolve) => this.listeningWaiters.push(resolve));
    await Promise.race([listening, timedOut, this.ended]);
    clearTimeout(timer);
    if (this.isListening) return null;
    if (this.spawnError !== null) return { kind: 'spawn', error: this.spawnError };
    if (this.hasEnded) return { kind: 'exited', detail: this.describeExit() };
    return { kind: 'timeout' };
  }

  /** Asks for a statistics report (SIGUSR1) and waits for it; false when none came in time. */
  async requestStats(timeoutMs: number): Promise<boolean> {
    // Before "listening on", tcpdump has not installed its SIGUSR1 handler, and the signal would kill it.
    if (!this.isListening || this.hasEnded) return false;
    let timer: NodeJS.Timeout | undefined;
    let isReported = false;
    const reported = new Promise<void>((resolve) =>
      this.statsWaiters.push(() => {
        isReported = true;
        resolve();
      }),
    );
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    this.signal('SIGUSR1');
    await Promise.race([reported, timedOut, this.ended]);
    clearTimeout(timer);
    return isReported;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.hasEnded || this.pid === null || this.exitCode !== null || this.exitSignal !== null) return;
    this.child.kill(signal);
  }

  describeExit(): string {
    const said = this.stderrText();
    if (said !== '') return said.replace(/\s*\n\s*/g, '; ');
    if (this.exitSignal !== null) return `it was killed by ${this.exitSignal}`;
    return `it exited with code ${this.exitCode ?? 'unknown'} and said nothing`;
  }

  private onStderr(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop()!;
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    if (/^tcpdump: listening on /.test(line)) {
      this.isListening = true;
      for (const wake of this.listeningWaiters.splice(0)) wake();
    } else if (readTcpdumpStatsLine(line, this.counts)) {
      for (const wake of this.statsWaiters.splice(0)) wake();
    } else if (!/ packets? (captured|received by filter|dropped by)/.test(line) && line.trim() !== '') {
      // Kept for error messages: what tcpdump said besides its routine lines.
      this.stderrTail = (this.stderrTail + line + '\n').slice(-STDERR_TAIL_CHARS);
    }
  }

  private wakeAll(): void {
    for (const wake of this.listeningWaiters.splice(0)) wake();
    for (const wake of this.statsWaiters.splice(0)) wake();
  }
}
