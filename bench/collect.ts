/**
 * `npm run bench:collect`: how many NetFlow/IPFIX datagrams (and flow records) per second
 * `yamori collect` takes without loss, beside nfcapd on the same replay, in one run.
 *
 * 1. Builds (or reuses) the bench capture (bench-capture.ts: synthetic home traffic, N packets).
 * 2. softflowd reads it and exports IPFIX over TCP, which loses nothing, to this script, which keeps
 *    each message: that is the replay.
 * 3. For each rate, the messages are sent (cyclically, for `--seconds`) as UDP datagrams on loopback,
 *    paced in 1 ms slices, to a fresh `yamori collect` (storing into a fresh DuckDB file) and then to
 *    a fresh nfcapd, never both at once. Both ask the kernel for the same 8 MB receive buffer, and
 *    net.core.rmem_max is raised to allow it for the run (and restored after). Loss is
 *    what the kernel dropped at the receiver's socket (the drops column of /proc/net/udp, read once
 *    its queue is empty); for Yamori it is also checked against the datagrams it decoded plus those
 *    still waiting in its spool when it stopped (stored at its next start: received, not lost), which
 *    counts too what its socket-reader thread dropped when storing fell behind and the spool was full,
 *    and the flows it decoded but gave up (`flowsLost`, its buffer of flows waiting for the store
 *    full) make a rate lossy too. A run of a few seconds measures bursts, so the rates are then sent
 *    again for --sustain-seconds (20 by default), which measures the sustained rate; that sweep stops
 *    once both tools have lost. For Yamori the table shows how many datagrams went to the spool and
 *    how many were still there at the stop: storing itself is slower than receiving.
 * 4. softflowd straight to each receiver over UDP, as fast as it goes (it reads the file and sends
 *    the flows it expires; with -m it expires them all along).
 *
 * The machine may be shared with other work: the load average is printed, and the ratio between the
 * two collectors within one run means more than the absolute rates.
 *
 * Usage: npm run bench:collect [-- --packets N --rates 5000,10000,... --seconds S]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBenchCapture } from './bench-capture.js';
import { renderMarkdown, renderText, type Table } from './results-table.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'bench', 'out', 'collect');
const RECEIVE_BUFFER_BYTES = 8_388_608;
const SOFTFLOWD = '/usr/sbin/softflowd';
const RMEM_MAX = '/proc/sys/net/core/rmem_max';
/** The socket-reader thread's nice value (RECEIVE_NICE in src/daemon/collect-reader-thread.ts). */
const READER_NICE = -15;
/** The nice value of this process (the sender) during the run. */
const SENDER_NICE = -15;

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '1000000' },
    rates: { type: 'string', default: '5000,10000,20000,40000,80000,160000' },
    seconds: { type: 'string', default: '3' },
    'sustain-seconds': { type: 'string', default: '20' },
    'spool-max-bytes': { type: 'string', default: String(4 * 1024 ** 3) },
  },
});
const packets = Number(values.packets);
const rates = values.rates.split(',').map(Number);
const burstSeconds = Number(values.seconds);
const sustainSeconds = Number(values['sustain-seconds']);
/**
 * Yamori's spool limit for the run (collect.spool_max_bytes; its default is 1 GiB). 20 s of 40,000
 * datagrams/s is some 1.1 GB of datagrams, nearly all of which wait in the spool: the limit is a disk
 * budget, as nfcapd's files are.
 */
const spoolMaxBytes = Number(values['spool-max-bytes']);

interface Receiver {
  name: string;
  port: number;
  /** Stops the receiver; resolves with the datagrams it says it read (null when it does not say). */
  stop: () => Promise<number | null>;
}

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function udpSocketState(port: number): { queued: number; drops: number } | null {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local) {
      return { queued: parseInt(fields[4]!.split(':')[1]!, 16), drops: Number(fields[fields.length - 1]) };
    }
  }
  return null;
}

/** The receive buffer the kernel granted the socket on 127.0.0.1:`port` (ss's skmem rb; Linux doubles what is asked). */
function receiveBufferOf(port: number): number {
  const run = spawnSync('ss', ['-Huanm', 'src', `127.0.0.1:${port}`], { encoding: 'utf8' });
  return Number(/\brb(\d+)/.exec(run.stdout)?.[1] ?? 0);
}

/**
 * Datagrams the last Yamori run's reader thread dropped because storing fell behind and its spool was
 * full (part of its loss).
 */
