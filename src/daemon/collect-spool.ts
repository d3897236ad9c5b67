/**
 * The collector's spool: datagrams received while storing is behind go to a file, in arrival order,
 * instead of being dropped, and are read back once the store catches up. It is what lets `yamori
 * collect` take a burst (or an overload of many seconds) at the rate the sockets can receive rather
 * than the rate DuckDB can store, as nfcapd does by writing its files first: the backlog is bounded
 * by disk (`collect.spool_max_bytes`) instead of memory.
 *
 * The file outlives the process. A record leaves the spool (the offset in its header moves past it)
 * only once the main thread has stored the flows of its datagrams; on a clean stop everything read
 * back is stored before the process ends, so the offset moves to what was read; after a crash the
 * next start reads again from the offset, so what was received is stored then. Only this machine
 * reads the file: numbers are in its byte order.
 *
 * Layout: a 24-byte header (FILE_MAGIC, version, the offset of the first record not yet stored), then
 * records: a 16-byte head (RECORD_MAGIC, datagrams, data bytes, exporter-text bytes), the datagrams
 * end to end, their end offsets (uint32 each), their receive times (float64 ms each), and the
 * exporters' addresses joined by "\n". Used only on the collector's socket-reader thread: every call
 * is synchronous, each a write or read of whole records, which the page cache makes cheap.
 */
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** Datagrams as the reader thread batches them. */
export interface DatagramBatch {
  /** The datagrams end to end. */
  data: Uint8Array;
  /** Where datagram i ends in `data`. */
  ends: Uint32Array;
  /** When datagram i was received (ms since the epoch, the reader's clock). */
  times: Float64Array;
  /** Who sent datagram i. */
  exporters: string[];
}

/** A record read back, with where it ends in the file (to commit once its flows are stored). */
export interface SpooledBatch extends DatagramBatch {
  endOffset: number;
}

export interface SpoolRecovery {
  /** Records a stopped or crashed run left unstored, read back first. */
  records: number;
  datagrams: number;
  bytes: number;
  /** Bytes of a record cut short at the end of the file (a crash in the middle of a write), dropped. */
  tornBytes: number;
}

