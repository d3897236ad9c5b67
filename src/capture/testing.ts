/**
 * Test helpers for capture files, for tests here and in other folders (flow/, daemon/): builders for
 * small pcap and pcapng files, a collector that copies packets out of a reader, and tshark's view of
 * a file as a second opinion. The builders write exactly what the test asks for, including what a
 * careful writer would not (a byte order per section, odd timestamp units). Not shipped.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { CapturedPacket } from './captured-packet.js';
import { readCapture, type CaptureInput } from './read-capture.js';

export interface PcapRecordSpec {
  seconds: number;
  /** Microseconds, or nanoseconds when the file is a nanosecond file. */
  fraction: number;
  data: Uint8Array;
  /** Defaults to the data length. */
  originalLength?: number;
}

export interface PcapFileSpec {
  linkType?: number;
  snaplen?: number;
  isBigEndian?: boolean;
  isNanos?: boolean;
  records: PcapRecordSpec[];
}

export function buildPcap(spec: PcapFileSpec): Uint8Array {
  const le = spec.isBigEndian !== true;
  const size = 24 + spec.records.reduce((sum, r) => sum + 16 + r.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, spec.isNanos === true ? 0xa1b23c4d : 0xa1b2c3d4, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, spec.snaplen ?? 262144, le);
  view.setUint32(20, spec.linkType ?? 1, le);
  let at = 24;
  for (const record of spec.records) {
    view.setUint32(at, record.seconds, le);
    view.setUint32(at + 4, record.fraction, le);
    view.setUint32(at + 8, record.data.length, le);
    view.setUint32(at + 12, record.originalLength ?? record.data.length, le);
    out.set(record.data, at + 16);
    at += 16 + record.data.length;
  }
  return out;
}

/** One pcapng block: type, total length, the body padded to 4 bytes, total length again. */
export function pcapngBlock(type: number, body: Uint8Array, isBigEndian = false): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const length = 12 + padded;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, !isBigEndian);
  view.setUint32(4, length, !isBigEndian);
  out.set(body, 8);
  view.setUint32(length - 4, length, !isBigEndian);
  return out;
}

export function pcapngSectionHeader(isBigEndian = false): Uint8Array {
  const body = new Uint8Array(16);
  const view = new DataView(body.buffer);
  view.setUint32(0, 0x1a2b3c4d, !isBigEndian);
  view.setUint16(4, 1, !isBigEndian);
  view.setUint16(6, 0, !isBigEndian);
  view.setBigInt64(8, -1n, !isBigEndian);
  return pcapngBlock(0x0a0d0d0a, body, isBigEndian);
}

export interface PcapngInterfaceSpec {
  linkType?: number;
  snaplen?: number;
  name?: string;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: bigint;
}

export function pcapngInterface(spec: PcapngInterfaceSpec, isBigEndian = false): Uint8Array {
  const le = !isBigEndian;
  const options: Uint8Array[] = [];
  const option = (code: number, value: Uint8Array): void => {
    const out = new Uint8Array(4 + ((value.length + 3) & ~3));
    const view = new DataView(out.buffer);
    view.setUint16(0, code, le);
    view.setUint16(2, value.length, le);
    out.set(value, 4);
    options.push(out);
  };
  if (spec.name !== undefined) option(2, new TextEncoder().encode(spec.name));
  if (spec.tsresol !== undefined) option(9, Uint8Array.of(spec.tsresol));
  if (spec.tsoffset !== undefined) {
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigInt64(0, spec.tsoffset, le);
    option(14, value);
  }
  if (options.length > 0) option(0, new Uint8Array(0));
  const fixed = new Uint8Array(8);
  const view = new DataView(fixed.buffer);
  view.setUint16(0, spec.linkType ?? 1, le);
  view.setUint32(4, spec.snaplen ?? 0, le);
  return pcapngBlock(1, concatBytes([fixed, ...options]), isBigEndian);
}

export interface PcapngPacketSpec {
  interfaceId?: number;
  /** Timestamp in the interface's ticks. */
  ticks: bigint;
  data: Uint8Array;
  originalLength?: number;
}

export function pcapngEnhancedPacket(spec: PcapngPacketSpec, isBigEndian = false): Uint8Array {
  return pcapngBlock(6, packetBody(spec, false, isBigEndian), isBigEndian);
}

export function pcapngObsoletePacket(spec: PcapngPacketSpec, isBigEndian = false): Uint8Array {
  return pcapngBlock(2, packetBody(spec, true, isBigEndian), isBigEndian);
}

