import {
  countHardwareTcFilters,
  fileHasNetRaw,
  hasNetAdmin,
  hasNetRaw,
  parseEthtoolFeatures,
  parseNftFlowtables,
  parseOpenWrtFirewall,
  parseProcNetDev,
  type InterfaceCounters,
} from './read-tool-outputs.js';

/** How much a finding matters: `critical` blinds a source, `warning` makes its numbers wrong, `info` is worth knowing. */
export type FindingSeverity = 'critical' | 'warning' | 'info';

/** Which source a finding is about: packet capture (tcpdump) or `capture --conntrack`. */
export type SelfCheckSource = 'capture' | 'conntrack';

export interface Finding {
  /** A stable name for the check, e.g. "gro-on". */
  check: string;
  severity: FindingSeverity;
  affects: SelfCheckSource[];
  /** An interface name, a file, or "system". */
  subject: string;
  message: string;
  /** The exact command (or config change) that fixes it; null when there is nothing to change. */
  fix: string | null;
}

/**
 * Everything the self-check looks at, read from the machine by `gatherSelfCheckInputs` (or recorded, in
 * tests). Raw texts are kept as the tools printed them; null means "not available" (the tool or file is
 * missing), which the checks report where it matters.
 */
export interface SelfCheckInputs {
  /** Interfaces to check: the configured capture interface, else every interface but loopback. */
  interfaces: string[];
  /** The capture interface from the config or --interface; null when none is set. */
  configuredInterface: string | null;
  /** /proc/net/dev read twice, `sampleMs` apart. */
  netDevBefore: string | null;
  netDevAfter: string | null;
  sampleMs: number;
  /** `ethtool -k IFACE` per interface; the map is empty when ethtool is not installed. */
  ethtool: Record<string, string | null>;
  hasEthtool: boolean;
  /** `tc filter show dev IFACE ingress` per interface. */
  tcFilters: Record<string, string | null>;
  /** `nft list ruleset`; null when nft is missing or could not read it (see nftError). */
  nftRuleset: string | null;
  nftError: string | null;
  /** /etc/config/firewall on OpenWrt; null elsewhere. */
  openWrtFirewall: string | null;
  /** /proc/sys/net/netfilter/nf_conntrack_acct and _timestamp; null when conntrack is not loaded. */
  conntrackAcct: string | null;
  conntrackTimestamp: string | null;
  /** Where the conntrack tool is, or null when it is not on PATH. */
  conntrackPath: string | null;
  /** Where tcpdump is (as configured, or found on PATH), or null when missing. */
  tcpdumpPath: string | null;
  /** `getcap TCPDUMP` output; null when getcap is missing. */
  tcpdumpCapabilities: string | null;
  euid: number;
  /** CapEff from /proc/self/status (hex). */
  capEff: string | null;
}

/** A direction is "silent" when the other saw at least this many packets in the sample and it saw none. */
const ONE_WAY_MIN_PACKETS = 10;

/**
 * What would make Yamori blind or wrong on this machine, each with what to change. Pure: the same
 * inputs give the same findings, so every check is tested with recorded inputs.
 */
export function runSelfCheck(inputs: SelfCheckInputs): Finding[] {
  return [
    ...checkTcpdump(inputs),
    ...checkInterfaces(inputs),
    ...checkFlowOffload(inputs),
    ...checkConntrack(inputs),
  ];
}

function checkTcpdump(inputs: SelfCheckInputs): Finding[] {
  if (inputs.tcpdumpPath === null) {
    return [
      {
        check: 'tcpdump-missing',
        severity: 'critical',
        affects: ['capture'],
        subject: 'system',
        message: 'tcpdump is not installed, so "yamori capture" cannot see packets.',
        fix: 'apt-get install tcpdump   (OpenWrt: opkg install tcpdump)',
      },
    ];
  }
  // Without CapEff (an unusual /proc), root is taken as privileged.
  const isPrivileged = inputs.capEff === null ? inputs.euid === 0 : hasNetRaw(inputs.capEff);
  if (isPrivileged || fileHasNetRaw(inputs.tcpdumpCapabilities)) return [];
  return [
    {
      check: 'tcpdump-unprivileged',
      severity: 'critical',
      affects: ['capture'],
      subject: inputs.tcpdumpPath,
      message: `Yamori runs without CAP_NET_RAW (not as root), and ${inputs.tcpdumpPath} has no capability of its own, so tcpdump cannot open an interface.`,
      fix: `setcap cap_net_raw,cap_net_admin=eip ${inputs.tcpdumpPath}   (or run Yamori as root, or with AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN in its systemd unit)`,
    },
  ];
}

