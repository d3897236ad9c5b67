import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDnsMessage } from './dns.js';
import type { DnsAnswer, DnsMessage } from './dns.js';
import { dnsRcodeName, dnsTypeName } from './dns-names.js';
import { splitDnsOverTcp } from './dns-over-tcp.js';
import { readSamplePackets, sharedPath } from './sample-captures.testing.js';
import { concat, ipv6Bytes, u16, u32 } from './testing.js';

/** Uncompressed wire form of a dotted name. */
function name(text: string): number[] {
  const out: number[] = [];
  for (const label of text.split('.').filter((l) => l.length > 0)) {
    out.push(label.length, ...Buffer.from(label, 'latin1'));
  }
  return [...out, 0];
}

function pointer(offset: number): number[] {
  return [0xc0 | (offset >> 8), offset & 0xff];
}

function header(o: {
  id?: number;
  flags?: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}): number[] {
  return [
    ...u16(o.id ?? 0x1234),
    ...u16(o.flags ?? 0x0100),
    ...u16(o.qd ?? 0),
    ...u16(o.an ?? 0),
    ...u16(o.ns ?? 0),
    ...u16(o.ar ?? 0),
  ];
}

function question(owner: number[], type: number, qclass = 1): number[] {
  return [...owner, ...u16(type), ...u16(qclass)];
}

function record(owner: number[], type: number, ttl: number, data: number[], rclass = 1): number[] {
  return [...owner, ...u16(type), ...u16(rclass), ...u32(ttl), ...u16(data.length), ...data];
}

// Offset 12 is the question name in every message below; answers point back to it.
const Q = pointer(12);
const RESPONSE = 0x8180;

interface Case {
  description: string;
  bytes: Uint8Array;
  expected: Partial<DnsMessage> | null;
}

