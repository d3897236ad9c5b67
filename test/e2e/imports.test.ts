import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRun, jsonLines, makeTempDir, REPO_ROOT, runYamori } from './testing.js';

/**
 * `yamori import zeek` and `yamori import eve` through the built binary: what they print, the exit
 * status, and what `flows` and `dns` then show. The Zeek logs are written here in Zeek's TSV and JSON
 * forms (the shared baselines mask their timestamps; test/zeek-import-vs-pcap.test.ts uses those);
 * the eve.json files are the hand-written fixtures in test/fixtures/eve.
 */

interface FlowJson {
  protocol: string;
  src_addr: string;
  src_port: number;
  dst_addr: string;
  dst_port: number;
  first_seen_at: string;
  src_packets: number;
  dst_bytes: number;
  status: string;
  direction: string;
  sensor: string;
  server_name: string | null;
  dns_name: string | null;
  ja4: string | null;
  tls_version: string | null;
}

const dir = makeTempDir('imports');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const eveFixtures = resolve(REPO_ROOT, 'test/fixtures/eve');
const zeekShared = resolve(REPO_ROOT, '../shared/pcaps/zeek');

const header = (path: string, fields: string[]): string =>
  [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    `#path\t${path}`,
    `#fields\t${fields.join('\t')}`,
  ].join('\n');

function writeZeekLogs(): { conn: string; ssl: string; dns: string } {
  const conn = join(dir, 'conn.log.gz');
  writeFileSync(
    conn,
    gzipSync(
      [
        header('conn', [
          'ts',
          'uid',
          'id.orig_h',
          'id.orig_p',
          'id.resp_h',
          'id.resp_p',
          'proto',
          'service',
          'duration',
          'orig_bytes',
          'resp_bytes',
          'conn_state',
          'history',
          'orig_pkts',
          'orig_ip_bytes',
          'resp_pkts',
          'resp_ip_bytes',
        ]),
        [
          '1705320000.500000',
          'CAbc1',
          '192.168.1.20',
          '50001',
          '203.0.113.9',
          '443',
          'tcp',
          'ssl',
          '2.500000',
          '1100',
          '11560',
          'SF',
          'ShADadFf',
          '14',
          '1840',
          '16',
          '12400',
        ].join('\t'),
        [
          '1705320001.000000',
          'CAbc2',
          '192.168.1.20',
          '40001',
          '192.168.1.1',
          '53',
          'udp',
          'dns',
          '0.000400',
          '38',
          '54',
          'SF',
          'Dd',
          '1',
          '66',
          '1',
          '82',
        ].join('\t'),
        'this line is not a record',
        '',
      ].join('\n'),
    ),
  );
  const ssl = join(dir, 'ssl.log');
  writeFileSync(
    ssl,
    [
      header('ssl', [
        'ts',
        'uid',
        'id.orig_h',
        'id.orig_p',
        'id.resp_h',
        'id.resp_p',
        'version',
        'cipher',
        'server_name',
        'ja4',
      ]),
      [
        '1705320000.600000',
        'CAbc1',
        '192.168.1.20',
        '50001',
        '203.0.113.9',
        '443',
        'TLSv13',
        'TLS_AES_128_GCM_SHA256',
        'shop.example',
        't13d1516h2_8daaf6152771_b0da82dd1658',
      ].join('\t'),
      '',
    ].join('\n'),
  );
  const dns = join(dir, 'dns.json');
  writeFileSync(
    dns,
    JSON.stringify({
      ts: '2024-01-15T12:00:00.100000Z',
      uid: 'CAbc0',
      'id.orig_h': '192.168.1.20',
      'id.orig_p': 40000,
      'id.resp_h': '192.168.1.1',
      'id.resp_p': 53,
      proto: 'udp',
      query: 'shop.example',
      qtype_name: 'A',
      rcode_name: 'NOERROR',
      answers: ['203.0.113.9'],
      TTLs: [300.0],
    }) + '\n',
  );
  return { conn, ssl, dns };
}

