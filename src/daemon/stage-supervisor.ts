import type { Logger } from '../log/index.js';

/** What a running stage is given: the signal that asks it to stop, and `ready()` to say it is up. */
export interface StageControl {
  signal: AbortSignal;
  /** Call once the stage is up (sockets bound, first round done); the next stage starts then. */
  ready: () => void;
}

/**
 * One part of `yamori serve`. `run` brings the stage up, calls `ready()`, and keeps running until
 * `signal` aborts; it then shuts the stage down (writing what it holds) and resolves. A `run` that
 * rejects, or resolves before it was asked to stop, has failed and is restarted after a backoff.
 */
export interface Stage {
  name: string;
  run: (control: StageControl) => Promise<void>;
  /** A problem the stage is running with (a feed failing, deliveries failing); null when fine. */
  problem?: () => Promise<string | null> | string | null;
}

export type StageState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export interface StageStatus {
  name: string;
  state: StageState;
  /** Running without a problem. */
  healthy: boolean;
  restarts: number;
  /** Why it is unhealthy: its last failure while restarting, else its own problem(). */
  problem: string | null;
  /** Epoch milliseconds of the last failure; null when it never failed. */
  lastFailureAt: number | null;
}

export interface StageSupervisorOptions {
  /** First wait before a restart; doubles per failure in a row up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A stage that ran this long before failing starts again from `backoffMs`. */
  resetAfterMs?: number;
  log: Logger;
  now?: () => number;
}

export interface StageSupervisor {
  /** Starts the stages in order, each once the one before is ready (or has failed its first start). */
  start(): Promise<void>;
  /** Stops the stages in reverse order, each after the one after it has finished stopping. */
  stop(): Promise<void>;
  status(): Promise<StageStatus[]>;
}

interface Slot {
  stage: Stage;
  state: StageState;
  restarts: number;
  failure: string | null;
  lastFailureAt: number | null;
  consecutive: number;
  stopping: AbortController;
  /** The supervising loop; resolves once the stage has stopped for good. */
  loop: Promise<void>;
}

/**
 * Runs stages in order with restarts: a stage that fails is shown as unhealthy and restarted after
 * a doubling backoff, while the other stages keep running. Stop is in reverse order, so the flow
 * source is stopped (and has written everything) last of all the consumers.
 */
export function createStageSupervisor(
  stages: readonly Stage[],
  options: StageSupervisorOptions,
): StageSupervisor {
  const now = options.now ?? Date.now;
  const baseMs = options.backoffMs ?? 1_000;
  const maxMs = options.maxBackoffMs ?? 60_000;
  const resetAfterMs = options.resetAfterMs ?? 60_000;
  const slots: Slot[] = stages.map((stage) => ({
    stage,
    state: 'idle',
    restarts: 0,
    failure: null,
    lastFailureAt: null,
    consecutive: 0,
    stopping: new AbortController(),
    loop: Promise.resolve(),
  }));

  const supervise = (slot: Slot, firstStart: () => void): Promise<void> => {
    const { signal } = slot.stopping;
    const loop = async (): Promise<void> => {
      let first = true;
      while (!signal.aborted) {
        slot.state = first ? 'starting' : 'restarting';
        const startedAt = now();
        let isReady = false;
        const ready = (): void => {
          if (isReady) return;
          isReady = true;
          if (!signal.aborted) slot.state = 'running';
          slot.failure = null;
          firstStart();
        };
        let failure: string;
        try {
          await slot.stage.run({ signal, ready });
          if (signal.aborted) break;
          failure = 'it ended on its own';
        } catch (error) {
          if (signal.aborted) {
            options.log.error('stage failed while stopping', {
              stage: slot.stage.name,
              error: describe(error),
            });
            break;
          }
          failure = describe(error);
        }
        first = false;
        slot.restarts += 1;
        slot.failure = failure;
        slot.lastFailureAt = now();
        slot.consecutive = now() - startedAt >= resetAfterMs ? 1 : slot.consecutive + 1;
        const waitMs = Math.min(maxMs, baseMs * 2 ** (slot.consecutive - 1));
        slot.state = 'restarting';
        options.log.warn('stage failed; restarting', {
          stage: slot.stage.name,
          error: failure,
          in_ms: waitMs,
        });
        firstStart();
        await sleep(waitMs, signal);
      }
      slot.state = 'stopped';
      firstStart();
    };
    return loop();
  };

  return {
    async start() {
      for (const slot of slots) {
        if (slot.stopping.signal.aborted) return;
        await new Promise<void>((resolve) => {
          slot.loop = supervise(slot, resolve);
        });
        options.log.info('stage started', { stage: slot.stage.name, state: slot.state });
      }
    },
    async stop() {
      for (const slot of [...slots].reverse()) {
        if (slot.state === 'idle') {
          slot.stopping.abort();
          slot.state = 'stopped';
          continue;
        }
        if (slot.state !== 'stopped') slot.state = 'stopping';
        slot.stopping.abort();
        await slot.loop;
        options.log.info('stage stopped', { stage: slot.stage.name });
      }
    },
    async status() {
      const out: StageStatus[] = [];
      for (const slot of slots) {
        let problem = slot.failure;
        if (problem === null && slot.state === 'running' && slot.stage.problem) {
          try {
            problem = await slot.stage.problem();
          } catch (error) {
            problem = `its health check failed: ${describe(error)}`;
          }
        }
        out.push({
          name: slot.stage.name,
          state: slot.state,
          healthy: slot.state === 'running' && problem === null,
          restarts: slot.restarts,
          problem,
          lastFailureAt: slot.lastFailureAt,
        });
      }
      return out;
    },
  };
}

/** A stage doing `job` now and then every `intervalMs` until stopped; a job that throws fails the stage. */
export function periodicStage(
  name: string,
  intervalMs: () => number,
  job: (signal: AbortSignal) => Promise<void>,
  problem?: Stage['problem'],
): Stage {
  return {
    name,
    ...(problem ? { problem } : {}),
    async run({ signal, ready }) {
      await job(signal);
      ready();
      while (!signal.aborted) {
        await sleep(intervalMs(), signal);
        if (signal.aborted) break;
        await job(signal);
      }
    },
  };
}

/** Resolves after `ms` or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