function checkInterfaces(inputs: SelfCheckInputs): Finding[] {
  const findings: Finding[] = [];
  const none = new Map<string, InterfaceCounters>();
  const before = inputs.netDevBefore === null ? none : parseProcNetDev(inputs.netDevBefore);
  const after = inputs.netDevAfter === null ? none : parseProcNetDev(inputs.netDevAfter);
  if (inputs.configuredInterface === null) {
    findings.push({
      check: 'no-capture-interface',
      severity: 'info',
      affects: ['capture'],
      subject: 'config',
      message: `No capture interface is configured; checked every interface (${inputs.interfaces.join(', ') || 'none'}).`,
      fix: 'Set capture.interface in the config, or give --interface to "yamori capture" and "yamori doctor".',
    });
  } else if (after.size > 0 && !after.has(inputs.configuredInterface)) {
    findings.push({
      check: 'interface-missing',
      severity: 'critical',
      affects: ['capture'],
      subject: inputs.configuredInterface,
      message: `The capture interface ${inputs.configuredInterface} does not exist on this machine.`,
      fix: `ip -br link   (then set capture.interface to one of the names it lists)`,
    });
  }
  if (!inputs.hasEthtool) {
    findings.push({
      check: 'ethtool-missing',
      severity: 'info',
      affects: ['capture'],
      subject: 'system',
      message: 'ethtool is not installed, so hardware offloads (GRO, LRO, TSO, tc offload) were not checked.',
      fix: 'apt-get install ethtool   (OpenWrt: opkg install ethtool)',
    });
  }
  for (const name of inputs.interfaces) {
    if (after.size > 0 && !after.has(name)) continue;
    findings.push(...checkOffloads(name, inputs.ethtool[name] ?? null, inputs.tcFilters[name] ?? null));
    const first = before.get(name);
    const second = after.get(name);
    if (first !== undefined && second !== undefined)
      findings.push(...checkDirections(name, first, second, inputs.sampleMs));
  }
  return findings;
}

function checkOffloads(name: string, ethtool: string | null, tcFilters: string | null): Finding[] {
  if (ethtool === null) return [];
  const features = parseEthtoolFeatures(ethtool);
  const findings: Finding[] = [];
  const isOn = (feature: string): boolean => features.get(feature)?.isOn === true;
  const merging = ['generic-receive-offload', 'large-receive-offload', 'rx-gro-hw'].filter(isOn);
  if (merging.length > 0) {
    const changeable = merging.filter((feature) => features.get(feature)?.isFixed !== true);
    const short: Record<string, string> = {
      'generic-receive-offload': 'gro',
      'large-receive-offload': 'lro',
      'rx-gro-hw': 'rx-gro-hw',
    };
    findings.push({
      check: 'receive-offload-on',
      severity: 'warning',
      affects: ['capture'],
      subject: name,
      message:
        `${merging.join(', ')} ${merging.length === 1 ? 'is' : 'are'} on: received TCP segments are merged before capture sees them, ` +
        'so packet counts come out low and sizes above the MTU.' +
        (changeable.length < merging.length
          ? ' The driver does not let some of these be turned off ([fixed]).'
          : ''),
      fix:
        changeable.length > 0
          ? `ethtool -K ${name} ${changeable.map((feature) => `${short[feature]} off`).join(' ')}`
          : null,
    });
  }
  const segmenting = ['tcp-segmentation-offload', 'generic-segmentation-offload'].filter(isOn);
  if (segmenting.length > 0) {
    findings.push({
      check: 'segmentation-offload-on',
      severity: 'info',
      affects: ['capture'],
      subject: name,
      message:
        `${segmenting.join(', ')} ${segmenting.length === 1 ? 'is' : 'are'} on: what this machine sends itself is captured before it is cut into packets, ` +
        'so its own traffic counts fewer, larger packets. Forwarded traffic is not affected.',
      fix: `ethtool -K ${name} tso off gso off`,
    });
  }
  const hardwareFilters = tcFilters === null ? 0 : countHardwareTcFilters(tcFilters);
  if (hardwareFilters > 0) {
    findings.push({
      check: 'tc-hardware-offload',
      severity: 'critical',
      affects: ['capture', 'conntrack'],
      subject: name,
      message: `${hardwareFilters} tc filter${hardwareFilters === 1 ? ' runs' : 's run'} in the network card (in_hw/skip_sw): the packets they handle never reach the CPU, so neither capture nor conntrack sees them.`,
      fix: `tc filter show dev ${name} ingress   (remove the skip_sw filters, or: ethtool -K ${name} hw-tc-offload off)`,
    });
  } else if (isOn('hw-tc-offload')) {
    findings.push({
      check: 'tc-hardware-offload-enabled',
      severity: 'info',
      affects: ['capture', 'conntrack'],
      subject: name,
      message:
        'hw-tc-offload is on, though no tc filter runs in hardware now; one that did would hide its packets.',
      fix: `ethtool -K ${name} hw-tc-offload off`,
    });
  }
  return findings;
}