const cases: Case[] = [
  {
    description: 'reads a query: header bits, and the question name lowercased without the trailing dot',
    bytes: concat(header({ id: 0xbeef, flags: 0x0120, qd: 1 }), question(name('WWW.Example.COM.'), 1)),
    expected: {
      id: 0xbeef,
      isResponse: false,
      opcode: 0,
      flags: 0x0120,
      isRecursionDesired: true,
      isRecursionAvailable: false,
      rcodeName: 'NOERROR',
      questions: [{ name: 'www.example.com', type: 1, typeName: 'A', class: 1 }],
      answers: [],
      isComplete: true,
    },
  },
  {
    description: 'follows compression pointers through a CNAME chain to the A records',
    bytes: concat(
      header({ flags: RESPONSE, qd: 1, an: 3 }),
      question(name('www.example.com'), 1),
      // offset 33: the CNAME record; its target starts at 45 ("cdn" + pointer into the question).
      record(Q, 5, 300, [3, ...Buffer.from('cdn'), ...pointer(16)]),
      record(pointer(45), 1, 60, [192, 0, 2, 1]),
      record(pointer(45), 1, 60, [192, 0, 2, 2]),
    ),
    expected: {
      isResponse: true,
      isRecursionAvailable: true,
      answers: [
        { name: 'www.example.com', type: 5, typeName: 'CNAME', class: 1, ttl: 300, data: 'cdn.example.com' },
        { name: 'cdn.example.com', type: 1, typeName: 'A', class: 1, ttl: 60, data: '192.0.2.1' },
        { name: 'cdn.example.com', type: 1, typeName: 'A', class: 1, ttl: 60, data: '192.0.2.2' },
      ],
      answerCount: 3,
      isComplete: true,
    },
  },
  {
    description: 'writes AAAA data as RFC 5952 text',
    bytes: concat(
      header({ flags: RESPONSE, qd: 1, an: 2 }),
      question(name('v6.example'), 28),
      record(Q, 28, 30, ipv6Bytes('2001:db8:0:0:1:0:0:1')),
      record(Q, 28, 30, ipv6Bytes('::ffff:192.0.2.7')),
    ),
    expected: {
      answers: [
        { name: 'v6.example', type: 28, typeName: 'AAAA', class: 1, ttl: 30, data: '2001:db8::1:0:0:1' },
        { name: 'v6.example', type: 28, typeName: 'AAAA', class: 1, ttl: 30, data: '::ffff:192.0.2.7' },
      ],
    },
  },
  {
    description: 'names the response code and keeps header counts of sections it does not decode',
    bytes: concat(header({ flags: 0x8183, qd: 1, ns: 1 }), question(name('nope.example'), 1)),
    expected: { rcode: 3, rcodeName: 'NXDOMAIN', answers: [], authorityCount: 1, isComplete: true },
  },
  {
    description: 'keeps records of other types with their type name and no data',
    bytes: concat(
      header({ flags: RESPONSE, qd: 1, an: 2 }),
      question(name('example.org'), 15),
      record(Q, 15, 3600, [...u16(10), ...name('mail.example.org')]),
      record(Q, 65280, 5, [1, 2, 3]),
    ),
    expected: {
      answers: [
        { name: 'example.org', type: 15, typeName: 'MX', class: 1, ttl: 3600, data: null },
        { name: 'example.org', type: 65280, typeName: 'TYPE65280', class: 1, ttl: 5, data: null },
      ],
    },
  },
  {
    description: 'decodes PTR and NS targets',
    bytes: concat(
      header({ flags: RESPONSE, qd: 1, an: 2 }),
      question(name('1.2.0.192.in-addr.arpa'), 12),
      record(Q, 12, 10, name('Host.Example')),
      record(Q, 2, 10, name('ns1.example')),
    ),
    expected: {
      answers: [
        {
          name: '1.2.0.192.in-addr.arpa',
          type: 12,
          typeName: 'PTR',
          class: 1,
          ttl: 10,
          data: 'host.example',
        },
        { name: '1.2.0.192.in-addr.arpa', type: 2, typeName: 'NS', class: 1, ttl: 10, data: 'ns1.example' },
      ],
    },
  },
  {
    description: 'reads the TTL as unsigned and keeps the mDNS cache-flush bit in the class',
    bytes: concat(
      header({ flags: 0x8400, an: 1 }),
      record(name('printer.local'), 1, 0xffffffff, [10, 0, 0, 9], 0x8001),
    ),
    expected: {
      questions: [],
      answers: [
        { name: 'printer.local', type: 1, typeName: 'A', class: 0x8001, ttl: 4294967295, data: '10.0.0.9' },
      ],
    },
  },
  {
    description: 'gives null data for an A record whose data is not 4 bytes',
    bytes: concat(
      header({ flags: RESPONSE, qd: 1, an: 1 }),
      question(name('a.example'), 1),
      record(Q, 1, 1, [1, 2, 3, 4, 5]),
    ),
    expected: {
      answers: [{ name: 'a.example', type: 1, typeName: 'A', class: 1, ttl: 1, data: null }],
      isComplete: true,
    },
  },
  {
    description: 'gives null data for a CNAME whose target runs past its record',
    bytes: concat(
      header({ flags: RESPONSE, qd: 1, an: 2 }),
      question(name('a.example'), 1),
      [...Q, ...u16(5), ...u16(1), ...u32(1), ...u16(2), 3, ...Buffer.from('abc'), 0],
      record(Q, 1, 1, [1, 2, 3, 4]),
    ),
    expected: {
      answers: [{ name: 'a.example', type: 5, typeName: 'CNAME', class: 1, ttl: 1, data: null }],
      isComplete: false,
    },
  },
  {
    description: 'keeps the answers before a record cut off by the capture and marks the message incomplete',
    bytes: concat(
      header({ flags: RESPONSE, qd: 1, an: 2 }),
      question(name('cut.example'), 1),
      record(Q, 1, 9, [198, 51, 100, 1]),
      record(Q, 1, 9, [198, 51, 100, 2]).slice(0, 13),
    ),
    expected: {
      answers: [{ name: 'cut.example', type: 1, typeName: 'A', class: 1, ttl: 9, data: '198.51.100.1' }],
      answerCount: 2,
      isComplete: false,
    },
  },
  {
    description: 'escapes label bytes outside printable ASCII as \\xNN',
    bytes: concat(header({ qd: 1 }), question([3, 0x61, 0x00, 0xff, 1, 0x2e, 0], 1)),
    expected: { questions: [{ name: 'a\\x00\\xff..', type: 1, typeName: 'A', class: 1 }] },
  },
  {
    description: 'reads the root name as an empty string',
    bytes: concat(header({ qd: 1 }), question([0], 2)),
    expected: { questions: [{ name: '', type: 2, typeName: 'NS', class: 1 }] },
  },
  {
    description: 'returns null for fewer than 12 bytes',
    bytes: new Uint8Array(header({}).slice(0, 11)),
    expected: null,
  },
  {
    description: 'returns null for a pointer to itself',
    bytes: concat(header({ qd: 1 }), [...pointer(12), ...u16(1), ...u16(1)]),
    expected: null,
  },
  {
    description: 'returns null for a pointer that points forward',
    bytes: concat(header({ qd: 1 }), [...pointer(18), ...u16(1), ...u16(1), ...name('x')]),
    expected: null,
  },
  {
    description: 'returns null for a pointer back into the labels of the same name (a loop)',
    bytes: concat(header({ qd: 1 }), [1, 0x61, ...pointer(12), ...u16(1), ...u16(1)]),
    expected: null,
  },
  {
    description: 'returns null for two names that point at each other',
    bytes: concat(header({ qd: 2 }), [
      1,
      0x61,
      ...pointer(20),
      ...u16(1),
      ...u16(1),
      1,
      0x62,
      ...pointer(12),
      ...u16(1),
      ...u16(1),
    ]),
    expected: null,
  },
  {
    description: 'returns null for a name longer than 255 bytes',
    bytes: concat(
      header({ qd: 1 }),
      question(name(Array.from({ length: 5 }, () => 'x'.repeat(60)).join('.')), 1),
    ),
    expected: null,
  },
  {
    description: 'returns null for the retired extended label type',
    bytes: concat(header({ qd: 1 }), [0x41, 0, ...u16(1), ...u16(1)]),
    expected: null,
  },
  {
    description: 'returns null when the question section is cut off',
    bytes: concat(header({ qd: 1 }), name('short.example'), [0, 1]),
    expected: null,
  },
];