const FILE_MAGIC = Buffer.from('YAMSPOOL', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 24;
const COMMITTED_AT = 16;
const RECORD_MAGIC = 0x59_53_50_52; // "YSPR"
const RECORD_HEAD_BYTES = 16;

export class DatagramSpool {
  private fd: number;
  /** Where the next record is written: the file's length. */
  private writeOffset: number;
  /** Where the next record to read back starts. */
  private readOffset: number;
  /** Where the first record whose flows are not yet stored starts (kept in the header). */
  private committedOffset: number;
  private datagramsUnread = 0;
  private readonly head = Buffer.alloc(RECORD_HEAD_BYTES);
  private readonly offsetBuffer = Buffer.alloc(8);

  private constructor(
    readonly path: string,
    readonly maxBytes: number,
    fd: number,
    offsets: { committed: number; end: number; datagrams: number },
  ) {
    this.fd = fd;
    this.committedOffset = offsets.committed;
    this.readOffset = offsets.committed;
    this.writeOffset = offsets.end;
    this.datagramsUnread = offsets.datagrams;
  }

  /**
   * Opens the spool at `path`, creating it if absent. Records left by an earlier run (from its
   * committed offset on) are read back first; a record cut short at the end is dropped. Throws if the
   * file is not a spool (so that no other file is ever truncated).
   */
  static open(path: string, maxBytes: number): { spool: DatagramSpool; recovered: SpoolRecovery } {
    const fd = openOrCreate(path);
    try {
      const size = fstatSync(fd).size;
      const recovered: SpoolRecovery = { records: 0, datagrams: 0, bytes: 0, tornBytes: 0 };
      if (size < HEADER_BYTES) {
        if (size > 0 && !readBytes(fd, 0, size).equals(FILE_MAGIC.subarray(0, Math.min(size, 8)))) {
          throw new Error(`${path} is not a Yamori collector spool (its first bytes are not "YAMSPOOL")`);
        }
        ftruncateSync(fd, 0);
        const header = Buffer.alloc(HEADER_BYTES);
        FILE_MAGIC.copy(header, 0);
        header.writeUInt32LE(VERSION, 8);
        header.writeBigUInt64LE(BigInt(HEADER_BYTES), COMMITTED_AT);
        writeSync(fd, header, 0, HEADER_BYTES, 0);
        const spool = new DatagramSpool(path, maxBytes, fd, {
          committed: HEADER_BYTES,
          end: HEADER_BYTES,
          datagrams: 0,
        });
        return { spool, recovered };
      }
      const header = readBytes(fd, 0, HEADER_BYTES);
      if (!header.subarray(0, 8).equals(FILE_MAGIC)) {
        throw new Error(`${path} is not a Yamori collector spool (its first bytes are not "YAMSPOOL")`);
      }
      if (header.readUInt32LE(8) !== VERSION) {
        throw new Error(`${path} is a collector spool of version ${header.readUInt32LE(8)}, not ${VERSION}`);
      }
      let committed = Number(header.readBigUInt64LE(COMMITTED_AT));
      if (committed < HEADER_BYTES || committed > size) committed = HEADER_BYTES;
      // Walk the records' heads: whole records are kept, a torn last one is cut off.
      let at = committed;
      while (at + RECORD_HEAD_BYTES <= size) {
        const head = readBytes(fd, at, RECORD_HEAD_BYTES);
        const count = head.readUInt32LE(4);
        const length = recordLength(count, head.readUInt32LE(8), head.readUInt32LE(12));
        if (head.readUInt32LE(0) !== RECORD_MAGIC || at + length > size) break;
        recovered.records++;
        recovered.datagrams += count;
        recovered.bytes += head.readUInt32LE(8);
        at += length;
      }
      if (at < size) {
        recovered.tornBytes = size - at;
        ftruncateSync(fd, at);
      }
      const spool = new DatagramSpool(path, maxBytes, fd, {
        committed,
        end: at,
        datagrams: recovered.datagrams,
      });
      return { spool, recovered };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Records written and not yet read back. */
  get hasUnread(): boolean {
    return this.readOffset < this.writeOffset;
  }

  /** Datagrams written and not yet read back. */
  get unreadDatagrams(): number {
    return this.datagramsUnread;
  }

  /** Bytes of the file (records read back stay in it until every record is stored and it is emptied). */
  get fileBytes(): number {
    return this.writeOffset;
  }

  /** Whether a record of `dataBytes` datagram bytes (`count` datagrams) still fits under maxBytes. */
  fits(count: number, dataBytes: number, exporterBytes: number): boolean {
    return this.writeOffset + recordLength(count, dataBytes, exporterBytes) <= this.maxBytes;
  }

  /** Appends one record (the caller checked `fits`). */
  append(batch: DatagramBatch): void {
    const exporters = Buffer.from(batch.exporters.join('\n'), 'utf8');
    const count = batch.ends.length;
    const head = this.head;
    head.writeUInt32LE(RECORD_MAGIC, 0);
    head.writeUInt32LE(count, 4);
    head.writeUInt32LE(batch.data.byteLength, 8);
    head.writeUInt32LE(exporters.byteLength, 12);
    const parts = [
      head,
      batch.data,
      new Uint8Array(batch.ends.buffer, batch.ends.byteOffset, count * 4),
      new Uint8Array(batch.times.buffer, batch.times.byteOffset, count * 8),
      exporters,
    ];
    const length = recordLength(count, batch.data.byteLength, exporters.byteLength);
    let written = 0;
    while (written < length) {
      // writev may write less than asked (a full disk): what is short is written again from there.
      written += writevSync(
        this.fd,
        written === 0 ? parts : [Buffer.concat(parts).subarray(written)],
        this.writeOffset + written,
      );
    }
    this.writeOffset += length;
    this.datagramsUnread += count;
  }

  /** Reads the next record back, or null when every record was read. */
  readNext(): SpooledBatch | null {
    if (this.readOffset >= this.writeOffset) return null;
    const at = this.readOffset;
    const head = readBytes(this.fd, at, RECORD_HEAD_BYTES);
    const count = head.readUInt32LE(4);
    const dataBytes = head.readUInt32LE(8);
    const exporterBytes = head.readUInt32LE(12);
    if (head.readUInt32LE(0) !== RECORD_MAGIC) {
      throw new Error(`the collector spool ${this.path} is damaged at byte ${at}`);
    }
    const length = recordLength(count, dataBytes, exporterBytes);
    const body = readBytes(this.fd, at + RECORD_HEAD_BYTES, length - RECORD_HEAD_BYTES);
    // Copies into fresh, aligned buffers, which the reader thread then transfers to the decoder.
    const data = new Uint8Array(dataBytes);
    data.set(body.subarray(0, dataBytes));
    const ends = new Uint32Array(count);
    new Uint8Array(ends.buffer).set(body.subarray(dataBytes, dataBytes + count * 4));
    const times = new Float64Array(count);
    new Uint8Array(times.buffer).set(body.subarray(dataBytes + count * 4, dataBytes + count * 12));
    const text = body.toString('utf8', dataBytes + count * 12, dataBytes + count * 12 + exporterBytes);
    this.readOffset = at + length;
    this.datagramsUnread -= count;
    return { data, ends, times, exporters: count === 0 ? [] : text.split('\n'), endOffset: this.readOffset };
  }

  /**
   * Records up to `endOffset` have their flows stored: the header says so, so that a crash does not
   * read them back again. Once every record is stored and none is unread, the file is emptied.
   */
  commit(endOffset: number): void {
    if (endOffset <= this.committedOffset) return;
    this.committedOffset = endOffset;
    if (this.committedOffset >= this.writeOffset && this.readOffset >= this.writeOffset) {
      this.empty();
      return;
    }
    this.writeCommitted();
  }

  /**
   * Closes the file. `isClean`: every record read back will be stored before the process ends, so
   * they count as stored; a spool with nothing left is removed.
   */
  close(isClean: boolean): void {
    if (isClean && this.readOffset > this.committedOffset) this.commit(this.readOffset);
    const isEmpty = this.writeOffset === HEADER_BYTES;
    closeSync(this.fd);
    this.fd = -1;
    if (isEmpty) unlinkSync(this.path);
  }

  private empty(): void {
    ftruncateSync(this.fd, HEADER_BYTES);
    this.writeOffset = HEADER_BYTES;
    this.readOffset = HEADER_BYTES;
    this.committedOffset = HEADER_BYTES;
    this.datagramsUnread = 0;
    this.writeCommitted();
  }

  private writeCommitted(): void {
    this.offsetBuffer.writeBigUInt64LE(BigInt(this.committedOffset), 0);
    writeSync(this.fd, this.offsetBuffer, 0, 8, COMMITTED_AT);
  }
}

function recordLength(count: number, dataBytes: number, exporterBytes: number): number {
  return RECORD_HEAD_BYTES + dataBytes + count * 12 + exporterBytes;
}

/** Opens for reading and writing at any position ("a+" would append every write on Linux). */
function openOrCreate(path: string): number {
  try {
    return openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Its folder, one level, if that is what is missing (not recursive: Node 20's recursive mkdir
    // never returns on some paths, such as one under /proc).
    try {
      mkdirSync(dirname(path));
    } catch (mkdirError) {
      if ((mkdirError as NodeJS.ErrnoException).code !== 'EEXIST') throw mkdirError;
    }
    return openSync(path, 'w+');
  }
}

function readBytes(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) throw new Error(`the collector spool ended early at byte ${position + read}`);
    read += n;
  }
  return buffer;
}
