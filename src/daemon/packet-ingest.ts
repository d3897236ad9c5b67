import type { CapturedPacket, FrameBatch } from '../capture/index.js';
import { decodeFrame, DecodedFrame, FrameKind } from '../decode/index.js';
import type { FlowTable } from '../flow/index.js';

/** What the packets themselves came to, before any flow is written. */
export interface IngestTotals {
  packets: number;
  /** Bytes on the wire. */
  bytes: number;
  malformed: number;
  /** Valid frames that are not IP and not ARP (LLC, LLDP, …). */
  nonIp: number;
}

/**
 * decode → flow for one stream of packets: the part of a packet pipeline that needs no store, shared by
 * the in-process pipeline and the import worker. Frames are decoded into one reused `DecodedFrame`, so
 * a packet costs no allocation; packet time drives the table's timeouts, checked about once a second
 * of traffic rather than per packet.
 */
export class PacketIngest {
  readonly totals: IngestTotals = { packets: 0, bytes: 0, malformed: 0, nonIp: 0 };
  private readonly frame = new DecodedFrame();
  private lastAdvanceUs = 0;

  constructor(readonly table: FlowTable) {}

  /** Decodes and accounts every frame of a batch from `readCaptureFrames`. */
  frames(batch: FrameBatch): void {
    const { buffers, starts, lengths, linkTypes, timestampsUs, originalLengths, interfaceNames } = batch;
    const frame = this.frame;
    for (let i = 0; i < batch.count; i++) {
      const start = starts[i]!;
      const kind = decodeFrame(frame, linkTypes[i]!, buffers[i]!, start, start + lengths[i]!);
      this.add(kind, timestampsUs[i]!, originalLengths[i]!, interfaceNames[i] ?? null);
    }
  }

  /** `frames` for packets as objects (live capture). */
  packets(packets: readonly CapturedPacket[]): void {
    const frame = this.frame;
    for (const packet of packets) {
      const kind = decodeFrame(frame, packet.linkType, packet.data, 0, packet.data.length);
      this.add(kind, packet.timestampUs, packet.originalLength, packet.interfaceName);
    }
  }

  /** Expires flows by a clock other than packet time (live capture's wall clock when traffic stops). */
  advance(nowUs: number): void {
    this.table.advance(nowUs);
    if (nowUs > this.lastAdvanceUs) this.lastAdvanceUs = nowUs;
  }

  private add(kind: FrameKind, timestampUs: number, originalLength: number, iface: string | null): void {
    const totals = this.totals;
    totals.packets++;
    totals.bytes += originalLength;
    if (kind === FrameKind.MALFORMED) totals.malformed++;
    else if (kind === FrameKind.OTHER) totals.nonIp++;
    this.frame.timestampUs = timestampUs;
    this.table.addFrame(this.frame, iface);
    if (timestampUs - this.lastAdvanceUs >= 1_000_000) {
      this.table.advance(timestampUs);
      this.lastAdvanceUs = timestampUs;
    }
  }
}
