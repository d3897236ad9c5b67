import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOME_NETWORK_DEVICES, SAMPLE_INDICATORS } from '../../src/capture/index.js';
import { describeRun, hasCommand, jsonLines, makeTempDir, runYamori, type RunResult } from './testing.js';

/** A flow as `flows --json` prints it (the fields these tests read). */
interface FlowJson {
  id: string;
  protocol: string;
  src_addr: string;
  dst_addr: string;
  src_port: number;
  dst_port: number;
  first_seen_at: string;
  last_seen_at: string;
  src_packets: number;
  dst_packets: number;
  src_mac: string | null;
  dst_mac: string | null;
  status: string;
  direction: string;
  server_name: string | null;
  dns_name: string | null;
  ingested_at: string;
}

interface DeviceJson {
  mac: string;
  vendor: string | null;
  is_randomised_mac: boolean;
  hostname: string | null;
  addresses: { addr: string }[];
}

const SUMMARY =
  /^imported ([\d,]+) packets from 1 file: ([\d,]+) flows, ([\d,]+) DNS answers, ([\d,]+) malformed, ([\d,]+) not IP; [\d.]+ s \([\d,]+ packets\/s\)\n$/;
const ALL = ['--limit', '1000000'];

const device = (name: string) => {
  const found = HOME_NETWORK_DEVICES.find((d) => d.name === name);
  if (!found) throw new Error(`no sample device ${name}`);
  return found;
};
const camera = device(SAMPLE_INDICATORS.beaconDevice);
const laptop = device(SAMPLE_INDICATORS.badDomainDevice);

const ids = (flows: readonly FlowJson[]): string[] => flows.map((f) => f.id).sort();

/** A flow without what differs between two imports of the same packets (its id and when it was stored). */
const comparable = (flows: readonly FlowJson[]): string[] =>
  flows
    .map((flow) => {
      const { id: _id, ingested_at: _ingestedAt, ...rest } = flow;
      return JSON.stringify(rest);
    })
    .sort();

/**
 * Where a classic pcap's last complete record ends when the file is cut at `cutAt`, and how many records
 * come before it, read from the record headers (little-endian, as the sample writer writes).
 */
function completeRecordsBefore(pcap: Buffer, cutAt: number): { offset: number; packets: number } {
  let offset = 24;
  let packets = 0;
  while (offset + 16 <= cutAt) {
    const next = offset + 16 + pcap.readUInt32LE(offset + 8);
    if (next > cutAt) break;
    offset = next;
    packets++;
  }
  return { offset, packets };
}

