import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFrame } from './frame-builder.js';
import { writePcapFile } from './pcap-writer.js';
import { hasTshark, temporaryFolder, tsharkFields, tsharkProblems } from './testing.js';

describe.skipIf(!hasTshark)('tsharkProblems (needs tshark)', () => {
  const folder = temporaryFolder();
  afterAll(() => folder.remove());
  const good = buildFrame({
    ethernet: { srcMac: 'f0:18:98:2b:6e:91', dstMac: '04:d9:f5:3c:71:a0' },
    ip: { version: 4, src: '192.168.1.23', dst: '203.0.113.10' },
    transport: { protocol: 'tcp', srcPort: 50000, dstPort: 443, seq: 1, ack: 0, flags: 0x02, window: 65535 },
  });

  it('passes a correct frame and flags one whose TCP checksum is wrong', async () => {
    const bad = Buffer.from(good);
    bad[34 + 16]! ^= 0xff;
    const path = join(folder.path, 'checksums.pcap');
    await writePcapFile(path, [
      { timestampUs: 1, frame: good },
      { timestampUs: 2, frame: bad },
    ]);
    expect(tsharkProblems(path).map((line) => line.trim().split(/\s+/)[0])).toEqual(['2']);
  });

  it('flags a frame whose IPv4 header is cut short as malformed', async () => {
    const path = join(folder.path, 'short.pcap');
    await writePcapFile(path, [{ timestampUs: 1, frame: good.subarray(0, 14 + 12) }]);
    expect(tsharkProblems(path)).toHaveLength(1);
    expect(tsharkFields(path, ['frame.len'])).toEqual([['26']]);
  });
});
