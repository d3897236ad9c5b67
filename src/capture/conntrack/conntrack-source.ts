import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { YamoriError } from '../../errors/index.js';
import type { SpawnFn } from '../tcpdump-process.js';
import { parseConntrackLine, type ConntrackEvent } from './conntrack-event.js';

export interface ConntrackSourceOptions {
  /** The conntrack binary: a name on PATH or a full path. */
  conntrackPath: string;
  /** First delay before restarting a conntrack that died; doubles up to a minute. */
  restartDelayMs: number;
}

export interface ConntrackSourceDeps {
  spawn?: SpawnFn;
  /** Called for a conntrack that died (and is being restarted), for lost events and unreadable lines. */
  onWarning?: (message: string, fields: Record<string, unknown>) => void;
  /** Milliseconds; decides when a run lasted long enough to reset the restart backoff. */
  now?: () => number;
  /** Words before the conntrack command, e.g. ['ip', 'netns', 'exec', 'ns1']; it must exec conntrack. */
  commandPrefix?: readonly string[];
  /** How long to wait for conntrack to report its socket (or to fail) before taking it as running; default 1 s. */
  startGraceMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 5 s. */
  stopTimeoutMs?: number;
  /** Netlink receive buffer (conntrack -b); default 8 MiB, so bursts of events are not dropped. */
  bufferBytes?: number;
  /** Events queued for the reader before conntrack's output is paused; default 20 000. */
  maxQueuedEvents?: number;
}

export interface ConntrackSourceStats {
  /** Events handed out by events(). */
  events: number;
  /** Lines that looked like events but could not be read. */
  badLines: number;
  restarts: number;
  /** Times conntrack reported that the kernel dropped events (ENOBUFS). */
  lostEventReports: number;
  running: boolean;
  pid: number | null;
}

export interface ConntrackSource {
  /** Starts `conntrack -E`; CONNTRACK_MISSING or CONNTRACK_FAILED when it cannot read events. */
  start(): Promise<void>;
  /** Stops conntrack (SIGTERM, then SIGKILL); events() then yields what was read and ends. */
  stop(): Promise<void>;
  /** NEW and DESTROY events of every run, in order, across restarts; one consumer only. */
  events(): AsyncGenerator<ConntrackEvent[], void, undefined>;
  stats(): ConntrackSourceStats;
}

/** The conntrack arguments: the event stream, NEW and DESTROY only, with times and entry ids. */
export function conntrackArgs(bufferBytes: number): string[] {
  return ['-E', '-o', 'timestamp,extended,id', '-e', 'NEW,DESTROY', '-b', String(bufferBytes)];
}

const MAX_RESTART_DELAY_MS = 60_000;
const STDERR_TAIL_CHARS = 4096;

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * Connection events from the kernel through the `conntrack` tool (conntrack-tools), the way live
 * capture uses tcpdump: a child process whose text output is parsed line by line. Text rather than
 * `-o xml`: the XML output leaves out ICMP types and codes, and its times have only second resolution,
 * while `-o timestamp` stamps every event to the microsecond. A conntrack that dies is restarted with
 * a doubling delay; its output is paused while the reader falls behind, so memory stays bounded.
 */
export function createConntrackSource(
  options: ConntrackSourceOptions,
  deps: ConntrackSourceDeps = {},
): ConntrackSource {
  return new ConntrackProcessSource(options, deps);
}

class ConntrackRun {
  readonly child: ChildProcess;
  readonly startedAt: number;
  readonly ended: Promise<void>;
  isReady = false;
  hasEnded = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  spawnError: NodeJS.ErrnoException | null = null;
  stderrTail = '';
  private readyWaiters: (() => void)[] = [];

