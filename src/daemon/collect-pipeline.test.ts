import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectConfig } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { encodeNetflowV5, encodeSflowV5, type V5Record } from '../capture/flow-export/testing.js';
import type { FlowBatchSlice, FlowRecord } from '../records/index.js';
import { openDuckDbStore, type Store } from '../store/index.js';
import { createCollectPipeline, type CollectPipeline } from './collect-pipeline.js';
import { RECEIVE_NICE } from './collect-reader-thread.js';

const EXPORT_S = 1_715_713_200;
const UPTIME_MS = 600_000;
/** Epoch microseconds of a v5 record's sysUptime `ms` in a datagram sent at EXPORT_S with UPTIME_MS. */
const at = (ms: number): number => (EXPORT_S * 1000 - (UPTIME_MS - ms)) * 1000;

const CLIENT: V5Record = {
  src: '192.168.1.20',
  dst: '203.0.113.9',
  srcPort: 51234,
  dstPort: 443,
  protocol: 6,
  packets: 14,
  bytes: 1840,
  firstMs: 590_000,
  lastMs: 592_500,
  tcpFlags: 0x1b, // SYN, FIN, PSH, ACK
};
const SERVER: V5Record = {
  src: '203.0.113.9',
  dst: '192.168.1.20',
  srcPort: 443,
  dstPort: 51234,
  protocol: 6,
  packets: 16,
  bytes: 12_400,
  firstMs: 590_020,
  lastMs: 592_480,
  tcpFlags: 0x1b,
};

function v5(records: V5Record[], sampling = 0): Uint8Array {
  return encodeNetflowV5({ sysUptimeMs: UPTIME_MS, unixSecs: EXPORT_S, sampling, records });
}

/** `count` one-way UDP records that never find a partner: each becomes its own flow. */
function oneSided(count: number, firstPort = 40_000): V5Record[] {
  return Array.from({ length: count }, (_, i) => ({
    src: '192.168.1.30',
    dst: '198.51.100.7',
    srcPort: firstPort + i,
    dstPort: 53,
    protocol: 17,
    packets: 1,
    bytes: 70,
    firstMs: 595_000,
    lastMs: 595_000,
  }));
}

function collectConfig(overrides: Partial<CollectConfig> = {}): CollectConfig {
  return {
    listen: ['127.0.0.1:0'],
    stitchWindowS: 15,
    maxExporters: 16,
    maxTemplatesPerExporter: 64,
    maxPendingFlows: 1000,
    receiveBufferBytes: 1 << 20,
    spoolPath: null,
    spoolMaxBytes: 0,
    ...overrides,
  };
}

const FLOW = {
  homeNetworks: ['192.168.1.0/24'],
  tcpIdleTimeoutS: 300,
  udpIdleTimeoutS: 60,
  otherIdleTimeoutS: 60,
  activeTimeoutS: 1800,
};

interface StoredRow {
  src_addr: string;
  dst_addr: string;
  src_port: number;
  dst_port: number;
  src_packets: number;
  dst_packets: number;
  src_bytes: number;
  dst_bytes: number;
  first_seen_us: number;
  last_seen_us: number;
  sensor: string;
  status: string;
  direction: string;
  sampling_rate: number;
  counts_estimated: boolean;
}

async function storedFlows(store: Store): Promise<StoredRow[]> {
  const result = await store.query(
    `SELECT src_addr, dst_addr, src_port, dst_port, src_packets, dst_packets, src_bytes, dst_bytes,
            epoch_us(first_seen_at) AS first_seen_us, epoch_us(last_seen_at) AS last_seen_us,
            sensor, status, direction, sampling_rate, counts_estimated
       FROM flows ORDER BY src_addr, src_port`,
  );
  return result.rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row))
      out[key] = typeof value === 'bigint' ? Number(value) : value;
    return out as unknown as StoredRow;
  });
}

/** Polls `condition` until it holds or `timeoutMs` passes; fails with `describe()` then. */
async function until(condition: () => boolean, describe: () => string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function send(socket: Socket, datagram: Uint8Array, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(datagram, port, address, (error) => (error ? reject(error) : resolve())),
  );
}