describe('yamori import zeek', () => {
  const db = join(dir, 'zeek.duckdb');
  const logs = writeZeekLogs();

  it('imports conn, ssl and dns logs given in any order, names the flows, and prints a JSON summary', async () => {
    const run = await runYamori(['--db', db, 'import', 'zeek', '--json', logs.conn, logs.ssl, logs.dns]);
    expect(run.code, describeRun(run)).toBe(0);
    const [summary] = jsonLines(run.stdout);
    expect(summary).toMatchObject({
      format: 'zeek',
      files: 3,
      flows: 2,
      dnsAnswers: 1,
      namesJoined: 1,
      badLines: 1,
      fileProblems: [],
    });
    expect(summary?.['badLineSamples']).toEqual([`${logs.conn}:9: 1 fields where "#fields" names 17`]);

    const listed = await runYamori(['--db', db, 'flows', '--json', '--limit', '100']);
    const flows = jsonLines<FlowJson>(listed.stdout);
    expect(flows.find((f) => f.dst_port === 443)).toMatchObject({
      src_addr: '192.168.1.20',
      src_packets: 14,
      dst_bytes: 12400,
      status: 'closed',
      direction: 'outbound',
      server_name: 'shop.example',
      dns_name: 'shop.example',
      ja4: 't13d1516h2_8daaf6152771_b0da82dd1658',
      tls_version: 'TLSv13',
    });
    const answers = await runYamori(['--db', db, 'dns', '--json']);
    expect(jsonLines(answers.stdout)).toEqual([
      expect.objectContaining({ query_name: 'shop.example', answer: '203.0.113.9' }),
    ]);
  });

  it('prints a one-line summary and names each unreadable line with its file and line', async () => {
    const run = await runYamori(['--db', join(dir, 'zeek-text.duckdb'), 'import', 'zeek', logs.conn]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(
      /^imported 9 lines from 1 Zeek log file: 2 flows, 0 DNS answers, 0 flows named from ssl\/http logs; 1 unreadable lines; [\d.]+ s \([\d,]+ lines\/s\)\n$/,
    );
    expect(run.stderr).toContain(`${logs.conn}:9`);
  });

  it.skipIf(!existsSync(zeekShared))(
    'refuses a shared Zeek baseline whose timestamps are masked, says so, and exits 1 (needs ../shared/pcaps/zeek)',
    async () => {
      const masked = join(zeekShared, 'http_get/expected/core.tcp.reassembly-known-ports/conn.log');
      const run = await runYamori(['--db', join(dir, 'masked.duckdb'), 'import', 'zeek', masked]);
      expect(run.code, describeRun(run)).toBe(1);
      expect(run.stderr).toContain('error ZEEK_LOG_UNREADABLE: ');
      expect(run.stderr).toContain('ts "XXXXXXXXXX.XXXXXX" is not a time');
      expect(run.stderr).toMatch(/^hint: .*Nothing from this file was stored\.$/m);
    },
  );

  it('fails before creating the database when a file is missing', async () => {
    const fresh = join(dir, 'never.duckdb');
    const run = await runYamori(['--db', fresh, 'import', 'zeek', join(dir, 'no-such-conn.log')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error INPUT_NOT_FOUND: /);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('yamori import eve', () => {
  const db = join(dir, 'eve.duckdb');

  it('imports flow, dns, tls and http events and joins names by flow_id', async () => {
    const run = await runYamori([
      '--db',
      db,
      'import',
      'eve',
      '--json',
      join(eveFixtures, 'eve-suricata7-tls-http-dns-flows.json'),
    ]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({
      format: 'eve',
      lines: 12,
      flows: 6,
      dnsAnswers: 2,
      namesJoined: 2,
      badLines: 0,
    });
    const flows = jsonLines<FlowJson>(
      (await runYamori(['--db', db, 'flows', '--json', '--limit', '100'])).stdout,
    );
    expect(flows.find((f) => f.dst_port === 443)).toMatchObject({
      server_name: 'www.suricata.io',
      dns_name: 'www.suricata.io',
      sensor: 'attic-ids',
      first_seen_at: '2024-01-15T12:00:00.200Z',
    });
  });

  it('writes --sensor on every record and reads gzip from standard input', async () => {
    const stdin = gzipSync(readFileSync(join(eveFixtures, 'eve-dns-versions-1-2-3.json')));
    const sensorDb = join(dir, 'eve-sensor.duckdb');
    const run = await runYamori(['--db', sensorDb, 'import', 'eve', '--sensor', 'lab', '--json', '-'], {
      stdin,
    });
    expect(run.code, describeRun(run)).toBe(0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ dnsAnswers: 9, flows: 0 });
    const answers = jsonLines<{ sensor: string }>(
      (await runYamori(['--db', sensorDb, 'dns', '--json'])).stdout,
    );
    expect(new Set(answers.map((a) => a.sensor))).toEqual(new Set(['lab']));
  });

  it('skips hostile lines, names them, and keeps the good events', async () => {
    const hostile = join(eveFixtures, 'eve-hostile-lines.json');
    const run = await runYamori(['--db', join(dir, 'eve-hostile.duckdb'), 'import', 'eve', hostile]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/: 2 flows, .*; 7 unreadable lines;/);
    expect(run.stderr).toContain(`${hostile}:2: not JSON`);
    expect(run.stderr).toMatch(/^warn more unreadable lines skipped count=2$/m);
  });

  it('exits 1 with EVE_LOG_UNREADABLE for a file that holds no eve events', async () => {
    const notEve = join(dir, 'not-eve.json');
    writeFileSync(notEve, 'hello\nworld\n');
    const run = await runYamori(['--db', join(dir, 'eve-bad.duckdb'), 'import', 'eve', notEve]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error EVE_LOG_UNREADABLE: .*none of its 2 lines/m);
  });
});
