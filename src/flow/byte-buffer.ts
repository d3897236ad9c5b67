/**
 * A growable byte buffer with a hard cap, for the first bytes of a TCP stream. Payload views from the
 * decoder point into the capture reader's reusable memory, so anything kept past one packet is copied
 * in here.
 */
export class ByteBuffer {
  private bytes: Uint8Array;
  length = 0;

  constructor(
    readonly capBytes: number,
    initialBytes = 2048,
  ) {
    this.bytes = new Uint8Array(Math.max(1, Math.min(capBytes, initialBytes)));
  }

  /** Appends as much of `chunk` as fits; returns false when the cap cut it. */
  append(chunk: Uint8Array): boolean {
    const room = this.capBytes - this.length;
    const take = chunk.length <= room ? chunk.length : room;
    if (this.length + take > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < this.length + take) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.capBytes));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.length);
    this.length += take;
    return take === chunk.length;
  }

  /** The buffered bytes (a view: valid until the next append or consume). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Drops `count` bytes from the front. */
  consume(count: number): void {
    this.bytes.copyWithin(0, count, this.length);
    this.length -= count;
  }
}