export function pcapngSimplePacket(
  data: Uint8Array,
  originalLength: number,
  isBigEndian = false,
): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  new DataView(body.buffer).setUint32(0, originalLength, !isBigEndian);
  body.set(data, 4);
  return pcapngBlock(3, body, isBigEndian);
}

function packetBody(spec: PcapngPacketSpec, isObsolete: boolean, isBigEndian: boolean): Uint8Array {
  const le = !isBigEndian;
  const body = new Uint8Array(20 + spec.data.length);
  const view = new DataView(body.buffer);
  if (isObsolete) view.setUint16(0, spec.interfaceId ?? 0, le);
  else view.setUint32(0, spec.interfaceId ?? 0, le);
  view.setUint32(4, Number(spec.ticks >> 32n), le);
  view.setUint32(8, Number(spec.ticks & 0xffffffffn), le);
  view.setUint32(12, spec.data.length, le);
  view.setUint32(16, spec.originalLength ?? spec.data.length, le);
  body.set(spec.data, 20);
  return body;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Yields `bytes` in pieces whose sizes come from `sizes` in turn (cycled). */
export async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
    at += size;
    i += 1;
  }
}

/** A packet with its bytes copied out (the reader's views die with the next batch). */
export interface Packet extends Omit<CapturedPacket, 'data'> {
  data: Buffer;
}

export interface Outcome {
  packets: Packet[];
  error: unknown;
}

/** Reads a whole capture, copying every packet; the error (if any) is returned, not thrown. */
export async function collect(input: CaptureInput, maxBatch?: number): Promise<Outcome> {
  const packets: Packet[] = [];
  const reader = readCapture(input, { sourceName: 'test input', ...(maxBatch ? { maxBatch } : {}) });
  try {
    for await (const batch of reader) {
      for (const packet of batch) packets.push({ ...packet, data: Buffer.from(packet.data) });
    }
    return { packets, error: null };
  } catch (error) {
    return { packets, error };
  }
}

/** The bytes as a one-chunk input. */
export async function* whole(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield bytes;
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * tshark's epoch seconds with nine decimals, as whole microseconds (truncated, as the reader does).
 * BigInt first, so that values past 2^53 (one sample has 64-bit garbage times) round only once.
 */
export function microsFromTshark(text: string): number {
  const [seconds, fraction = ''] = text.split('.');
  return Number(BigInt(seconds!) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6)));
}

/** Wireshark's encapsulation numbers (WTAP_ENCAP_*) for the link types in the shared captures. */
const run = promisify(execFile);
const TSHARK = '/usr/bin/tshark';

const LINKTYPE_OF_WTAP: Record<string, number> = { '1': 1, '15': 0, '25': 113, '7': 101 };

/** A packet as tshark reports it, and as `summarise` reduces the reader's packets for comparison. */
export interface TsharkPacket {
  timestampUs: number;
  originalLength: number;
  capturedLength: number;
  interfaceIndex: number;
  linkType: number | undefined;
  md5: string;
}

export const hasTshark = (): boolean => existsSync(TSHARK);

export async function tsharkPackets(file: string): Promise<TsharkPacket[]> {
  const fields = ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id', 'frame.encap_type'];
  const args = ['-r', file, '-o', 'frame.generate_md5_hash:TRUE', '-T', 'fields'];
  for (const field of [...fields, 'frame.md5_hash']) args.push('-e', field);
  const { stdout } = await run(TSHARK, args, { maxBuffer: 64 * 1024 * 1024 });
  return (
    stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => line.split('\t'))
      // Wireshark shows some non-packet blocks (decryption secrets, custom blocks) as frames without encapsulation.
      .filter((fields) => fields[4] !== '')
      .map((fields) => {
        const [time, len, capLen, interfaceId, encap, hash] = fields;
        return {
          timestampUs: microsFromTshark(time!),
          originalLength: Number(len),
          capturedLength: Number(capLen),
          interfaceIndex: Number(interfaceId || '0'),
          linkType: LINKTYPE_OF_WTAP[encap!],
          md5: hash!,
        };
      })
  );
}

export function summarise(packets: Packet[]): TsharkPacket[] {
  return packets.map((p) => ({
    timestampUs: p.timestampUs,
    originalLength: p.originalLength,
    capturedLength: p.data.length,
    interfaceIndex: p.interfaceIndex,
    linkType: p.linkType,
    md5: md5(p.data),
  }));
}
