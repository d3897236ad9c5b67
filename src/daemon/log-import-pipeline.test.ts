import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { communityId } from '../flow/index.js';
import { testConfig } from '../flow/testing.js';
import type { Store } from '../store/index.js';
import { openMemoryStore } from '../store/testing.js';
import { importEveLogs, importZeekLogs, type LogImportConfig } from './log-import-pipeline.js';

const eveFixtures = path.resolve(process.cwd(), 'test/fixtures/eve');
const dir = mkdtempSync(path.join(tmpdir(), 'yamori-log-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (overrides: { maxFlows?: number; maxBatchRows?: number } = {}): LogImportConfig => ({
  flow: testConfig({
    sensor: 'config-sensor',
    homeNetworks: ['192.168.1.0/24', 'fd00:1::/64'],
    maxFlows: overrides.maxFlows ?? 1000,
  }),
  store: { maxBatchRows: overrides.maxBatchRows ?? 1000 },
});

function write(name: string, lines: readonly string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const tsvHeader = (logPath: string, fields: string[]): string[] => [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  `#path\t${logPath}`,
  `#fields\t${fields.join('\t')}`,
];

const CONN_FIELDS = [
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
];
const conn = (
  uid: string,
  origPort: number,
  respHost: string,
  service: string,
  ts = '1705320000.500000',
): string =>
  [
    ts,
    uid,
    '192.168.1.20',
    origPort,
    respHost,
    443,
    'tcp',
    service,
    '2.000000',
    500,
    4000,
    'SF',
    'ShADadFf',
    10,
    1020,
    12,
    4640,
  ].join('\t');
const SSL_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'version',
  'cipher',
  'server_name',
  'next_protocol',
  'ja3',
  'ja4',
];
const ssl = (uid: string, sni: string): string =>
  [
    '1705320000.600000',
    uid,
    '192.168.1.20',
    1,
    '203.0.113.9',
    443,
    'TLSv13',
    'TLS_AES_128_GCM_SHA256',
    sni,
    'h2',
    'abc',
    't13d',
  ].join('\t');
const DNS_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'query',
  'qtype_name',
  'rcode_name',
  'answers',
  'TTLs',
];

let store: Store;
beforeEach(async () => {
  store = await openMemoryStore();
});
afterEach(async () => {
  await store.close();
});

