import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/index.js';
import { createStageSupervisor, periodicStage, untilAborted, type Stage } from './stage-supervisor.js';

const log = createLogger({ level: 'silent' });

/** A stage that records its start and stop in `events` and runs until stopped. */
function recordingStage(name: string, events: string[]): Stage {
  return {
    name,
    async run({ signal, ready }) {
      events.push(`start ${name}`);
      ready();
      await untilAborted(signal);
      // Stopping takes a moment: the next stage's stop must wait for it.
      await new Promise((r) => setTimeout(r, 5));
      events.push(`stop ${name}`);
    },
  };
}

describe('createStageSupervisor', () => {
  it('starts stages in order, each after the one before is ready, and stops them in reverse', async () => {
    const events: string[] = [];
    const slow: Stage = {
      name: 'slow',
      async run({ signal, ready }) {
        await new Promise((r) => setTimeout(r, 20));
        events.push('start slow');
        ready();
        await untilAborted(signal);
        events.push('stop slow');
      },
    };
    const supervisor = createStageSupervisor(
      [recordingStage('a', events), slow, recordingStage('c', events)],
      {
        log,
      },
    );
    await supervisor.start();
    expect(events).toEqual(['start a', 'start slow', 'start c']);
    expect((await supervisor.status()).map((s) => [s.name, s.state, s.healthy])).toEqual([
      ['a', 'running', true],
      ['slow', 'running', true],
      ['c', 'running', true],
    ]);
    await supervisor.stop();
    expect(events).toEqual(['start a', 'start slow', 'start c', 'stop c', 'stop slow', 'stop a']);
    expect((await supervisor.status()).every((s) => s.state === 'stopped' && !s.healthy)).toBe(true);
  });

  it('restarts a failing stage with doubling waits, shows it unhealthy meanwhile, and leaves the others running', async () => {
    const events: string[] = [];
    const attempts: number[] = [];
    const flaky: Stage = {
      name: 'flaky',
      async run({ signal, ready }) {
        attempts.push(Date.now());
        if (attempts.length <= 3) throw new Error(`boom ${attempts.length}`);
        ready();
        await untilAborted(signal);
      },
    };
    const supervisor = createStageSupervisor(
      [recordingStage('before', events), flaky, recordingStage('after', events)],
      {
        log,
        backoffMs: 40,
        maxBackoffMs: 1_000,
      },
    );
    await supervisor.start();
    // The first start failed: the next stage started anyway, and the failure shows.
    expect(events).toEqual(['start before', 'start after']);
    const failing = (await supervisor.status())[1]!;
    expect(failing).toMatchObject({
      name: 'flaky',
      state: 'restarting',
      healthy: false,
      restarts: 1,
      problem: 'boom 1',
    });
    expect((await supervisor.status()).filter((s) => s.healthy).map((s) => s.name)).toEqual([
      'before',
      'after',
    ]);

    const deadline = Date.now() + 5_000;
    while ((await supervisor.status())[1]!.state !== 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await supervisor.status())[1]).toMatchObject({
      state: 'running',
      healthy: true,
      restarts: 3,
      problem: null,
    });
    expect(attempts).toHaveLength(4);
    const waits = [attempts[1]! - attempts[0]!, attempts[2]! - attempts[1]!, attempts[3]! - attempts[2]!];
    // 40, 80, 160 ms (timers may fire a little late, never early).
    expect(waits[0]).toBeGreaterThanOrEqual(38);
    expect(waits[1]).toBeGreaterThanOrEqual(78);
    expect(waits[2]).toBeGreaterThanOrEqual(158);
    expect(waits[2]!).toBeGreaterThan(waits[0]!);
    await supervisor.stop();
    expect(events).toEqual(['start before', 'start after', 'stop after', 'stop before']);
  });

  it('stops at once a stage that is waiting to be restarted', async () => {
    const broken: Stage = {
      name: 'broken',
      run: () => Promise.reject(new Error('always')),
    };
    const supervisor = createStageSupervisor([broken], { log, backoffMs: 60_000 });
    await supervisor.start();
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await supervisor.status())[0]).toMatchObject({ state: 'stopped', restarts: 1, healthy: false });
  });

  it('reports the problem a running stage names, and a periodic job that throws as a failure', async () => {
    let runs = 0;
    let problem: string | null = 'feed "x" failing';
    const periodic = periodicStage(
      'periodic',
      () => 10,
      () => {
        runs += 1;
        return runs === 3 ? Promise.reject(new Error('job failed')) : Promise.resolve();
      },
      () => problem,
    );
    const supervisor = createStageSupervisor([periodic], { log, backoffMs: 30 });
    await supervisor.start();
    expect((await supervisor.status())[0]).toMatchObject({ healthy: false, problem: 'feed "x" failing' });
    problem = null;
    expect((await supervisor.status())[0]).toMatchObject({ healthy: true, problem: null });
    const deadline = Date.now() + 5_000;
    while ((await supervisor.status())[0]!.restarts === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await supervisor.status())[0]!.restarts).toBe(1);
    await supervisor.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
  });
});
