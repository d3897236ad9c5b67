import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { YamoriError } from '../errors/index.js';
import {
  collect,
  concatBytes,
  hasTshark,
  pcapngBlock,
  pcapngEnhancedPacket as epb,
  pcapngInterface as idb,
  pcapngObsoletePacket as opb,
  pcapngSectionHeader as shb,
  pcapngSimplePacket as spb,
  summarise,
  tsharkPackets,
  whole,
} from './testing.js';

const data = (length: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 7 + seed) % 256);
const T = 1_700_000_000n; // seconds

interface Expected {
  timestampUs: number;
  linkType?: number;
  interfaceIndex?: number;
  interfaceName?: string | null;
  capturedLength: number;
  originalLength?: number;
}

interface Case {
  description: string;
  bytes: Uint8Array;
  expected: Expected[];
  /** tshark shows no time for packets without one (simple packet blocks); compare the rest. */
  hasTimelessPackets?: boolean;
  /** Why tshark's answer is not the right one for this case. */
  tsharkIsWrong?: string;
}

const cases: Case[] = [
  {
    description: 'little-endian section with microsecond timestamps',
    bytes: concatBytes([
      shb(),
      idb({ name: 'eth0' }),
      epb({ ticks: T * 1_000_000n + 123_456n, data: data(60) }),
    ]),
    expected: [
      { timestampUs: 1_700_000_000_123_456, linkType: 1, interfaceName: 'eth0', capturedLength: 60 },
    ],
  },
  {
    description: 'big-endian section',
    bytes: concatBytes([
      shb(true),
      idb({ name: 'wlan0', linkType: 101 }, true),
      epb({ ticks: T * 1_000_000n + 7n, data: data(40), originalLength: 1500 }, true),
    ]),
    expected: [
      {
        timestampUs: 1_700_000_000_000_007,
        linkType: 101,
        interfaceName: 'wlan0',
        capturedLength: 40,
        originalLength: 1500,
      },
    ],
  },
  {
    description: 'nanosecond resolution (if_tsresol 9)',
    bytes: concatBytes([
      shb(),
      idb({ tsresol: 9 }),
      epb({ ticks: T * 1_000_000_000n + 123_456_789n, data: data(60) }),
    ]),
    expected: [{ timestampUs: 1_700_000_000_123_456, interfaceName: null, capturedLength: 60 }],
  },
  {
    description: 'millisecond resolution (if_tsresol 3)',
    bytes: concatBytes([shb(), idb({ tsresol: 3 }), epb({ ticks: T * 1000n + 123n, data: data(60) })]),
    expected: [{ timestampUs: 1_700_000_000_123_000, capturedLength: 60 }],
  },
  {
    description: 'power-of-two resolution 2^-20 s',
    bytes: concatBytes([
      shb(),
      idb({ tsresol: 0x80 | 20 }),
      epb({ ticks: (T << 20n) + (1n << 19n), data: data(60) }),
    ]),
    expected: [{ timestampUs: 1_700_000_000_500_000, capturedLength: 60 }],
  },
  {
    description: 'power-of-two resolution 2^-32 s',
    bytes: concatBytes([
      shb(),
      idb({ tsresol: 0x80 | 32 }),
      epb({ ticks: (T << 32n) + (1n << 30n), data: data(60) }),
    ]),
    expected: [{ timestampUs: 1_700_000_000_250_000, capturedLength: 60 }],
  },
  {
    description: 'picosecond resolution (if_tsresol 12, the edge of exact double arithmetic)',
    bytes: concatBytes([
      shb(),
      idb({ tsresol: 12 }),
      epb({ ticks: 1_000_000n * 10n ** 12n + 999_999_999_999n, data: data(60) }),
    ]),
    expected: [{ timestampUs: 1_000_000_999_999, capturedLength: 60 }],
    tsharkIsWrong:
      'Wireshark 4.0 overflows 64 bits turning 999999999999 ps into nanoseconds (it shows .003875 s)',
  },
  {
    description: 'femtosecond resolution (if_tsresol 15)',
    bytes: concatBytes([
      shb(),
      idb({ tsresol: 15 }),
      epb({ ticks: 1000n * 10n ** 15n + 5n * 10n ** 14n, data: data(60) }),
    ]),
    expected: [{ timestampUs: 1_000_500_000, capturedLength: 60 }],
    tsharkIsWrong: 'Wireshark 4.0 overflows here too (it shows 1000.000000001 s)',
  },
  {
    description: 'timestamp offset (if_tsoffset) added to every packet',
    bytes: concatBytes([shb(), idb({ tsoffset: T }), epb({ ticks: 2_500_000n, data: data(60) })]),
    expected: [{ timestampUs: 1_700_000_002_500_000, capturedLength: 60 }],
  },
  {
    description: 'simple packet blocks: interface 0, cut to its snap length, the previous packet’s time',
    bytes: concatBytes([
      shb(),
      idb({ snaplen: 64, name: 'eth0' }),
      epb({ ticks: T * 1_000_000n, data: data(60) }),
      spb(data(64), 1514),
      spb(data(30), 30),
    ]),
    expected: [
      { timestampUs: 1_700_000_000_000_000, capturedLength: 60 },
      { timestampUs: 1_700_000_000_000_000, interfaceName: 'eth0', capturedLength: 64, originalLength: 1514 },
      { timestampUs: 1_700_000_000_000_000, capturedLength: 30, originalLength: 30 },
    ],
    hasTimelessPackets: true,
  },
  {
    description: 'obsolete packet block on the second interface',
    bytes: concatBytes([
      shb(),
      idb({ name: 'a' }),
      idb({ name: 'b', linkType: 113 }),
      opb({ interfaceId: 1, ticks: T * 1_000_000n + 1n, data: data(50) }),
    ]),
    expected: [
      {
        timestampUs: 1_700_000_000_000_001,
        linkType: 113,
        interfaceIndex: 1,
        interfaceName: 'b',
        capturedLength: 50,
      },
    ],
  },
  {
    description: 'name resolution, statistics, decryption secrets and custom blocks between packets',
    bytes: concatBytes([
      shb(),
      idb({}),
      pcapngBlock(4, new Uint8Array(4)), // name resolution: only the end-of-records marker
      epb({ ticks: 1n, data: data(60) }),
      pcapngBlock(5, new Uint8Array(12)), // interface statistics for interface 0, no options
      pcapngBlock(10, Uint8Array.of(0x4b, 0x53, 0x4c, 0x54, 4, 0, 0, 0, 1, 2, 3, 4)), // TLS key log secrets
      pcapngBlock(0xbad, concatBytes([Uint8Array.of(0, 0, 0x7e, 0xd9), data(13)])), // custom, with a PEN
      pcapngBlock(0x40000bad, Uint8Array.of(0, 0, 0x7e, 0xd9)),
      epb({ ticks: 2n, data: data(61) }),
    ]),
    expected: [
      { timestampUs: 1, capturedLength: 60 },
      { timestampUs: 2, capturedLength: 61 },
    ],
  },
  {
    description: 'two sections of opposite byte order, each numbering its interfaces from 0',
    bytes: concatBytes([
      shb(),
      idb({ name: 'eth0' }),
      idb({ name: 'eth1' }),
      epb({ interfaceId: 1, ticks: 10n, data: data(60) }),
      shb(true),
      idb({ name: 'lo', linkType: 0 }, true),
      epb({ interfaceId: 0, ticks: 20n, data: data(44) }, true),
    ]),
    expected: [
      { timestampUs: 10, linkType: 1, interfaceIndex: 1, interfaceName: 'eth1', capturedLength: 60 },
      { timestampUs: 20, linkType: 0, interfaceIndex: 0, interfaceName: 'lo', capturedLength: 44 },
    ],
  },
];

