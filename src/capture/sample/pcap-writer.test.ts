import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isYamoriError } from '../../errors/index.js';
import { createPcapWriter, writePcapFile, type TimedFrame } from './pcap-writer.js';
import { capinfosPacketCount, hasCapinfos, temporaryFolder } from './testing.js';

/** Reads a little-endian pcap back, independently of the writer. */
function readPcap(bytes: Buffer): {
  linkType: number;
  snaplen: number;
  records: { sec: number; frac: number; frame: Buffer; orig: number }[];
} {
  const records = [];
  let at = 24;
  while (at < bytes.length) {
    const captured = bytes.readUInt32LE(at + 8);
    records.push({
      sec: bytes.readUInt32LE(at),
      frac: bytes.readUInt32LE(at + 4),
      orig: bytes.readUInt32LE(at + 12),
      frame: bytes.subarray(at + 16, at + 16 + captured),
    });
    at += 16 + captured;
  }
  return { linkType: bytes.readUInt32LE(20), snaplen: bytes.readUInt32LE(16), records };
}

const folder = temporaryFolder();
afterAll(() => folder.remove());

describe('createPcapWriter', () => {
  it('writes the libpcap 2.4 global header with microsecond magic', () => {
    const header = createPcapWriter({ linkType: 1 }).header();
    expect(header.toString('hex')).toBe(
      'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000',
    );
  });

  it('writes the nanosecond magic and nanosecond fractions when asked', () => {
    const writer = createPcapWriter({ linkType: 101, nanosecond: true, snaplen: 65535 });
    const header = writer.header();
    expect(header.readUInt32LE(0)).toBe(0xa1b23c4d);
    expect(header.readUInt32LE(16)).toBe(65535);
    expect(header.readUInt32LE(20)).toBe(101);
    const record = writer.record(1_715_709_600_123_456, Buffer.alloc(60));
    expect(record.readUInt32LE(4)).toBe(123_456_000);
  });

  it('splits the timestamp into seconds and microseconds and states both lengths', () => {
    const frame = Buffer.from('00112233445566778899', 'hex');
    const record = createPcapWriter({ linkType: 1 }).record(1_715_709_600_123_456, frame);
    expect(record.length).toBe(16 + frame.length);
    expect(record.readUInt32LE(0)).toBe(1_715_709_600);
    expect(record.readUInt32LE(4)).toBe(123_456);
    expect(record.readUInt32LE(8)).toBe(frame.length);
    expect(record.readUInt32LE(12)).toBe(frame.length);
    expect(record.subarray(16)).toEqual(frame);
  });

  it('cuts frames at the snap length and keeps their original length', () => {
    const writer = createPcapWriter({ linkType: 1, snaplen: 64 });
    const frame = Buffer.alloc(100, 7);
    const record = writer.record(0, frame);
    expect(writer.recordLength(100)).toBe(80);
    expect(record.length).toBe(80);
    expect(record.readUInt32LE(8)).toBe(64);
    expect(record.readUInt32LE(12)).toBe(100);
    expect(writer.record(0, Buffer.alloc(10), 1514).readUInt32LE(12)).toBe(1514);
  });
});

describe('writePcapFile', () => {
  it('writes every packet in order, readable by an independent reader', async () => {
    const path = join(folder.path, 'small.pcap');
    const packets: TimedFrame[] = [
      { timestampUs: 1_000_000_000_000_001, frame: Buffer.alloc(60, 1) },
      { timestampUs: 1_000_000_000_500_000, frame: Buffer.alloc(1514, 2) },
      { timestampUs: 1_000_000_001_000_000, frame: Buffer.alloc(42, 3) },
    ];
    const result = await writePcapFile(path, packets);
    const read = readPcap(readFileSync(path));
    expect(result).toEqual({ packets: 3, bytes: statSync(path).size });
    expect(read.linkType).toBe(1);
    expect(read.records.map((r) => [r.sec, r.frac, r.frame.length, r.frame[0]])).toEqual([
      [1_000_000_000, 1, 60, 1],
      [1_000_000_000, 500_000, 1514, 2],
      [1_000_000_001, 0, 42, 3],
    ]);
  });

  it('streams hundreds of thousands of packets through many chunks without losing any', async () => {
    const path = join(folder.path, 'many.pcap');
    const count = 300_000;
    function* packets(): Generator<TimedFrame> {
      const frame = Buffer.alloc(74);
      for (let i = 0; i < count; i++) {
        frame.writeUInt32BE(i, 0);
        yield { timestampUs: 1_700_000_000_000_000 + i, frame };
      }
    }
    const result = await writePcapFile(path, packets());
    expect(result.packets).toBe(count);
    expect(statSync(path).size).toBe(24 + count * (16 + 74));
    const bytes = readFileSync(path);
    const last = 24 + (count - 1) * 90;
    expect(bytes.readUInt32BE(last + 16)).toBe(count - 1);
    expect(bytes.readUInt32LE(last + 4)).toBe(count - 1);
    if (hasCapinfos) expect(capinfosPacketCount(path)).toBe(count);
  });

  it('keeps a frame longer than one write chunk whole when the snap length allows it', async () => {
    const path = join(folder.path, 'jumbo.pcap');
    const frame = Buffer.alloc(2 * 1024 * 1024, 9);
    const small = { timestampUs: 0, frame: Buffer.alloc(60) };
    await writePcapFile(path, [small, { timestampUs: 1, frame }, small], { snaplen: 4 * 1024 * 1024 });
    expect(readPcap(readFileSync(path)).records.map((r) => r.frame.length)).toEqual([60, frame.length, 60]);
  });

  it('cuts frames at the default snap length of 262144', async () => {
    const path = join(folder.path, 'cut.pcap');
    await writePcapFile(path, [{ timestampUs: 0, frame: Buffer.alloc(300_000) }]);
    const [record] = readPcap(readFileSync(path)).records;
    expect([record?.frame.length, record?.orig]).toEqual([262_144, 300_000]);
  });

  it('fails with CAPTURE_WRITE_FAILED when the file cannot be created', async () => {
    const path = join(folder.path, 'no-such-folder', 'x.pcap');
    const error: unknown = await writePcapFile(path, [{ timestampUs: 0, frame: Buffer.alloc(60) }]).catch(
      (e: unknown) => e,
    );
    expect(isYamoriError(error) && error.code).toBe('CAPTURE_WRITE_FAILED');
    expect((error as Error).message).toContain(path);
  });

  it('passes on an error thrown by the packet source unchanged', async () => {
    const path = join(folder.path, 'broken-source.pcap');
    const boom = new Error('source broke');
    function* packets(): Generator<TimedFrame> {
      yield { timestampUs: 0, frame: Buffer.alloc(60) };
      throw boom;
    }
    await expect(writePcapFile(path, packets())).rejects.toBe(boom);
  });
});
