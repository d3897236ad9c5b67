import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDnsQuery, buildDnsResponse, type DnsResourceRecord } from './dns-message.js';
import { buildFrame } from './frame-builder.js';
import { writePcapFile } from './pcap-writer.js';
import { hasTshark, temporaryFolder, tsharkFields, tsharkProblems } from './testing.js';

/** Reads a name at `at`, following compression pointers; returns the name and the offset after it. */
function readName(message: Buffer, at: number): { name: string; next: number; pointers: number } {
  const labels: string[] = [];
  let next = -1;
  let pointers = 0;
  for (let i = at, hops = 0; hops < 64; hops++) {
    const length = message[i]!;
    if (length === 0) return { name: labels.join('.'), next: next < 0 ? i + 1 : next, pointers };
    if ((length & 0xc0) === 0xc0) {
      if (next < 0) next = i + 2;
      pointers++;
      i = message.readUInt16BE(i) & 0x3fff;
      continue;
    }
    labels.push(message.toString('latin1', i + 1, i + 1 + length));
    i += 1 + length;
  }
  throw new Error('pointer loop');
}

interface ParsedRecord {
  name: string;
  type: number;
  ttl: number;
  rdata: Buffer;
  rdataAt: number;
}

function parse(message: Buffer): {
  id: number;
  flags: number;
  counts: number[];
  question: string;
  records: ParsedRecord[];
} {
  const counts = [4, 6, 8, 10].map((at) => message.readUInt16BE(at));
  let at = 12;
  let question = '';
  for (let i = 0; i < counts[0]!; i++) {
    const read = readName(message, at);
    question = read.name;
    at = read.next + 4;
  }
  const records: ParsedRecord[] = [];
  for (let i = 0; i < counts[1]! + counts[2]! + counts[3]!; i++) {
    const read = readName(message, at);
    const length = message.readUInt16BE(read.next + 8);
    records.push({
      name: read.name,
      type: message.readUInt16BE(read.next),
      ttl: message.readUInt32BE(read.next + 4),
      rdata: message.subarray(read.next + 10, read.next + 10 + length),
      rdataAt: read.next + 10,
    });
    at = read.next + 10 + length;
  }
  expect(at).toBe(message.length);
  return { id: message.readUInt16BE(0), flags: message.readUInt16BE(2), counts, question, records };
}

const CHAIN: DnsResourceRecord[] = [
  { name: 'outlook.office365.com', ttl: 300, data: { type: 'CNAME', target: 'outlook.ha.office365.com' } },
  {
    name: 'outlook.ha.office365.com',
    ttl: 60,
    data: { type: 'CNAME', target: 'outlook.ms-acdc.office.com' },
  },
  { name: 'outlook.ms-acdc.office.com', ttl: 30, data: { type: 'A', address: '203.0.113.30' } },
  { name: 'outlook.ms-acdc.office.com', ttl: 30, data: { type: 'A', address: '203.0.113.31' } },
];

describe('buildDnsQuery', () => {
  it('writes the header, one question and no compression', () => {
    const query = buildDnsQuery({ id: 0xbeef, name: 'www.example.com', type: 'AAAA' });
    expect(query.toString('hex')).toBe('beef0100000100000000000003777777076578616d706c6503636f6d00001c0001');
  });

  it('adds an EDNS(0) OPT record when given a UDP size', () => {
    const query = buildDnsQuery({ id: 1, name: 'example.com', type: 'A', ednsUdpSize: 1232 });
    const parsed = parse(query);
    expect(parsed.counts).toEqual([1, 0, 0, 1]);
    expect(query.subarray(-11).toString('hex')).toBe('00' + '0029' + '04d0' + '00000000' + '0000');
  });
});