function openSocket(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  const socket = createSocket(type);
  return new Promise((resolve) => socket.bind(0, address, () => resolve(socket)));
}

const silentLog = createLogger({ level: 'silent' });

/** Node code that sends `datagram` (hex) `count` times to 127.0.0.1:`port`, at `rate` a second. */
const PACED_SENDER = `
const [port, count, rate, hex] = process.argv.slice(1);
const socket = require('node:dgram').createSocket('udp4');
const datagram = Buffer.from(hex, 'hex');
const started = Date.now();
let sent = 0;
let acknowledged = 0;
const onSent = () => { if (++acknowledged === Number(count)) socket.close(); };
(function tick() {
  const due = Math.min(Number(count), Math.floor(((Date.now() - started) / 1000) * Number(rate)) + 1);
  while (sent < due) { socket.send(datagram, Number(port), '127.0.0.1', onSent); sent++; }
  if (sent < Number(count)) setTimeout(tick, 2);
})();
`;

/**
 * Sends from another process while this thread is blocked (spawnSync returns when the sender is
 * done), as a long synchronous store append blocks it: only a thread that keeps reading the socket
 * meanwhile can take more than the receive buffer holds.
 */
function sendWhileBlocked(datagram: Uint8Array, port: number, count: number, rate: number): void {
  const run = spawnSync(
    process.execPath,
    ['-e', PACED_SENDER, String(port), String(count), String(rate), Buffer.from(datagram).toString('hex')],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`sender failed: ${run.stderr}`);
}

/**
 * `store` (a real one) with each flow write, packed (writeFlowSlices, which the pipeline uses where the
 * store has it) or as records, going through `around`, given the write's row count and the write itself.
 */
function aroundWrites(
  store: Store,
  around: (rows: number, write: () => Promise<void>) => Promise<void>,
): Store {
  const wrapped: Store = Object.create(store) as Store;
  wrapped.writeFlows = (flows: readonly FlowRecord[]) => around(flows.length, () => store.writeFlows(flows));
  const writeSlices = store.writeFlowSlices?.bind(store);
  if (writeSlices !== undefined) {
    wrapped.writeFlowSlices = (slices: readonly FlowBatchSlice[]) =>
      around(
        slices.reduce((sum, slice) => sum + slice.to - slice.from, 0),
        () => writeSlices(slices),
      );
  }
  return wrapped;
}

/** A store whose writes wait until `open()` (a real DuckDB store behind a gate): storing stalls. */
function gatedStore(store: Store): { gated: Store; open: () => void } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const gated = aroundWrites(store, async (_rows, write) => {
    await gate;
    await write();
  });
  return { gated, open };
}

/** Datagram i holds 30 one-way records of its own ports (40,000 + 30i …): 30 flows no other datagram has. */
const distinctDatagram = (i: number): Uint8Array => v5(oneSided(30, 40_000 + 30 * i));

/** Sends datagrams 0 … count-1 of `distinctDatagram` to 127.0.0.1:`port`; returns the socket. */
async function sendDistinct(port: number, count: number): Promise<Socket> {
  const exporter = await openSocket('udp4', '127.0.0.1');
  for (let i = 0; i < count; i++) await send(exporter, distinctDatagram(i), port, '127.0.0.1');
  return exporter;
}

/** The flows table holds the 30 flows of each of the first `datagrams` distinct datagrams, each once. */
async function expectEachFlowOnce(store: Store, datagrams: number): Promise<void> {
  const rows = await store.query(
    'SELECT count(*) AS n, count(DISTINCT src_port) AS ports, min(src_port) AS lo, max(src_port) AS hi FROM flows',
  );
  expect(rows.rows[0]).toMatchObject({
    n: 30 * datagrams,
    ports: 30 * datagrams,
    lo: 40_000,
    hi: 40_000 + 30 * datagrams - 1,
  });
}

