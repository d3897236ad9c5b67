/**
 * A dashboard to test against: a fresh database filled the way a user fills one (Yamori's sample
 * capture imported, two list feeds loaded from files, the rules run, so there are devices, flows and
 * alerts), then `yamori web` started on a free loopback port. The browser bundle is built first, so
 * the server serves what `npm run build` makes.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_INDICATORS } from '../../src/capture/index.js';
import {
  collect,
  describeRun,
  makeTempDir,
  REPO_ROOT,
  runYamori,
  startYamori,
  type RunResult,
} from './testing.js';

export interface Dashboard {
  url: string;
  password: string;
  dir: string;
  /** Runs the CLI on the same database (only while the server is stopped: it holds the file). */
  yamori(...args: string[]): Promise<RunResult>;
  /** Stops the server; resolves with what it printed. */
  stop(): Promise<RunResult>;
}

/** Fills a database in a new temp folder; `beforeServe` runs CLI verbs before the server takes the file. */
export async function startDashboard(
  label: string,
  beforeServe: (yamori: Dashboard['yamori']) => Promise<void> = () => Promise.resolve(),
): Promise<Dashboard> {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts'], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  const dir = makeTempDir(label);
  const db = join(dir, 'yamori.duckdb');
  const config = join(dir, 'yamori.yaml');
  writeFileSync(
    config,
    [
      'intel:',
      '  feeds:',
      '    c2-list: { url: "http://127.0.0.1:9/c2.txt", format: text-list, type: ipv4, threat: botnet_cc }',
      '    bad-domains: { url: "http://127.0.0.1:9/domains.txt", format: text-list, type: domain, threat: malware_download }',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'c2.txt'), `${SAMPLE_INDICATORS.c2Address}\n`);
  writeFileSync(join(dir, 'domains.txt'), `${SAMPLE_INDICATORS.badDomain}\n`);
  const yamori = (...args: string[]): Promise<RunResult> =>
    runYamori(['--db', db, '--config', config, ...args]);
  const must = async (...args: string[]): Promise<void> => {
    const result = await yamori(...args);
    if (result.code !== 0) throw new Error(`yamori ${args.join(' ')} failed\n${describeRun(result)}`);
  };
  await must('sample', 'pcap', join(dir, 'home.pcap'));
  await must('import', 'pcap', join(dir, 'home.pcap'));
  await must('feeds', 'update', 'c2-list', '--file', join(dir, 'c2.txt'));
  await must('feeds', 'update', 'bad-domains', '--file', join(dir, 'domains.txt'));
  await must('rules', 'run');
  await beforeServe(yamori);

  const child = startYamori(['--db', db, '--config', config, 'web', '--listen', '127.0.0.1:0']);
  const done = collect(child, 600_000);
  const { url, password } = await readBanner(child, done);
  return {
    url,
    password,
    dir,
    yamori,
    async stop() {
      child.kill('SIGTERM');
      return done;
    },
  };
}

/** Waits for the lines `yamori web` prints when it is ready: the URL and the one-time password. */
function readBanner(
  child: ChildProcess,
  done: Promise<RunResult>,
): Promise<{ url: string; password: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`yamori web printed no URL in 60 s:\n${text}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const url = /^dashboard: (http:\/\/\S+)$/m.exec(text)?.[1];
      const password = /one-time password: (\S+)$/m.exec(text)?.[1];
      if (url !== undefined && password !== undefined) {
        clearTimeout(timer);
        resolve({ url, password });
      }
    });
    done.then((result) => {
      clearTimeout(timer);
      reject(new Error(`yamori web exited before it was ready\n${describeRun(result)}`));
    }, reject);
  });
}
