import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatherSelfCheckInputs } from './gather-self-check-inputs.js';
import {
  countHardwareTcFilters,
  fileHasNetRaw,
  hasNetRaw,
  parseEthtoolFeatures,
  parseNftFlowtables,
  parseOpenWrtFirewall,
  parseProcNetDev,
} from './read-tool-outputs.js';
import { problemsIn, runSelfCheck, type SelfCheckInputs } from './self-check.js';

const fixture = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const GRO_ON = fixture('ethtool-k-virtio-net-gro-on.txt');
const GRO_OFF = fixture('ethtool-k-veth-gro-off.txt');

const netDev = (rows: Record<string, [number, number]>): string =>
  [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    ...Object.entries(rows).map(
      ([name, [rx, tx]]) => `  ${name}: ${rx * 100} ${rx} 0 0 0 0 0 0 ${tx * 100} ${tx} 0 0 0 0 0 0`,
    ),
  ].join('\n');

/** A machine with nothing wrong: root, tcpdump and conntrack present, accounting on, traffic both ways. */
const CLEAN: SelfCheckInputs = {
  interfaces: ['eth1'],
  configuredInterface: 'eth1',
  netDevBefore: netDev({ lo: [10, 10], eth1: [1000, 900] }),
  netDevAfter: netDev({ lo: [10, 10], eth1: [1500, 1300] }),
  sampleMs: 1000,
  ethtool: {
    eth1: GRO_OFF.replace(/tcp-segmentation-offload: on/, 'tcp-segmentation-offload: off').replace(
      /generic-segmentation-offload: on/,
      'generic-segmentation-offload: off',
    ),
  },
  hasEthtool: true,
  tcFilters: { eth1: '' },
  nftRuleset:
    'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n',
  nftError: null,
  openWrtFirewall: null,
  conntrackAcct: '1\n',
  conntrackTimestamp: '1\n',
  conntrackPath: '/usr/sbin/conntrack',
  tcpdumpPath: '/usr/bin/tcpdump',
  tcpdumpCapabilities: '',
  euid: 0,
  capEff: '000001ffffffffff',
};

/** nft list ruleset of an OpenWrt fw4 router with hardware offload, and a second, software flowtable. */
const FLOWTABLES = `table inet fw4 {
\tflowtable ft {
\t\thook ingress priority filter
\t\tdevices = { "lan1", "wan" }
\t\tflags offload
\t\tcounter
\t}

\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t\tmeta l4proto { tcp, udp } flow add @ft
\t}
}
table ip plain {
\tflowtable soft {
\t\thook ingress priority 0
\t\tdevices = { eth0, eth1 }
\t}

\tchain forward {
\t\ttype filter hook forward priority 0; policy accept;
\t\tip protocol tcp flow offload @soft
\t}
}
`;

const OPENWRT_FIREWALL = `
config defaults
\toption syn_flood '1'
\toption input 'REJECT'
\toption forward 'REJECT'
\toption flow_offloading '1'
\toption flow_offloading_hw '0'

config zone
\toption name 'lan'
\toption flow_offloading_hw '1'
`;

const TC_HW_FILTERS = `filter protocol ip pref 1 flower chain 0
filter protocol ip pref 1 flower chain 0 handle 0x1
  eth_type ipv4
  ip_proto tcp
  skip_sw
  in_hw in_hw_count 1
\taction order 1: mirred (Egress Redirect to device eth2) stolen
filter protocol ip pref 2 flower chain 0 handle 0x2
  eth_type ipv4
  not_in_hw
`;

const checks = (inputs: Partial<SelfCheckInputs>): string[] =>
  runSelfCheck({ ...CLEAN, ...inputs })
    .map((f) => `${f.severity} ${f.check} ${f.subject}`)
    .sort();