  constructor(
    spawn: SpawnFn,
    argv: readonly string[],
    startedAt: number,
    onStderrLine: (line: string) => void,
  ) {
    this.startedAt = startedAt;
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = this.child.stderr!;
    stderr.setEncoding('utf8');
    let partial = '';
    stderr.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.onStderr(line, onStderrLine);
    });
    const exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
      this.child.on('error', (error: NodeJS.ErrnoException) => {
        if (this.child.pid === undefined) {
          this.spawnError = error;
          resolve();
        }
      });
    });
    const streamsDone = Promise.all([
      new Promise<void>((resolve) => stderr.once('close', resolve)),
      new Promise<void>((resolve) => this.child.stdout!.once('close', resolve)),
    ]);
    // Ended once it exited and its output is read to the end (a process that never started closes its streams too).
    this.ended = Promise.all([exited, streamsDone]).then(() => {
      if (partial !== '') this.onStderr(partial, onStderrLine);
      this.hasEnded = true;
      this.wake();
    });
  }

  markReady(): void {
    if (this.isReady) return;
    this.isReady = true;
    this.wake();
  }

  /** Resolves when conntrack is reading events (or has given no sign either way within `graceMs`); false when it ended first. */
  async waitReady(graceMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    const ready = new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    await Promise.race([ready, grace]);
    clearTimeout(timer);
    return !this.hasEnded && this.spawnError === null && this.exitCode === null && this.exitSignal === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.hasEnded || this.child.pid === undefined || this.exitCode !== null || this.exitSignal !== null)
      return;
    this.child.kill(signal);
  }

  describeExit(): string {
    const said = this.stderrTail.trim();
    if (said !== '') return said.replace(/\s*\n\s*/g, '; ');
    if (this.exitSignal !== null) return `it was killed by ${this.exitSignal}`;
    return `it exited with code ${this.exitCode ?? 'unknown'} and said nothing`;
  }

  private onStderr(line: string, onStderrLine: (line: string) => void): void {
    // conntrack -b reports the buffer once its netlink socket is open and bound: it is then listening.
    if (/Netlink socket buffer size/i.test(line)) this.markReady();
    else if (/flow events have been shown/.test(line) || line.trim() === '') return;
    else this.stderrTail = (this.stderrTail + line + '\n').slice(-STDERR_TAIL_CHARS);
    onStderrLine(line);
  }

  private wake(): void {
    for (const wake of this.readyWaiters.splice(0)) wake();
  }
}

class ConntrackProcessSource implements ConntrackSource {
  private state: State = 'idle';
  private current: ConntrackRun | null = null;
  private queue: ConntrackEvent[] = [];
  private wakeReader: (() => void) | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private consecutiveFailures = 0;
  private isPaused = false;
  private readonly totals = { events: 0, badLines: 0, restarts: 0, lostEventReports: 0 };
  private readonly spawn: SpawnFn;
  private readonly now: () => number;
  private readonly maxQueued: number;

  constructor(
    private readonly options: ConntrackSourceOptions,
    private readonly deps: ConntrackSourceDeps,
  ) {
    this.spawn = deps.spawn ?? nodeSpawn;
    this.now = deps.now ?? Date.now;
    this.maxQueued = deps.maxQueuedEvents ?? 20_000;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    const run = this.launch();
    const isRunning = await run.waitReady(this.deps.startGraceMs ?? 1000);
    if (this.state !== 'starting') return;
    if (isRunning) {
      this.state = 'running';
      return;
    }
    await run.ended;
    this.current = null;
    this.state = 'idle';
    throw this.startError(run);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopConntrack();
    return this.stopping;
  }