describe('importZeekLogs', () => {
  it('joins ssl.log names onto conn.log flows by uid whatever order the files come in', async () => {
    const connLog = write('conn.log', [
      ...tsvHeader('conn', CONN_FIELDS),
      conn('C1', 50001, '203.0.113.9', 'ssl'),
      conn('C2', 50002, '203.0.113.10', '-'),
    ]);
    const sslLog = write('ssl.log', [...tsvHeader('ssl', SSL_FIELDS), ssl('C1', 'first.example')]);
    const result = await importZeekLogs([connLog, sslLog], config(), { store });
    expect(result.stats).toMatchObject({
      files: 2,
      flows: 2,
      namesJoined: 1,
      namesUnmatched: 0,
      badLines: 0,
    });
    const flows = await store.listFlows();
    expect(flows.find((f) => f.srcPort === 50001)).toMatchObject({
      serverName: 'first.example',
      tlsVersion: 'TLSv13',
      alpn: 'h2',
      ja3: 'abc',
      ja4: 't13d',
      sensor: 'config-sensor',
      direction: 'outbound',
      communityId: communityId({
        ipProto: 6,
        srcAddr: '192.168.1.20',
        dstAddr: '203.0.113.9',
        srcPort: 50001,
        dstPort: 443,
      }),
    });
    expect(flows.find((f) => f.srcPort === 50002)?.serverName).toBeNull();
  });

  it('joins names from standard-input order too: a connection waits for names that come after it', async () => {
    // One JSON stream with every log mixed, conn first: what a log shipper might hand over.
    const mixed = write('mixed.json', [
      JSON.stringify({
        _path: 'conn',
        ts: 1705320000.5,
        uid: 'C9',
        'id.orig_h': '192.168.1.20',
        'id.orig_p': 50009,
        'id.resp_h': '203.0.113.9',
        'id.resp_p': 443,
        proto: 'tcp',
        service: 'ssl',
        history: 'ShADadFf',
        orig_pkts: 3,
        resp_pkts: 3,
        orig_ip_bytes: 200,
        resp_ip_bytes: 300,
      }),
      JSON.stringify({
        _path: 'ssl',
        ts: 1705320000.6,
        uid: 'C9',
        server_name: 'late.example',
        version: 'TLSv12',
      }),
    ]);
    const result = await importZeekLogs([mixed], config(), { store });
    expect(result.stats.namesJoined).toBe(1);
    expect((await store.listFlows())[0]?.serverName).toBe('late.example');
  });

  it('holds no TLS connection back when no ssl or http log can follow, and writes as it reads', async () => {
    const lines = [...tsvHeader('conn', CONN_FIELDS)];
    for (let i = 0; i < 30; i++) lines.push(conn(`C${i}`, 41000 + i, '203.0.113.9', 'ssl'));
    const writtenWhileReading: number[] = [];
    const result = await importZeekLogs([write('tls-only.log', lines)], config({ maxBatchRows: 10 }), {
      store,
      onProgress: (s) => writtenWhileReading.push(s.flows),
    });
    expect(writtenWhileReading).toEqual([30]);
    expect(result.stats).toMatchObject({ flows: 30, namesJoined: 0 });
  });

  it('names flows from dns.log answers the client received shortly before', async () => {
    const dnsLog = write('dns.log', [
      ...tsvHeader('dns', DNS_FIELDS),
      [
        '1705320000.000000',
        'D1',
        '192.168.1.20',
        40000,
        '192.168.1.1',
        53,
        'udp',
        'Shop.Example',
        'A',
        'NOERROR',
        'cdn.example,203.0.113.9',
        '60.000000,30.000000',
      ].join('\t'),
    ]);
    const connLog = write('conn-dns.log', [
      ...tsvHeader('conn', CONN_FIELDS),
      conn('C1', 50001, '203.0.113.9', '-'),
    ]);
    const result = await importZeekLogs([connLog, dnsLog], config(), { store });
    expect(result.stats).toMatchObject({ flows: 1, dnsAnswers: 2 });
    expect((await store.listFlows())[0]?.dnsName).toBe('shop.example');
    expect(
      (await store.listDns()).map((d) => [d.answerName, d.answerType, d.answer, d.ttl, d.sensor]),
    ).toEqual(
      expect.arrayContaining([
        ['shop.example', 'CNAME', 'cdn.example', 60, 'config-sensor'],
        ['cdn.example', 'A', '203.0.113.9', 30, 'config-sensor'],
      ]),
    );
  });

  it('counts unreadable lines with file and line, stores the rest, and reads gzip', async () => {
    const lines = [
      ...tsvHeader('conn', CONN_FIELDS),
      conn('C1', 50001, '203.0.113.9', '-'),
      'garbage',
      conn('C2', 50002, '203.0.113.9', '-', 'not-a-time'),
    ];
    const file = path.join(dir, 'conn.log.gz');
    writeFileSync(file, gzipSync(Buffer.from(lines.join('\n'))));
    const badLines: string[] = [];
    const result = await importZeekLogs([file], config(), {
      store,
      onBadLine: (p) => badLines.push(`${path.basename(p.file)}:${p.line}`),
    });
    expect(result.stats).toMatchObject({ flows: 1, badLines: 2 });
    expect(badLines).toEqual(['conn.log.gz:8', 'conn.log.gz:9']);
    expect(result.badLineSamples[1]?.reason).toBe('ts "not-a-time" is not a time');
    expect(result.fileProblems).toEqual([]);
  });

  it('reports a file none of whose lines can be read, and a log it does not read, and imports the others', async () => {
    const broken = write('broken.log', ['1.0\tC1\tnot a log', 'more']);
    const filesLog = write('files.log', [
      ...tsvHeader('files', ['ts', 'fuid', 'mime_type']),
      '1.0\tF1\ttext/plain',
    ]);
    const good = write('good-conn.log', [
      ...tsvHeader('conn', CONN_FIELDS),
      conn('C1', 50001, '203.0.113.9', '-'),
    ]);
    const result = await importZeekLogs([broken, filesLog, good], config(), { store });
    expect(result.fileProblems.map((p) => [path.basename(p.file), p.error.code])).toEqual([
      ['broken.log', 'ZEEK_LOG_UNREADABLE'],
      ['files.log', 'ZEEK_LOG_UNKNOWN'],
    ]);
    expect(result.fileProblems[0]?.error.message).toContain('line 1');
    expect(result.stats.flows).toBe(1);
  });

  it('writes every flow when they fill several batches', async () => {
    const lines = [...tsvHeader('conn', CONN_FIELDS)];
    for (let i = 0; i < 25; i++) lines.push(conn(`C${i}`, 40000 + i, '203.0.113.9', '-'));
    const result = await importZeekLogs([write('many.log', lines)], config({ maxBatchRows: 10 }), { store });
    expect(result.stats.flows).toBe(25);
    expect(await store.countFlows()).toBe(25);
  });

  it('takes --sensor over the sensor the log names', async () => {
    const file = write('node.json', [
      JSON.stringify({
        ts: 1705320000.5,
        uid: 'C1',
        'id.orig_h': '192.168.1.20',
        'id.orig_p': 1,
        'id.resp_h': '192.168.1.1',
        'id.resp_p': 2,
        proto: 'udp',
        conn_state: 'S0',
        orig_pkts: 1,
        resp_pkts: 0,
        _node_name: 'worker-1',
      }),
    ]);
    await importZeekLogs([file], config(), { store });
    await importZeekLogs([file], config(), { store }, { sensor: 'cli-sensor' });
    expect((await store.listFlows()).map((f) => f.sensor).sort()).toEqual(['cli-sensor', 'worker-1']);
  });
});