/** Calls tick() until `condition` holds (each tick stores what is ready, which lets the spool be read back). */
async function tickUntil(p: CollectPipeline, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${JSON.stringify(p.stats())}`);
    await p.tick();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createCollectPipeline', () => {
  let dir: string;
  let store: Store;
  let pipeline: CollectPipeline | null;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-collect-'));
    store = await openDuckDbStore({
      database: { path: join(dir, 'yamori.duckdb') },
      maxBatchRows: 1000,
      flushIntervalMs: 1000,
    });
    pipeline = null;
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    if (pipeline !== null) await pipeline.stop().catch(() => undefined);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores one flow stitched from both directions received on a UDP socket, the exporter as sensor', async () => {
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 1000, flushIntervalMs: 60_000 } },
      { store, log: silentLog },
    );
    const [bound] = await pipeline.start();
    expect(bound).toMatchObject({ address: '127.0.0.1', port: expect.any(Number) });
    const exporter = await openSocket('udp4', '127.0.0.1');
    sockets.push(exporter);
    // The server's record comes first, as an exporter that expires by idle time may send it.
    await send(exporter, v5([SERVER]), bound!.port, '127.0.0.1');
    await send(exporter, v5([CLIENT]), bound!.port, '127.0.0.1');
    const p = pipeline;
    await until(
      () => p.stats().records === 2,
      () => JSON.stringify(p.stats()),
    );
    await pipeline.stop();

    expect(await storedFlows(store)).toEqual([
      {
        src_addr: '192.168.1.20',
        dst_addr: '203.0.113.9',
        src_port: 51234,
        dst_port: 443,
        src_packets: 14,
        dst_packets: 16,
        src_bytes: 1840,
        dst_bytes: 12_400,
        first_seen_us: at(590_000),
        last_seen_us: at(592_500),
        sensor: '127.0.0.1',
        status: 'closed',
        direction: 'outbound',
        sampling_rate: 1,
        counts_estimated: false,
      },
    ]);
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ datagrams: 2, records: 2, flowsWritten: 1, flowsBuffered: 0 });
    expect(stats.stitch).toMatchObject({ paired: 1, oneSided: 0, pending: 0 });
    expect(stats.exporters).toEqual([
      expect.objectContaining({ exporter: '127.0.0.1', protocol: 'netflow5', datagrams: 2, flows: 1 }),
    ]);
  });

  it('names an IPv4 exporter reaching an IPv6 socket by its IPv4 address, and an IPv6 one by its own', async (ctx) => {
    const probe = await openSocket('udp6', '::1').catch(() => null);
    if (probe === null) ctx.skip(true, 'IPv6 loopback (::1) is not available here');
    sockets.push(probe!);
    pipeline = createCollectPipeline(
      {
        collect: collectConfig({ listen: ['[::]:0'] }),
        flow: FLOW,
        store: { maxBatchRows: 1000, flushIntervalMs: 60_000 },
      },
      { store, log: silentLog },
    );
    const [bound] = await pipeline.start();
    const v4 = await openSocket('udp4', '127.0.0.1');
    sockets.push(v4);
    await send(v4, v5(oneSided(1, 41_000)), bound!.port, '127.0.0.1');
    await send(probe!, v5(oneSided(1, 42_000)), bound!.port, '::1');
    const p = pipeline;
    await until(
      () => p.stats().records === 2,
      () => JSON.stringify(p.stats()),
    );
    await pipeline.stop();
    const flows = await storedFlows(store);
    expect(flows.map((f) => [f.src_port, f.sensor])).toEqual([
      [41_000, '127.0.0.1'],
      [42_000, '::1'],
    ]);
  });

  it('scales sampled counts by the sampling rate and marks them estimated (NetFlow v5 header, sFlow)', async () => {
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 1000, flushIntervalMs: 60_000 } },
      { store, log: silentLog },
    );
    const [bound] = await pipeline.start();
    const exporter = await openSocket('udp4', '127.0.0.1');
    sockets.push(exporter);
    // Mode 01 (deterministic) in the top two bits, 1 in 100 packets in the low 14.
    await send(exporter, v5([CLIENT, SERVER], (1 << 14) | 100), bound!.port, '127.0.0.1');
    await send(
      exporter,
      encodeSflowV5({
        agent: '10.0.0.1',
        samples: [
          {
            kind: 'flow',
            samplingRate: 512,
            records: [
              {
                kind: 'sampled-ipv4',
                length: 1500,
                protocol: 17,
                src: '192.168.1.40',
                dst: '198.51.100.9',
                srcPort: 50_000,
                dstPort: 443,
                tcpFlags: 0,
              },
            ],
          },
        ],
      }),
      bound!.port,
      '127.0.0.1',
    );
    const p = pipeline;
    await until(
      () => p.stats().records === 3,
      () => JSON.stringify(p.stats()),
    );
    await pipeline.stop();
    const flows = await storedFlows(store);
    expect(flows).toEqual([
      expect.objectContaining({
        src_addr: '192.168.1.20',
        src_packets: 1400,
        dst_packets: 1600,
        src_bytes: 184_000,
        dst_bytes: 1_240_000,
        sampling_rate: 100,
        counts_estimated: true,
      }),
      expect.objectContaining({
        src_addr: '192.168.1.40',
        src_packets: 512,
        src_bytes: 1500 * 512,
        sampling_rate: 512,
        counts_estimated: true,
      }),
    ]);
  });

  it('keeps flows buffered while the store fails and writes each exactly once when it recovers', async () => {
    let failures = 2;
    const attempts: number[] = [];
    const flaky = aroundWrites(store, async (rows, write) => {
      attempts.push(rows);
      if (failures > 0) {
        failures--;
        throw new Error('disk full');
      }
      await write();
    });
    let nowMs = EXPORT_S * 1000;
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 4, flushIntervalMs: 1000 } },
      { store: flaky, log: silentLog, now: () => nowMs },
    );
    pipeline.receive(v5(oneSided(6)), '127.0.0.1');
    nowMs += 16_000; // Past the stitch window: all six are stored one-sided.
    await expect(pipeline.tick()).rejects.toThrow('disk full');
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 0, flowsBuffered: 6, flowsLost: 0 });
    await expect(pipeline.tick()).rejects.toThrow('disk full');
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 0, flowsBuffered: 6 });
    await pipeline.tick();
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 4, flowsBuffered: 2, batchesWritten: 1 });
    await pipeline.stop();
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 6, flowsBuffered: 0, batchesWritten: 2 });
    expect(attempts).toEqual([4, 4, 4, 2]);
    const ports = (await storedFlows(store)).map((f) => f.src_port);
    expect(ports).toEqual([40_000, 40_001, 40_002, 40_003, 40_004, 40_005]);
  });

  it('writes the flows as records where the store has no packed write (as the BigQuery store)', async () => {
    const written: number[] = [];
    const plain: Store = Object.create(store) as Store;
    Object.defineProperty(plain, 'writeFlowSlices', { value: undefined });
    plain.writeFlows = async (flows: readonly FlowRecord[]) => {
      written.push(flows.length);
      await store.writeFlows(flows);
    };
    let nowMs = EXPORT_S * 1000;
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 4, flushIntervalMs: 1000 } },
      { store: plain, log: silentLog, now: () => nowMs },
    );
    pipeline.receive(v5(oneSided(6)), '127.0.0.1');
    nowMs += 16_000;
    await pipeline.stop();
    expect(written).toEqual([4, 2]);
    const stored = await storedFlows(store);
    expect(stored.map((f) => f.src_port)).toEqual([40_000, 40_001, 40_002, 40_003, 40_004, 40_005]);
    expect(stored.every((f) => f.sensor === '127.0.0.1')).toBe(true);
  });

  it('gives up and counts flows past its buffer while the store stays down, so memory stays bounded', async () => {
    const down = aroundWrites(store, () => Promise.reject(new Error('store down')));
    let nowMs = EXPORT_S * 1000;
    pipeline = createCollectPipeline(
      {
        collect: collectConfig({ maxPendingFlows: 5 }),
        flow: FLOW,
        store: { maxBatchRows: 1, flushIntervalMs: 1000 },
      },
      { store: down, log: silentLog, now: () => nowMs },
    );
    // The buffer holds max(max_pending_flows, 10 × max_batch_rows) = 10 flows.
    pipeline.receive(v5(oneSided(15)), '127.0.0.1');
    nowMs += 16_000;
    await pipeline.tick().catch(() => undefined);
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 0, flowsBuffered: 10, flowsLost: 5 });
    await expect(pipeline.stop()).rejects.toThrow('store down');
    pipeline = null;
  });

  it('stores on stop() what still waited for its partner and what had not filled a batch', async () => {
    let nowMs = EXPORT_S * 1000;
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 1000, flushIntervalMs: 60_000 } },
      { store, log: silentLog, now: () => nowMs },
    );
    await pipeline.start();
    pipeline.receive(v5([CLIENT, SERVER]), '192.0.2.1');
    pipeline.receive(v5(oneSided(3)), '192.0.2.1');
    nowMs += 1000;
    await pipeline.tick();
    // Within the stitch window and below a batch: nothing is stored yet.
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 0, flowsBuffered: 1 });
    expect(pipeline.stats().stitch.pending).toBe(3);
    await pipeline.stop();
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 4, flowsBuffered: 0 });
    expect(pipeline.stats().stitch).toMatchObject({ paired: 1, oneSided: 3, pending: 0 });
    const flows = await storedFlows(store);
    expect(flows.map((f) => [f.src_addr, f.src_port, f.status, f.sensor])).toEqual([
      ['192.168.1.20', 51234, 'closed', '192.0.2.1'],
      ['192.168.1.30', 40_000, 'unanswered', '192.0.2.1'],
      ['192.168.1.30', 40_001, 'unanswered', '192.0.2.1'],
      ['192.168.1.30', 40_002, 'unanswered', '192.0.2.1'],
    ]);
  });

  it('keeps reading the socket while this thread is blocked, past what the receive buffer holds', async () => {
    pipeline = createCollectPipeline(
      // A 1 MiB buffer (the kernel grants 2) holds under 1,000 of these 1,464-byte datagrams.
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 10_000, flushIntervalMs: 60_000 } },
      { store, log: silentLog },
    );
    const [bound] = await pipeline.start();
    const datagram = v5(oneSided(30));
    expect(datagram.length).toBe(1464);
    sendWhileBlocked(datagram, bound!.port, 3000, 2000);
    const p = pipeline;
    await until(
      () => p.stats().datagrams === 3000,
      () => JSON.stringify(p.stats()),
      20_000,
    );
    await pipeline.stop();
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ datagrams: 3000, records: 90_000, queueDrops: 0, flowsBuffered: 0 });
    // The same 30 records again and again: each repeat sends the held one on alone.
    expect(stats.flowsWritten).toBe(90_000);
    const counted = await store.query('SELECT count(*) AS n FROM flows');
    expect(Number(counted.rows[0]!.n)).toBe(90_000);
  }, 60_000);

  it('drops and counts datagrams past its queue while decoding cannot keep up, and no others', async () => {
    const datagram = v5(oneSided(30));
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 10_000, flushIntervalMs: 60_000 } },
      { store, log: silentLog, maxQueuedBytes: 100 * datagram.length },
    );
    const [bound] = await pipeline.start();
    sendWhileBlocked(datagram, bound!.port, 1000, 2000);
    const p = pipeline;
    await until(
      () => p.stats().datagrams + p.stats().queueDrops === 1000,
      () => JSON.stringify(p.stats()),
      20_000,
    );
    await pipeline.stop();
    // Nothing was acknowledged while this thread was blocked: exactly 100 datagrams fit the queue.
    expect(pipeline.stats()).toMatchObject({ datagrams: 100, records: 3000, queueDrops: 900 });
  }, 60_000);

  it('emits the records from its sockets that waited past the stitch window when tick() is called, and stores them', async () => {
    let nowMs = EXPORT_S * 1000;
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 1000, flushIntervalMs: 10_000 } },
      { store, log: silentLog, now: () => nowMs },
    );
    const [bound] = await pipeline.start();
    const exporter = await openSocket('udp4', '127.0.0.1');
    sockets.push(exporter);
    await send(exporter, v5(oneSided(3)), bound!.port, '127.0.0.1');
    const p = pipeline;
    await until(
      () => p.stats().records === 3,
      () => JSON.stringify(p.stats()),
    );
    nowMs += 1000;
    await pipeline.tick();
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 0, flowsBuffered: 0 });
    expect(pipeline.stats().stitch.pending).toBe(3);
    // The decoder thread's clock is this one plus the real time since start(): past the 15 s window
    // by far, however long the test has run.
    nowMs += 30_000;
    // The decoder thread's flows are here and stored once tick() resolves: no polling.
    await pipeline.tick();
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 3, flowsBuffered: 0 });
    expect(pipeline.stats().stitch).toMatchObject({ pending: 0, oneSided: 3 });
    expect((await storedFlows(store)).map((f) => [f.src_port, f.status])).toEqual([
      [40_000, 'unanswered'],
      [40_001, 'unanswered'],
      [40_002, 'unanswered'],
    ]);
  });

  it('counts a datagram as queued until its flows are stored, so a stalled store drops datagrams, not flows', async () => {
    const { gated, open } = gatedStore(store);
    const datagram = v5(oneSided(30));
    pipeline = createCollectPipeline(
      // One record held at a time: the other 29 of each datagram go on to be stored at once.
      {
        collect: collectConfig({ maxPendingFlows: 1 }),
        flow: FLOW,
        store: { maxBatchRows: 100, flushIntervalMs: 60_000 },
      },
      { store: gated, log: silentLog, maxQueuedBytes: 10 * datagram.length },
    );
    const [bound] = await pipeline.start();
    const exporter = await openSocket('udp4', '127.0.0.1');
    sockets.push(exporter);
    for (let i = 0; i < 25; i++) await send(exporter, datagram, bound!.port, '127.0.0.1');
    const p = pipeline;
    await until(
      () => p.stats().datagrams + p.stats().queueDrops === 25,
      () => JSON.stringify(p.stats()),
    );
    expect(pipeline.stats()).toMatchObject({ datagrams: 10, queueDrops: 15, flowsWritten: 0, flowsLost: 0 });
    open();
    await pipeline.stop();
    expect(pipeline.stats()).toMatchObject({ datagrams: 10, records: 300, flowsWritten: 300, flowsLost: 0 });
    const counted = await store.query('SELECT count(*) AS n FROM flows');
    expect(Number(counted.rows[0]!.n)).toBe(300);
  });

  it('spools past its queue while storing is stalled, and stores every flow once the store catches up', async () => {
    const { gated, open } = gatedStore(store);
    // No spool_path: the spool goes beside the database file.
    const spoolPath = join(dir, 'yamori.duckdb.collect-spool');
    const size = distinctDatagram(0).length;
    pipeline = createCollectPipeline(
      {
        collect: collectConfig({ maxPendingFlows: 1, spoolMaxBytes: 1 << 20 }),
        flow: FLOW,
        store: { maxBatchRows: 100, flushIntervalMs: 0, database: { path: join(dir, 'yamori.duckdb') } },
      },
      { store: gated, log: silentLog, maxQueuedBytes: 10 * size },
    );
    const [bound] = await pipeline.start();
    sockets.push(await sendDistinct(bound!.port, 25));
    const p = pipeline;
    await until(
      () => p.stats().datagrams + p.stats().spoolDatagrams === 25,
      () => JSON.stringify(p.stats()),
    );
    // Ten fill the queue; the other fifteen wait on disk instead of being dropped.
    expect(pipeline.stats()).toMatchObject({
      datagrams: 10,
      spoolDatagrams: 15,
      datagramsSpooled: 15,
      queueDrops: 0,
    });
    expect(existsSync(spoolPath)).toBe(true);
    open();
    await tickUntil(p, () => p.stats().datagrams === 25);
    await pipeline.stop();
    expect(pipeline.stats()).toMatchObject({
      datagrams: 25,
      records: 750,
      flowsWritten: 750,
      queueDrops: 0,
      flowsLost: 0,
      spoolDatagrams: 0,
    });
    await expectEachFlowOnce(store, 25);
    // Every record was stored: the spool is gone.
    expect(existsSync(spoolPath)).toBe(false);
  });

  it('leaves what it has not read back in the spool at a stop, and stores it at the next start, each flow once', async () => {
    const { gated, open } = gatedStore(store);
    const spoolPath = join(dir, 'collect.spool');
    const size = distinctDatagram(0).length;
    const config = {
      collect: collectConfig({ maxPendingFlows: 1, spoolPath, spoolMaxBytes: 1 << 20 }),
      flow: FLOW,
      store: { maxBatchRows: 100, flushIntervalMs: 0 },
    };
    const first = createCollectPipeline(config, { store: gated, log: silentLog, maxQueuedBytes: 10 * size });
    pipeline = first;
    const [bound] = await first.start();
    sockets.push(await sendDistinct(bound!.port, 25));
    await until(
      () => first.stats().datagrams + first.stats().spoolDatagrams === 25,
      () => JSON.stringify(first.stats()),
    );
    open();
    await first.stop();
    // A stop reads nothing more back: the fifteen wait for the next start.
    const left = first.stats().spoolDatagrams;
    expect(left).toBe(15);
    expect(first.stats().datagrams).toBe(10);
    expect(first.stats().flowsWritten).toBe(30 * first.stats().datagrams);
    expect(existsSync(spoolPath)).toBe(true);

    const second = createCollectPipeline(config, { store, log: silentLog, maxQueuedBytes: 10 * size });
    pipeline = second;
    await second.start();
    expect(second.stats().datagramsRecovered).toBe(left);
    await tickUntil(second, () => second.stats().datagrams === left);
    await second.stop();
    expect(second.stats()).toMatchObject({ datagrams: left, flowsWritten: 30 * left, spoolDatagrams: 0 });
    await expectEachFlowOnce(store, 25);
    expect(existsSync(spoolPath)).toBe(false);
  });

  it('drops and counts datagrams only once the spool is full as well', async () => {
    const { gated, open } = gatedStore(store);
    const spoolPath = join(dir, 'collect.spool');
    const size = distinctDatagram(0).length;
    pipeline = createCollectPipeline(
      {
        // Room for a few datagrams' records beside the 24-byte header.
        collect: collectConfig({
          maxPendingFlows: 1,
          spoolPath,
          spoolMaxBytes: 24 + 5 * (16 + size + 12 + 64),
        }),
        flow: FLOW,
        store: { maxBatchRows: 100, flushIntervalMs: 0 },
      },
      { store: gated, log: silentLog, maxQueuedBytes: 10 * size },
    );
    const [bound] = await pipeline.start();
    sockets.push(await sendDistinct(bound!.port, 25));
    const p = pipeline;
    await until(
      () => p.stats().datagrams + p.stats().spoolDatagrams + p.stats().queueDrops === 25,
      () => JSON.stringify(p.stats()),
    );
    const { spoolDatagrams, queueDrops } = pipeline.stats();
    expect(pipeline.stats().datagrams).toBe(10);
    expect(spoolDatagrams).toBeGreaterThanOrEqual(1);
    expect(spoolDatagrams).toBeLessThanOrEqual(5);
    expect(queueDrops).toBe(15 - spoolDatagrams);
    open();
    await tickUntil(p, () => p.stats().datagrams === 10 + spoolDatagrams);
    await pipeline.stop();
    // The first ten and the spooled ones that follow them, in order; the dropped ones are the last.
    await expectEachFlowOnce(store, 10 + spoolDatagrams);
  });

  it('stitches the two directions read back from the spool in their own time, however late storing catches up', async () => {
    const { gated, open } = gatedStore(store);
    let nowMs = EXPORT_S * 1000;
    const spoolPath = join(dir, 'collect.spool');
    // Pair k: 30 client records in one datagram, their 30 answers in the next.
    const datagrams: Uint8Array[] = [];
    for (let k = 0; k < 20; k++) {
      const clients = oneSided(30, 40_000 + 30 * k);
      datagrams.push(v5(clients));
      datagrams.push(
        v5(clients.map((r) => ({ ...r, src: r.dst, dst: r.src, srcPort: r.dstPort, dstPort: r.srcPort }))),
      );
    }
    pipeline = createCollectPipeline(
      {
        collect: collectConfig({ spoolPath, spoolMaxBytes: 1 << 20 }),
        flow: FLOW,
        store: { maxBatchRows: 100, flushIntervalMs: 0 },
      },
      { store: gated, log: silentLog, now: () => nowMs, maxQueuedBytes: datagrams[0]!.length },
    );
    const [bound] = await pipeline.start();
    const exporter = await openSocket('udp4', '127.0.0.1');
    sockets.push(exporter);
    for (const datagram of datagrams) await send(exporter, datagram, bound!.port, '127.0.0.1');
    const p = pipeline;
    await until(
      () => p.stats().datagrams + p.stats().spoolDatagrams === 40,
      () => JSON.stringify(p.stats()),
    );
    // Storing comes back two minutes later, far past the 15-second stitch window: what waited in the
    // spool is stitched as it would have been when it arrived.
    nowMs += 120_000;
    open();
    await tickUntil(p, () => p.stats().datagrams === 40);
    await pipeline.stop();
    expect(pipeline.stats().stitch).toMatchObject({ paired: 600, oneSided: 0, pending: 0 });
    expect(pipeline.stats()).toMatchObject({ flowsWritten: 600, queueDrops: 0 });
  });

  it('refuses a spool path that holds another file with COLLECT_SPOOL_FAILED, and leaves the file as it was', async () => {
    const spoolPath = join(dir, 'not-a-spool.txt');
    writeFileSync(spoolPath, 'my notes, not a spool');
    pipeline = createCollectPipeline(
      {
        collect: collectConfig({ spoolPath, spoolMaxBytes: 1 << 20 }),
        flow: FLOW,
        store: { maxBatchRows: 1000, flushIntervalMs: 60_000 },
      },
      { store, log: silentLog },
    );
    await expect(pipeline.start()).rejects.toMatchObject({
      code: 'COLLECT_SPOOL_FAILED',
      message: expect.stringContaining(spoolPath),
    });
    expect(readFileSync(spoolPath, 'utf8')).toBe('my notes, not a spool');
    pipeline = null;
  });

  it('receives on a thread of its own with a higher priority than storing, where the system allows it', async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('raising a thread priority needs root or CAP_SYS_NICE');
    /** Nice values of this process's threads (field 19 of /proc/self/task/TID/stat). */
    const niceValues = (): number[] =>
      readdirSync('/proc/self/task').map((tid) =>
        Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
      );
    expect(niceValues().filter((nice) => nice === RECEIVE_NICE)).toEqual([]);
    pipeline = createCollectPipeline(
      { collect: collectConfig(), flow: FLOW, store: { maxBatchRows: 1000, flushIntervalMs: 60_000 } },
      { store, log: silentLog },
    );
    await pipeline.start();
    // The reader's thread alone: the main thread, the decoder and DuckDB's threads keep theirs.
    expect(niceValues().filter((nice) => nice === RECEIVE_NICE)).toEqual([RECEIVE_NICE]);
    expect(new Set(niceValues().filter((nice) => nice !== RECEIVE_NICE)).size).toBe(1);
  });

  it('refuses a port already taken with COLLECT_BIND_FAILED, naming the address', async () => {
    const taken = await openSocket('udp4', '127.0.0.1');
    sockets.push(taken);
    const port = taken.address().port;
    pipeline = createCollectPipeline(
      {
        collect: collectConfig({ listen: ['127.0.0.1:0', `127.0.0.1:${port}`] }),
        flow: FLOW,
        store: { maxBatchRows: 1000, flushIntervalMs: 60_000 },
      },
      { store, log: silentLog },
    );
    await expect(pipeline.start()).rejects.toMatchObject({
      code: 'COLLECT_BIND_FAILED',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });
});