describe('runSelfCheck', () => {
  it('finds nothing on a machine with nothing wrong', () => {
    expect(runSelfCheck(CLEAN)).toEqual([]);
  });

  const cases: { description: string; inputs: Partial<SelfCheckInputs>; findings: string[]; fix?: RegExp }[] =
    [
      {
        description: 'GRO on, with hardware GRO the driver will not turn off',
        inputs: { ethtool: { eth1: GRO_ON } },
        findings: ['info segmentation-offload-on eth1', 'warning receive-offload-on eth1'],
        fix: /^ethtool -K eth1 gro off$/,
      },
      {
        description: 'tc filters that run in the network card',
        inputs: { tcFilters: { eth1: TC_HW_FILTERS } },
        findings: ['critical tc-hardware-offload eth1'],
        fix: /tc filter show dev eth1 ingress/,
      },
      {
        description: 'an interface that only receives',
        inputs: { netDevAfter: netDev({ lo: [10, 10], eth1: [1500, 900] }) },
        findings: ['warning one-direction eth1'],
      },
      {
        description: 'an interface that only sends',
        inputs: { netDevAfter: netDev({ lo: [10, 10], eth1: [1000, 1300] }) },
        findings: ['warning one-direction eth1'],
      },
      {
        description: 'an interface with no traffic in the sample',
        inputs: { netDevAfter: CLEAN.netDevBefore },
        findings: ['info no-traffic eth1'],
      },
      {
        description: 'a configured interface that does not exist',
        inputs: { interfaces: ['eth9'], configuredInterface: 'eth9' },
        findings: ['critical interface-missing eth9'],
      },
      {
        description: 'no configured interface',
        inputs: { configuredInterface: null },
        findings: ['info no-capture-interface config'],
      },
      {
        description: 'hardware flow offload and a software flowtable without counter',
        inputs: { nftRuleset: FLOWTABLES },
        findings: [
          'critical hardware-flow-offload inet fw4 flowtable ft (lan1, wan)',
          'warning software-flow-offload-uncounted ip plain flowtable soft (eth0, eth1)',
        ],
      },
      {
        description: "OpenWrt's software flow offloading (zone options do not count)",
        inputs: { openWrtFirewall: OPENWRT_FIREWALL },
        findings: ['warning openwrt-software-flow-offload /etc/config/firewall'],
        fix: /flow_offloading='0'/,
      },
      {
        description: "OpenWrt's hardware flow offloading",
        inputs: {
          openWrtFirewall: OPENWRT_FIREWALL.replace("flow_offloading_hw '0'", "flow_offloading_hw '1'"),
        },
        findings: ['critical openwrt-hardware-flow-offload /etc/config/firewall'],
        fix: /flow_offloading_hw='0'/,
      },
      {
        description: 'conntrack accounting off',
        inputs: { conntrackAcct: '0\n' },
        findings: ['critical conntrack-accounting-off net.netfilter.nf_conntrack_acct'],
        fix: /^sysctl -w net\.netfilter\.nf_conntrack_acct=1/,
      },
      {
        description: 'conntrack timestamps off',
        inputs: { conntrackTimestamp: '0\n' },
        findings: ['warning conntrack-timestamps-off net.netfilter.nf_conntrack_timestamp'],
        fix: /^sysctl -w net\.netfilter\.nf_conntrack_timestamp=1/,
      },
      {
        description: 'connection tracking not loaded',
        inputs: { conntrackAcct: null, conntrackTimestamp: null },
        findings: ['critical conntrack-not-loaded system'],
        fix: /modprobe nf_conntrack/,
      },
      {
        description: 'no conntrack tool',
        inputs: { conntrackPath: null },
        findings: ['critical conntrack-tool-missing system'],
        fix: /apt-get install conntrack/,
      },
      {
        description: 'no tcpdump',
        inputs: { tcpdumpPath: null },
        findings: ['critical tcpdump-missing system'],
        fix: /apt-get install tcpdump/,
      },
      {
        description: 'not root, and a tcpdump without capabilities',
        inputs: { euid: 1000, capEff: '0000000000000000' },
        findings: [
          'critical conntrack-unprivileged system',
          'critical tcpdump-unprivileged /usr/bin/tcpdump',
        ],
        fix: /setcap cap_net_raw,cap_net_admin=eip \/usr\/bin\/tcpdump/,
      },
      {
        description: 'not root, but tcpdump has its capabilities (getcap)',
        inputs: {
          euid: 1000,
          capEff: '0000000000000000',
          tcpdumpCapabilities: '/usr/bin/tcpdump cap_net_admin,cap_net_raw=eip\n',
        },
        findings: ['critical conntrack-unprivileged system'],
      },
      {
        description: 'an nft ruleset that could not be read',
        inputs: { nftRuleset: null, nftError: 'Operation not permitted' },
        findings: ['info nft-unreadable nftables'],
      },
      {
        description: 'no ethtool',
        inputs: { ethtool: {}, hasEthtool: false },
        findings: ['info ethtool-missing system'],
      },
    ];
  for (const c of cases) {
    it(`reports ${c.description}`, () => {
      expect(checks(c.inputs)).toEqual([...c.findings].sort());
      if (c.fix !== undefined) {
        const fixes = runSelfCheck({ ...CLEAN, ...c.inputs }).map((f) => f.fix ?? '');
        expect(
          fixes.some((fix) => c.fix!.test(fix)),
          fixes.join('\n'),
        ).toBe(true);
      }
    });
  }

  it('counts critical and warning findings as problems only for the sources asked about', () => {
    const findings = runSelfCheck({ ...CLEAN, conntrackAcct: '0', ethtool: { eth1: GRO_ON } });
    expect(problemsIn(findings, ['capture']).map((f) => f.check)).toEqual(['receive-offload-on']);
    expect(problemsIn(findings, ['conntrack']).map((f) => f.check)).toEqual(['conntrack-accounting-off']);
    expect(problemsIn(findings, ['capture', 'conntrack'])).toHaveLength(2);
  });
});

