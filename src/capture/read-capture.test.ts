import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isYamoriError, type YamoriError } from '../errors/index.js';
import { openCaptureFile } from './open-capture-file.js';
import { readCapture } from './read-capture.js';
import {
  buildPcap,
  chunked,
  collect,
  concatBytes,
  pcapngBlock,
  pcapngEnhancedPacket,
  pcapngInterface,
  pcapngSectionHeader,
  summarise,
  tsharkPackets,
  whole,
} from './testing.js';

const run = promisify(execFile);
const PCAPS = resolve(process.cwd(), '../shared/pcaps');
const hasPcaps = existsSync(PCAPS);
const hasWireshark = existsSync('/usr/bin/tshark') && existsSync('/usr/bin/editcap');

function captureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(pcap|pcapng|pcap\.gz)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Offsets where records end, found by walking the length fields (independently of the reader). */
function recordEnds(bytes: Uint8Array): { ends: number[]; packetEnds: number[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends: number[] = [];
  const packetEnds: number[] = [];
  if (view.getUint32(0, false) === 0x0a0d0d0a) {
    for (let at = 0; at < bytes.length;) {
      const type = view.getUint32(at, true);
      at += view.getUint32(at + 4, true);
      ends.push(at);
      if (type === 2 || type === 3 || type === 6) packetEnds.push(at);
    }
  } else {
    const le = view.getUint32(0, true) === 0xa1b2c3d4;
    ends.push(24);
    for (let at = 24; at < bytes.length;) {
      at += 16 + view.getUint32(at + 8, le);
      ends.push(at);
      packetEnds.push(at);
    }
  }
  return { ends, packetEnds };
}

/** The describe name says why when a suite is skipped, so the reason shows in the test report. */
const unless = (condition: boolean, name: string, reason: string): string =>
  condition ? name : `${name} (skipped: ${reason})`;

describe.skipIf(!hasPcaps)(
  unless(hasPcaps, 'readCapture on the shared captures', '../shared/pcaps is absent'),
  () => {
    const files = hasPcaps ? captureFiles(PCAPS) : [];

    it('finds the captures of samples/, zeek/ and community-id/', () => {
      expect(files.length).toBeGreaterThanOrEqual(28);
      expect(files.some((file) => file.endsWith('combined.pcap.gz'))).toBe(true);
    });

    describe.skipIf(!hasWireshark)(
      unless(hasWireshark, 'against tshark', 'tshark or editcap is not installed'),
      () => {
        it.each(files.map((file) => [file.slice(PCAPS.length + 1), file]))(
          'reads %s with the packets, times, lengths, interfaces and link types tshark reports',
          async (_name, file) => {
            const [expected, outcome] = await Promise.all([
              tsharkPackets(file),
              collect(openCaptureFile(file)),
            ]);
            expect(outcome.error).toBeNull();
            expect(expected.length).toBeGreaterThan(0);
            expect(summarise(outcome.packets)).toEqual(expected);
          },
        );

        it('names pcapng interfaces as their if_name options do, and null where there is none', async () => {
          const file = join(PCAPS, 'samples/pcapplusplus_pcapng-example.pcapng');
          const { packets } = await collect(openCaptureFile(file));
          const names = new Map(packets.map((p) => [p.interfaceIndex, p.interfaceName]));
          expect(names).toEqual(
            new Map([
              [0, 'lo'],
              [1, null],
            ]),
          );
        });
      },
    );

    const otherFormats = unless(
      hasWireshark,
      'the same traffic in other file formats',
      'editcap is not installed',
    );
    describe.skipIf(!hasWireshark)(otherFormats, () => {
      let dir = '';
      beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), 'yamori-capture-'));
      });
      afterAll(() => {
        rmSync(dir, { recursive: true, force: true });
      });

      const sources = ['zeek/wikipedia/wikipedia.pcap', 'samples/pcapplusplus_DnsPackets.pcap'];
      const formats = ['pcapng', 'nsecpcap', 'modpcap'];
      it.each(sources.flatMap((source) => formats.map((format) => [source, format])))(
        'reads %s converted to %s as the same packets',
        async (source, format) => {
          const original = join(PCAPS, source);
          const converted = join(dir, `${format}-${source.replaceAll('/', '_')}`);
          await run('/usr/bin/editcap', ['-F', format, original, converted]);
          const [before, after] = await Promise.all([
            collect(openCaptureFile(original)),
            collect(openCaptureFile(converted)),
          ]);
          expect(after.error).toBeNull();
          expect(after.packets.length).toBe(before.packets.length);
          expect(after.packets).toEqual(
            before.packets.map((p) => ({ ...p, interfaceName: after.packets[0]!.interfaceName })),
          );
        },
      );

      it('reads a pcapng file that editcap split into several sections', async () => {
        const original = join(PCAPS, 'zeek/http_get/get.pcap');
        const ng = join(dir, 'get.pcapng');
        await run('/usr/bin/editcap', ['-F', 'pcapng', original, ng]);
        const twice = concatBytes([readFileSync(ng), readFileSync(ng)]);
        const single = await collect(whole(readFileSync(ng)));
        const double = await collect(whole(twice));
        expect(double.error).toBeNull();
        expect(double.packets).toEqual([...single.packets, ...single.packets]);
      });
    });

    const samples = ['zeek/http_get/get.pcap', 'zeek/pcapng-multi-interface/pcapng-multi-interface.pcapng'];

    describe('chunk boundaries', () => {
      const cases = [
        ...samples,
        'samples/pcapplusplus_pcapng-example.pcapng',
        'samples/pcapplusplus_many_interfaces-1.pcapng',
        'community-id/pcaps/combined.pcap.gz',
      ];
      it.each(cases)(
        'gives identical packets for %s in 1-byte, 7-byte and random-size chunks',
        async (name) => {
          const bytes = readFileSync(join(PCAPS, name));
          const reference = await collect(whole(bytes));
          expect(reference.error).toBeNull();
          expect(reference.packets.length).toBeGreaterThan(0);
          for (const sizes of [[1], [7], [3, 1000, 1, 65536, 17, 2]]) {
            expect(await collect(chunked(bytes, sizes))).toEqual(reference);
          }
          await fc.assert(
            fc.asyncProperty(
              fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 20 }),
              async (sizes) => {
                expect(await collect(chunked(bytes, sizes))).toEqual(reference);
              },
            ),
            { numRuns: 25 },
          );
        },
      );
    });

    describe('truncated files', () => {
      it.each(samples)(
        'reports %s cut at any offset as PCAP_TRUNCATED after yielding every complete packet',
        async (name) => {
          const bytes = readFileSync(join(PCAPS, name));
          const full = await collect(whole(bytes));
          const { ends, packetEnds } = recordEnds(bytes);
          expect(ends.at(-1)).toBe(bytes.length);
          // Every offset near a record boundary, where off-by-one mistakes live, and a stride elsewhere.
          const cuts = new Set<number>();
          for (let cut = 1; cut < bytes.length; cut += 11) cuts.add(cut);
          for (const end of [0, ...ends]) for (let d = -17; d <= 17; d++) cuts.add(end + d);
          for (const cut of [...cuts].filter((c) => c >= 1 && c < bytes.length)) {
            const outcome = await collect(chunked(bytes.subarray(0, cut), [cut % 3 === 0 ? 5 : 4096]));
            const complete = packetEnds.filter((end) => end <= cut).length;
            expect(outcome.packets.length).toBe(complete);
            if (complete > 0) expect(outcome.packets.at(-1)).toEqual(full.packets[complete - 1]);
            if (ends.includes(cut)) {
              expect(outcome.error).toBeNull();
            } else {
              const error = outcome.error as YamoriError;
              expect(isYamoriError(error) && error.code).toBe('PCAP_TRUNCATED');
              const lastEnd = Math.max(0, ...ends.filter((end) => end <= cut));
              expect(error.message).toContain(`at byte ${lastEnd};`);
              expect(error.message).toContain(`the ${complete} packets before it`);
            }
          }
        },
      );

      it('reports a cut gzip file as PCAP_TRUNCATED after yielding the packets it could decompress', async () => {
        const bytes = readFileSync(join(PCAPS, 'community-id/pcaps/combined.pcap.gz'));
        const full = await collect(whole(bytes));
        for (const cut of [20, 600, 1200, bytes.length - 9]) {
          const outcome = await collect(whole(bytes.subarray(0, cut)));
          expect((outcome.error as YamoriError).code).toBe('PCAP_TRUNCATED');
          expect(outcome.packets).toEqual(full.packets.slice(0, outcome.packets.length));
        }
      });
    });
  },
);

