import { spawn as nodeSpawn } from 'node:child_process';
import type { CaptureConfig } from '../config/index.js';
import { isYamoriError, YamoriError } from '../errors/index.js';
import type { CapturedPacket } from './captured-packet.js';
import { readCapture } from './read-capture.js';
import { tcpdumpArgs } from './tcpdump-command.js';
import { TcpdumpProcess, type SpawnFn, type StartFailure } from './tcpdump-process.js';

export interface LiveCaptureDeps {
  spawn?: SpawnFn;
  /** Called for a tcpdump that died (and is being restarted) or whose output broke off. */
  onWarning?: (message: string, fields: Record<string, unknown>) => void;
  /** Milliseconds; decides when a tcpdump ran long enough to reset the restart backoff. */
  now?: () => number;
  /** Words before the tcpdump command, e.g. ['ip', 'netns', 'exec', 'ns1']; it must exec tcpdump or pass signals on. */
  commandPrefix?: readonly string[];
  /** Default true: without it, packets captured in the last moments before a stop are lost. */
  immediateMode?: boolean;
  /** How long tcpdump may take to say it is listening; default 10 s. */
  startTimeoutMs?: number;
  /** How long stop() waits for tcpdump to write out packets already received; default 2 s. */
  drainTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 5 s. */
  stopTimeoutMs?: number;
  maxBatch?: number;
}

export interface LiveCaptureStats {
  /** Packets handed out by packets(). */
  packets: number;
  restarts: number;
  /** Summed over every tcpdump run; the running one as of its last report (see refreshStats). */
  kernelDrops: number;
  ifDrops: number;
  receivedByFilter: number;
  tcpdumpRunning: boolean;
  tcpdumpPid: number | null;
}

export interface LiveCapture {
  /** Starts tcpdump and resolves once it captures; CAPTURE_TCPDUMP_MISSING or CAPTURE_TCPDUMP_FAILED otherwise. */
  start(): Promise<void>;
  /**
   * Stops tcpdump once it has written what it received (SIGTERM, then SIGKILL after stopTimeoutMs);
   * packets() then yields the rest and ends. Keep reading packets() meanwhile: tcpdump cannot finish
   * writing into a pipe nobody reads.
   */
  stop(): Promise<void>;
  /** Every packet of every tcpdump run, across restarts; one consumer only. Call after start(). */
  packets(): AsyncGenerator<CapturedPacket[], void, undefined>;
  stats(): LiveCaptureStats;
  /** Asks the running tcpdump for its counters (SIGUSR1) so that stats() is current. */
  refreshStats(): Promise<void>;
}

const MAX_RESTART_DELAY_MS = 60_000;
const STATS_TIMEOUT_MS = 2000;
const DRAIN_POLL_MS = 10;

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * Live capture through tcpdump: tcpdump opens the interface (as root, then drops to its -Z user)
 * and writes pcap to a pipe, which `readCapture` turns into packet batches. A tcpdump that dies is
 * restarted with a doubling delay; its counters and drops are added up across runs.
 */
export function createLiveCapture(config: CaptureConfig, deps: LiveCaptureDeps = {}): LiveCapture {
  return new TcpdumpCapture(config, deps);
}

class TcpdumpCapture implements LiveCapture {
  private state: State = 'idle';
  private current: TcpdumpProcess | null = null;
  /** Runs whose output packets() has not started reading, oldest first. */
  private readonly unread: TcpdumpProcess[] = [];
  private wakeReader: (() => void) | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private consecutiveFailures = 0;
  private readonly totals = { packets: 0, restarts: 0, kernelDrops: 0, ifDrops: 0, receivedByFilter: 0 };
  private readonly spawn: SpawnFn;
  private readonly now: () => number;
  private readonly label: string;

  constructor(
    private readonly config: CaptureConfig,
    private readonly deps: LiveCaptureDeps,
  ) {
    this.spawn = deps.spawn ?? nodeSpawn;
    this.now = deps.now ?? Date.now;
    this.label = config.interface ?? 'default';
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    const run = this.launch();
    const failure = await run.waitListening(this.deps.startTimeoutMs ?? 10_000);
    if (this.state !== 'starting') return; // stop() came first
    if (failure === null) {
      this.state = 'running';
      return;
    }
    run.signal('SIGKILL');
    await run.ended;
    const at = this.unread.indexOf(run);
    if (at >= 0) this.unread.splice(at, 1);
    this.state = 'idle';
    throw this.startError(failure);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopTcpdump();
    return this.stopping;
  }

