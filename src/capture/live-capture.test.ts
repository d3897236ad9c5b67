import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureConfig } from '../config/index.js';
import type { YamoriError } from '../errors/index.js';
import { createLiveCapture, type LiveCapture } from './live-capture.js';
import { buildPcap } from './testing.js';

const captureConfig = (overrides: Partial<CaptureConfig>): CaptureConfig => ({
  interface: null,
  filter: null,
  snaplen: 262144,
  tcpdumpPath: 'tcpdump',
  dropPrivilegesTo: null,
  restartDelayMs: 50,
  ...overrides,
});

/** Polls until `check` holds, failing with `describe()` after the deadline. Nothing else in these tests waits on time. */
async function waitFor(check: () => boolean, describe: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads packets() in the background, keeping each UDP payload (copied) as text. */
function consume(capture: LiveCapture): { payloads: string[]; linkTypes: Set<number>; done: Promise<void> } {
  const payloads: string[] = [];
  const linkTypes = new Set<number>();
  const done = (async () => {
    for await (const batch of capture.packets()) {
      for (const packet of batch) {
        linkTypes.add(packet.linkType);
        // Ethernet (14) + IPv4 without options (20) + UDP (8).
        payloads.push(Buffer.from(packet.data.subarray(42)).toString('latin1'));
      }
    }
  })();
  return { payloads, linkTypes, done };
}

describe('createLiveCapture with a tcpdump that is not there', () => {
  it('fails start() with CAPTURE_TCPDUMP_MISSING', async () => {
    const capture = createLiveCapture(
      captureConfig({ tcpdumpPath: '/nonexistent/bin/tcpdump', interface: 'eth0' }),
    );
    const error = (await capture.start().catch((e: unknown) => e)) as YamoriError;
    expect(error.code).toBe('CAPTURE_TCPDUMP_MISSING');
    expect(error.message).toContain('/nonexistent/bin/tcpdump');
    expect(capture.stats().tcpdumpRunning).toBe(false);
  });
});

describe('createLiveCapture with a stand-in tcpdump that dies after each capture', () => {
  // A shell script in tcpdump's place: each run says it listens, writes a two-packet pcap and reports
  // drops; the first three then die. This makes tcpdump die on cue, which restart and backoff are about.
  let dir = '';
  let script = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-live-'));
    const pcap = join(dir, 'two.pcap');
    const payload = (text: string): Uint8Array =>
      new Uint8Array([...new Uint8Array(42), ...Buffer.from(text)]);
    writeFileSync(
      pcap,
      buildPcap({
        records: [
          { seconds: 1, fraction: 0, data: payload('first') },
          { seconds: 2, fraction: 0, data: payload('second') },
        ],
      }),
    );
    script = join(dir, 'tcpdump');
    const stats =
      'printf "2 packets captured\\n5 packets received by filter\\n3 packets dropped by kernel\\n1 packet dropped by interface\\n" >&2';
    const report =
      'echo "tcpdump: 2 packets captured, 5 packets received by filter, 3 packets dropped by kernel, 1 packet dropped by interface" >&2';
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        // Like tcpdump: report the counters on SIGUSR1, and on SIGTERM before exiting normally.
        `trap '${stats}; exit 0' TERM`,
        `trap '${report}' USR1`,
        `echo "tcpdump: listening on $2, link-type EN10MB (Ethernet), snapshot length 262144 bytes" >&2`,
        `cat '${pcap}'`,
        // The first three runs (per interface name) die at once; the fourth captures until stopped.
        `runs=$(($(cat '${dir}/runs-'$2 2>/dev/null || echo 0) + 1)); echo $runs > '${dir}/runs-'$2`,
        `if [ $runs -le 3 ]; then ${stats}; exit 1; fi`,
        // The shell runs a trap once the current command ends, so the sleeps are short.
        'while :; do sleep 0.02; done',
        '',
      ].join('\n'),
    );
    chmodSync(script, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts it with a doubling delay, keeps one packets() stream and adds up the drops', async () => {
    const warnings: Record<string, unknown>[] = [];
    const capture = createLiveCapture(
      captureConfig({ tcpdumpPath: script, interface: 'fake0', restartDelayMs: 20 }),
      {
        onWarning: (_message, fields) => warnings.push(fields),
      },
    );
    await capture.start();
    const seen = consume(capture);
    await waitFor(
      () => capture.stats().restarts === 3 && capture.stats().tcpdumpRunning,
      () => JSON.stringify(capture.stats()),
    );
    await capture.stop();
    await seen.done;
    const stats = capture.stats();
    const runs = 4;
    expect(seen.payloads).toEqual(Array.from({ length: runs }, () => ['first', 'second']).flat());
    expect(stats.packets).toBe(2 * runs);
    expect(stats.kernelDrops).toBe(3 * runs);
    expect(stats.ifDrops).toBe(runs);
    expect(stats.receivedByFilter).toBe(5 * runs);
    expect(warnings.map((w) => w.restartInMs)).toEqual([20, 40, 80]);
    expect(warnings[0]).toMatchObject({ interface: 'fake0', exitCode: 1 });
  });

  it('resets the backoff after a run that lasted a minute or more', async () => {
    const warnings: Record<string, unknown>[] = [];
    let clock = 0;
    const capture = createLiveCapture(
      captureConfig({ tcpdumpPath: script, interface: 'fake1', restartDelayMs: 20 }),
      {
        onWarning: (_message, fields) => warnings.push(fields),
        now: () => (clock += 61_000),
      },
    );
    await capture.start();
    const seen = consume(capture);
    await waitFor(
      () => capture.stats().restarts === 3 && capture.stats().tcpdumpRunning,
      () => JSON.stringify(capture.stats()),
    );
    await capture.stop();
    await seen.done;
    expect(warnings.map((w) => w.restartInMs)).toEqual([20, 20, 20]);
  });
});