let lastQueueDrops = 0;
/** Datagrams the last Yamori run wrote to its spool, and those still unread there when it stopped. */
let lastSpool = { spooled: 0, left: 0, fileBytes: 0, decoded: 0, seconds: 0 };
/**
 * Flows the last Yamori run decoded but gave up because its buffer of flows waiting for the store was
 * full (`flowsLost`): loss too, though every datagram was decoded.
 */
let lastFlowsLost = 0;

/**
 * CPU seconds of the last Yamori run's socket-reader thread (found by its nice value, RECEIVE_NICE),
 * read just before the stop; null when no thread had it (no privilege to raise it).
 */
let lastReaderSeconds: number | null = null;
/** utime + stime of `pid`'s thread at `nice`, in seconds (USER_HZ is 100 on Linux). */
function threadSecondsAtNice(pid: number, nice: number): number | null {
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[16]) === nice) return (Number(fields[11]) + Number(fields[12])) / 100;
    }
  } catch {
    // The process ended: nothing to read.
  }
  return null;
}

/** The receive buffers each tool was granted (the last one started). */
const granted = { yamori: 0, nfcapd: 0 };

/**
 * Raises net.core.rmem_max to the buffer both tools ask for (as an operator following the collector's
 * advice would), so that neither is capped by a small system default; `restore` puts it back.
 */
