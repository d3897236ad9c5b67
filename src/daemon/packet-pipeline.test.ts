import { describe, expect, it } from 'vitest';
import type { CapturedPacket } from '../capture/index.js';
import { buildFrame } from '../capture/sample/frame-builder.js';
import { LinkType } from '../decode/index.js';
import { testConfig } from '../flow/testing.js';
import { createLogger } from '../log/index.js';
import { TcpFlag } from '../records/index.js';
import { openMemoryStore } from '../store/testing.js';
import { createPacketPipeline, type PipelineStats } from './packet-pipeline.js';

const T0 = Date.UTC(2024, 4, 14, 19) * 1000;

/** A SYN from 192.168.1.10:`port` to a web server: one open flow per port. */
function syn(port: number): CapturedPacket {
  const data = buildFrame({
    ethernet: { srcMac: '02:00:00:00:00:0a', dstMac: '02:00:00:00:00:01' },
    ip: { version: 4, src: '192.168.1.10', dst: '93.184.216.34' },
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
});
