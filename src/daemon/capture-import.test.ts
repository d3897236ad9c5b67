import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaptureFile, readCaptureFrames } from '../capture/index.js';
import { generateHomeNetworkCapture, writePcapFile } from '../capture/index.js';
import { testConfig } from '../flow/testing.js';
import { createLogger } from '../log/index.js';
import type { StoredFlow } from '../records/index.js';
import type { Store } from '../store/index.js';
import { openMemoryStore } from '../store/testing.js';
import { importCaptures } from './capture-import.js';
import { createPacketPipeline } from './packet-pipeline.js';

const log = createLogger({ level: 'error', write: () => undefined });
const START_US = Date.UTC(2024, 4, 14, 19) * 1000;
/** Small batches, so a few minutes of traffic make several of them and the worker waits for acks. */
const config = { flow: testConfig({ maxFlows: 100_000 }), store: { maxBatchRows: 40 } };

let dir = '';
let capture = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'yamori-import-'));
  capture = path.join(dir, 'home.pcap');
  await writePcapFile(capture, generateHomeNetworkCapture({ startUs: START_US, durationS: 600, seed: 7 }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a store holds, in a form two imports can be compared by (ids and ingestion times differ). */
async function contents(store: Store): Promise<unknown> {
  const strip = ({ id: _id, ingestedAt: _at, ...rest }: StoredFlow): unknown => rest;
  const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const flows = (await store.listFlows({ limit: 100_000 })).map(strip).map((f) => JSON.stringify(f));
  const dns = (await store.listDns({ limit: 100_000 })).map(({ ingestedAt: _at, ...rest }) =>
    JSON.stringify(rest),
  );
  const devices = (await store.listDevices({ limit: 10_000 })).map((d) => JSON.stringify(d));
  return { flows: flows.sort(order), dns: dns.sort(order), devices: devices.sort(order) };
}

/** The same import spelled out: the packet pipeline fed batch by batch. */
async function importInProcess(store: Store, files: string[]): Promise<void> {
  const pipeline = createPacketPipeline(config, { store, log });
  try {
    for (const file of files) {
      for await (const batch of readCaptureFrames(openCaptureFile(file), { sourceName: file })) {
        await pipeline.ingestFrames(batch);
      }
    }
  } finally {
    await pipeline.finish();
  }
}

describe('importCaptures', () => {
  it('writes every flow, DNS answer and device the flow table makes of the capture', async () => {
    const store = await openMemoryStore();
    const inProcess = await openMemoryStore();
    try {
      const result = await importCaptures(config, { store, log }, [{ path: capture, sourceName: capture }]);
      await importInProcess(inProcess, [capture]);
      const expected = await contents(inProcess);
      expect((expected as { flows: unknown[] }).flows.length).toBeGreaterThan(50);
      expect(await contents(store)).toEqual(expected);
      expect(result.stoppedEarly).toBeNull();
      expect(result.stats).toMatchObject({
        flowsWritten: await store.countFlows(),
        liveFlows: 0,
        malformed: 0,
      });
      expect(result.stats.batchesWritten).toBeGreaterThan(2);
    } finally {
      await Promise.all([store.close(), inProcess.close()]);
    }
  });

  it('reads several files into one flow table, as one capture cut in two', async () => {
    const bytes = readFileSync(capture);
    // Cut after a record boundary in the middle: the first half keeps the file header, the second gets one.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 24;
    while (at < bytes.length / 2) at += 16 + view.getUint32(at + 8, true);
    const first = path.join(dir, 'first.pcap');
    const second = path.join(dir, 'second.pcap');
    writeFileSync(first, bytes.subarray(0, at));
    writeFileSync(second, Buffer.concat([bytes.subarray(0, 24), bytes.subarray(at)]));
    const [split, whole] = await Promise.all([openMemoryStore(), openMemoryStore()]);
    try {
      await importCaptures(config, { store: split, log }, [
        { path: first, sourceName: first },
        { path: second, sourceName: second },
      ]);
      await importCaptures(config, { store: whole, log }, [{ path: capture, sourceName: capture }]);
      expect(await contents(split)).toEqual(await contents(whole));
    } finally {
      await Promise.all([split.close(), whole.close()]);
    }
  });

  it('stops at a damaged file, says which and why, and still writes every flow read before the damage', async () => {
    const bytes = readFileSync(capture);
    const cut = path.join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 3));
    const store = await openMemoryStore();
    const inProcess = await openMemoryStore();
    try {
      const result = await importCaptures(config, { store, log }, [
        { path: cut, sourceName: cut },
        { path: capture, sourceName: capture },
      ]);
      expect(result.stoppedEarly?.file).toBe(cut);
      expect(result.stoppedEarly?.error.code).toBe('PCAP_TRUNCATED');
      expect(result.stoppedEarly?.error.message).toContain(cut);
      expect(result.stoppedEarly?.error.hint.length).toBeGreaterThan(0);
      // The packets before the damage, and nothing of the file after it.
      const pipeline = createPacketPipeline(config, { store: inProcess, log });
      try {
        for await (const batch of readCaptureFrames(openCaptureFile(cut), { sourceName: cut })) {
          await pipeline.ingestFrames(batch);
        }
      } catch {
        // The same damage; what came before it is what counts.
      }
      await pipeline.finish();
      expect(await contents(store)).toEqual(await contents(inProcess));
      expect(result.stats.packets).toBe(pipeline.stats().packets);
    } finally {
      await Promise.all([store.close(), inProcess.close()]);
    }
  });

  it('reports progress while reading, ending at every packet of the capture', async () => {
    const store = await openMemoryStore();
    const seen: number[] = [];
    try {
      const result = await importCaptures(config, { store, log, onProgress: (p) => seen.push(p.packets) }, [
        { path: capture, sourceName: capture },
      ]);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.at(-1)).toBe(result.stats.packets);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    } finally {
      await store.close();
    }
  });

  it('reads packets while the store is still being opened and writes them once it is', async () => {
    const inProcess = await openMemoryStore();
    const store = await openMemoryStore();
    try {
      await importInProcess(inProcess, [capture]);
      let packets = 0;
      let packetsWhenOpened = -1;
      const opening = new Promise<Store>((resolve) =>
        setTimeout(() => {
          packetsWhenOpened = packets;
          resolve(store);
        }, 50),
      );
      const result = await importCaptures(
        config,
        { store: opening, log, onProgress: (p) => (packets = p.packets) },
        [{ path: capture, sourceName: capture }],
      );
      expect(packetsWhenOpened).toBeGreaterThan(0);
      expect(result.stats.flowsWritten).toBeGreaterThan(0);
      expect(await contents(store)).toEqual(await contents(inProcess));
    } finally {
      await Promise.all([store.close(), inProcess.close()]);
    }
  });

  it('fails with the error of a store that cannot be opened', async () => {
    const failure = new Error('database is locked');
    await expect(
      importCaptures(config, { store: Promise.reject(failure), log }, [
        { path: capture, sourceName: capture },
      ]),
    ).rejects.toBe(failure);
  });

  it('fails with the store’s error when a batch cannot be written', async () => {
    const store = await openMemoryStore();
    await store.close();
    await expect(
      importCaptures(config, { store, log }, [{ path: capture, sourceName: capture }]),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