describe('yamori, on its own sample capture', () => {
  const dir = makeTempDir('cli');
  const pcap = join(dir, 'home-network.pcap');
  const db = join(dir, 'main.duckdb');
  let written = 0;
  let importRun: RunResult;
  let flows: FlowJson[] = [];

  const yamori = (...args: string[]): Promise<RunResult> => runYamori(['--db', db, ...args]);
  const flowsJson = async (...args: string[]): Promise<FlowJson[]> => {
    const run = await yamori('flows', '--json', ...args);
    expect(run.code, describeRun(run)).toBe(0);
    return jsonLines<FlowJson>(run.stdout);
  };
  /** Imports `args` into a fresh database and returns its flows and the import run. */
  const importInto = async (
    name: string,
    args: string[],
    stdin?: Buffer,
  ): Promise<{ run: RunResult; flows: FlowJson[] }> => {
    const other = join(dir, `${name}.duckdb`);
    const run = await runYamori(['--db', other, 'import', 'pcap', ...args], { stdin });
    const listed = await runYamori(['--db', other, 'flows', '--json', ...ALL]);
    expect(listed.code, describeRun(listed)).toBe(0);
    return { run, flows: jsonLines<FlowJson>(listed.stdout) };
  };

  beforeAll(async () => {
    const sample = await runYamori(['sample', 'pcap', pcap]);
    expect(sample.code, describeRun(sample)).toBe(0);
    written = Number(/^wrote ([\d,]+) packets to /.exec(sample.stdout)?.[1]?.replaceAll(',', ''));
    importRun = await yamori('import', 'pcap', pcap);
    expect(importRun.code, describeRun(importRun)).toBe(0);
    flows = await flowsJson(...ALL);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('sample pcap and import pcap', () => {
    it('writes the sample and imports every packet of it, ending with a one-line summary', () => {
      expect(written).toBeGreaterThan(1000);
      expect(importRun.stdout).toMatch(SUMMARY);
      const [, packets, flowCount, , malformed, nonIp] = SUMMARY.exec(importRun.stdout)!;
      expect(Number(packets!.replaceAll(',', ''))).toBe(written);
      expect(Number(flowCount!.replaceAll(',', ''))).toBe(flows.length);
      expect([malformed, nonIp]).toEqual(['0', '0']);
      // Not a terminal, so no progress bar; nothing went wrong, so nothing on stderr.
      expect(importRun.stderr).toBe('');
    });

    it('prints the summary as JSON with --json', async () => {
      const { run } = await importInto('summary-json', ['--json', pcap]);
      expect(run.code, describeRun(run)).toBe(0);
      expect(jsonLines(run.stdout)).toEqual([
        expect.objectContaining({
          files: 1,
          packets: written,
          flows: flows.length,
          malformed: 0,
          stoppedEarly: null,
        }),
      ]);
    });
  });

  describe('flows', () => {
    it('finds the camera beaconing to the C2 address about once a minute', () => {
      const beacons = flows
        .filter(
          (f) =>
            f.src_addr === camera.ipv4 &&
            f.dst_addr === SAMPLE_INDICATORS.c2Address &&
            f.dst_port === SAMPLE_INDICATORS.c2Port,
        )
        .sort((a, b) => a.first_seen_at.localeCompare(b.first_seen_at));
      // Ten minutes at one beacon a minute; the first may fall just after the start.
      expect(beacons.length).toBeGreaterThanOrEqual(8);
      for (const beacon of beacons) {
        expect(beacon).toMatchObject({ protocol: 'tcp', src_mac: camera.mac, direction: 'outbound' });
      }
      const gapsS = beacons
        .slice(1)
        .map((b, i) => (Date.parse(b.first_seen_at) - Date.parse(beacons[i]!.first_seen_at)) / 1000);
      for (const gap of gapsS)
        expect(Math.abs(gap - SAMPLE_INDICATORS.beaconIntervalS)).toBeLessThanOrEqual(4);
    });

    it('names the laptop’s flow to the bad domain’s address from DNS and from its HTTP Host', () => {
      const visits = flows.filter(
        (f) => f.src_addr === laptop.ipv4 && f.dst_addr === SAMPLE_INDICATORS.badDomainAddress,
      );
      expect(visits.length).toBeGreaterThanOrEqual(1);
      for (const visit of visits) {
        expect(visit).toMatchObject({
          dns_name: SAMPLE_INDICATORS.badDomain,
          server_name: SAMPLE_INDICATORS.badDomain,
          dst_port: 80,
        });
      }
    });

    it('lists newest first and stops at --limit', async () => {
      const sorted = [...flows].sort((a, b) => b.first_seen_at.localeCompare(a.first_seen_at));
      expect(flows.map((f) => f.first_seen_at)).toEqual(sorted.map((f) => f.first_seen_at));
      const five = await flowsJson('--limit', '5');
      expect(five.map((f) => f.id)).toEqual(flows.slice(0, 5).map((f) => f.id));
      const byDefault = await flowsJson();
      expect(byDefault).toHaveLength(Math.min(50, flows.length));
    });

    it('keeps only a device’s flows with --device, whether given its MAC, address or hostname', async () => {
      const expected = ids(flows.filter((f) => f.src_addr === camera.ipv4 || f.dst_addr === camera.ipv4));
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(flows.length);
      for (const key of [camera.mac, camera.ipv4, camera.hostname!]) {
        expect(ids(await flowsJson('--device', key, ...ALL)), `--device ${key}`).toEqual(expected);
      }
    });

    it('keeps only DNS flows with --protocol udp --port 53', async () => {
      const dns = await flowsJson('--protocol', 'udp', '--port', '53', ...ALL);
      const expected = flows.filter((f) => f.protocol === 'udp' && (f.src_port === 53 || f.dst_port === 53));
      expect(expected.length).toBeGreaterThan(10);
      expect(ids(dns)).toEqual(ids(expected));
    });

    it('keeps only flows active at or after --since, as a date-time or a duration', async () => {
      // A whole second, so the millisecond times in the JSON compare exactly as the stored microseconds do.
      const middle = flows[Math.floor(flows.length / 2)]!;
      const since = new Date(Math.floor(Date.parse(middle.last_seen_at) / 1000) * 1000).toISOString();
      const expected = flows.filter((f) => f.last_seen_at >= since);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(flows.length);
      expect(ids(await flowsJson('--since', since, ...ALL))).toEqual(ids(expected));
      // The sample ends now and lasts ten minutes.
      expect(await flowsJson('--since', '2h', ...ALL)).toHaveLength(flows.length);
    });

    it('refuses a --since that is no time with CLI_BAD_VALUE and exit 2', async () => {
      const run = await yamori('flows', '--since', 'yesterday-ish');
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toMatch(/^error CLI_BAD_VALUE: .*--since/);
    });
  });

  describe('devices', () => {
    it('lists exactly the sample’s devices with their OUI vendors, hostnames and addresses', async () => {
      const run = await yamori('devices', '--json');
      expect(run.code, describeRun(run)).toBe(0);
      const devices = jsonLines<DeviceJson>(run.stdout);
      expect(devices.map((d) => d.mac).sort()).toEqual(HOME_NETWORK_DEVICES.map((d) => d.mac).sort());
      for (const truth of HOME_NETWORK_DEVICES) {
        const listed = devices.find((d) => d.mac === truth.mac)!;
        expect(listed, truth.name).toMatchObject({
          vendor: truth.vendor,
          is_randomised_mac: truth.isRandomisedMac,
        });
        if (truth.hostname !== null) expect(listed.hostname, truth.name).toBe(truth.hostname);
        const addresses = listed.addresses.map((a) => a.addr);
        expect(addresses, truth.name).toContain(truth.ipv4);
        if (truth.ipv6 !== null) expect(addresses, truth.name).toContain(truth.ipv6);
      }
    });

    it('marks the randomised MAC in the table', async () => {
      const run = await yamori('devices');
      expect(run.code, describeRun(run)).toBe(0);
      const android = HOME_NETWORK_DEVICES.find((d) => d.isRandomisedMac)!;
      const row = run.stdout.split('\n').find((line) => line.startsWith(android.mac));
      expect(row).toContain('(randomised MAC)');
    });
  });

  describe('dns', () => {
    it('finds the answer for the bad domain with --name', async () => {
      const run = await yamori('dns', '--name', 'badexample', '--json');
      expect(run.code, describeRun(run)).toBe(0);
      expect(jsonLines(run.stdout)).toEqual([
        expect.objectContaining({
          client_addr: laptop.ipv4,
          query_name: SAMPLE_INDICATORS.badDomain,
          answer_type: 'A',
          answer: SAMPLE_INDICATORS.badDomainAddress,
        }),
      ]);
    });
  });

  describe('query', () => {
    it('runs a SELECT over the flow_logs view', async () => {
      const run = await yamori('query', 'SELECT count(*) AS n FROM flow_logs', '--json');
      expect(run.code, describeRun(run)).toBe(0);
      expect(jsonLines(run.stdout)).toEqual([{ n: flows.length }]);
      const table = await yamori('query', 'SELECT count(*) AS n FROM flow_logs');
      expect(table.stdout.split('\n')).toEqual(['n', String(flows.length), '']);
    });

    it('refuses a DELETE with QUERY_NOT_READ_ONLY and exit 2, and the data stays', async () => {
      const run = await yamori('query', 'DELETE FROM flows');
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toMatch(/^error QUERY_NOT_READ_ONLY: /);
      expect(run.stdout).toBe('');
      const count = await yamori('query', 'SELECT count(*) AS n FROM flows', '--json');
      expect(jsonLines(count.stdout)).toEqual([{ n: flows.length }]);
    });
  });

  describe('db info', () => {
    it('reports the schema, the row counts and the flows’ time range as JSON', async () => {
      const run = await yamori('db', 'info', '--json');
      expect(run.code, describeRun(run)).toBe(0);
      const [info] = jsonLines<{
        path: string;
        schemaVersion: number;
        fileSizeBytes: number;
        tables: { name: string; rows: number | null }[];
        flowTimeRange: { firstSeenAt: number; lastSeenAt: number };
      }>(run.stdout);
      expect(info!.path).toBe(db);
      expect(info!.schemaVersion).toBeGreaterThanOrEqual(1);
      expect(info!.fileSizeBytes).toBeGreaterThan(0);
      const rows = Object.fromEntries(info!.tables.map((t) => [t.name, t.rows]));
      expect(rows).toMatchObject({
        flows: flows.length,
        devices: HOME_NETWORK_DEVICES.length,
        flow_logs: null,
      });
      const firstMs = Math.min(...flows.map((f) => Date.parse(f.first_seen_at)));
      const lastMs = Math.max(...flows.map((f) => Date.parse(f.last_seen_at)));
      expect(Math.floor(info!.flowTimeRange.firstSeenAt / 1000)).toBe(firstMs);
      expect(Math.floor(info!.flowTimeRange.lastSeenAt / 1000)).toBe(lastMs);
    });
  });

  describe('other inputs to import pcap', () => {
    it('reads standard input when the file is "-"', async () => {
      const { run, flows: fromStdin } = await importInto('stdin', ['-'], readFileSync(pcap));
      expect(run.code, describeRun(run)).toBe(0);
      expect(comparable(fromStdin)).toEqual(comparable(flows));
    });

    it('reads a gzip-compressed capture', async () => {
      const gz = join(dir, 'home-network.pcap.gz');
      writeFileSync(gz, gzipSync(readFileSync(pcap)));
      const { run, flows: fromGzip } = await importInto('gzip', [gz]);
      expect(run.code, describeRun(run)).toBe(0);
      expect(comparable(fromGzip)).toEqual(comparable(flows));
    });

    const hasEditcap = hasCommand('editcap', ['-h']);
    it.skipIf(!hasEditcap)(
      hasEditcap
        ? 'gives the same flows for the capture converted to pcapng'
        : 'gives the same flows for pcapng (skipped: editcap is not installed)',
      async () => {
        const pcapng = join(dir, 'home-network.pcapng');
        execFileSync('editcap', ['-F', 'pcapng', pcap, pcapng]);
        expect(readFileSync(pcapng).readUInt32BE(0)).toBe(0x0a0d0d0a);
        const { run, flows: fromPcapng } = await importInto('pcapng', [pcapng]);
        expect(run.code, describeRun(run)).toBe(0);
        expect(comparable(fromPcapng)).toEqual(comparable(flows));
      },
    );

    it('imports what a cut-off capture holds, names the byte it stopped at, and exits 1', async () => {
      const whole = readFileSync(pcap);
      const cutAt = Math.floor(whole.length * 0.6) | 1;
      const { offset, packets } = completeRecordsBefore(whole, cutAt);
      expect(offset).toBeLessThan(cutAt); // the cut falls inside a record
      const truncatedPath = join(dir, 'cut.pcap');
      writeFileSync(truncatedPath, whole.subarray(0, cutAt));
      const prefixPath = join(dir, 'prefix.pcap');
      writeFileSync(prefixPath, whole.subarray(0, offset));

      const truncated = await importInto('truncated', [truncatedPath]);
      expect(truncated.run.code, describeRun(truncated.run)).toBe(1);
      expect(truncated.run.stderr).toContain(
        `error PCAP_TRUNCATED: ${truncatedPath} ends in the middle of a record at byte ${offset}; ` +
          `the ${packets} packets before it were imported.`,
      );
      // The summary still says what was imported.
      expect(truncated.run.stdout).toMatch(SUMMARY);
      expect(Number(SUMMARY.exec(truncated.run.stdout)![1]!.replaceAll(',', ''))).toBe(packets);
      // Exactly the flows of the packets before the cut: those of a clean file holding only them.
      const prefix = await importInto('prefix', [prefixPath]);
      expect(prefix.run.code, describeRun(prefix.run)).toBe(0);
      expect(truncated.flows.length).toBeGreaterThan(0);
      expect(comparable(truncated.flows)).toEqual(comparable(prefix.flows));
    });
  });

  describe('errors', () => {
    it('reports a missing capture with INPUT_NOT_FOUND, exit 1, and creates no database', async () => {
      const fresh = join(dir, 'never-created.duckdb');
      const run = await runYamori(['--db', fresh, 'import', 'pcap', join(dir, 'no-such.pcap')]);
      expect(run.code, describeRun(run)).toBe(1);
      expect(run.stderr).toMatch(/^error INPUT_NOT_FOUND: .*no-such\.pcap.*\nhint: /);
      expect(existsSync(fresh)).toBe(false);
      expect(existsSync(fresh + '.wal')).toBe(false);
    });

    it('refuses an unknown flag with CLI_USAGE and exit 2', async () => {
      const run = await yamori('flows', '--bogus');
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toMatch(/^error CLI_USAGE: .*--bogus/);
      expect(run.stdout).toBe('');
    });

    it('names the key and the line of a mistake in the config, with exit 2', async () => {
      const config = join(dir, 'typo.yaml');
      writeFileSync(config, 'sensor: e2e\nflow:\n  tcp_idle_timout_s: 5\n');
      const run = await runYamori(['--config', config, 'config', 'check']);
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toMatch(/^error CONFIG_UNKNOWN_KEY: /);
      expect(run.stderr).toContain('line 3');
      expect(run.stderr).toContain('"flow.tcp_idle_timout_s"');
      expect(run.stderr).toContain('flow.tcp_idle_timeout_s'); // the suggestion

      writeFileSync(config, 'sensor: e2e\nflow:\n  tcp_idle_timeout_s: 5\n');
      const fixed = await runYamori(['--config', config, 'config', 'check']);
      expect(fixed.code, describeRun(fixed)).toBe(0);
      expect(fixed.stdout).toBe(`${config}: ok\n`);
    });
  });

  describe('--quiet', () => {
    it('prints nothing but results', async () => {
      const quietPcap = join(dir, 'quiet.pcap');
      const quietDb = join(dir, 'quiet.duckdb');
      const sample = await runYamori(['--quiet', 'sample', 'pcap', '--minutes', '1', quietPcap]);
      expect([sample.code, sample.stdout, sample.stderr]).toEqual([0, '', '']);
      const imported = await runYamori(['--quiet', '--db', quietDb, 'import', 'pcap', quietPcap]);
      expect([imported.code, imported.stdout, imported.stderr]).toEqual([0, '', '']);
      const listed = await runYamori(['--quiet', '--db', quietDb, 'flows', '--json', '--limit', '3']);
      expect(listed.code, describeRun(listed)).toBe(0);
      expect(listed.stderr).toBe('');
      expect(jsonLines(listed.stdout)).toHaveLength(3);
    });
  });

  describe('demo', () => {
    it('generates, imports and shows the sample network in a folder of its own', async () => {
      const demoDir = join(dir, 'demo');
      const run = await runYamori(['demo', '--no-serve', '--dir', demoDir]);
      expect(run.code, describeRun(run)).toBe(0);
      expect(existsSync(join(demoDir, 'yamori.duckdb'))).toBe(true);
      expect(run.stdout).toContain(`devices on the network (${HOME_NETWORK_DEVICES.length})`);
      for (const d of HOME_NETWORK_DEVICES) expect(run.stdout).toContain(d.mac);
      expect(run.stdout).toMatch(
        new RegExp(
          `${camera.ipv4.replaceAll('.', '\\.')}:\\d+ +${SAMPLE_INDICATORS.c2Address.replaceAll('.', '\\.')}:${SAMPLE_INDICATORS.c2Port}`,
        ),
      );
      const flowRows = run.stdout
        .split('\n')
        .filter((line) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} +(tcp|udp|icmp)/.test(line));
      expect(flowRows).toHaveLength(15);
    });
  });
});
