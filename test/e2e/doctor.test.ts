import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespacePair, namespaceSkipReason, type NamespacePair } from './router-namespace.js';
import { describeRun, hasCommand, jsonLines, runYamori, type RunResult } from './testing.js';

/**
 * `yamori doctor` for real: on this machine as it is, and in a network namespace made for the test,
 * where the test sets what doctor should find (conntrack accounting, timestamps) and sends traffic
 * both ways across the interface while doctor watches its counters.
 */

interface DoctorJson {
  ok: boolean;
  problems: number;
  interfaces: string[];
  findings: { check: string; severity: string; subject: string; fix: string | null }[];
}

describe('yamori doctor on this machine', () => {
  it('prints findings with fixes and a closing line, exiting 1 exactly when it names a problem', async () => {
    const run = await runYamori(['doctor', '--sample-ms', '200']);
    expect([0, 1], describeRun(run)).toContain(run.code);
    const last = run.stdout.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(
      run.code === 0
        ? /^no problems found for capture and conntrack/
        : /^\d+ problems? found for capture and conntrack/,
    );
    const json = await runYamori(['doctor', '--sample-ms', '200', '--json']);
    const [report] = jsonLines<DoctorJson>(json.stdout);
    expect(report!.ok).toBe(json.code === 0);
    expect(report!.problems).toBe(report!.findings.filter((f) => f.severity !== 'info').length);
  });

  it('refuses an unknown --source with a usage error', async () => {
    const run = await runYamori(['doctor', '--source', 'packets']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error CLI_BAD_VALUE: --source "packets" is not one of capture, conntrack, all\./,
    );
  });
});

const skipReason = namespaceSkipReason(['ping', ['-V']], ['sysctl', ['--version']]);

describe.skipIf(skipReason !== null)(
  skipReason === null
    ? 'yamori doctor in a network namespace'
    : `yamori doctor in a network namespace (skipped: ${skipReason})`,
  () => {
    let pair: NamespacePair;
    let pinger: ChildProcess | null = null;
    const doctor = (...args: string[]): Promise<RunResult> =>
      runYamori(['doctor', '--interface', pair.routerDev, '--sample-ms', '1000', ...args], {
        prefix: ['ip', 'netns', 'exec', pair.router],
      });
    const sysctl = (setting: string): void => {
      pair.exec(pair.router, 'sysctl', '-qw', setting);
    };

    beforeAll(() => {
      pair = createNamespacePair('doc');
      // Traffic both ways across the router's interface while doctor samples its counters.
      pinger = spawn('ip', ['netns', 'exec', pair.client, 'ping', '-q', '-i', '0.02', pair.routerAddr], {
        stdio: 'ignore',
      });
    });
    afterAll(() => {
      pinger?.kill('SIGKILL');
      pair?.remove();
    });

    it('finds no problem when accounting and timestamps are on and the interface sees both directions', async () => {
      sysctl('net.netfilter.nf_conntrack_acct=1');
      sysctl('net.netfilter.nf_conntrack_timestamp=1');
      const run = await doctor('--json');
      expect(run.code, describeRun(run)).toBe(0);
      const [report] = jsonLines<DoctorJson>(run.stdout);
      expect(report).toMatchObject({ ok: true, problems: 0, interfaces: [pair.routerDev] });
      // veth leaves GRO off and TSO/GSO on: a note, not a problem.
      expect(report!.findings.map((f) => `${f.severity} ${f.check}`)).toEqual([
        'info segmentation-offload-on',
      ]);
    });

    it('names conntrack accounting off, with the sysctl that fixes it, and exits 1', async () => {
      sysctl('net.netfilter.nf_conntrack_acct=0');
      const run = await doctor();
      expect(run.code, describeRun(run)).toBe(1);
      expect(run.stdout).toMatch(/^critical net\.netfilter\.nf_conntrack_acct: Conntrack accounting is off/m);
      expect(run.stdout).toMatch(/^ {9}fix: sysctl -w net\.netfilter\.nf_conntrack_acct=1 /m);
      expect(run.stdout).toMatch(/^1 problem found for capture and conntrack; 1 note$/m);
      // Judged for packet capture alone, conntrack's settings are not a problem.
      const captureOnly = await doctor('--source', 'capture');
      expect(captureOnly.code, describeRun(captureOnly)).toBe(0);
      sysctl('net.netfilter.nf_conntrack_acct=1');
    });

    it('names conntrack timestamps off as a warning', async () => {
      sysctl('net.netfilter.nf_conntrack_timestamp=0');
      const run = await doctor('--json', '--source', 'conntrack');
      expect(run.code, describeRun(run)).toBe(1);
      expect(jsonLines<DoctorJson>(run.stdout)[0]!.findings.map((f) => `${f.severity} ${f.check}`)).toEqual([
        'warning conntrack-timestamps-off',
      ]);
      sysctl('net.netfilter.nf_conntrack_timestamp=1');
    });

    it.skipIf(!hasCommand('ethtool', ['--version']))(
      'names GRO once it is switched on, with the ethtool command that switches it off (needs ethtool)',
      async () => {
        pair.exec(pair.router, 'ethtool', '-K', pair.routerDev, 'gro', 'on');
        const run = await doctor('--json', '--source', 'capture');
        pair.exec(pair.router, 'ethtool', '-K', pair.routerDev, 'gro', 'off');
        expect(run.code, describeRun(run)).toBe(1);
        const finding = jsonLines<DoctorJson>(run.stdout)[0]!.findings.find(
          (f) => f.check === 'receive-offload-on',
        );
        expect(finding).toMatchObject({
          severity: 'warning',
          subject: pair.routerDev,
          fix: `ethtool -K ${pair.routerDev} gro off`,
        });
      },
    );

    it('says when the configured interface does not exist', async () => {
      const run = await runYamori(
        ['doctor', '--interface', 'nosuch0', '--sample-ms', '100', '--source', 'capture'],
        {
          prefix: ['ip', 'netns', 'exec', pair.router],
        },
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^critical nosuch0: The capture interface nosuch0 does not exist/m);
    });
  },
);