  private async stopTcpdump(): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopped') {
      this.state = 'stopped';
      this.wake();
      return;
    }
    this.state = 'stopping';
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const run = this.current;
    if (run !== null) {
      await this.drain(run);
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

  /**
   * Waits until tcpdump has written every packet the kernel had queued for it when stop() was called.
   * SIGTERM makes libpcap break out of its loop at once, dropping what is still in the ring buffer;
   * tcpdump's counters (SIGUSR1) say when captured + dropped has caught up with received.
   */
  private async drain(run: TcpdumpProcess): Promise<void> {
    if (!(await run.requestStats(STATS_TIMEOUT_MS))) return;
    const target = run.counts.receivedByFilter;
    const polls = Math.ceil((this.deps.drainTimeoutMs ?? 2000) / DRAIN_POLL_MS);
    for (let i = 0; i < polls; i++) {
      if (run.counts.captured + run.counts.kernelDrops >= target) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      if (!(await run.requestStats(STATS_TIMEOUT_MS))) return;
    }
  }

  async *packets(): AsyncGenerator<CapturedPacket[], void, undefined> {
    for (;;) {
      const run = await this.nextUnread();
      if (run === null) return;
      const reader = readCapture(run.stdout, {
        sourceName: `tcpdump on ${this.label}`,
        maxBatch: this.deps.maxBatch,
      });
      try {
        for await (const batch of reader) {
          this.totals.packets += batch.length;
          yield batch;
        }
      } catch (error) {
        this.onOutputBroken(run, error);
      }
    }
  }

  stats(): LiveCaptureStats {
    const run = this.current;
    const live = run?.counts;
    return {
      packets: this.totals.packets,
      restarts: this.totals.restarts,
      kernelDrops: this.totals.kernelDrops + (live?.kernelDrops ?? 0),
      ifDrops: this.totals.ifDrops + (live?.ifDrops ?? 0),
      receivedByFilter: this.totals.receivedByFilter + (live?.receivedByFilter ?? 0),
      tcpdumpRunning: run !== null && run.isListening && !run.hasEnded,
      tcpdumpPid: run?.pid ?? null,
    };
  }

  async refreshStats(): Promise<void> {
    await this.current?.requestStats(STATS_TIMEOUT_MS);
  }

  private launch(): TcpdumpProcess {
    const argv = [
      ...(this.deps.commandPrefix ?? []),
      this.config.tcpdumpPath,
      ...tcpdumpArgs(this.config, { immediateMode: this.deps.immediateMode ?? true }),
    ];
    const run = new TcpdumpProcess(this.spawn, argv, this.now());
    this.current = run;
    this.unread.push(run);
    this.wake();
    void run.ended.then(() => this.onEnded(run));
    return run;
  }

  private onEnded(run: TcpdumpProcess): void {
    // Its final report is in; from here its counters live in the totals.
    this.totals.kernelDrops += run.counts.kernelDrops;
    this.totals.ifDrops += run.counts.ifDrops;
    this.totals.receivedByFilter += run.counts.receivedByFilter;
    if (this.current === run) this.current = null;
    if (this.state !== 'running') return;
    if (this.now() - run.startedAt >= MAX_RESTART_DELAY_MS) this.consecutiveFailures = 0;
    const delayMs = Math.min(
      this.config.restartDelayMs * 2 ** this.consecutiveFailures,
      MAX_RESTART_DELAY_MS,
    );
    this.consecutiveFailures += 1;
    this.warn('tcpdump exited; restarting it', {
      interface: this.label,
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

  private onOutputBroken(run: TcpdumpProcess, error: unknown): void {
    if (!isYamoriError(error)) throw error;
    // An empty output means tcpdump died before writing its header; onEnded already said why.
    if (error.code === 'PCAP_EMPTY') return;
    this.warn('tcpdump output broke off', { interface: this.label, code: error.code, detail: error.message });
    // Output that cannot be parsed will not get better: end this run, and the supervisor restarts it.
    if (error.code !== 'PCAP_TRUNCATED') run.signal('SIGKILL');
  }

  private async nextUnread(): Promise<TcpdumpProcess | null> {
    for (;;) {
      const run = this.unread.shift();
      if (run !== undefined) return run;
      if (this.state === 'stopped' || this.state === 'idle') return null;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  private warn(message: string, fields: Record<string, unknown>): void {
    this.deps.onWarning?.(message, fields);
  }

  private startError(failure: StartFailure): YamoriError {
    const argv0 = this.deps.commandPrefix?.[0] ?? this.config.tcpdumpPath;
    switch (failure.kind) {
      case 'spawn':
        if (failure.error.code === 'ENOENT') {
          return new YamoriError(
            'CAPTURE_TCPDUMP_MISSING',
            { command: argv0, reason: failure.error.message },
            { source: this.label, cause: failure.error },
          );
        }
        return new YamoriError(
          'CAPTURE_TCPDUMP_FAILED',
          { interface: this.label, detail: `"${argv0}" could not be started: ${failure.error.message}` },
          { source: this.label, cause: failure.error },
        );
      case 'exited':
        return new YamoriError(
          'CAPTURE_TCPDUMP_FAILED',
          { interface: this.label, detail: failure.detail },
          { source: this.label },
        );
      case 'timeout':
        return new YamoriError(
          'CAPTURE_TCPDUMP_FAILED',
          {
            interface: this.label,
            detail: `it did not report that it was listening within ${this.deps.startTimeoutMs ?? 10_000} ms`,
          },
          { source: this.label },
        );
    }
  }
}