  private async stopConntrack(): Promise<void> {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const run = this.current;
    this.state = 'stopping';
    if (run !== null) {
      this.resume();
      run.signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const isTimedOut = await Promise.race([
        run.ended.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), this.deps.stopTimeoutMs ?? 5000);
        }),
      ]);
      clearTimeout(timer);
      if (isTimedOut) {
        run.signal('SIGKILL');
        await run.ended;
      }
    }
    this.state = 'stopped';
    this.wake();
  }

  async *events(): AsyncGenerator<ConntrackEvent[], void, undefined> {
    for (;;) {
      if (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        this.totals.events += batch.length;
        this.resume();
        yield batch;
        continue;
      }
      if (this.state === 'stopped' || this.state === 'idle') return;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }

  stats(): ConntrackSourceStats {
    const run = this.current;
    return {
      ...this.totals,
      running: run !== null && !run.hasEnded,
      pid: run?.child.pid ?? null,
    };
  }

  private launch(): ConntrackRun {
    const argv = [
      ...(this.deps.commandPrefix ?? []),
      this.options.conntrackPath,
      ...conntrackArgs(this.deps.bufferBytes ?? 8 * 1024 * 1024),
    ];
    const run = new ConntrackRun(this.spawn, argv, this.now(), (line) => this.onStderrLine(line));
    this.current = run;
    const stdout = run.child.stdout;
    if (stdout) {
      stdout.setEncoding('utf8');
      let partial = '';
      stdout.on('data', (text: string) => {
        run.markReady();
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) this.onLine(line);
      });
      stdout.once('end', () => {
        if (partial !== '') this.onLine(partial);
        partial = '';
      });
    }
    void run.ended.then(() => this.onEnded(run));
    return run;
  }

  private onLine(line: string): void {
    if (line === '') return;
    const event = parseConntrackLine(line);
    if (event === null) return;
    if (typeof event === 'string') {
      this.totals.badLines++;
      this.deps.onWarning?.('conntrack line not understood', { reason: event, line: line.slice(0, 200) });
      return;
    }
    this.queue.push(event);
    if (this.queue.length >= this.maxQueued && !this.isPaused) {
      this.isPaused = true;
      this.current?.child.stdout?.pause();
    }
    this.wake();
  }

  private onStderrLine(line: string): void {
    if (/ENOBUFS|losing events/i.test(line)) {
      this.totals.lostEventReports++;
      this.deps.onWarning?.('conntrack lost events: the kernel dropped them faster than they were read', {
        said: line.trim(),
      });
    }
  }

  private resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.current?.child.stdout?.resume();
  }

  private onEnded(run: ConntrackRun): void {
    if (this.current === run) this.current = null;
    this.wake();
    if (this.state !== 'running') return;
    if (this.now() - run.startedAt >= MAX_RESTART_DELAY_MS) this.consecutiveFailures = 0;
    const delayMs = Math.min(
      this.options.restartDelayMs * 2 ** this.consecutiveFailures,
      MAX_RESTART_DELAY_MS,
    );
    this.consecutiveFailures += 1;
    this.deps.onWarning?.('conntrack exited; restarting it', {
      exitCode: run.exitCode,
      signal: run.exitSignal,
      said: run.spawnError?.message ?? run.describeExit(),
      restartInMs: delayMs,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state !== 'running') return;
      this.totals.restarts += 1;
      this.launch();
    }, delayMs);
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  private startError(run: ConntrackRun): YamoriError {
    const command = this.deps.commandPrefix?.[0] ?? this.options.conntrackPath;
    if (run.spawnError !== null) {
      if (run.spawnError.code === 'ENOENT') {
        return new YamoriError(
          'CONNTRACK_MISSING',
          { command, reason: run.spawnError.message },
          { cause: run.spawnError },
        );
      }
      return new YamoriError(
        'CONNTRACK_FAILED',
        { detail: `"${command}" could not be started: ${run.spawnError.message}.`, advice: ADVICE_DEFAULT },
        { cause: run.spawnError },
      );
    }
    const said = run.describeExit();
    return new YamoriError('CONNTRACK_FAILED', { detail: said, advice: adviceFor(said) });
  }
}

const ADVICE_DEFAULT = 'Check that "conntrack -E" works when run by hand as the same user, and what it says.';

/** What to do, from what conntrack said when it failed. */
function adviceFor(said: string): string {
  if (/not permitted|must be root|CAP_NET_ADMIN|Permission denied/i.test(said)) {
    return 'Reading connection events needs root or CAP_NET_ADMIN: run Yamori as root, or give it the capability (systemd: AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW).';
  }
  if (/not supported|Can't open handler|No such file or directory|Protocol/i.test(said)) {
    return 'The kernel has no connection tracking to read: load it with "modprobe nf_conntrack nf_conntrack_netlink" (OpenWrt: "opkg install kmod-nf-conntrack-netlink"), then check "conntrack -L".';
  }
  return ADVICE_DEFAULT;
}
