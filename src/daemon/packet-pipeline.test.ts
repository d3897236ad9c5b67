import { describe, expect, it } from 'vitest';
import type { CapturedPacket } from '../capture/index.js';
import { buildFrame } from '../capture/sample/frame-builder.js';
import { LinkType } from '../decode/index.js';
import { PAGE_BYTES, PAGE_SIZE, testConfig } from '../flow/testing.js';
import { createLogger } from '../log/index.js';
import { TcpFlag } from '../records/index.js';
import type { Store, WriteBatch } from '../store/index.js';
import { openMemoryStore } from '../store/testing.js';
import { createPacketPipeline, type PipelineStats } from './packet-pipeline.js';

const T0 = Date.UTC(2024, 4, 14, 19) * 1000;

/** A SYN from 192.168.1.10:`port` to a web server: one open flow per port. */
function syn(port: number): CapturedPacket {
  return synFrom('192.168.1.10', port);
}

function synFrom(src: string, port: number): CapturedPacket {
  const data = buildFrame({
    ethernet: { srcMac: '02:00:00:00:00:0a', dstMac: '02:00:00:00:00:01' },
    ip: { version: 4, src, dst: '93.184.216.34' },
    transport: {
      protocol: 'tcp',
      srcPort: port,
      dstPort: 443,
      seq: 1,
      ack: 0,
      flags: TcpFlag.SYN,
      window: 1024,
    },
  });
  return {
    timestampUs: T0 + port,
    linkType: LinkType.ETHERNET,
    interfaceIndex: 0,
    interfaceName: null,
    data,
    originalLength: data.length,
  };
}

describe('createPacketPipeline', () => {
  it('writes the flows still open at the end in batches of at most max_batch_rows', async () => {
    const store = await openMemoryStore();
    const written: PipelineStats[] = [];
    try {
      const pipeline = createPacketPipeline(
        { flow: testConfig(), store: { maxBatchRows: 2 } },
        {
          store,
          log: createLogger({ level: 'error', write: () => undefined }),
          onWritten: (s) => written.push(s),
        },
      );
      await pipeline.ingest([40001, 40002, 40003, 40004, 40005].map(syn));
      expect(pipeline.stats().liveFlows).toBe(5);
      await pipeline.finish();
      expect(written.map((s) => s.flowsWritten)).toEqual([2, 4, 5]);
      expect(pipeline.stats()).toMatchObject({ liveFlows: 0, flowsWritten: 5, packets: 5 });
      expect(await store.countFlows()).toBe(5);
    } finally {
      await store.close();
    }
  });

  it('writes more than 10,000 flows still open at the end in one stream, counted once it commits', async () => {
    const store = await openMemoryStore();
    const written: PipelineStats[] = [];
    try {
      const pipeline = createPacketPipeline(
        { flow: testConfig({ maxFlows: 20_000 }), store: { maxBatchRows: 1000 } },
        {
          store,
          log: createLogger({ level: 'error', write: () => undefined }),
          onWritten: (s) => written.push(s),
        },
      );
      const ports = Array.from({ length: 10_001 }, (_, i) => 20_000 + i);
      await pipeline.ingest(ports.map(syn));
      expect(pipeline.stats().liveFlows).toBe(10_001);
      await pipeline.finish();
      expect(written.map((s) => s.flowsWritten)).toEqual([10_001]);
      expect(pipeline.stats()).toMatchObject({ liveFlows: 0, flowsWritten: 10_001, batchesWritten: 1 });
      const stored = await store.query(
        'SELECT count(DISTINCT src_port)::INTEGER AS ports, min(src_port) AS low, max(src_port) AS high FROM flows',
      );
      expect(stored.rows[0]).toEqual({ ports: 10_001, low: 20_000, high: 30_000 });
      const [device] = await store.listDevices();
      expect(device).toMatchObject({ mac: '02:00:00:00:00:0a' });
    } finally {
      await store.close();
    }
  });

  it("gives the flow table's memory back while the flows still open at the end are streamed", async () => {
    const store = await openMemoryStore();
    // The real store; only the batches it is handed are watched on their way.
    const held: number[] = [];
    const watched: Store = Object.assign(Object.create(store) as Store, {
      writeBatchStream: (batches: AsyncIterable<WriteBatch>): Promise<void> => {
        async function* watch(): AsyncGenerator<WriteBatch> {
          for await (const batch of batches) {
            held.push(process.memoryUsage().arrayBuffers);
            yield batch;
          }
        }
        return store.writeBatchStream!(watch());
      },
    });
    try {
      const pipeline = createPacketPipeline(
        { flow: testConfig({ maxFlows: 300_000 }), store: { maxBatchRows: 1000 } },
        { store: watched, log: createLogger({ level: 'error', write: () => undefined }) },
      );
      // 12 pages of the table's flow records (16,384 a page, some 1.8 MB each) and an index of 4 MB.
      const count = 24 * 8192;
      for (let at = 0; at < count; at += 8192) {
        const ids = Array.from({ length: 8192 }, (_, i) => at + i);
        await pipeline.ingest(
          ids.map((i) => synFrom(`10.${i >> 16}.${(i >> 8) & 0xff}.1`, 40_000 + (i & 0xff))),
        );
      }
      expect(pipeline.stats().liveFlows).toBe(count);
      await pipeline.finish();
      expect(pipeline.stats()).toMatchObject({ liveFlows: 0, flowsWritten: count });
      expect(await store.countFlows()).toBe(count);
      // Once 16 MB had been let go of (the index, 4 MB, and 7 pages: the flows of 56 batches of
      // 2,048) a collection returned them, before the next batch. Left to itself, V8 collected them
      // a dozen batches later in this test process, and not before the end in the importer.
      const pages = Math.ceil((16 * 2 ** 20 - 4 * 2 ** 20) / PAGE_BYTES);
      expect(pages).toBe(7);
      const returned = held.findIndex((h) => held[0]! - h >= 15 * 2 ** 20);
      expect(returned).toBeGreaterThan((pages * PAGE_SIZE) / 2048 - 4);
      expect(returned).toBeLessThanOrEqual((pages * PAGE_SIZE) / 2048 + 2);
    } finally {
      await store.close();
    }
  });

  it('keeps a batch whose write failed whole and writes it once when the store recovers', async () => {
    const store = await openMemoryStore();
    let failures = 1;
    // The real store, with one write refused the way a full disk would refuse it.
    const flaky: Store = Object.assign(Object.create(store) as Store, {
      writeBatchStream: (batches: Iterable<WriteBatch>): Promise<void> => {
        if (failures-- > 0) return Promise.reject(new Error('disk full'));
        return store.writeBatchStream!(batches);
      },
    });
    try {
      const pipeline = createPacketPipeline(
        { flow: testConfig(), store: { maxBatchRows: 100 } },
        { store: flaky, log: createLogger({ level: 'error', write: () => undefined }) },
      );
      await pipeline.ingest([40001, 40002, 40003].map(syn));
      await expect(pipeline.finish()).rejects.toThrow('disk full');
      expect(pipeline.stats().flowsWritten).toBe(0);
      expect(await store.countFlows()).toBe(0);
      await pipeline.flush();
      expect(pipeline.stats()).toMatchObject({ flowsWritten: 3, batchesWritten: 1 });
      const stored = await store.query(
        'SELECT count(DISTINCT id)::INTEGER AS ids, count(*)::INTEGER AS n FROM flows',
      );
      expect(stored.rows[0]).toEqual({ ids: 3, n: 3 });
      expect(await store.listDevices()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