function checkDirections(
  name: string,
  before: { rxPackets: number; txPackets: number },
  after: { rxPackets: number; txPackets: number },
  sampleMs: number,
): Finding[] {
  const received = after.rxPackets - before.rxPackets;
  const sent = after.txPackets - before.txPackets;
  const seconds = (sampleMs / 1000).toFixed(1);
  if (received <= 0 && sent <= 0) {
    return [
      {
        check: 'no-traffic',
        severity: 'info',
        affects: ['capture'],
        subject: name,
        message: `No packets crossed ${name} in ${seconds} s, so whether it sees both directions could not be checked.`,
        fix: null,
      },
    ];
  }
  const silent =
    received <= 0 && sent >= ONE_WAY_MIN_PACKETS
      ? 'received'
      : sent <= 0 && received >= ONE_WAY_MIN_PACKETS
        ? 'sent'
        : null;
  if (silent === null) return [];
  return [
    {
      check: 'one-direction',
      severity: 'warning',
      affects: ['capture'],
      subject: name,
      message:
        `${name} ${silent === 'sent' ? `received ${received} packets and sent none` : `sent ${sent} packets and received none`} in ${seconds} s. ` +
        'A capture there sees one side of each conversation: flows look unanswered and byte counts cover one direction. ' +
        '(On a mirror port all traffic arrives as received; that is fine only if the switch mirrors both directions.)',
      fix: 'Capture on the router\'s LAN interface, or make the switch mirror the uplink port "both" (ingress and egress), then run "yamori doctor" again.',
    },
  ];
}

function checkFlowOffload(inputs: SelfCheckInputs): Finding[] {
  const findings: Finding[] = [];
  if (inputs.nftError !== null) {
    findings.push({
      check: 'nft-unreadable',
      severity: 'info',
      affects: ['capture', 'conntrack'],
      subject: 'nftables',
      message: `The nftables ruleset could not be read (${inputs.nftError}), so flowtables were not checked.`,
      fix: 'Run "yamori doctor" as root.',
    });
  }
  for (const table of parseNftFlowtables(inputs.nftRuleset ?? '')) {
    const where = `${table.family} ${table.table} flowtable ${table.name}${table.devices.length > 0 ? ` (${table.devices.join(', ')})` : ''}`;
    const deleteCommand = `nft delete flowtable ${table.family} ${table.table} ${table.name}   (after removing the rules that "flow add @${table.name}")`;
    if (table.isHardware) {
      findings.push({
        check: 'hardware-flow-offload',
        severity: 'critical',
        affects: ['capture', 'conntrack'],
        subject: where,
        message:
          'Hardware flow offload (flags offload): after their first packets, offloaded connections are forwarded by the switch chip or NIC, ' +
          'so neither capture nor conntrack sees the rest of them.',
        fix: deleteCommand,
      });
    } else if (!table.hasCounter) {
      findings.push({
        check: 'software-flow-offload-uncounted',
        severity: 'warning',
        affects: ['conntrack'],
        subject: where,
        message:
          'Software flow offload without "counter": offloaded packets bypass the forward path and are not added to conntrack\'s ' +
          'counters, so conntrack flows undercount. (Packet capture on the interfaces still sees them.)',
        fix: `Add "counter" to the flowtable, or: ${deleteCommand}`,
      });
    }
  }
  if (inputs.openWrtFirewall !== null) {
    const openWrt = parseOpenWrtFirewall(inputs.openWrtFirewall);
    if (openWrt.isHardwareOffload) {
      findings.push({
        check: 'openwrt-hardware-flow-offload',
        severity: 'critical',
        affects: ['capture', 'conntrack'],
        subject: '/etc/config/firewall',
        message:
          "OpenWrt's hardware flow offloading is on: offloaded connections never reach the CPU, so capture and conntrack miss them.",
        fix: "uci set firewall.@defaults[0].flow_offloading_hw='0' && uci commit firewall && service firewall restart",
      });
    } else if (openWrt.isSoftwareOffload) {
      findings.push({
        check: 'openwrt-software-flow-offload',
        severity: 'warning',
        affects: ['conntrack'],
        subject: '/etc/config/firewall',
        message:
          "OpenWrt's software flow offloading is on: offloaded connections skip the forward path, and conntrack's counters can miss their packets.",
        fix: "uci set firewall.@defaults[0].flow_offloading='0' && uci commit firewall && service firewall restart",
      });
    }
  }
  return findings;
}

