import { execFile } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { capEffOf, parseProcNetDev } from './read-tool-outputs.js';
import type { SelfCheckInputs } from './self-check.js';

export interface GatherOptions {
  /** The capture interface from --interface or the config; null checks every interface but loopback. */
  interface: string | null;
  /** tcpdump as configured (capture.tcpdump_path): a name on PATH or a full path. */
  tcpdumpPath: string;
  /** How long to watch the interface counters; default 1 s. */
  sampleMs?: number;
  /** Root of the files read (/proc, /etc); "/" by default, another folder in tests. */
  root?: string;
  env?: NodeJS.ProcessEnv;
}

const TOOL_TIMEOUT_MS = 5000;

/**
 * Reads what `runSelfCheck` looks at from this machine, in the network namespace this process runs in:
 * /proc/net/dev twice, the conntrack sysctls, /etc/config/firewall, `ethtool -k` and `tc filter show`
 * for each interface, `nft list ruleset`, where tcpdump and conntrack are, tcpdump's file capabilities
 * and this process's own. A tool that is missing or fails leaves its part null; nothing here throws.
 */
export async function gatherSelfCheckInputs(options: GatherOptions): Promise<SelfCheckInputs> {
  const root = options.root ?? '/';
  const env = options.env ?? process.env;
  const sampleMs = options.sampleMs ?? 1000;
  const file = (path: string): Promise<string | null> => readFile(join(root, path), 'utf8').catch(() => null);

  const netDevBefore = await file('proc/net/dev');
  const sampled = new Promise((resolve) => setTimeout(resolve, sampleMs));
  const known = netDevBefore === null ? [] : [...parseProcNetDev(netDevBefore).keys()];
  // Without a configured interface: every interface that is not loopback and not down.
  const states = await Promise.all(known.map((name) => file(`sys/class/net/${name}/operstate`)));
  const interfaces =
    options.interface !== null
      ? [options.interface]
      : known.filter((name, i) => name !== 'lo' && states[i]?.trim() !== 'down');
  const ethtoolPath = await findCommand('ethtool', env);
  const tcPath = await findCommand('tc', env);
  const nftPath = await findCommand('nft', env);
  const getcapPath = await findCommand('getcap', env);
  const tcpdumpPath = await findCommand(options.tcpdumpPath, env);
  const conntrackPath = await findCommand('conntrack', env);
  const perInterface = async (
    path: string | null,
    args: (name: string) => string[],
  ): Promise<Record<string, string | null>> => {
    const result: Record<string, string | null> = {};
    if (path === null) return result;
    for (const name of interfaces) result[name] = (await run(path, args(name))).stdout;
    return result;
  };
  const ethtool = await perInterface(ethtoolPath, (name) => ['-k', name]);
  const tcFilters = await perInterface(tcPath, (name) => ['filter', 'show', 'dev', name, 'ingress']);
  const nft = nftPath === null ? null : await run(nftPath, ['list', 'ruleset']);
  const tcpdumpCapabilities =
    getcapPath === null || tcpdumpPath === null ? null : (await run(getcapPath, [tcpdumpPath])).stdout;
  const status = await file('proc/self/status');
  const openWrtFirewall = await file('etc/config/firewall');
  const conntrackAcct = await file('proc/sys/net/netfilter/nf_conntrack_acct');
  const conntrackTimestamp = await file('proc/sys/net/netfilter/nf_conntrack_timestamp');
  await sampled;
  const netDevAfter = await file('proc/net/dev');
  return {
    interfaces,
    configuredInterface: options.interface,
    netDevBefore,
    netDevAfter,
    sampleMs,
    ethtool,
    hasEthtool: ethtoolPath !== null,
    tcFilters,
    nftRuleset: nft?.stdout ?? null,
    nftError: nft !== null && nft.stdout === null ? nft.error : null,
    openWrtFirewall,
    conntrackAcct,
    conntrackTimestamp,
    conntrackPath,
    tcpdumpPath,
    tcpdumpCapabilities,
    euid: process.geteuid?.() ?? -1,
    capEff: status === null ? null : capEffOf(status),
  };
}

/** The full path of a command: as given when it has a slash, else the first executable on PATH (and the sbin folders). */
async function findCommand(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const isExecutable = (path: string): Promise<boolean> =>
    access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
  if (name.includes('/')) return (await isExecutable(name)) && isAbsolute(name) ? name : null;
  // Tools like ethtool, tc, nft and conntrack live in sbin, which a user's PATH may lack.
  const folders = [...(env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(
    (folder) => folder !== '',
  );
  for (const folder of folders) {
    const path = join(folder, name);
    if (await isExecutable(path)) return path;
  }
  return null;
}

/** Runs a tool; stdout when it exited 0, else null with what it said. */
function run(command: string, args: string[]): Promise<{ stdout: string | null; error: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve({ stdout, error: '' });
        else resolve({ stdout: null, error: (stderr.trim() || error.message).split('\n')[0]! });
      },
    );
  });
}