describe('decodeDnsMessage', () => {
  it.each(cases)('$description', ({ bytes, expected }) => {
    const message = decodeDnsMessage(bytes);
    if (expected === null) expect(message).toBeNull();
    else expect(message).toMatchObject(expected);
  });

  it('gives up on a long chain of backward pointers', () => {
    // The chain sits in the data of an unknown-type record; each link is a label and a pointer
    // to the link before it. A second record's owner name points at the last link.
    const chain: number[] = [1, 0x61, 0];
    const chainStart = 12 + 1 + 10;
    let previous = chainStart;
    for (let i = 0; i < 100; i++) {
      const here = chainStart + chain.length;
      chain.push(1, 0x61, ...pointer(previous));
      previous = here;
    }
    const bytes = concat(
      header({ flags: RESPONSE, an: 2 }),
      record([0], 65280, 1, chain),
      record(pointer(previous), 1, 1, [1, 2, 3, 4]),
    );
    const message = decodeDnsMessage(bytes);
    expect(message?.answers).toHaveLength(1);
    expect(message?.isComplete).toBe(false);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const message = decodeDnsMessage(bytes);
        expect(message === null || typeof message.id === 'number').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on truncated or bit-flipped valid messages', () => {
    const valid = cases.filter((c) => c.expected !== null).map((c) => c.bytes);
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (bytes, cut, flipAt, flipTo) => {
          const copy = bytes.slice(0, cut % (bytes.length + 1));
          if (copy.length > 0) copy[flipAt % copy.length] = flipTo;
          const message = decodeDnsMessage(copy);
          if (message !== null) expect(message.answers.length).toBeLessThanOrEqual(message.answerCount);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('dnsTypeName and dnsRcodeName', () => {
  it.each([
    [1, 'A'],
    [28, 'AAAA'],
    [65, 'HTTPS'],
    [255, 'ANY'],
    [4242, 'TYPE4242'],
  ])('names type %i %s', (type, expected) => {
    expect(dnsTypeName(type)).toBe(expected);
  });

  it.each([
    [0, 'NOERROR'],
    [1, 'FORMERR'],
    [2, 'SERVFAIL'],
    [3, 'NXDOMAIN'],
    [4, 'NOTIMP'],
    [5, 'REFUSED'],
    [15, 'RCODE15'],
  ])('names response code %i %s', (rcode, expected) => {
    expect(dnsRcodeName(rcode)).toBe(expected);
  });
});

/** What tshark 4.0 decoded from each DNS message of a capture; see fixtures/README.md. */
interface TsharkDns {
  frame: number;
  id: number;
  flags: number;
  questions: [string, number, number][];
  answers: [string, number, number, number, string | null][];
}

function comparable(answers: DnsAnswer[]): unknown[] {
  return answers.map((a) => [a.name, a.type, a.class, a.ttl, a.data]);
}

const dnsPackets = sharedPath('pcaps/samples/pcapplusplus_DnsPackets.pcap');

describe.skipIf(!existsSync(dnsPackets))(
  'decodeDnsMessage on PcapPlusPlus DnsPackets.pcap (needs ../shared)',
  () => {
    const expected = readFileSync(
      path.join(import.meta.dirname, 'fixtures/pcapplusplus-dns-packets.tshark.jsonl'),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TsharkDns);
    const byFrame = new Map(readSamplePackets(dnsPackets).map((p) => [p.frameNumber, p.packet]));

    it('agrees with tshark on the header, questions and answer section of all 428 DNS, mDNS and LLMNR messages', () => {
      expect(expected).toHaveLength(428);
      for (const want of expected) {
        const packet = byFrame.get(want.frame);
        expect(packet, `frame ${want.frame}`).toBeDefined();
        const message = decodeDnsMessage(packet!.payload);
        expect(message, `frame ${want.frame}`).not.toBeNull();
        expect({ frame: want.frame, id: message!.id, flags: message!.flags }).toEqual({
          frame: want.frame,
          id: want.id,
          flags: want.flags,
        });
        expect(message!.questions.map((q) => [q.name, q.type, q.class])).toEqual(
          want.questions.map(([n, type, qclass]) => [n.toLowerCase(), type, qclass]),
        );
        expect(comparable(message!.answers)).toEqual(
          want.answers.map(([n, type, rclass, ttl, data]) => [
            n.toLowerCase(),
            type,
            rclass,
            ttl,
            type === 28 || data === null ? data : data.toLowerCase(),
          ]),
        );
        expect(message!.isComplete).toBe(true);
      }
    });
  },
);

const wikipedia = sharedPath('pcaps/zeek/wikipedia/wikipedia.pcap');
const wikipediaDnsLog = sharedPath('pcaps/zeek/wikipedia/expected/opt.basic/dns.log');

describe.skipIf(!existsSync(wikipedia))('decodeDnsMessage on Zeek wikipedia.pcap (needs ../shared)', () => {
  it("gives the query, response code, answers and TTLs of Zeek's dns.log for every resolver response", () => {
    const lines = readFileSync(wikipediaDnsLog, 'utf8').split('\n');
    const fields = lines
      .find((l) => l.startsWith('#fields'))!
      .split('\t')
      .slice(1);
    const col = (row: string[], field: string): string => row[fields.indexOf(field)]!;
    const zeek = lines
      .filter((l) => l.length > 0 && !l.startsWith('#'))
      .map((l) => l.split('\t'))
      .filter((row) => col(row, 'id.resp_p') === '53' && col(row, 'rcode') !== '-')
      .map((row) => ({
        id: Number(col(row, 'trans_id')),
        query: col(row, 'query'),
        rcodeName: col(row, 'rcode_name'),
        answers: col(row, 'answers') === '-' ? [] : col(row, 'answers').split(','),
        ttls: col(row, 'TTLs') === '-' ? [] : col(row, 'TTLs').split(',').map(Number),
      }));

    const ours = readSamplePackets(wikipedia)
      .filter(({ packet }) => packet.ipProto === 17 && packet.srcPort === 53)
      .map(({ packet }) => decodeDnsMessage(packet.payload)!)
      .map((m) => ({
        id: m.id,
        query: m.questions[0]!.name,
        rcodeName: m.rcodeName,
        answers: m.answers.map((a) => a.data ?? ''),
        ttls: m.answers.map((a) => a.ttl),
      }));

    expect(zeek.length).toBeGreaterThan(10);
    expect(ours).toEqual(zeek);
  });
});

const dnsOverTcp = sharedPath('pcaps/samples/pcapplusplus_dns_over_tcp.pcapng');

describe.skipIf(!existsSync(dnsOverTcp))(
  'decodeDnsMessage on PcapPlusPlus dns_over_tcp.pcapng (needs ../shared)',
  () => {
    it('decodes each length-prefixed message as tshark does', () => {
      const messages = readSamplePackets(dnsOverTcp).map(({ packet }) => {
        const split = splitDnsOverTcp(packet.payload);
        expect(split.consumed).toBe(packet.payload.length);
        expect(split.messages).toHaveLength(1);
        return decodeDnsMessage(split.messages[0]!)!;
      });
      expect(
        messages.map((m) => [
          m.id,
          m.isResponse,
          m.rcodeName,
          m.questions[0]!.name,
          m.questions[0]!.typeName,
        ]),
      ).toEqual([
        [0x38, true, 'NOERROR', 'github.com', 'A'],
        [0x6165, false, 'NOERROR', 'cole-tech.net', 'AAAA'],
        [0x6165, true, 'NXDOMAIN', 'cole-tech.net', 'AAAA'],
        [0x38, true, 'NOERROR', 'github.com', 'A'],
      ]);
      expect(comparable(messages[0]!.answers)).toEqual([['github.com', 1, 1, 32, '192.30.255.113']]);
      // The fourth segment repeats the first answer with its owner name compressed.
      expect(comparable(messages[3]!.answers)).toEqual([['github.com', 1, 1, 32, '192.30.255.113']]);
      expect(messages[2]!.authorityCount).toBe(8);
    });
  },
);
