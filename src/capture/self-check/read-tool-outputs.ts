/**
 * Readers for what the self-check looks at: /proc files and the text output of ethtool, tc, nft and
 * getcap, and OpenWrt's firewall config. Pure: text in, facts out; unknown lines are ignored.
 */

/** One `ethtool -k` feature: on or off, and whether the driver lets it be changed. */
export interface EthtoolFeature {
  isOn: boolean;
  isFixed: boolean;
}

/** `ethtool -k IFACE` output as feature name → state ("generic-receive-offload: on [fixed]"). */
export function parseEthtoolFeatures(text: string): Map<string, EthtoolFeature> {
  const features = new Map<string, EthtoolFeature>();
  for (const line of text.split('\n')) {
    const match = /^\s*([a-z0-9_-]+):\s+(on|off)(\s+\[(?:fixed|requested [a-z]+)\])?/.exec(line);
    if (match === null) continue;
    features.set(match[1]!, { isOn: match[2] === 'on', isFixed: (match[3] ?? '').includes('fixed') });
  }
  return features;
}

export interface InterfaceCounters {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

/** /proc/net/dev as interface → counters. */
export function parseProcNetDev(text: string): Map<string, InterfaceCounters> {
  const counters = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (name === '' || fields.length < 16 || fields.some(Number.isNaN)) continue;
    counters.set(name, {
      rxBytes: fields[0]!,
      rxPackets: fields[1]!,
      txBytes: fields[8]!,
      txPackets: fields[9]!,
    });
  }
  return counters;
}

/** An nftables flowtable: connections it takes over skip the forward path after their first packets. */
export interface NftFlowtable {
  family: string;
  table: string;
  name: string;
  devices: string[];
  /** `flags offload`: handed to the network hardware, so the CPU never sees those packets. */
  isHardware: boolean;
  /** `counter`: offloaded packets are still added to conntrack's counters. */
  hasCounter: boolean;
  /** A rule sends connections to it (`flow add @name`, `flow offload @name`). */
  isUsed: boolean;
}

/** The flowtables in `nft list ruleset` output, and whether any rule uses each. */
export function parseNftFlowtables(text: string): NftFlowtable[] {
  const flowtables: NftFlowtable[] = [];
  let family = '';
  let table = '';
  let current: NftFlowtable | null = null;
  const used = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/;$/, '');
    const tableMatch = /^table\s+(\S+)\s+(\S+)\s*\{/.exec(line);
    if (tableMatch !== null) {
      family = tableMatch[1]!;
      table = tableMatch[2]!;
      continue;
    }
    const flowtableMatch = /^flowtable\s+(\S+)\s*\{/.exec(line);
    if (flowtableMatch !== null) {
      current = {
        family,
        table,
        name: flowtableMatch[1]!,
        devices: [],
        isHardware: false,
        hasCounter: false,
        isUsed: false,
      };
      flowtables.push(current);
      continue;
    }
    for (const use of line.matchAll(/flow\s+(?:add|offload)\s+@(\S+)/g))
      used.add(`${family} ${table} ${use[1]}`);
    if (current === null) continue;
    if (line === '}') {
      current = null;
      continue;
    }
    const devices = /^devices\s*=\s*\{?\s*([^}]*)\}?/.exec(line);
    if (devices !== null) {
      current.devices = devices[1]!
        .split(',')
        .map((device) => device.trim().replace(/^"|"$/g, ''))
        .filter((device) => device !== '');
    }
    if (/^flags\s+.*\boffload\b/.test(line)) current.isHardware = true;
    if (/^counter\b/.test(line)) current.hasCounter = true;
  }
  for (const flowtable of flowtables) {
    flowtable.isUsed = used.has(`${flowtable.family} ${flowtable.table} ${flowtable.name}`);
  }
  return flowtables;
}

/** OpenWrt's firewall defaults: software (`flow_offloading`) and hardware (`flow_offloading_hw`) flow offload. */
export function parseOpenWrtFirewall(text: string): {
  isSoftwareOffload: boolean;
  isHardwareOffload: boolean;
} {
  let isDefaults = false;
  const result = { isSoftwareOffload: false, isHardwareOffload: false };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const section = /^config\s+(\S+)/.exec(line);
    if (section !== null) {
      isDefaults = section[1]!.replace(/['"]/g, '') === 'defaults';
      continue;
    }
    const option = /^option\s+(\S+)\s+['"]?([^'"\s]*)['"]?/.exec(line);
    if (!isDefaults || option === null) continue;
    const isOn = option[2] === '1' || option[2] === 'true' || option[2] === 'on' || option[2] === 'yes';
    if (option[1] === 'flow_offloading') result.isSoftwareOffload = isOn;
    if (option[1] === 'flow_offloading_hw') result.isHardwareOffload = isOn;
  }
  return result;
}

/** tc filters (`tc filter show dev IFACE ingress`) that run in the network card: `in_hw` or `skip_sw`. */
export function countHardwareTcFilters(text: string): number {
  let count = 0;
  for (const line of text.split('\n')) {
    if (/(^|\s)(skip_sw|in_hw)(\s|$)/.test(line) && !/not_in_hw/.test(line)) count++;
  }
  return count;
}

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** Whether the CapEff mask from /proc/self/status (hex) holds CAP_NET_RAW. */
export function hasNetRaw(capEffHex: string | null): boolean {
  return hasCapability(capEffHex, CAP_NET_RAW);
}

export function hasNetAdmin(capEffHex: string | null): boolean {
  return hasCapability(capEffHex, CAP_NET_ADMIN);
}

function hasCapability(capEffHex: string | null, bit: number): boolean {
  if (capEffHex === null || !/^[0-9a-fA-F]+$/.test(capEffHex)) return false;
  return ((BigInt(`0x${capEffHex}`) >> BigInt(bit)) & 1n) === 1n;
}

/** The CapEff line of /proc/self/status. */
export function capEffOf(status: string): string | null {
  return /^CapEff:\s*([0-9a-fA-F]+)/m.exec(status)?.[1] ?? null;
}

/**
 * Whether `getcap FILE` output gives the program CAP_NET_RAW whoever runs it: the capability in a
 * clause with the effective and permitted flags ("cap_net_admin,cap_net_raw=eip", "cap_net_raw+ep").
 */
export function fileHasNetRaw(getcapOutput: string | null): boolean {
  if (getcapOutput === null) return false;
  for (const clause of getcapOutput.trim().split(/\s+/).slice(1)) {
    const match = /^([a-z_,]+)[=+]([eip]+)$/.exec(clause);
    if (match === null) continue;
    const names = match[1]!.split(',');
    if (
      (names.includes('cap_net_raw') || names.includes('all')) &&
      match[2]!.includes('e') &&
      match[2]!.includes('p')
    )
      return true;
  }
  return false;
}