describe('readCapture', () => {
  const packet = (n: number): Uint8Array => Uint8Array.from({ length: 60 }, (_, i) => (i + n) % 256);
  const pcap = buildPcap({
    records: Array.from({ length: 10 }, (_, n) => ({
      seconds: 1_700_000_000 + n,
      fraction: n * 7,
      data: packet(n),
    })),
  });

  it('reads a gzip-compressed capture transparently and says so in its stats', async () => {
    const reader = readCapture(whole(gzipSync(pcap)), { sourceName: 'x.pcap.gz' });
    let count = 0;
    for await (const batch of reader) count += batch.length;
    expect(count).toBe(10);
    expect(reader.stats()).toMatchObject({
      format: 'pcap',
      isGzip: true,
      packets: 10,
      bytes: 600,
      bytesRead: pcap.length,
    });
  });

  it('yields batches of at most maxBatch packets whose data are views of the input', async () => {
    const sizes: number[] = [];
    for await (const batch of readCapture(whole(pcap), { sourceName: 't', maxBatch: 3 })) {
      sizes.push(batch.length);
      for (const p of batch) expect(p.data.buffer).toBe(pcap.buffer);
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
  });

  it('ends a batch where an input chunk ends, so a slow source is not held back', async () => {
    const sizes: number[] = [];
    const reader = readCapture(chunked(pcap, [24 + 2 * 76, 3 * 76, 5 * 76]), { sourceName: 't' });
    for await (const batch of reader) sizes.push(batch.length);
    expect(sizes).toEqual([2, 3, 5]);
  });

  it.each([
    ['text', new TextEncoder().encode('hello, world'), '68 65 6c 6c 6f 2c 20 77'],
    ['an ELF binary', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1), '7f 45 4c 46 02 01'],
    ['two bytes that start no capture', Uint8Array.of(0x12, 0x34), '12 34'],
    ['gzip of text', gzipSync('not a capture at all'), '6e 6f 74 20 61 20 63 61'],
  ])('rejects %s with PCAP_UNKNOWN_FORMAT naming the first bytes', async (_what, bytes, magic) => {
    const { error } = await collect(whole(bytes));
    expect((error as YamoriError).code).toBe('PCAP_UNKNOWN_FORMAT');
    expect((error as YamoriError).message).toContain(`(it starts with bytes ${magic})`);
    expect((error as YamoriError).message).toContain('test input');
  });

  it('rejects an empty input with PCAP_EMPTY', async () => {
    const { error } = await collect(whole(new Uint8Array(0)));
    expect((error as YamoriError).code).toBe('PCAP_EMPTY');
  });

  it('reports a record with an impossible captured length as PCAP_CORRUPT at its offset, after the packets before it', async () => {
    const bad = pcap.slice();
    const third = 24 + 2 * 76;
    new DataView(bad.buffer).setUint32(third + 8, 300 * 1024 * 1024, true);
    const { packets, error } = await collect(whole(bad));
    expect(packets).toHaveLength(2);
    expect((error as YamoriError).code).toBe('PCAP_CORRUPT');
    expect((error as YamoriError).message).toContain(`at byte ${third}:`);
  });

  it('maps a file that cannot be opened to INPUT_NOT_FOUND', async () => {
    const { error } = await collect(openCaptureFile('/nonexistent/yamori.pcap'));
    expect((error as YamoriError).code).toBe('INPUT_NOT_FOUND');
    expect((error as YamoriError).message).toContain('no such file');
  });

  it('streams a capture of a gigabyte in bounded memory', async () => {
    // 1000 records of 1000 bytes, handed over in two pieces that split a record, again and again.
    const record = buildPcap({ records: [{ seconds: 1, fraction: 2, data: new Uint8Array(984) }] }).subarray(
      24,
    );
    const chunk = concatBytes(Array.from({ length: 1000 }, () => record));
    const rounds = 1000;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield buildPcap({ records: [] });
      for (let i = 0; i < rounds; i++) {
        await Promise.resolve();
        yield chunk.subarray(0, 500_100);
        yield chunk.subarray(500_100);
      }
    }
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    let packets = 0;
    for await (const batch of readCapture(source(), { sourceName: 'big' })) {
      packets += batch.length;
      if (packets % 64 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    expect(packets).toBe(rounds * 1000);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('readCapture on hostile input', () => {
  const pcapHeader = buildPcap({ records: [] });
  const pcapngHeader = concatBytes([pcapngSectionHeader(), pcapngInterface({ name: 'eth0', tsresol: 9 })]);

  const expectOnlyYamoriErrors = async (bytes: Uint8Array, sizes: number[]): Promise<void> => {
    const { error } = await collect(chunked(bytes, sizes));
    expect(isYamoriError(error) ? null : error).toBeNull();
  };

  it('throws nothing but YamoriError for random bytes after a valid header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(pcapHeader, pcapngHeader),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
        async (header, tail, sizes) => expectOnlyYamoriErrors(concatBytes([header, tail]), sizes),
      ),
      { numRuns: 500 },
    );
  });

  it('throws nothing but YamoriError for records and blocks with plausible but wrong fields', async () => {
    const smallWord = fc.oneof(fc.integer({ min: 0, max: 80 }), fc.constant(0xffffffff), fc.nat());
    const pcapRecord = fc
      .tuple(smallWord, smallWord, fc.uint8Array({ maxLength: 80 }))
      .map(([captured, original, body]) => {
        const head = new Uint8Array(16);
        new DataView(head.buffer).setUint32(8, captured, true);
        new DataView(head.buffer).setUint32(12, original, true);
        return concatBytes([head, body]);
      });
    const blockType = fc.constantFrom(0x0a0d0d0a, 1, 2, 3, 4, 5, 6, 0xbad, 0x40000bad);
    const pcapngRecord = fc
      .tuple(blockType, fc.uint8Array({ maxLength: 80 }), fc.boolean(), fc.option(smallWord))
      .map(([type, body, isBigEndian, length]) => {
        const block = pcapngBlock(type, body, isBigEndian);
        if (length !== null) new DataView(block.buffer).setUint32(4, length, !isBigEndian);
        return block;
      });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(pcapRecord, { maxLength: 6 }).map((records) => concatBytes([pcapHeader, ...records])),
          fc.array(pcapngRecord, { maxLength: 6 }).map((blocks) => concatBytes([pcapngHeader, ...blocks])),
        ),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
        async (bytes, sizes) => expectOnlyYamoriErrors(bytes, sizes),
      ),
      { numRuns: 1000 },
    );
  });

  it('reports an enhanced packet block for an undescribed interface as PCAP_CORRUPT', async () => {
    const bytes = concatBytes([
      pcapngSectionHeader(),
      pcapngInterface({}),
      pcapngEnhancedPacket({ interfaceId: 1, ticks: 5n, data: new Uint8Array(4) }),
    ]);
    const { error } = await collect(whole(bytes));
    expect((error as YamoriError).code).toBe('PCAP_CORRUPT');
    expect((error as YamoriError).message).toContain('interface 1');
  });
});