function checkConntrack(inputs: SelfCheckInputs): Finding[] {
  const findings: Finding[] = [];
  if (inputs.conntrackPath === null) {
    findings.push({
      check: 'conntrack-tool-missing',
      severity: 'critical',
      affects: ['conntrack'],
      subject: 'system',
      message:
        'The conntrack tool is not installed, so "yamori capture --conntrack" cannot read connection events.',
      fix: 'apt-get install conntrack   (OpenWrt: opkg install conntrack)',
    });
  } else if (inputs.capEff === null ? inputs.euid !== 0 : !hasNetAdmin(inputs.capEff)) {
    findings.push({
      check: 'conntrack-unprivileged',
      severity: 'critical',
      affects: ['conntrack'],
      subject: 'system',
      message:
        'Yamori runs without CAP_NET_ADMIN (not as root), so conntrack cannot subscribe to connection events.',
      fix: 'Run Yamori as root, or with AmbientCapabilities=CAP_NET_ADMIN in its systemd unit.',
    });
  }
  if (inputs.conntrackAcct === null) {
    findings.push({
      check: 'conntrack-not-loaded',
      severity: 'critical',
      affects: ['conntrack'],
      subject: 'system',
      message:
        'Connection tracking is not loaded in the kernel (no /proc/sys/net/netfilter/nf_conntrack_acct), so there are no connections to read.',
      fix: 'modprobe nf_conntrack nf_conntrack_netlink',
    });
    return findings;
  }
  if (inputs.conntrackAcct.trim() !== '1') {
    findings.push({
      check: 'conntrack-accounting-off',
      severity: 'critical',
      affects: ['conntrack'],
      subject: 'net.netfilter.nf_conntrack_acct',
      message:
        'Conntrack accounting is off: flows from "capture --conntrack" would have no packet or byte counts.',
      fix: 'sysctl -w net.netfilter.nf_conntrack_acct=1 && echo net.netfilter.nf_conntrack_acct=1 > /etc/sysctl.d/90-yamori.conf',
    });
  }
  if (inputs.conntrackTimestamp !== null && inputs.conntrackTimestamp.trim() !== '1') {
    findings.push({
      check: 'conntrack-timestamps-off',
      severity: 'warning',
      affects: ['conntrack'],
      subject: 'net.netfilter.nf_conntrack_timestamp',
      message:
        'Conntrack timestamps are off: a connection that opened before Yamori started (or whose start it had to forget) ' +
        'is stored as starting when it ended.',
      fix: 'sysctl -w net.netfilter.nf_conntrack_timestamp=1 && echo net.netfilter.nf_conntrack_timestamp=1 >> /etc/sysctl.d/90-yamori.conf',
    });
  }
  return findings;
}

/** The findings that count against a clean bill: critical and warning, for the sources asked about. */
export function problemsIn(findings: readonly Finding[], sources: readonly SelfCheckSource[]): Finding[] {
  return findings.filter(
    (finding) => finding.severity !== 'info' && finding.affects.some((source) => sources.includes(source)),
  );
}
