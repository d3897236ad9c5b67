/**
 * DNS messages per RFC 1035: queries, and responses whose names are compressed the way resolvers
 * compress them (every name, and every suffix of a name, points back to where it was first written).
 * Also used for mDNS announcements (RFC 6762), which are responses with id 0 and no question.
 */
import { ByteWriter } from './byte-writer.js';
import { parseIpv4, parseIpv6 } from './frame-builder.js';

export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  HTTPS: 65,
} as const;
export type DnsTypeName = keyof typeof DnsType;

export const DnsRcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type DnsRcodeName = keyof typeof DnsRcode;

export type DnsRecordData =
  | { type: 'A' | 'AAAA'; address: string }
  | { type: 'CNAME' | 'PTR' | 'NS'; target: string }
  | { type: 'TXT'; texts: readonly string[] }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | {
      type: 'SOA';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    };

export interface DnsResourceRecord {
  name: string;
  ttl: number;
  data: DnsRecordData;
  /** mDNS cache-flush bit (the top bit of the class). */
  cacheFlush?: boolean;
}

export interface DnsQuestion {
  name: string;
  type: DnsTypeName;
}

export interface DnsQueryOptions extends DnsQuestion {
  id: number;
  /** Default true. */
  recursionDesired?: boolean;
  /** Add an EDNS(0) OPT record advertising this UDP payload size, as stub resolvers do. */
  ednsUdpSize?: number;
}

export interface DnsResponseOptions {
  id: number;
  /** Absent for mDNS announcements. */
  question?: DnsQuestion;
  answers?: readonly DnsResourceRecord[];
  authority?: readonly DnsResourceRecord[];
  additional?: readonly DnsResourceRecord[];
  /** Default NOERROR. */
  rcode?: DnsRcodeName;
  /** Default true; false for mDNS. */
  recursionAvailable?: boolean;
  recursionDesired?: boolean;
  authoritative?: boolean;
  ednsUdpSize?: number;
}

export function buildDnsQuery(options: DnsQueryOptions): Buffer {
  const writer = new ByteWriter();
  const recursionDesired = options.recursionDesired ?? true;
  writer.u16(options.id).u16(recursionDesired ? 0x0100 : 0);
  writer
    .u16(1)
    .u16(0)
    .u16(0)
    .u16(options.ednsUdpSize ? 1 : 0);
  const names = new Map<string, number>();
  writeName(writer, options.name, names);
  writer.u16(DnsType[options.type]).u16(1);
  if (options.ednsUdpSize) writeOpt(writer, options.ednsUdpSize);
  return writer.finish();
}

export function buildDnsResponse(options: DnsResponseOptions): Buffer {
  const writer = new ByteWriter();
  const answers = options.answers ?? [];
  const authority = options.authority ?? [];
  const additional = options.additional ?? [];
  let flags = 0x8000 | DnsRcode[options.rcode ?? 'NOERROR'];
  if (options.authoritative) flags |= 0x0400;
  if (options.recursionDesired ?? options.question !== undefined) flags |= 0x0100;
  if (options.recursionAvailable ?? true) flags |= 0x0080;
  writer.u16(options.id).u16(flags);
  writer
    .u16(options.question ? 1 : 0)
    .u16(answers.length)
    .u16(authority.length);
  writer.u16(additional.length + (options.ednsUdpSize ? 1 : 0));

  const names = new Map<string, number>();
  if (options.question) {
    writeName(writer, options.question.name, names);
    writer.u16(DnsType[options.question.type]).u16(1);
  }
  for (const record of [...answers, ...authority, ...additional]) writeRecord(writer, record, names);
  if (options.ednsUdpSize) writeOpt(writer, options.ednsUdpSize);
  return writer.finish();
}

function writeRecord(writer: ByteWriter, record: DnsResourceRecord, names: Map<string, number>): void {
  writeName(writer, record.name, names);
  writer
    .u16(DnsType[record.data.type])
    .u16(record.cacheFlush ? 0x8001 : 1)
    .u32(record.ttl);
  const data = record.data;
  writer.block(2, () => {
    switch (data.type) {
      case 'A':
        writer.bytes(parseIpv4(data.address));
        break;
      case 'AAAA':
        writer.bytes(parseIpv6(data.address));
        break;
      case 'CNAME':
      case 'PTR':
      case 'NS':
        writeName(writer, data.target, names);
        break;
      case 'TXT':
        for (const text of data.texts) writer.block(1, () => writer.ascii(text));
        break;
      case 'SRV':
        writer.u16(data.priority).u16(data.weight).u16(data.port);
        // RFC 2782 forbids compressing the SRV target.
        writeName(writer, data.target, null);
        break;
      case 'SOA':
        writeName(writer, data.mname, names);
        writeName(writer, data.rname, names);
        writer.u32(data.serial).u32(data.refresh).u32(data.retry).u32(data.expire).u32(data.minimum);
        break;
    }
  });
}

/**
 * Writes a name, replacing its longest already-written suffix with a pointer. `names` maps each
 * lowercased suffix to its offset; pass null to write the name uncompressed and unrecorded.
 */
function writeName(writer: ByteWriter, name: string, names: Map<string, number> | null): void {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  for (let i = 0; i < labels.length; i++) {
    const suffix = labels.slice(i).join('.').toLowerCase();
    const earlier = names?.get(suffix);
    if (earlier !== undefined) {
      writer.u16(0xc000 | earlier);
      return;
    }
    // Pointers have 14 bits, so suffixes beyond 16 KiB cannot be pointed to.
    if (names && writer.offset < 0x4000) names.set(suffix, writer.offset);
    const label = Buffer.from(labels[i]!, 'utf8');
    if (label.length > 63) throw new RangeError(`DNS label longer than 63 bytes in "${name}"`);
    writer.u8(label.length).bytes(label);
  }
  writer.u8(0);
}

function writeOpt(writer: ByteWriter, udpSize: number): void {
  writer.u8(0).u16(DnsType.OPT).u16(udpSize).u32(0).u16(0);
}