describe('importEveLogs', () => {
  it('imports flows, DNS answers and names from an eve.json and joins names by flow_id', async () => {
    const result = await importEveLogs(
      [path.join(eveFixtures, 'eve-suricata7-tls-http-dns-flows.json')],
      config(),
      { store },
    );
    expect(result.stats).toMatchObject({
      lines: 12,
      flows: 6,
      dnsAnswers: 2,
      namesJoined: 2,
      namesUnmatched: 0,
      badLines: 0,
    });
    const flows = await store.listFlows();
    expect(flows.find((f) => f.dstPort === 443)).toMatchObject({
      serverName: 'www.suricata.io',
      dnsName: 'www.suricata.io',
      ja3: 'e7d705a3286e19ea42f587b344ee6865',
      ja4: 't13d1516h2_8daaf6152771_b0da82dd1658',
      tlsCertSha1: '8f511206a0cc4ecde8a38b38f88759e5af95cacd',
      sensor: 'attic-ids',
      direction: 'outbound',
      communityId: communityId({
        ipProto: 6,
        srcAddr: '192.168.1.20',
        dstAddr: '35.212.0.44',
        srcPort: 51234,
        dstPort: 443,
      }),
    });
    expect(flows.find((f) => f.dstPort === 80)?.serverName).toBe('example.com');
    expect(flows.find((f) => f.dstPort === 53)?.communityId).toBe('1:Hn3oSRo6CEJzW3XpWMG8KHO3ltA=');
    // ICMPv6 echo: Community ID's convention puts the reply type (129) where the code was.
    expect(flows.find((f) => f.protocol === 'icmp6')).toMatchObject({
      srcPort: 128,
      dstPort: 129,
      direction: 'outbound',
      sensor: 'config-sensor',
    });
    expect((await store.listDns()).map((d) => d.sensor)).toEqual(['attic-ids', 'attic-ids']);
  });

  it('holds a TLS flow that comes before its tls event until the names arrive', async () => {
    const result = await importEveLogs(
      [path.join(eveFixtures, 'eve-flow-before-its-tls-event.json')],
      config(),
      { store },
    );
    expect(result.stats).toMatchObject({ flows: 1, namesJoined: 1, namesUnmatched: 1 });
    expect((await store.listFlows())[0]).toMatchObject({ serverName: 'late.example', tlsVersion: 'TLSv13' });
  });

  it('releases waiting flows without names once the reorder window is full, so memory stays bounded', async () => {
    const template = readFileSync(path.join(eveFixtures, 'eve-flow-before-its-tls-event.json'), 'utf8').split(
      '\n',
    )[0]!;
    const lines = Array.from({ length: 150 }, (_, i) =>
      template
        .replace('"flow_id":7777', `"flow_id":${i + 1}`)
        .replace('"src_port":52000', `"src_port":${30000 + i}`),
    );
    const writtenWhileReading: number[] = [];
    const result = await importEveLogs(
      [write('waiting.json', lines)],
      config({ maxFlows: 100, maxBatchRows: 10 }),
      {
        store,
        onProgress: (s) => writtenWhileReading.push(s.flows),
      },
    );
    // 100 wait; each later one pushes the oldest out unnamed, and those are stored before the end.
    expect(writtenWhileReading).toEqual([50]);
    expect(result.stats.flows).toBe(150);
    expect(await store.countFlows()).toBe(150);
  });

  it('skips hostile lines with their line numbers and keeps the good events', async () => {
    const result = await importEveLogs([path.join(eveFixtures, 'eve-hostile-lines.json')], config(), {
      store,
    });
    expect(result.stats).toMatchObject({ flows: 2, badLines: 7 });
    expect(result.badLineSamples.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(result.fileProblems).toEqual([]);
  });

  it('reports an eve file none of whose lines is an event', async () => {
    const result = await importEveLogs([write('not-eve.json', ['hello', 'world'])], config(), { store });
    expect(result.fileProblems.map((p) => p.error.code)).toEqual(['EVE_LOG_UNREADABLE']);
    expect(result.fileProblems[0]?.error.message).toMatch(/none of its 2 lines .* line 1: not JSON/);
  });
});