describe('buildDnsResponse', () => {
  it('answers a CNAME chain with every name compressed against the ones before it', () => {
    const response = buildDnsResponse({
      id: 7,
      question: { name: 'outlook.office365.com', type: 'A' },
      answers: CHAIN,
    });
    const parsed = parse(response);
    expect(parsed.flags).toBe(0x8180);
    expect(parsed.counts).toEqual([1, 4, 0, 0]);
    expect(parsed.records.map((r) => [r.name, r.type, r.ttl])).toEqual([
      ['outlook.office365.com', 5, 300],
      ['outlook.ha.office365.com', 5, 60],
      ['outlook.ms-acdc.office.com', 1, 30],
      ['outlook.ms-acdc.office.com', 1, 30],
    ]);
    // The first owner name is a bare pointer to the question at offset 12.
    expect(response.readUInt16BE(12 + 'outlook.office365.com'.length + 2 + 4)).toBe(0xc00c);
    // The first CNAME target writes only "outlook.ha" and points at "office365.com" in the question.
    const firstTarget = parsed.records[0]!;
    expect(readName(response, firstTarget.rdataAt).name).toBe('outlook.ha.office365.com');
    expect(firstTarget.rdata.length).toBe(1 + 7 + 1 + 2 + 2);
    expect([...parsed.records[3]!.rdata]).toEqual([203, 0, 113, 31]);
  });

  it('is much shorter than the same answer uncompressed', () => {
    const response = buildDnsResponse({
      id: 7,
      question: { name: 'outlook.office365.com', type: 'A' },
      answers: CHAIN,
    });
    const uncompressed =
      12 + 23 + 4 + CHAIN.reduce((total, r) => total + r.name.length + 2 + 10, 0) + 26 + 28 + 8;
    expect(response.length).toBeLessThan(uncompressed - 60);
  });

  it('reports NXDOMAIN with an SOA in the authority section', () => {
    const response = buildDnsResponse({
      id: 9,
      question: { name: 'nothing-here.example.net', type: 'A' },
      rcode: 'NXDOMAIN',
      authority: [
        {
          name: 'example.net',
          ttl: 900,
          data: {
            type: 'SOA',
            mname: 'ns1.example.net',
            rname: 'hostmaster.example.net',
            serial: 1,
            refresh: 2,
            retry: 3,
            expire: 4,
            minimum: 5,
          },
        },
      ],
    });
    const parsed = parse(response);
    expect(parsed.flags & 0x000f).toBe(3);
    expect(parsed.counts).toEqual([1, 0, 1, 0]);
    const soa = parsed.records[0]!;
    expect(soa.type).toBe(6);
    expect(readName(response, soa.rdataAt).pointers).toBe(1);
    expect(soa.rdata.readUInt32BE(soa.rdata.length - 4)).toBe(5);
  });

  it('writes mDNS announcements: id 0, authoritative, no question, cache-flush class, uncompressed SRV target', () => {
    const response = buildDnsResponse({
      id: 0,
      authoritative: true,
      recursionAvailable: false,
      answers: [
        {
          name: '_googlecast._tcp.local',
          ttl: 120,
          data: { type: 'PTR', target: 'Kitchen._googlecast._tcp.local' },
        },
        {
          name: 'Kitchen._googlecast._tcp.local',
          ttl: 120,
          cacheFlush: true,
          data: { type: 'SRV', priority: 0, weight: 0, port: 8009, target: 'kitchen.local' },
        },
        {
          name: 'Kitchen._googlecast._tcp.local',
          ttl: 4500,
          cacheFlush: true,
          data: { type: 'TXT', texts: ['md=Google Nest Mini'] },
        },
      ],
    });
    const parsed = parse(response);
    expect(parsed.flags).toBe(0x8400);
    expect(parsed.counts).toEqual([0, 3, 0, 0]);
    const srv = parsed.records[1]!;
    expect(response.readUInt16BE(srv.rdataAt - 8)).toBe(0x8001);
    expect(readName(response, srv.rdataAt + 6).pointers).toBe(0);
    expect(parsed.records[2]!.rdata.toString('latin1', 1)).toBe('md=Google Nest Mini');
  });

  it('refuses labels longer than 63 bytes', () => {
    expect(() => buildDnsQuery({ id: 1, name: `${'a'.repeat(64)}.example`, type: 'A' })).toThrow(RangeError);
  });
});

describe.skipIf(!hasTshark)('DNS messages as Wireshark reads them (needs tshark)', () => {
  const folder = temporaryFolder();
  afterAll(() => folder.remove());

  it('decodes the compressed CNAME chain and addresses without complaint', async () => {
    const path = join(folder.path, 'dns.pcap');
    const payload = buildDnsResponse({
      id: 7,
      question: { name: 'outlook.office365.com', type: 'A' },
      answers: CHAIN,
      ednsUdpSize: 1232,
    });
    const frame = buildFrame({
      ethernet: { srcMac: '04:d9:f5:3c:71:a0', dstMac: 'f8:bc:12:a4:07:5d' },
      ip: { version: 4, src: '192.168.1.1', dst: '192.168.1.31' },
      transport: { protocol: 'udp', srcPort: 53, dstPort: 50000, payload },
    });
    await writePcapFile(path, [{ timestampUs: 1_700_000_000_000_000, frame }]);
    expect(tsharkProblems(path)).toEqual([]);
    expect(tsharkFields(path, ['dns.qry.name', 'dns.cname', 'dns.a', 'dns.count.answers'])).toEqual([
      [
        'outlook.office365.com',
        'outlook.ha.office365.com,outlook.ms-acdc.office.com',
        '203.0.113.30,203.0.113.31',
        '4',
      ],
    ]);
  });
});
