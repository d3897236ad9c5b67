/**
 * Two network namespaces joined by a veth pair, made for one test file and removed after it: "router"
 * (where yamori runs) and "client". Every packet stays between them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { hasCommand } from './testing.js';

export interface NamespacePair {
  router: string;
  client: string;
  routerDev: string;
  clientDev: string;
  routerAddr: string;
  clientAddr: string;
  /** Runs a command in a namespace and returns its standard output. */
  exec(ns: string, ...argv: string[]): string;
  remove(): void;
}

/** Why namespaces (and the tools a test names, each with arguments that make it exit 0) cannot be used here; null when they can. */
export function namespaceSkipReason(...tools: [name: string, args: string[]][]): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!hasCommand('ip', ['-V'])) return 'ip (iproute2) is not installed';
  for (const [tool, args] of tools) if (!hasCommand(tool, args)) return `${tool} is not installed`;
  return null;
}

export function createNamespacePair(label: string): NamespacePair {
  const tag = `${process.pid % 100_000}${randomInt(10, 99)}`;
  const router = `ymr-${label}r-${tag}`;
  const client = `ymr-${label}c-${tag}`;
  const routerDev = `y${label}r${tag}`.slice(0, 15);
  const clientDev = `y${label}c${tag}`.slice(0, 15);
  const subnet = `10.215.${randomInt(0, 256)}`;
  const run = (...argv: string[]): string =>
    execFileSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
  run('ip', 'netns', 'add', router);
  run('ip', 'netns', 'add', client);
  run(
    'ip',
    '-n',
    router,
    'link',
    'add',
    routerDev,
    'type',
    'veth',
    'peer',
    'name',
    clientDev,
    'netns',
    client,
  );
  for (const [ns, dev, addr] of [
    [router, routerDev, `${subnet}.1`],
    [client, clientDev, `${subnet}.2`],
  ] as const) {
    // No IPv6: neighbour discovery would add packets no test made.
    for (const name of ['all', 'default', dev])
      run('ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${name}.disable_ipv6=1`);
    run('ip', '-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
    run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    run('ip', '-n', ns, 'link', 'set', dev, 'up');
  }
  return {
    router,
    client,
    routerDev,
    clientDev,
    routerAddr: `${subnet}.1`,
    clientAddr: `${subnet}.2`,
    exec: (ns, ...argv) => run('ip', 'netns', 'exec', ns, ...argv),
    remove: () => {
      for (const ns of [router, client]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    },
  };
}
