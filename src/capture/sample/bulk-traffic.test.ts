import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBulkTraffic } from './bulk-traffic.js';
import { writePcapFile, type TimedFrame } from './pcap-writer.js';
import { hasTshark, temporaryFolder, tsharkFields, tsharkProblems } from './testing.js';

const OPTIONS = { packets: 30_000, seed: 7, flows: 400 };

/** An independent RFC 1071 sum over several byte ranges. */
function sum16(...chunks: Uint8Array[]): number {
  let sum = 0;
  for (const bytes of chunks)
    for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

interface Parsed {
  key: string;
  flags: number;
  protocol: number;
  ipChecksumOk: boolean;
  l4ChecksumOk: boolean;
}

function parse(frame: Uint8Array): Parsed {
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  expect(b.readUInt16BE(12)).toBe(0x0800);
  const totalLength = b.readUInt16BE(16);
  const protocol = b[23]!;
  const l4 = b.subarray(34, 14 + totalLength);
  const pseudo = Buffer.alloc(12);
  b.copy(pseudo, 0, 26, 34);
  pseudo[9] = protocol;
  pseudo.writeUInt16BE(l4.length, 10);
  const ends = [
    `${[...b.subarray(26, 30)].join('.')}:${l4.readUInt16BE(0)}`,
    `${[...b.subarray(30, 34)].join('.')}:${l4.readUInt16BE(2)}`,
  ].sort();
  return {
    key: `${protocol} ${ends.join(' ')}`,
    flags: protocol === 6 ? l4[13]! : 0,
    protocol,
    ipChecksumOk: sum16(b.subarray(14, 34)) === 0xffff,
    l4ChecksumOk: sum16(pseudo, l4) === 0xffff,
  };
}

describe('generateBulkTraffic', () => {
  const frames: TimedFrame[] = [...generateBulkTraffic(OPTIONS)];
  const parsed = frames.map((f) => parse(f.frame));

  it('yields exactly the packets asked for, with timestamps that always advance', () => {
    expect(frames).toHaveLength(OPTIONS.packets);
    for (let i = 1; i < frames.length; i++)
      expect(frames[i]!.timestampUs).toBeGreaterThan(frames[i - 1]!.timestampUs);
    expect(frames[0]!.timestampUs).toBeGreaterThanOrEqual(Date.UTC(2024, 4, 14, 18) * 1000);
  });

  it('is the same for the same seed and different for another', () => {
    const hash = (list: Iterable<TimedFrame>): string => {
      const h = createHash('sha256');
      for (const f of list) h.update(f.frame).update(String(f.timestampUs));
      return h.digest('hex');
    };
    expect(hash(generateBulkTraffic(OPTIONS))).toBe(hash(frames));
    expect(hash(generateBulkTraffic({ ...OPTIONS, seed: 8 }))).not.toBe(hash(frames));
  });

  it('gives every packet its own bytes, so a consumer may keep or change them', () => {
    const [first, second] = [...generateBulkTraffic({ ...OPTIONS, packets: 2 })];
    const copy = Buffer.from(second!.frame);
    first!.frame.fill(0);
    expect(Buffer.from(second!.frame)).toEqual(copy);
  });

  it('keeps the IPv4, TCP and UDP checksums right in every patched packet', () => {
    expect(parsed.filter((p) => !p.ipChecksumOk)).toEqual([]);
    expect(parsed.filter((p) => !p.l4ChecksumOk)).toEqual([]);
  });

  it('interleaves many more flows than run at once, with handshakes, closes and DNS pairs', () => {
    const flows = new Set(parsed.map((p) => p.key));
    expect(flows.size).toBeGreaterThan(OPTIONS.flows * 2);
    const syns = parsed.filter((p) => p.flags === 0x02).length;
    const synAcks = parsed.filter((p) => p.flags === 0x12).length;
    const fins = parsed.filter((p) => p.flags & 0x01).length;
    expect(syns).toBeGreaterThan(OPTIONS.flows);
    expect(synAcks).toBeGreaterThan(syns * 0.9);
    expect(fins).toBeGreaterThan(syns);
    const udp = parsed.filter((p) => p.protocol === 17).length;
    expect(udp).toBeGreaterThan(100);
    // Packets of one flow are spread out: the first 1000 packets touch most of the concurrent flows.
    expect(new Set(parsed.slice(0, 1000).map((p) => p.key)).size).toBeGreaterThan(OPTIONS.flows / 2);
  });

  it('refuses counts it cannot honour', () => {
    expect(() => generateBulkTraffic({ ...OPTIONS, packets: -1 })).toThrow(RangeError);
    expect(() => generateBulkTraffic({ ...OPTIONS, flows: 0 })).toThrow(RangeError);
  });
});

describe.skipIf(!hasTshark)('bulk traffic as Wireshark reads it (needs tshark)', () => {
  const folder = temporaryFolder();
  const file = join(folder.path, 'bulk.pcap');
  beforeAll(async () => {
    await writePcapFile(file, generateBulkTraffic(OPTIONS));
  });
  afterAll(() => folder.remove());

  it('has no malformed packet, no expert error and no bad checksum', () => {
    expect(tsharkProblems(file)).toEqual([]);
  });

  it('keeps every flow’s sequence numbers and acknowledgements consistent', () => {
    const anomalies = tsharkFields(
      file,
      ['frame.number'],
      'tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || tcp.analysis.out_of_order || tcp.analysis.retransmission || tcp.analysis.duplicate_ack',
    );
    expect(anomalies).toEqual([]);
  });

  it('shows TLS ClientHellos with SNI and DNS answers', () => {
    const names = new Set(
      tsharkFields(file, ['tls.handshake.extensions_server_name'], 'tls.handshake.type == 1').map(([n]) => n),
    );
    expect(names.size).toBeGreaterThan(5);
    expect(tsharkFields(file, ['dns.a'], 'dns.flags.response == 1').length).toBeGreaterThan(100);
  });
});
