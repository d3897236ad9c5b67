/**
 * Test helpers for the application-layer decoders: read a sample capture from ../shared, decode
 * each frame with the real `decodePacket`, and put TCP payloads back into byte streams. Only
 * enough pcap/pcapng to read the sample files (capture/ has the real reader). Not shipped.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodePacket } from './decode-packet.js';
import type { PacketSummary } from './packet.js';

export interface SampleFrame {
  /** 1-based, as Wireshark numbers frames. */
  frameNumber: number;
  linkType: number;
  data: Uint8Array;
}

export interface SamplePacket {
  frameNumber: number;
  packet: PacketSummary;
}

/** Absolute path of a file under the shared sample folder (`../shared` from the repo root). */
export function sharedPath(...parts: string[]): string {
  return path.resolve(process.cwd(), '../shared', ...parts);
}

function readPcap(bytes: Uint8Array): SampleFrame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const linkType = view.getUint32(20, little) & 0xffff;
  const frames: SampleFrame[] = [];
  for (let at = 24; at + 16 <= bytes.length;) {
    const captured = view.getUint32(at + 8, little);
    frames.push({
      frameNumber: frames.length + 1,
      linkType,
      data: bytes.subarray(at + 16, at + 16 + captured),
    });
    at += 16 + captured;
  }
  return frames;
}

function readPcapng(bytes: Uint8Array): SampleFrame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: SampleFrame[] = [];
  let little = true;
  let linkTypes: number[] = [];
  for (let at = 0; at + 12 <= bytes.length;) {
    if (view.getUint32(at, true) === 0x0a0d0d0a) {
      little = view.getUint32(at + 8, true) === 0x1a2b3c4d;
      linkTypes = [];
    }
    const type = view.getUint32(at, little);
    const length = view.getUint32(at + 4, little);
    if (type === 1) linkTypes.push(view.getUint16(at + 8, little));
    if (type === 6 || type === 2) {
      const iface = type === 6 ? view.getUint32(at + 8, little) : view.getUint16(at + 8, little);
      const captured = view.getUint32(at + 20, little);
      frames.push({
        frameNumber: frames.length + 1,
        linkType: linkTypes[iface] ?? -1,
        data: bytes.subarray(at + 28, at + 28 + captured),
      });
    }
    if (type === 3) {
      const captured = Math.min(view.getUint32(at + 8, little), length - 16);
      frames.push({
        frameNumber: frames.length + 1,
        linkType: linkTypes[0] ?? -1,
        data: bytes.subarray(at + 12, at + 12 + captured),
      });
    }
    at += length;
  }
  return frames;
}

/** Every frame of a pcap or pcapng file. */
export function readSampleFrames(file: string): SampleFrame[] {
  const bytes = new Uint8Array(readFileSync(file));
  const magic = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  return magic === 0x0a0d0d0a ? readPcapng(bytes) : readPcap(bytes);
}

/** The IP packets of a capture, decoded by the real `decodePacket`. */
export function readSamplePackets(file: string): SamplePacket[] {
  const packets: SamplePacket[] = [];
  for (const frame of readSampleFrames(file)) {
    const result = decodePacket(frame.linkType, frame.data);
    if (result.kind === 'ip') packets.push({ frameNumber: frame.frameNumber, packet: result.packet });
  }
  return packets;
}

export interface TcpStream {
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  /** In-order payload from the first byte after the SYN (or the first segment seen). */
  bytes: Uint8Array;
}

/**
 * The payload of each TCP direction in sequence order. Retransmitted bytes are taken once; the
 * stream stops at the first gap.
 */
export function tcpStreams(packets: readonly SamplePacket[]): TcpStream[] {
  const byDirection = new Map<
    string,
    { start: number | null; segments: PacketSummary[]; first: PacketSummary }
  >();
  for (const { packet } of packets) {
    if (packet.ipProto !== 6) continue;
    const key = `${packet.srcAddr}|${packet.srcPort}|${packet.dstAddr}|${packet.dstPort}`;
    let entry = byDirection.get(key);
    if (entry === undefined) {
      entry = { start: null, segments: [], first: packet };
      byDirection.set(key, entry);
    }
    if (packet.tcpFlags & 0x02) entry.start = (packet.tcpSeq + 1) >>> 0;
    if (packet.payload.length > 0) entry.segments.push(packet);
  }
  const streams: TcpStream[] = [];
  for (const { start, segments, first } of byDirection.values()) {
    const parts: Uint8Array[] = [];
    let next = start ?? segments[0]?.tcpSeq ?? 0;
    for (let progressed = true; progressed;) {
      progressed = false;
      for (const segment of segments) {
        const offset = (next - segment.tcpSeq) >>> 0;
        if (offset < segment.payload.length) {
          parts.push(segment.payload.subarray(offset));
          next = (next + segment.payload.length - offset) >>> 0;
          progressed = true;
        }
      }
    }
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    streams.push({
      srcAddr: first.srcAddr,
      srcPort: first.srcPort,
      dstAddr: first.dstAddr,
      dstPort: first.dstPort,
      bytes,
    });
  }
  return streams;
}