function raiseReceiveBufferLimit(): { before: number; restore: () => void } {
  let before = 0;
  try {
    before = Number(readFileSync(RMEM_MAX, 'utf8').trim());
    if (before < RECEIVE_BUFFER_BYTES) writeFileSync(RMEM_MAX, String(RECEIVE_BUFFER_BYTES));
  } catch (error) {
    say(`could not raise ${RMEM_MAX} (${String(error)}); both tools get the system's cap`);
    return { before, restore: () => undefined };
  }
  return {
    before,
    restore: () => {
      if (before < RECEIVE_BUFFER_BYTES) writeFileSync(RMEM_MAX, String(before));
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startYamori(label: string): Promise<Receiver> {
  const db = path.join(OUT, `${label}.duckdb`);
  const config = path.join(OUT, 'yamori-collect.yaml');
  writeFileSync(config, `collect:\n  spool_max_bytes: ${spoolMaxBytes}\n`);
  const remove = (): void => {
    for (const file of [db, `${db}.wal`, `${db}.collect-spool`]) rmSync(file, { force: true });
  };
  remove();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src', 'main.ts'),
      '--config',
      config,
      '--db',
      db,
      'collect',
      '--listen',
      '127.0.0.1:0',
      '--json',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await until(() => /listening udp=127\.0\.0\.1:\d+/.test(err) || child.exitCode !== null, 60_000);
  const match = /listening udp=127\.0\.0\.1:(\d+)/.exec(err);
  if (match === null) throw new Error(`yamori collect did not start:\n${err}`);
  granted.yamori = receiveBufferOf(Number(match[1]));
  const startedAt = performance.now();
  return {
    name: 'yamori collect',
    port: Number(match[1]),
    stop: async () => {
      lastReaderSeconds = child.pid === undefined ? null : threadSecondsAtNice(child.pid, READER_NICE);
      child.kill('SIGTERM');
      await exited(child);
      const stats = JSON.parse(out.trim().split('\n').pop() ?? 'null') as {
        datagrams: number;
        queueDrops?: number;
        flowsLost?: number;
        datagramsSpooled?: number;
        spoolDatagrams?: number;
        spoolFileBytes?: number;
      } | null;
      lastQueueDrops = stats?.queueDrops ?? 0;
      lastFlowsLost = stats?.flowsLost ?? 0;
      lastSpool = {
        spooled: stats?.datagramsSpooled ?? 0,
        left: stats?.spoolDatagrams ?? 0,
        fileBytes: stats?.spoolFileBytes ?? 0,
        decoded: stats?.datagrams ?? 0,
        seconds: (performance.now() - startedAt) / 1000,
      };
      for (const line of err.split('\n')) if (/^(warn|error)\b/.test(line)) say(`  yamori collect: ${line}`);
      // What is left in the spool would be stored at the next start: received, not lost. The files
      // go, so that the sweep does not fill the disk.
      remove();
      return stats === null ? null : stats.datagrams + (stats.spoolDatagrams ?? 0);
    },
  };
}

async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function startNfcapd(label: string): Promise<Receiver> {
  const dir = path.join(OUT, label);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'nfcapd',
    ['-w', dir, '-p', String(port), '-b', '127.0.0.1', '-t', '3600', '-B', String(RECEIVE_BUFFER_BYTES)],
    { stdio: 'ignore' },
  );
  if (
    !(await until(() => udpSocketState(port) !== null || child.exitCode !== null, 10_000)) ||
    child.exitCode !== null
  ) {
    throw new Error(`nfcapd did not bind 127.0.0.1:${port}`);
  }
  granted.nfcapd = receiveBufferOf(port);
  return {
    name: 'nfcapd',
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
      return null;
    },
  };
}

/** softflowd reads the capture and exports IPFIX over TCP; each IPFIX message becomes one replayed datagram. */
async function recordExport(
  capture: string,
): Promise<{ messages: Buffer[]; records: number; flows: number }> {
  const chunks: Buffer[] = [];
  const server = createServer((connection) => connection.on('data', (chunk: Buffer) => chunks.push(chunk)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const run = spawnSync(
    SOFTFLOWD,
    ['-d', '-c', 'none', '-r', capture, '-v', '10', '-P', 'tcp', '-n', `127.0.0.1:${port}`],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  await sleep(500);
  server.close();
  const exported = /Flows exported: (\d+) \((\d+) records\) in (\d+) packets/.exec(run.stdout + run.stderr);
  if (exported === null) throw new Error(`softflowd failed:\n${run.stdout}${run.stderr}`);
  const stream = Buffer.concat(chunks);
  const messages: Buffer[] = [];
  for (let at = 0; at + 4 <= stream.length;) {
    const length = stream.readUInt16BE(at + 2);
    if (stream.readUInt16BE(at) !== 10 || length < 16) throw new Error(`not an IPFIX message at byte ${at}`);
    messages.push(stream.subarray(at, at + length));
    at += length;
  }
  if (messages.length !== Number(exported[3])) {
    throw new Error(`softflowd sent ${exported[3]} messages, ${messages.length} arrived`);
  }
  return { messages, records: Number(exported[2]), flows: Number(exported[1]) };
}

/** Sends `messages` cyclically at `rate` datagrams/s for `seconds`; returns how many were sent and in how long. */
async function replay(
  socket: Socket,
  port: number,
  messages: Buffer[],
  rate: number,
  seconds: number,
): Promise<{ sent: number; seconds: number }> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  let acknowledged = 0;
  const onSent = (): void => {
    acknowledged++;
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (sent < due) socket.send(messages[sent++ % messages.length]!, port, '127.0.0.1', onSent);
    await new Promise((resolve) => setImmediate(resolve));
    if (sent - acknowledged > 10_000) await until(() => sent - acknowledged < 1000, 10_000);
  }
  await until(() => acknowledged === sent, 30_000);
  return { sent, seconds: (performance.now() - started) / 1000 };
}

interface Outcome {
  sent: number;
  sendSeconds: number;
  received: number;
  kernelDrops: number;
}

/** The nice value this process (the sender) sends at, when it may; 0 otherwise. */
let senderNice = 0;

/**
 * Runs `send` with this process raised to SENDER_NICE. The sender stands for a router, another
 * machine: on these shared cores it goes first, so that a receiver busy storing slows its own work and
 * not the traffic it is sent (the same for both tools). Lowered again after, so that the receivers,
 * started in between, do not inherit it.
 */
async function asSender<T>(send: () => Promise<T>): Promise<T> {
  try {
    os.setPriority(SENDER_NICE);
    senderNice = SENDER_NICE;
  } catch (error) {
    if (senderNice === 0) say(`could not raise the sender's priority (${String(error)})`);
    return send();
  }
  try {
    return await send();
  } finally {
    os.setPriority(0);
  }
}

async function measure(
  start: () => Promise<Receiver>,
  send: (port: number) => Promise<{ sent: number; seconds: number }>,
): Promise<Outcome> {
  // Started at the normal priority: a child takes its parent's nice value.
  const receiver = await start();
  const before = udpSocketState(receiver.port)?.drops ?? 0;
  const { sent, seconds: sendSeconds } = await asSender(() => send(receiver.port));
  await until(() => udpSocketState(receiver.port)?.queued === 0, 60_000);
  const kernelDrops = (udpSocketState(receiver.port)?.drops ?? 0) - before;
  const counted = await receiver.stop();
  return { sent, sendSeconds, received: counted ?? sent - kernelDrops, kernelDrops };
}

const formatRate = (n: number): string => Math.round(n).toLocaleString('en-US');
const lossText = (o: Outcome): string =>
  o.sent === o.received
    ? '0'
    : `${formatRate(o.sent - o.received)} (${(((o.sent - o.received) / o.sent) * 100).toFixed(1)}%)`;
/** Yamori's loss, with the part its own queue dropped (the rest the kernel dropped) and the flows it gave up. */
const yamoriLossText = (o: Outcome): string => {
  const parts = [lossText(o)];
  if (o.kernelDrops > 0) parts.push(`${formatRate(o.kernelDrops)} kernel`);
  if (lastQueueDrops > 0) parts.push(`${formatRate(lastQueueDrops)} queue`);
  if (lastFlowsLost > 0) parts.push(`${formatRate(lastFlowsLost)} flows`);
  return parts.join(', ');
};

async function main(): Promise<void> {
  for (const [tool, args] of [
    [SOFTFLOWD, ['-h']],
    ['nfcapd', ['-V']],
  ] as const) {
    if (spawnSync(tool, args, { stdio: 'ignore' }).error) {
      say(`bench:collect: ${tool} is not installed (apt-get install softflowd nfdump)`);
      process.exit(1);
    }
  }
  mkdirSync(OUT, { recursive: true });
  const limit = raiseReceiveBufferLimit();
  // Put the system's limit back however the run ends.
  process.once('exit', limit.restore);
  process.once('SIGINT', () => process.exit(130));
  say(
    `net.core.rmem_max: ${formatRate(limit.before)} before, ${formatRate(Number(readFileSync(RMEM_MAX, 'utf8').trim()))} ` +
      `during the run (both tools ask for ${formatRate(RECEIVE_BUFFER_BYTES)} bytes)`,
  );
  const loadBefore = os.loadavg()[0]!;
  const capture = path.join(ROOT, 'bench', 'out', `collect-${packets}.pcap`);
  const built = await ensureBenchCapture({
    path: capture,
    packets,
    seed: 7,
    concurrentFlows: 2000,
    replayShare: 0,
    replayDir: path.join(ROOT, '..', 'shared', 'pcaps'),
  });
  say(
    `capture: ${capture} (${built.reused ? 'reused' : `built in ${built.buildSeconds.toFixed(1)} s`}), ${formatRate(built.manifest.packets)} packets`,
  );
  const recorded = await recordExport(capture);
  const recordsPerDatagram = recorded.records / recorded.messages.length;
  say(
    `softflowd's IPFIX export of it: ${formatRate(recorded.flows)} flows, ${formatRate(recorded.records)} records in ` +
      `${formatRate(recorded.messages.length)} datagrams (${recordsPerDatagram.toFixed(1)} records each)`,
  );

  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  /** Sends each rate for `seconds` to each tool; stops once both lost at a rate, when `isStoppingAtLoss`. */
  const sweep = async (
    seconds: number,
    isStoppingAtLoss: boolean,
  ): Promise<{ rows: string[][]; lossFree: { yamori: number; nfcapd: number } }> => {
    const rows: string[][] = [];
    const lossFree = { yamori: 0, nfcapd: 0 };
    const hasLost = { yamori: false, nfcapd: false };
    for (const rate of rates) {
      if (isStoppingAtLoss && hasLost.yamori && hasLost.nfcapd) break;
      const yamori = await measure(
        () => startYamori(`rate-${rate}`),
        (port) => replay(socket, port, recorded.messages, rate, seconds),
      );
      const yamoriLoss = yamoriLossText(yamori);
      const spooled =
        lastSpool.spooled === 0 ? '0' : `${formatRate(lastSpool.spooled)} / ${formatRate(lastSpool.left)}`;
      // Decoded and stored from start to stop (the stop stores what was decoded): storing's own pace.
      const storedRate = formatRate(lastSpool.decoded / lastSpool.seconds);
      // The reader thread's whole life (binding and the idle wait after sending included) per datagram.
      const readerCost =
        lastReaderSeconds === null ? 'n/a' : ((lastReaderSeconds / yamori.sent) * 1e6).toFixed(1);
      const nfcapd = await measure(
        () => startNfcapd(`nfcapd-${rate}`),
        (port) => replay(socket, port, recorded.messages, rate, seconds),
      );
      if (yamori.received === yamori.sent && yamori.kernelDrops === 0 && lastFlowsLost === 0)
        lossFree.yamori = Math.max(lossFree.yamori, yamori.sent / yamori.sendSeconds);
      else hasLost.yamori = true;
      if (nfcapd.kernelDrops === 0)
        lossFree.nfcapd = Math.max(lossFree.nfcapd, nfcapd.sent / nfcapd.sendSeconds);
      else hasLost.nfcapd = true;
      rows.push([
        formatRate(rate),
        formatRate(yamori.sent / yamori.sendSeconds),
        yamoriLoss,
        spooled,
        storedRate,
        readerCost,
        formatRate(nfcapd.sent / nfcapd.sendSeconds),
        lossText(nfcapd),
      ]);
      say(`  ${seconds} s: ${rows.at(-1)!.join('  ')}`);
    }
    return { rows, lossFree };
  };
  const burst = await sweep(burstSeconds, false);
  const sustained = await sweep(sustainSeconds, true);
  socket.close();

  const direct: string[][] = [];
  for (const [name, start] of [
    ['yamori collect', () => startYamori('softflowd-direct')],
    ['nfcapd', () => startNfcapd('nfcapd-direct')],
  ] as const) {
    const outcome = await measure(start, (port) => {
      const started = performance.now();
      const run = spawnSync(
        SOFTFLOWD,
        ['-d', '-c', 'none', '-r', capture, '-v', '10', '-m', '8192', '-n', `127.0.0.1:${port}`],
        {
          encoding: 'utf8',
        },
      );
      const sent = Number(/in (\d+) packets/.exec(run.stdout + run.stderr)?.[1] ?? 0);
      return Promise.resolve({ sent, seconds: (performance.now() - started) / 1000 });
    });
    direct.push([
      name,
      formatRate(outcome.sent),
      formatRate(outcome.sent / outcome.sendSeconds),
      name === 'yamori collect' ? yamoriLossText(outcome) : lossText(outcome),
    ]);
  }
  const loadAfter = os.loadavg()[0]!;

  const headers = [
    'asked datagrams/s',
    'yamori: sent/s',
    'yamori: lost',
    'yamori: spooled / left at stop',
    'yamori: stored/s',
    'yamori: reader CPU µs/datagram',
    'nfcapd: sent/s',
    'nfcapd: lost',
  ];
  const aligned = [0, 1, 2, 3, 4, 5, 6, 7];
  const table: Table = { headers, rows: burst.rows, rightAligned: aligned };
  const sustainedTable: Table = { headers, rows: sustained.rows, rightAligned: aligned };
  const directTable: Table = {
    headers: ['softflowd -m 8192 straight to', 'datagrams', 'datagrams/s', 'lost'],
    rows: direct,
    rightAligned: [1, 2, 3],
  };
  const summaryOf = (lossFree: { yamori: number; nfcapd: number }, what: string): string => {
    const ratio = lossFree.nfcapd > 0 ? (lossFree.yamori / lossFree.nfcapd).toFixed(2) : 'n/a';
    return (
      `Highest rate without loss, ${what}: yamori collect ${formatRate(lossFree.yamori)} datagrams/s ` +
      `(${formatRate(lossFree.yamori * recordsPerDatagram)} flow records/s), nfcapd ${formatRate(lossFree.nfcapd)} datagrams/s ` +
      `(${formatRate(lossFree.nfcapd * recordsPerDatagram)} records/s); ratio yamori/nfcapd ${ratio}.`
    );
  };
  const summary = `${summaryOf(burst.lossFree, `${burstSeconds}-second bursts`)} ${summaryOf(
    sustained.lossFree,
    `sustained for ${sustainSeconds} s`,
  )}`;
  const machine = `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}`;
  const load = `Load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`;
  const senderNote = `The sender ran at nice ${senderNice}.`;
  const spoolNote = `${senderNote} Yamori's spool limit ${formatRate(spoolMaxBytes)} bytes (collect.spool_max_bytes; default 1 GiB).`;
  const buffers =
    `${spoolNote} Receive buffer granted (ss rb): yamori collect ${formatRate(granted.yamori)} bytes, ` +
    `nfcapd ${formatRate(granted.nfcapd)} bytes; net.core.rmem_max ${formatRate(limit.before)} restored after.`;
  say();
  say(`${burstSeconds}-second bursts:`);
  say(renderText(table));
  say();
  say(`Sustained for ${sustainSeconds} s:`);
  say(renderText(sustainedTable));
  say();
  say(renderText(directTable));
  say();
  say(summary);
  say(`${machine}. ${load}`);
  say(buffers);
  say();
  say('Markdown:');
  say();
  say(renderMarkdown(table));
  say();
  say(renderMarkdown(sustainedTable));
  say();
  say(renderMarkdown(directTable));
  say();
  say(`${summary} ${machine}. ${load} ${buffers}`);
}

await main();