function hasCommand(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

const isRoot = process.getuid?.() === 0;
const hasTools = hasCommand('ip', ['-V']) && hasCommand('tcpdump', ['--version']);
const liveReason = !isRoot ? 'not running as root' : 'ip or tcpdump is not installed';
const canRunLive = isRoot && hasTools;

describe.skipIf(!canRunLive)(
  canRunLive
    ? 'createLiveCapture with tcpdump on a veth pair'
    : `createLiveCapture with tcpdump (skipped: ${liveReason})`,
  () => {
    // Two namespaces made for this run, joined by a veth pair; all traffic stays between them.
    const id = randomBytes(3).toString('hex');
    const capturingNs = `yamori-test-${id}-a`;
    const sendingNs = `yamori-test-${id}-b`;
    const capturingIf = `ymr${id}a`;
    const sendingIf = `ymr${id}b`;
    const subnet = `10.${randomInt(100, 250)}.${randomInt(0, 255)}`;
    const captureAddr = `${subnet}.1`;
    const ip = (...args: string[]): void => {
      execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    };
    const inCapturingNs = ['ip', 'netns', 'exec', capturingNs];

    beforeAll(() => {
      ip('netns', 'add', capturingNs);
      ip('netns', 'add', sendingNs);
      ip(
        '-n',
        capturingNs,
        'link',
        'add',
        capturingIf,
        'type',
        'veth',
        'peer',
        'name',
        sendingIf,
        'netns',
        sendingNs,
      );
      ip('-n', capturingNs, 'addr', 'add', `${captureAddr}/24`, 'dev', capturingIf);
      ip('-n', sendingNs, 'addr', 'add', `${subnet}.2/24`, 'dev', sendingIf);
      for (const [ns, dev] of [
        [capturingNs, capturingIf],
        [sendingNs, sendingIf],
      ] as const) {
        ip('-n', ns, 'link', 'set', dev, 'up');
        ip('-n', ns, 'link', 'set', 'lo', 'up');
      }
    });

    afterAll(() => {
      for (const ns of [capturingNs, sendingNs]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    });

    /** Sends UDP datagrams "<tag>-0".."<tag>-(n-1)" from the sending namespace to the capturing one. */
    const sendUdp = (tag: string, count: number, port: number): void => {
      const script = `
        const socket = require('node:dgram').createSocket('udp4');
        let i = 0;
        const next = () => (i === ${count} ? socket.close() : socket.send('${tag}-' + i++, ${port}, '${captureAddr}', next));
        next();`;
      execFileSync('ip', ['netns', 'exec', sendingNs, process.execPath, '-e', script], { timeout: 10_000 });
    };

    const liveCapture = (overrides: Partial<CaptureConfig>, warnings: string[] = []): LiveCapture =>
      createLiveCapture(captureConfig({ interface: capturingIf, ...overrides }), {
        commandPrefix: inCapturingNs,
        onWarning: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`),
        maxBatch: 4,
      });

    it('hands over every datagram sent before stop(), none lost at shutdown', async () => {
      const capture = liveCapture({ filter: 'udp port 40001' });
      await capture.start();
      expect(capture.stats().tcpdumpRunning).toBe(true);
      const seen = consume(capture);
      sendUdp('shutdown', 20, 40001);
      await capture.stop();
      await seen.done;
      expect(seen.payloads).toEqual(Array.from({ length: 20 }, (_, i) => `shutdown-${i}`));
      expect([...seen.linkTypes]).toEqual([1]);
      expect(capture.stats()).toMatchObject({
        packets: 20,
        restarts: 0,
        kernelDrops: 0,
        tcpdumpRunning: false,
      });
      expect(capture.stats().receivedByFilter).toBeGreaterThanOrEqual(20);
    });

    it('keeps only what the filter selects', async () => {
      const capture = liveCapture({ filter: 'udp port 40003' });
      await capture.start();
      const seen = consume(capture);
      sendUdp('other', 5, 40002);
      sendUdp('wanted', 3, 40003);
      await capture.stop();
      await seen.done;
      expect(seen.payloads).toEqual(['wanted-0', 'wanted-1', 'wanted-2']);
    });

    it('reads tcpdump’s counters while it runs through refreshStats()', async () => {
      const capture = liveCapture({ filter: 'udp port 40004' });
      await capture.start();
      const seen = consume(capture);
      sendUdp('counted', 4, 40004);
      await waitFor(
        () => seen.payloads.length === 4,
        () => JSON.stringify(seen.payloads),
      );
      await capture.refreshStats();
      expect(capture.stats()).toMatchObject({ tcpdumpRunning: true, kernelDrops: 0, packets: 4 });
      expect(capture.stats().receivedByFilter).toBeGreaterThanOrEqual(4);
      await capture.stop();
      await seen.done;
    });

    it('restarts a tcpdump killed mid-capture, and packets keep coming in the same stream', async () => {
      const warnings: string[] = [];
      const capture = liveCapture({ filter: 'udp port 40005', restartDelayMs: 20 }, warnings);
      await capture.start();
      const seen = consume(capture);
      sendUdp('before', 3, 40005);
      await waitFor(
        () => seen.payloads.length === 3,
        () => JSON.stringify(seen.payloads),
      );
      const firstPid = capture.stats().tcpdumpPid!;
      process.kill(firstPid, 'SIGKILL');
      await waitFor(
        () => capture.stats().restarts === 1 && capture.stats().tcpdumpRunning,
        () => JSON.stringify(capture.stats()),
      );
      expect(capture.stats().tcpdumpPid).not.toBe(firstPid);
      sendUdp('after', 3, 40005);
      await capture.stop();
      await seen.done;
      expect(seen.payloads).toEqual(['before-0', 'before-1', 'before-2', 'after-0', 'after-1', 'after-2']);
      expect(
        warnings.some((w) => w.startsWith('tcpdump exited; restarting it') && w.includes('SIGKILL')),
      ).toBe(true);
    });

    it('runs tcpdump as the -Z user once the interface is open', async () => {
      const capture = liveCapture({ filter: 'udp port 40006', dropPrivilegesTo: 'nobody' });
      await capture.start();
      const seen = consume(capture);
      const status = readFileSync(`/proc/${capture.stats().tcpdumpPid}/status`, 'utf8');
      const nobody = execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim();
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(nobody);
      sendUdp('unprivileged', 2, 40006);
      await capture.stop();
      await seen.done;
      expect(seen.payloads).toEqual(['unprivileged-0', 'unprivileged-1']);
    });

    it.each([
      ['an interface that does not exist', { interface: 'ymrnosuch0' }, 'No such device'],
      ['a filter that does not parse', { filter: 'udp port and (' }, 'syntax error'],
    ])(
      'fails start() for %s with CAPTURE_TCPDUMP_FAILED and tcpdump’s own words',
      async (_what, overrides, words) => {
        const capture = liveCapture(overrides);
        const error = (await capture.start().catch((e: unknown) => e)) as YamoriError;
        expect(error.code).toBe('CAPTURE_TCPDUMP_FAILED');
        expect(error.message).toContain(words);
        expect(capture.stats()).toMatchObject({ tcpdumpRunning: false, restarts: 0 });
      },
    );
  },
);
