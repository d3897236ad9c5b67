import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildPcap,
  collect,
  hasTshark,
  summarise,
  tsharkPackets,
  whole,
  type PcapFileSpec,
} from './testing.js';

const payload = Uint8Array.from({ length: 60 }, (_, i) => i);

interface Case {
  description: string;
  file: PcapFileSpec;
  expected: { timestampUs: number; linkType: number; capturedLength: number; originalLength: number }[];
}

const cases: Case[] = [
  {
    description: 'little-endian microsecond file',
    file: { records: [{ seconds: 1_700_000_000, fraction: 123_456, data: payload }] },
    expected: [{ timestampUs: 1_700_000_000_123_456, linkType: 1, capturedLength: 60, originalLength: 60 }],
  },
  {
    description: 'big-endian microsecond file',
    file: { isBigEndian: true, records: [{ seconds: 1_700_000_000, fraction: 999_999, data: payload }] },
    expected: [{ timestampUs: 1_700_000_000_999_999, linkType: 1, capturedLength: 60, originalLength: 60 }],
  },
  {
    description: 'little-endian nanosecond file (truncated to microseconds)',
    file: { isNanos: true, records: [{ seconds: 1_700_000_000, fraction: 123_456_789, data: payload }] },
    expected: [{ timestampUs: 1_700_000_000_123_456, linkType: 1, capturedLength: 60, originalLength: 60 }],
  },
  {
    description: 'big-endian nanosecond file',
    file: {
      isNanos: true,
      isBigEndian: true,
      records: [{ seconds: 4_000_000_000, fraction: 999_999_999, data: payload }],
    },
    expected: [{ timestampUs: 4_000_000_000_999_999, linkType: 1, capturedLength: 60, originalLength: 60 }],
  },
  {
    description: 'packet cut by the snap length',
    file: { snaplen: 60, records: [{ seconds: 1, fraction: 0, data: payload, originalLength: 1514 }] },
    expected: [{ timestampUs: 1_000_000, linkType: 1, capturedLength: 60, originalLength: 1514 }],
  },
  {
    description: 'raw IP link type',
    file: { linkType: 101, records: [{ seconds: 2, fraction: 5, data: payload }] },
    expected: [{ timestampUs: 2_000_005, linkType: 101, capturedLength: 60, originalLength: 60 }],
  },
  {
    description: 'link type field with the FCS-present bits set',
    file: { linkType: 0x14000001, records: [{ seconds: 2, fraction: 5, data: payload }] },
    expected: [{ timestampUs: 2_000_005, linkType: 1, capturedLength: 60, originalLength: 60 }],
  },
  {
    description: 'zero-length packet between two others',
    file: {
      records: [
        { seconds: 1, fraction: 1, data: payload },
        { seconds: 1, fraction: 2, data: new Uint8Array(0), originalLength: 0 },
        { seconds: 1, fraction: 3, data: payload.subarray(0, 14) },
      ],
    },
    expected: [
      { timestampUs: 1_000_001, linkType: 1, capturedLength: 60, originalLength: 60 },
      { timestampUs: 1_000_002, linkType: 1, capturedLength: 0, originalLength: 0 },
      { timestampUs: 1_000_003, linkType: 1, capturedLength: 14, originalLength: 14 },
    ],
  },
  { description: 'file header and no packets', file: { records: [] }, expected: [] },
];

describe('PcapParser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-pcap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(cases)('reads a $description', async ({ file, expected }) => {
    const { packets, error } = await collect(whole(buildPcap(file)));
    expect(error).toBeNull();
    expect(
      packets.map((p) => ({
        timestampUs: p.timestampUs,
        linkType: p.linkType,
        capturedLength: p.data.length,
        originalLength: p.originalLength,
      })),
    ).toEqual(expected);
    expect(packets.every((p) => p.interfaceIndex === 0 && p.interfaceName === null)).toBe(true);
  });

  it.skipIf(!hasTshark())('agrees with tshark on every built file (skipped without tshark)', async () => {
    for (const [index, { file, description }] of cases.entries()) {
      if (file.records.length === 0 || file.linkType === 0x14000001) continue;
      const path = join(dir, `${index}.pcap`);
      writeFileSync(path, buildPcap(file));
      const { packets } = await collect(whole(buildPcap(file)));
      expect(summarise(packets), description).toEqual(await tsharkPackets(path));
    }
  });
});
