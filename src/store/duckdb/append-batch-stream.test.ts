import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isYamoriError } from '../../errors/index.js';
import type { FlowRecord } from '../../records/index.js';
import type { Store, WriteBatch } from '../store.js';
import { buildDeviceObservation, buildDnsRecord, buildFlow, TEST_EPOCH } from '../testing.js';
import { openDuckDbStore } from './duckdb-store.js';

/** `count` flows with distinct ids, ports and times, from `first` on. */
function flowRun(first: number, count: number): FlowRecord[] {
  const base = buildFlow();
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    id: `flow-${first + i}`,
    communityId: `1:${first + i}`,
    srcPort: 1024 + ((first + i) % 60_000),
    srcBytes: first + i,
    // A tenth of a second apart: 150,000 flows span five hours.
    firstSeenAt: TEST_EPOCH + (first + i) * 100_000,
    lastSeenAt: TEST_EPOCH + (first + i) * 100_000 + 5,
  }));
}

/** The batches one at a time, each after a turn of the event loop, as a pipeline would make them. */
async function* fromArray(batches: WriteBatch[]): AsyncGenerator<WriteBatch> {
  for (const batch of batches) {
    await new Promise((resolve) => setImmediate(resolve));
    yield batch;
  }
}

async function scalar(store: Store, sql: string): Promise<unknown> {
  const result = await store.query(sql);
  return Object.values(result.rows[0]!)[0];
}

const counts = async (store: Store): Promise<unknown[]> =>
  Promise.all(
    ['flows', 'dns', 'devices', 'device_addresses'].map((table) =>
      scalar(store, `SELECT count(*)::INTEGER FROM ${table}`),
    ),
  );

describe('DuckDB writeBatchStream', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-stream-'));
    store = await openDuckDbStore({
      database: { path: join(dir, 'stream.duckdb') },
      maxBatchRows: 50_000,
      flushIntervalMs: 2_000,
    });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every batch, past a row group of flows, and leaves the memory limit and threads as they were', async () => {
    const limitBefore = await scalar(store, "SELECT current_setting('memory_limit')");
    const threadsBefore = await scalar(store, "SELECT current_setting('threads')");
    // 150,000 flows: more than one DuckDB row group (122,880 rows), which a low memory limit makes
    // DuckDB write to the file before the commit.
    const batches = [0, 1, 2].map((n) => ({
      flows: flowRun(n * 50_000, 50_000),
      dns: [buildDnsRecord({ queryName: `name-${n}.example` })],
      devices: [buildDeviceObservation({ addr: `192.168.1.${20 + n}`, seenAt: TEST_EPOCH + n })],
    }));
    await store.writeBatchStream!(fromArray(batches));

    expect(await counts(store)).toEqual([150_000, 3, 1, 3]);
    const sums = await store.query(
      'SELECT count(DISTINCT id)::INTEGER AS ids, sum(src_bytes)::BIGINT::VARCHAR AS bytes FROM flows',
    );
    expect(sums.rows[0]).toEqual({ ids: 150_000, bytes: String((149_999 * 150_000) / 2) });
    expect(await scalar(store, "SELECT current_setting('memory_limit')")).toBe(limitBefore);
    expect(await scalar(store, "SELECT current_setting('threads')")).toBe(threadsBefore);
    // Every hour written into is on the rollups' work list (flow-rollups.ts), and no other.
    const hours = await store.query(
      `SELECT (SELECT count(DISTINCT date_trunc('hour', first_seen_at)) FROM flows)::INTEGER AS written,
         (SELECT count(*) FROM flow_rollup_dirty)::INTEGER AS dirty,
         (SELECT count(*) FROM flow_rollup_dirty
          WHERE slot_at IN (SELECT date_trunc('hour', first_seen_at) FROM flows))::INTEGER AS matching`,
    );
    expect(hours.rows[0]).toEqual({ written: 5, dirty: 5, matching: 5 });
  });

  it('stores a stream into a database whose DuckDB memory in use is already past the stream’s own limit', async () => {
    // Committed and not yet checkpointed, ten batches of flows and DNS answers keep some 40 MB of
    // DuckDB's memory in use: a stream limited to 32 MB in all could not pin what its commit needs.
    for (let n = 0; n < 10; n++) {
      const dns = Array.from({ length: 10_000 }, (_, i) =>
        buildDnsRecord({ queryName: `name-${n}-${i}.example`, seenAt: TEST_EPOCH + n * 10_000 + i }),
      );
      await store.writeBatchStream!(fromArray([{ flows: flowRun(n * 10_000, 10_000), dns, devices: [] }]));
    }
    const inUse = Number(await scalar(store, 'SELECT sum(memory_usage_bytes)::BIGINT FROM duckdb_memory()'));
    expect(inUse).toBeGreaterThan(32 << 20);
    const batches = [0, 1, 2].map((n) => ({
      flows: flowRun(100_000 + n * 10_000, 10_000),
      dns: [],
      devices: [],
    }));
    await store.writeBatchStream!(fromArray(batches));
    expect(await scalar(store, 'SELECT count(*)::INTEGER FROM flows')).toBe(130_000);
  });

  it('stores nothing of the stream when one batch cannot be written, and writes again afterwards', async () => {
    const limitBefore = await scalar(store, "SELECT current_setting('memory_limit')");
    const threadsBefore = await scalar(store, "SELECT current_setting('threads')");
    // A fraction of a byte: the column refuses it when the batch is appended.
    const bad = { ...buildFlow(), srcBytes: 0.5 };
    const stream = store.writeBatchStream!(
      fromArray([
        { flows: flowRun(0, 3000), dns: [buildDnsRecord()], devices: [buildDeviceObservation()] },
        { flows: [buildFlow(), bad], dns: [], devices: [] },
      ]),
    );
    const error: unknown = await stream.catch((e: unknown) => e);
    expect(isYamoriError(error) && error.code).toBe('STORE_WRITE_FAILED');
    expect(await counts(store)).toEqual([0, 0, 0, 0]);
    expect(await scalar(store, "SELECT current_setting('memory_limit')")).toBe(limitBefore);
    expect(await scalar(store, "SELECT current_setting('threads')")).toBe(threadsBefore);

    await store.writeFlows(flowRun(0, 10));
    expect(await counts(store)).toEqual([10, 0, 0, 0]);
  });

  it('stores nothing when the source of the batches throws part way', async () => {
    function* failing(): Generator<WriteBatch> {
      yield { flows: flowRun(0, 100), dns: [buildDnsRecord()], devices: [buildDeviceObservation()] };
      throw new Error('the flow table broke');
    }
    const error: unknown = await store.writeBatchStream!(failing()).catch((e: unknown) => e);
    expect(isYamoriError(error) && error.code).toBe('STORE_WRITE_FAILED');
    expect(error instanceof Error && error.message).toContain('the flow table broke');
    expect(await counts(store)).toEqual([0, 0, 0, 0]);
  });
});
