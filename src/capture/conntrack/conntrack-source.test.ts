import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { YamoriError } from '../../errors/index.js';
import type { ConntrackEvent } from './conntrack-event.js';
import { conntrackArgs, createConntrackSource, type ConntrackSource } from './conntrack-source.js';

const OPTIONS = { conntrackPath: 'conntrack', restartDelayMs: 20 };

/** Polls until `check` holds, failing with `describe()` after the deadline. */
async function waitFor(check: () => boolean, describe: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function consume(source: ConntrackSource): { events: ConntrackEvent[]; done: Promise<void> } {
  const events: ConntrackEvent[] = [];
  const done = (async () => {
    for await (const batch of source.events()) events.push(...batch);
  })();
  return { events, done };
}

describe('conntrackArgs', () => {
  it('asks for NEW and DESTROY events with microsecond times, tuples, counters and entry ids', () => {
    expect(conntrackArgs(1024)).toEqual([
      '-E',
      '-o',
      'timestamp,extended,id',
      '-e',
      'NEW,DESTROY',
      '-b',
      '1024',
    ]);
  });
});

describe('createConntrackSource with a conntrack that is not there', () => {
  it('fails start() with CONNTRACK_MISSING naming the command', async () => {
    const source = createConntrackSource({ ...OPTIONS, conntrackPath: '/nonexistent/sbin/conntrack' });
    const error = (await source.start().catch((e: unknown) => e)) as YamoriError;
    expect(error.code).toBe('CONNTRACK_MISSING');
    expect(error.message).toContain('/nonexistent/sbin/conntrack');
    expect(error.hint).toContain('apt-get install conntrack');
  });
});

describe('createConntrackSource with a stand-in conntrack', () => {
  // Shell scripts in conntrack's place: each run reports its socket as conntrack -b does, prints two
  // recorded events, a line it cannot read and a lost-events warning; the first two runs then die.
  let dir = '';
  const line = (id: number, type: 'NEW' | 'DESTROY'): string =>
    type === 'NEW'
      ? `[1795887977.150366]\t    [NEW] ipv4     2 udp      17 30 src=127.0.0.1 dst=127.0.0.1 sport=${id} dport=9999 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=9999 dport=${id} id=${id}`
      : `[1795887977.361114]\t[DESTROY] ipv4     2 udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=${id} dport=9999 packets=1 bytes=38 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=9999 dport=${id} packets=0 bytes=0 id=${id}`;
  const script = (name: string, body: string[]): string => {
    const path = join(dir, name);
    writeFileSync(path, ['#!/bin/sh', ...body, ''].join('\n'));
    chmodSync(path, 0o755);
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-conntrack-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts it with a doubling delay and hands out every run’s events in one stream', async () => {
    const path = script('flaky', [
      `echo "NOTICE: Netlink socket buffer size has been set to 16777216 bytes." >&2`,
      `runs=$(($(cat '${dir}/runs' 2>/dev/null || echo 0) + 1)); echo $runs > '${dir}/runs'`,
      `printf '%s\\n' '${line(1000, 'NEW')}' '${line(1000, 'DESTROY')}' '[UPDATE] garbage'`,
      `echo "WARNING: We have hit ENOBUFS! We are losing events." >&2`,
      `if [ $runs -le 2 ]; then exit 1; fi`,
      "trap 'exit 0' TERM",
      'while :; do sleep 0.02; done',
    ]);
    const warnings: { message: string; fields: Record<string, unknown> }[] = [];
    const source = createConntrackSource(
      { ...OPTIONS, conntrackPath: path },
      { onWarning: (message, fields) => warnings.push({ message, fields }) },
    );
    await source.start();
    const seen = consume(source);
    await waitFor(
      () => seen.events.length === 6 && source.stats().running,
      () => JSON.stringify(source.stats()),
    );
    await source.stop();
    await seen.done;
    expect(seen.events.map((e) => e.type)).toEqual(['new', 'destroy', 'new', 'destroy', 'new', 'destroy']);
    expect(source.stats()).toMatchObject({
      events: 6,
      restarts: 2,
      badLines: 3,
      lostEventReports: 3,
      running: false,
    });
    expect(
      warnings.filter((w) => w.message.startsWith('conntrack exited')).map((w) => w.fields['restartInMs']),
    ).toEqual([20, 40]);
  });

  it('fails start() with CONNTRACK_FAILED and the advice for what conntrack said', async () => {
    const cases = [
      {
        said: [
          'mnl_socket_bind: Operation not permitted',
          "conntrack v1.4.7 (conntrack-tools): Can't open netlink socket",
        ],
        advice: /root or CAP_NET_ADMIN/,
      },
      {
        said: ['conntrack v1.4.7 (conntrack-tools): Protocol not supported'],
        advice: /modprobe nf_conntrack nf_conntrack_netlink/,
      },
    ];
    for (const [i, c] of cases.entries()) {
      const path = script(`failing-${i}`, [...c.said.map((text) => `echo "${text}" >&2`), 'exit 1']);
      const error = (await createConntrackSource({ ...OPTIONS, conntrackPath: path })
        .start()
        .catch((e: unknown) => e)) as YamoriError;
      expect(error.code).toBe('CONNTRACK_FAILED');
      expect(error.message).toContain(c.said.at(-1)!.replace(/"/g, ''));
      expect(error.hint).toMatch(c.advice);
    }
  });
});

const isRoot = process.getuid?.() === 0;
const hasConntrack = spawnSync('conntrack', ['--version'], { stdio: 'ignore' }).status === 0;
const hasSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
const unprivilegedSkip = !isRoot
  ? 'not root, so cannot drop to nobody'
  : !hasConntrack
    ? 'conntrack is not installed'
    : !hasSetpriv
      ? 'setpriv is missing'
      : null;

describe.skipIf(unprivilegedSkip !== null)(
  unprivilegedSkip === null
    ? 'createConntrackSource with the real conntrack run as nobody'
    : `createConntrackSource with the real conntrack run as nobody (skipped: ${unprivilegedSkip})`,
  () => {
    it('fails start() with CONNTRACK_FAILED, what conntrack said, and how to give it the privilege', async () => {
      const source = createConntrackSource(OPTIONS, {
        commandPrefix: [
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--inh-caps=-all',
          '--bounding-set=-all',
        ],
      });
      const error = (await source.start().catch((e: unknown) => e)) as YamoriError;
      expect(error.code).toBe('CONNTRACK_FAILED');
      expect(error.message).toMatch(/not permitted|netlink socket/i);
      expect(error.hint).toMatch(/root or CAP_NET_ADMIN/);
    });
  },
);
