import type { FrameBatch } from './frame-batch.js';
import type { RecordParser } from './record-parser.js';

/** What `fill` stopped for. */
export const FillResult = { NEED_INPUT: 0, BATCH_FULL: 1, CORRUPT: 2 } as const;
export type FillResult = (typeof FillResult)[keyof typeof FillResult];

const EMPTY = new Uint8Array(0);
const MIN_TAIL_CAPACITY = 64 * 1024;

/**
 * Cuts a stream of chunks into complete records for a `RecordParser`.
 *
 * Records that lie inside one chunk are parsed in place, so packet data are views of the chunk.
 * Only a record that straddles chunks is copied, into a tail buffer (one of two reused 64 KB buffers
 * while the record fits one) that grows geometrically as its bytes arrive (never to the length the
 * header claims up front, which may be a lie), so memory stays bounded by one record and the copying
 * stays linear however small the chunks are.
 */
export class RecordFramer {
  /** Offset in the stream where the last complete record ends (or the corrupt one starts). */
  offset = 0;
  private chunk: Uint8Array = EMPTY;
  private view: DataView = new DataView(EMPTY.buffer);
  private pos = 0;
  private tail: Uint8Array | null = null;
  private tailFill = 0;
  /** Bytes the tail must hold before the next step: the header, then the whole record. */
  private tailNeed = 0;
  private isTailLengthKnown = false;
  /**
   * Two tail buffers used in turn for records that fit one (most do): a record completed in one is
   * still referenced by the batch when the next tail starts, so that one goes into the other.
   */
  private readonly reusedTails: Uint8Array[] = [];
  private reusedTurn = 0;

  constructor(private readonly parser: RecordParser) {}

  /** True when the input so far ends inside a record. */
  get hasPartialRecord(): boolean {
    return this.tail !== null || this.pos < this.chunk.length;
  }

  get failure(): string {
    return this.parser.failure;
  }

  feed(chunk: Uint8Array): void {
    this.chunk = chunk;
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pos = 0;
  }

  /** Parses records from the fed chunk into `batch` until it is full or the chunk is used up. */
  fill(batch: FrameBatch): FillResult {
    const parser = this.parser;
    const chunk = this.chunk;
    const view = this.view;
    const end = chunk.length;
    while (!batch.isFull) {
      if (this.tail !== null) {
        const result = this.continueTail(batch);
        if (result !== FillResult.BATCH_FULL) return result;
        continue;
      }
      const available = end - this.pos;
      if (available === 0) return FillResult.NEED_INPUT;
      if (available < parser.headerLength) {
        this.startTail(parser.headerLength, false);
        return FillResult.NEED_INPUT;
      }
      const length = parser.recordLength(view, this.pos);
      if (length < 0) return FillResult.CORRUPT;
      if (available < length) {
        this.startTail(length, true);
        return FillResult.NEED_INPUT;
      }
      if (!parser.parseRecord(chunk, view, this.pos, length, batch)) return FillResult.CORRUPT;
      this.pos += length;
      this.offset += length;
    }
    return FillResult.BATCH_FULL;
  }

  private startTail(need: number, isLengthKnown: boolean): void {
    const available = this.chunk.length - this.pos;
    const capacity = Math.min(need, Math.max(available, MIN_TAIL_CAPACITY));
    const tail = capacity <= MIN_TAIL_CAPACITY ? this.reusedTail() : new Uint8Array(capacity);
    tail.set(this.chunk.subarray(this.pos));
    this.tail = tail;
    this.tailFill = available;
    this.tailNeed = need;
    this.isTailLengthKnown = isLengthKnown;
    this.pos = this.chunk.length;
  }

  private reusedTail(): Uint8Array {
    this.reusedTurn ^= 1;
    return (this.reusedTails[this.reusedTurn] ??= new Uint8Array(MIN_TAIL_CAPACITY));
  }

  /** Moves bytes from the chunk into the tail; BATCH_FULL here means "record done, go on". */
  private continueTail(batch: FrameBatch): FillResult {
    let tail = this.tail!;
    const take = Math.min(this.tailNeed - this.tailFill, this.chunk.length - this.pos);
    if (this.tailFill + take > tail.length) {
      const grown = new Uint8Array(Math.min(this.tailNeed, Math.max(tail.length * 2, this.tailFill + take)));
      grown.set(tail.subarray(0, this.tailFill));
      tail = grown;
      this.tail = grown;
    }
    tail.set(this.chunk.subarray(this.pos, this.pos + take), this.tailFill);
    this.tailFill += take;
    this.pos += take;
    if (this.tailFill < this.tailNeed) return FillResult.NEED_INPUT;
    const tailView = new DataView(tail.buffer, tail.byteOffset, this.tailFill);
    if (!this.isTailLengthKnown) {
      const length = this.parser.recordLength(tailView, 0);
      if (length < 0) return FillResult.CORRUPT;
      this.isTailLengthKnown = true;
      this.tailNeed = length;
      if (length > this.tailFill) return FillResult.BATCH_FULL;
    }
    const record = tail.subarray(0, this.tailNeed);
    if (!this.parser.parseRecord(record, tailView, 0, this.tailNeed, batch)) return FillResult.CORRUPT;
    this.offset += this.tailNeed;
    this.tail = null;
    return FillResult.BATCH_FULL;
  }
}
