import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaptureFile } from './open-capture-file.js';
import { readCaptureFrames } from './read-capture.js';
import { buildPcap, collect, summarise, whole } from './testing.js';

let dir = '';
let file = '';
let bytes: Uint8Array = new Uint8Array(0);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'yamori-open-'));
  // About 6 MB in records of uneven length: many of the reader's 128 KB chunks, each boundary cutting a record.
  bytes = buildPcap({
    records: Array.from({ length: 6000 }, (_, n) => ({
      seconds: 1_700_000_000 + n,
      fraction: n,
      data: Uint8Array.from({ length: 600 + ((n * 379) % 800) }, (_, i) => (i * 7 + n) % 256),
    })),
  });
  file = path.join(dir, 'big.pcap');
  writeFileSync(file, bytes);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

describe('openCaptureFile', () => {
  it('reads a file of several chunks, records cut at every chunk boundary, as the bytes in one piece', async () => {
    const [fromFile, fromMemory] = await Promise.all([collect(openCaptureFile(file)), collect(whole(bytes))]);
    expect(fromFile.error).toBeNull();
    expect(fromFile.packets).toHaveLength(6000);
    expect(summarise(fromFile.packets)).toEqual(summarise(fromMemory.packets));
  });

  it('lets the event loop turn while it reads, so work waiting on it (a store write) goes on meanwhile', async () => {
    let chunks = 0;
    let chunksAtTurn = -1;
    setImmediate(() => (chunksAtTurn = chunks));
    for await (const chunk of openCaptureFile(file)) chunks += chunk.length > 0 ? 1 : 0;
    expect(chunks).toBeGreaterThan(40);
    expect(chunksAtTurn).toBeGreaterThan(0);
    expect(chunksAtTurn).toBeLessThan(chunks / 2);
  });

  it('reads a gzip file through the same reused buffers without mixing up its chunks', async () => {
    const gz = path.join(dir, 'big.pcap.gz');
    writeFileSync(gz, gzipSync(bytes, { level: 1 }));
    const [fromFile, fromMemory] = await Promise.all([collect(openCaptureFile(gz)), collect(whole(bytes))]);
    expect(fromFile.error).toBeNull();
    expect(summarise(fromFile.packets)).toEqual(summarise(fromMemory.packets));
  });

  it('hands out chunks that stay intact until the next one is asked for', async () => {
    const seen: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of openCaptureFile(file)) {
      // By the time the read ahead has finished, this chunk must still hold the file's bytes.
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(Buffer.compare(chunk, bytes.subarray(total, total + chunk.length))).toBe(0);
      total += chunk.length;
      seen.push(chunk);
    }
    expect(total).toBe(bytes.length);
    expect(seen.length).toBeGreaterThan(2);
  });

  it.skipIf(!existsSync('/proc/self/fd'))('closes the file when the reader stops early', async () => {
    const before = openDescriptors();
    const reader = readCaptureFrames(openCaptureFile(file), { sourceName: file, maxBatch: 10 });
    for await (const batch of reader) {
      expect(batch.count).toBe(10);
      break;
    }
    expect(openDescriptors()).toBe(before);
  });
});
