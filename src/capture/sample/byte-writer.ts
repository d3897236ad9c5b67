/** A growable big-endian byte buffer for building protocol messages. Not for hot loops. */
export class ByteWriter {
  private buffer = Buffer.alloc(512);
  private length = 0;

  get offset(): number {
    return this.length;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.buffer.writeUInt16BE(value & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  u24(value: number): this {
    this.reserve(3);
    this.buffer.writeUIntBE(value & 0xffffff, this.length, 3);
    this.length += 3;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  bytes(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  ascii(text: string): this {
    return this.bytes(Buffer.from(text, 'latin1'));
  }

  zeros(count: number): this {
    this.reserve(count);
    this.buffer.fill(0, this.length, this.length + count);
    this.length += count;
    return this;
  }

  /** Writes a big-endian length field of `size` bytes, then what `body` writes, then fills in the length. */
  block(size: 1 | 2 | 3 | 4, body: (writer: this) => void): this {
    this.reserve(size);
    const at = this.length;
    this.length += size;
    body(this);
    this.buffer.writeUIntBE(this.length - at - size, at, size);
    return this;
  }

  /** Overwrites a 16-bit value already written. */
  patchU16(at: number, value: number): this {
    this.buffer.writeUInt16BE(value & 0xffff, at);
    return this;
  }

  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
