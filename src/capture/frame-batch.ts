import type { CapturedPacket } from './captured-packet.js';

/**
 * A batch of captured frames as parallel arrays: what `CapturedPacket` says about each frame, without
 * an object or a view per frame. Frame `i` is `buffers[i][starts[i], starts[i] + lengths[i])`. One
 * batch object is filled again for every batch a reader yields, so its contents (and the buffers its
 * frames point into) are valid only until the next batch is requested: consumers copy what they keep.
 */
export class FrameBatch {
  count = 0;
  readonly buffers: Uint8Array[] = [];
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  /** Length of each packet on the wire; larger than `lengths[i]` when the snap length cut it. */
  readonly originalLengths: Float64Array;
  /** Capture time in microseconds since the epoch. */
  readonly timestampsUs: Float64Array;
  /** pcap LINKTYPE_* of each frame's interface. */
  readonly linkTypes: Int32Array;
  /** Interface number within its pcapng section; 0 for classic pcap. */
  readonly interfaceIndexes: Int32Array;
  /** The interface's `if_name` in pcapng; null when the file does not say. */
  readonly interfaceNames: (string | null)[] = [];

  constructor(readonly capacity: number) {
    this.starts = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.originalLengths = new Float64Array(capacity);
    this.timestampsUs = new Float64Array(capacity);
    this.linkTypes = new Int32Array(capacity);
    this.interfaceIndexes = new Int32Array(capacity);
  }

  get isFull(): boolean {
    return this.count >= this.capacity;
  }

  push(
    buffer: Uint8Array,
    start: number,
    length: number,
    originalLength: number,
    timestampUs: number,
    linkType: number,
    interfaceIndex: number,
    interfaceName: string | null,
  ): void {
    const i = this.count++;
    this.buffers[i] = buffer;
    this.starts[i] = start;
    this.lengths[i] = length;
    this.originalLengths[i] = originalLength;
    this.timestampsUs[i] = timestampUs;
    this.linkTypes[i] = linkType;
    this.interfaceIndexes[i] = interfaceIndex;
    this.interfaceNames[i] = interfaceName;
  }

  /** Frame `i` as a `CapturedPacket` whose `data` is a view of the frame's buffer. */
  packet(i: number): CapturedPacket {
    const start = this.starts[i]!;
    return {
      timestampUs: this.timestampsUs[i]!,
      linkType: this.linkTypes[i]!,
      interfaceIndex: this.interfaceIndexes[i]!,
      interfaceName: this.interfaceNames[i] ?? null,
      data: this.buffers[i]!.subarray(start, start + this.lengths[i]!),
      originalLength: this.originalLengths[i]!,
    };
  }

  /** Captured bytes of the frames in the batch. */
  capturedBytes(): number {
    let bytes = 0;
    for (let i = 0; i < this.count; i++) bytes += this.lengths[i]!;
    return bytes;
  }

  /** Empties the batch (the buffers it pointed to are the reader's to reuse). */
  clear(): void {
    this.count = 0;
  }
}
