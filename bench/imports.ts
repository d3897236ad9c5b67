/**
 * `npm run bench:imports`: how fast `import zeek` and `import eve` go, and where the time is spent.
 *
 * Writes a Zeek conn.log (TSV) and an eve.json of N flows each (default 500 000; a third UDP/DNS, the
 * rest TCP/TLS, addresses spread over a /16 and 50 000 remote hosts), then measures in one process:
 * reading and parsing only; the whole import with a store that discards its batches (parse, join, id,
 * Community ID, direction); and the whole import into a fresh DuckDB file. The machine is shared with
 * other work, so compare the ratios within one run rather than absolute numbers across runs.
 *
 * Usage: npm run bench:imports [-- --flows N]
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  openLogFile,
  readEveEvent,
  readLogLines,
  readZeekConnection,
  ZeekLine,
  ZeekLogParser,
} from '../src/capture/index.js';
import { importEveLogs, importZeekLogs, type LogImportConfig } from '../src/daemon/index.js';
import { openDuckDbStore, type Store } from '../src/store/index.js';

const { values } = parseArgs({ options: { flows: { type: 'string', default: '500000' } } });
const flows = Number(values.flows);
const out = join(process.cwd(), 'bench/out/imports');
mkdirSync(out, { recursive: true });
const connLog = join(out, 'conn.log');
const eveJson = join(out, 'eve.json');

const CONFIG: LogImportConfig = {
  flow: {
    sensor: 'bench',
    homeNetworks: ['192.168.0.0/16'],
    tcpIdleTimeoutS: 300,
    udpIdleTimeoutS: 60,
    otherIdleTimeoutS: 60,
    tcpClosedTimeoutS: 5,
    activeTimeoutS: 1800,
    maxFlows: 1_000_000,
    dnsNameMaxAgeS: 3600,
  },
  store: { maxBatchRows: 50_000 },
};

async function writeLines(file: string, header: string[], line: (i: number) => string): Promise<void> {
  const stream = createWriteStream(file);
  stream.write(header.map((h) => h + '\n').join(''));
  let chunk: string[] = [];
  for (let i = 0; i < flows; i++) {
    chunk.push(line(i));
    if (chunk.length === 10_000) {
      if (!stream.write(chunk.join('\n') + '\n')) await once(stream, 'drain');
      chunk = [];
    }
  }
  stream.end(chunk.length > 0 ? chunk.join('\n') + '\n' : '');
  await once(stream, 'finish');
}

const host = (i: number): string => `192.168.${(i >> 8) & 255}.${i & 255 || 1}`;
const remote = (i: number): string => `203.0.${(i % 50_000) >> 8}.${i % 256}`;

async function writeInputs(): Promise<void> {
  const fields = [
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
    'local_orig',
    'local_resp',
    'missed_bytes',
    'history',
    'orig_pkts',
    'orig_ip_bytes',
    'resp_pkts',
    'resp_ip_bytes',
    'tunnel_parents',
    'ip_proto',
  ];
  await writeLines(
    connLog,
    [
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      '#path\tconn',
      `#fields\t${fields.join('\t')}`,
    ],
    (i) => {
      const udp = i % 3 === 0;
      return [
        (1_705_320_000 + i / 1000).toFixed(6),
        `C${i.toString(36)}`,
        host(i),
        40_000 + (i % 20_000),
        remote(i),
        udp ? 53 : 443,
        udp ? 'udp' : 'tcp',
        udp ? 'dns' : 'ssl',
        '0.123456',
        120,
        4500,
        'SF',
        'T',
        'F',
        0,
        udp ? 'Dd' : 'ShADadFf',
        10,
        1020,
        12,
        4640,
        '-',
        udp ? 17 : 6,
      ].join('\t');
    },
  );
  await writeLines(eveJson, [], (i) =>
    JSON.stringify({
      timestamp: '2024-01-15T13:02:30.000000+0100',
      flow_id: 1_000_000 + i,
      in_iface: 'eth0',
      event_type: 'flow',
      src_ip: host(i),
      src_port: 40_000 + (i % 20_000),
      dest_ip: remote(i),
      dest_port: 443,
      proto: 'TCP',
      app_proto: 'failed',
      flow: {
        pkts_toserver: 14,
        pkts_toclient: 16,
        bytes_toserver: 2036,
        bytes_toclient: 12624,
        start: '2024-01-15T13:00:00.200000+0100',
        end: '2024-01-15T13:00:02.700000+0100',
        age: 2,
        state: 'closed',
        reason: 'timeout',
        alerted: false,
      },
      tcp: {
        tcp_flags: '1b',
        tcp_flags_ts: '1b',
        tcp_flags_tc: '1b',
        syn: true,
        fin: true,
        psh: true,
        ack: true,
        state: 'closed',
      },
    }),
  );
}

async function parseOnly(file: string, kind: 'zeek' | 'eve'): Promise<number> {
  let records = 0;
  const parser = new ZeekLogParser();
  for await (const batch of readLogLines(openLogFile(file), { sourceName: file })) {
    for (const line of batch.lines) {
      if (line === null) continue;
      if (kind === 'eve') {
        if (readEveEvent(line, { linkHeaderBytes: 14 }).type === 'flow') records++;
      } else if (parser.parseLine(line) === ZeekLine.RECORD && typeof readZeekConnection(parser) !== 'string')
        records++;
    }
  }
  return records;
}

/** A store that takes batches and drops them: the import's own cost without the database's. */
const discardingStore = {
  writeFlows: () => Promise.resolve(),
  writeDns: () => Promise.resolve(),
} as unknown as Store;

async function time(label: string, run: () => Promise<number>): Promise<void> {
  const started = performance.now();
  const count = await run();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label.padEnd(34)} ${String(count).padStart(9)} flows  ${seconds.toFixed(2).padStart(6)} s  ${Math.round(
      count / seconds,
    )
      .toLocaleString('en-US')
      .padStart(10)} flows/s`,
  );
}

await writeInputs();
for (const [kind, file, run] of [
  ['zeek', connLog, importZeekLogs],
  ['eve', eveJson, importEveLogs],
] as const) {
  await time(`${kind}: read and parse`, () => parseOnly(file, kind));
  await time(
    `${kind}: import, batches discarded`,
    async () => (await run([file], CONFIG, { store: discardingStore })).stats.flows,
  );
  const db = join(out, `${kind}.duckdb`);
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const store = await openDuckDbStore({
    database: { path: db },
    maxBatchRows: 50_000,
    flushIntervalMs: 1000,
  });
  await time(`${kind}: import into DuckDB`, async () => (await run([file], CONFIG, { store })).stats.flows);
  await store.close();
}