describe('the tool output readers', () => {
  it('read ethtool features, with [fixed] marking what the driver will not change', () => {
    const features = parseEthtoolFeatures(GRO_ON);
    expect(features.get('generic-receive-offload')).toEqual({ isOn: true, isFixed: false });
    expect(features.get('rx-gro-hw')).toEqual({ isOn: true, isFixed: true });
    expect(features.get('large-receive-offload')).toEqual({ isOn: false, isFixed: true });
    expect(parseEthtoolFeatures(GRO_OFF).get('generic-receive-offload')?.isOn).toBe(false);
  });

  it('read /proc/net/dev counters per interface', () => {
    expect(parseProcNetDev(netDev({ eth1: [5, 7] })).get('eth1')).toEqual({
      rxBytes: 500,
      rxPackets: 5,
      txBytes: 700,
      txPackets: 7,
    });
  });

  it('read flowtables, their devices and flags, and whether a rule uses them', () => {
    expect(parseNftFlowtables(FLOWTABLES)).toEqual([
      {
        family: 'inet',
        table: 'fw4',
        name: 'ft',
        devices: ['lan1', 'wan'],
        isHardware: true,
        hasCounter: true,
        isUsed: true,
      },
      {
        family: 'ip',
        table: 'plain',
        name: 'soft',
        devices: ['eth0', 'eth1'],
        isHardware: false,
        hasCounter: false,
        isUsed: true,
      },
    ]);
  });

  it("read OpenWrt's defaults section only", () => {
    expect(parseOpenWrtFirewall(OPENWRT_FIREWALL)).toEqual({
      isSoftwareOffload: true,
      isHardwareOffload: false,
    });
  });

  it('count tc filters in hardware, not those marked not_in_hw', () => {
    expect(countHardwareTcFilters(TC_HW_FILTERS)).toBe(2);
    expect(countHardwareTcFilters('')).toBe(0);
  });

  it('read capabilities from CapEff and from getcap', () => {
    expect(hasNetRaw('000001fffeffffff')).toBe(true);
    expect(hasNetRaw('0000000000001000')).toBe(false);
    expect(hasNetRaw(null)).toBe(false);
    expect(fileHasNetRaw('/usr/bin/tcpdump cap_net_raw+ep')).toBe(true);
    expect(fileHasNetRaw('/usr/bin/tcpdump cap_net_raw=i')).toBe(false);
    expect(fileHasNetRaw('')).toBe(false);
  });
});

const hasEthtool = spawnSync('ethtool', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!existsSync('/proc/net/dev'))('gatherSelfCheckInputs on this machine (needs /proc)', () => {
  it('reads the machine, and the findings agree with what the files and tools say when read directly', async () => {
    const inputs = await gatherSelfCheckInputs({ interface: null, tcpdumpPath: 'tcpdump', sampleMs: 200 });
    const findings = runSelfCheck(inputs);
    expect(inputs.interfaces).not.toContain('lo');
    const acct = existsSync('/proc/sys/net/netfilter/nf_conntrack_acct')
      ? readFileSync('/proc/sys/net/netfilter/nf_conntrack_acct', 'utf8').trim()
      : null;
    expect(inputs.conntrackAcct?.trim() ?? null).toBe(acct);
    expect(findings.some((f) => f.check === 'conntrack-accounting-off')).toBe(acct !== null && acct !== '1');
    expect(findings.some((f) => f.check === 'tcpdump-missing')).toBe(
      spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).error !== undefined,
    );
    if (hasEthtool) {
      for (const name of inputs.interfaces) {
        const text = execFileSync('ethtool', ['-k', name], { encoding: 'utf8' });
        const isGroOn =
          /^generic-receive-offload: on/m.test(text) ||
          /^rx-gro-hw: on/m.test(text) ||
          /^large-receive-offload: on/m.test(text);
        expect(
          findings.some((f) => f.check === 'receive-offload-on' && f.subject === name),
          name,
        ).toBe(isGroOn);
      }
    }
  });
});