describe('PcapngParser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-pcapng-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(cases)('reads $description', async ({ bytes, expected }) => {
    const { packets, error } = await collect(whole(bytes));
    expect(error).toBeNull();
    expect(packets).toHaveLength(expected.length);
    packets.forEach((packet, i) => {
      const want = expected[i]!;
      expect(packet).toMatchObject({
        timestampUs: want.timestampUs,
        linkType: want.linkType ?? packet.linkType,
        interfaceIndex: want.interfaceIndex ?? 0,
        interfaceName: want.interfaceName === undefined ? packet.interfaceName : want.interfaceName,
        originalLength: want.originalLength ?? want.capturedLength,
      });
      expect(packet.data.length).toBe(want.capturedLength);
    });
  });

  it.skipIf(!hasTshark())('agrees with tshark on every built file (skipped without tshark)', async () => {
    for (const [index, { bytes, description, hasTimelessPackets, tsharkIsWrong }] of cases.entries()) {
      if (tsharkIsWrong !== undefined) continue;
      const path = join(dir, `${index}.pcapng`);
      writeFileSync(path, bytes);
      const { packets } = await collect(whole(bytes));
      let ours = summarise(packets);
      let theirs = await tsharkPackets(path);
      if (hasTimelessPackets === true) {
        ours = ours.map((p) => ({ ...p, timestampUs: 0 }));
        theirs = theirs.map((p) => ({ ...p, timestampUs: 0 }));
      }
      // tshark knows no link type 0 name in our table; compare the link type through our own cases.
      ours = ours.map((p) => ({ ...p, linkType: p.linkType === 0 || p.linkType === 113 ? -1 : p.linkType }));
      theirs = theirs.map((p, i) => ({ ...p, linkType: ours[i]?.linkType === -1 ? -1 : p.linkType }));
      expect(ours, description).toEqual(theirs);
    }
  });

  const corrupt: { description: string; bytes: Uint8Array; offset: number; detail: string }[] = [
    {
      description: 'a block length that is not a multiple of 4',
      bytes: (() => {
        const bytes = concatBytes([shb(), idb({}), epb({ ticks: 1n, data: data(60) })]);
        new DataView(bytes.buffer).setUint32(28 + 20 + 4, 93, true);
        return bytes;
      })(),
      offset: 48,
      detail: 'impossible length 93',
    },
    {
      description: 'a block length below the minimum for its type',
      bytes: concatBytes([shb(), pcapngBlock(6, data(8))]),
      offset: 28,
      detail: 'block type 6 has the impossible length 20',
    },
    {
      description: 'a trailing length that differs from the leading one',
      bytes: (() => {
        const bytes = concatBytes([shb(), idb({})]);
        new DataView(bytes.buffer).setUint32(bytes.length - 4, 24, true);
        return bytes;
      })(),
      offset: 28,
      detail: 'ends with length 24',
    },
    {
      description: 'a section header with a bad byte-order magic',
      bytes: concatBytes([shb(), idb({}), pcapngBlock(0x0a0d0d0a, data(16))]),
      offset: 48,
      detail: 'byte-order magic',
    },
    {
      description: 'a captured length larger than its block',
      bytes: (() => {
        const bytes = concatBytes([shb(), idb({}), epb({ ticks: 1n, data: data(60) })]);
        new DataView(bytes.buffer).setUint32(48 + 20, 61, true);
        return bytes;
      })(),
      offset: 48,
      detail: 'claims 61 captured bytes',
    },
    {
      description: 'a simple packet block before any interface',
      bytes: concatBytes([shb(), spb(data(10), 10)]),
      offset: 28,
      detail: 'before any interface',
    },
    {
      description: 'an interface option that runs past its block',
      bytes: (() => {
        const bytes = concatBytes([shb(), idb({ name: 'eth0' })]);
        new DataView(bytes.buffer).setUint16(28 + 16 + 2, 200, true);
        return bytes;
      })(),
      offset: 28,
      detail: 'code 2',
    },
  ];

  it.each(corrupt)(
    'reports $description as PCAP_CORRUPT at its offset',
    async ({ bytes, offset, detail }) => {
      const { error } = await collect(whole(bytes));
      expect((error as YamoriError).code).toBe('PCAP_CORRUPT');
      expect((error as YamoriError).message).toContain(`at byte ${offset}:`);
      expect((error as YamoriError).message).toContain(detail);
    },
  );
});
