/**
 * pcapng: a stream of blocks (type, length, body, length again), in sections that each start with
 * a Section Header Block fixing the byte order and numbering their interfaces from 0.
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html
 */
import type { FrameBatch } from './frame-batch.js';
import { MAX_RECORD_BYTES, type RecordParser } from './record-parser.js';
import { TickScale } from './tick-scale.js';

/** Block type of the Section Header Block: the same bytes in either byte order. */
export const PCAPNG_SECTION_HEADER = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const INTERFACE_DESCRIPTION = 1;
const OBSOLETE_PACKET = 2;
const SIMPLE_PACKET = 3;
const ENHANCED_PACKET = 6;

const OPTION_END = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** type + length + length again. */
const MIN_BLOCK_BYTES = 12;

interface InterfaceDescription {
  linkType: number;
  snaplen: number;
  name: string | null;
  scale: TickScale;
  offsetUs: number;
}

const DEFAULT_SCALE = new TickScale();

/** Smallest legal length for the blocks this parser reads (others only need MIN_BLOCK_BYTES). */
function minimumLength(type: number): number {
  switch (type) {
    case PCAPNG_SECTION_HEADER:
      return 28;
    case INTERFACE_DESCRIPTION:
      return 20;
    case SIMPLE_PACKET:
      return 16;
    case ENHANCED_PACKET:
    case OBSOLETE_PACKET:
      return 32;
    default:
      return MIN_BLOCK_BYTES;
  }
}

export class PcapngParser implements RecordParser {
  readonly format = 'pcapng';
  readonly headerLength = MIN_BLOCK_BYTES;
  failure = '';
  /** Sections seen so far; exposed for tests. */
  sections = 0;
  private isLittleEndian = true;
  private interfaces: InterfaceDescription[] = [];
  /** Simple Packet Blocks carry no timestamp; they get the last one seen in the section. */
  private lastTimestampUs = 0;
  private readonly textDecoder = new TextDecoder();

  recordLength(view: DataView, pos: number): number {
    const type = view.getUint32(pos, this.isLittleEndian);
    if (type === PCAPNG_SECTION_HEADER) {
      const magic = view.getUint32(pos + 8, true);
      if (magic === BYTE_ORDER_MAGIC) this.isLittleEndian = true;
      else if (magic === 0x4d3c2b1a) this.isLittleEndian = false;
      else {
        this.failure = `a section header has the byte-order magic 0x${magic.toString(16)}`;
        return -1;
      }
    }
    const length = view.getUint32(pos + 4, this.isLittleEndian);
    if (length % 4 !== 0 || length < minimumLength(type) || length > MAX_RECORD_BYTES) {
      this.failure = `block type ${type} has the impossible length ${length}`;
      return -1;
    }
    return length;
  }

  parseRecord(bytes: Uint8Array, view: DataView, pos: number, length: number, batch: FrameBatch): boolean {
    const le = this.isLittleEndian;
    const trailer = view.getUint32(pos + length - 4, le);
    if (trailer !== length) {
      this.failure = `a block starts with length ${length} but ends with length ${trailer}`;
      return false;
    }
    switch (view.getUint32(pos, le)) {
      case ENHANCED_PACKET:
        return this.parsePacket(bytes, view, pos, length, view.getUint32(pos + 8, le), batch);
      case OBSOLETE_PACKET:
        return this.parsePacket(bytes, view, pos, length, view.getUint16(pos + 8, le), batch);
      case SIMPLE_PACKET:
        return this.parseSimplePacket(bytes, view, pos, length, batch);
      case INTERFACE_DESCRIPTION:
        return this.parseInterface(bytes, view, pos, length);
      case PCAPNG_SECTION_HEADER:
        this.sections += 1;
        this.interfaces = [];
        this.lastTimestampUs = 0;
        return true;
      default:
        // Name resolution, interface statistics, decryption secrets, custom blocks: not packets.
        return true;
    }
  }

  /** Enhanced and Obsolete Packet Blocks share everything after the interface id. */
  private parsePacket(
    bytes: Uint8Array,
    view: DataView,
    pos: number,
    length: number,
    interfaceIndex: number,
    batch: FrameBatch,
  ): boolean {
    const le = this.isLittleEndian;
    const iface = this.interfaces[interfaceIndex];
    if (iface === undefined) {
      this.failure = `a packet names interface ${interfaceIndex}, but the section describes ${this.interfaces.length}`;
      return false;
    }
    const capturedLength = view.getUint32(pos + 20, le);
    if (capturedLength > length - 32) {
      this.failure = `a packet claims ${capturedLength} captured bytes in a block of ${length}`;
      return false;
    }
    const timestampUs =
      iface.scale.toMicros(view.getUint32(pos + 12, le), view.getUint32(pos + 16, le)) + iface.offsetUs;
    this.lastTimestampUs = timestampUs;
    batch.push(
      bytes,
      pos + 28,
      capturedLength,
      view.getUint32(pos + 24, le),
      timestampUs,
      iface.linkType,
      interfaceIndex,
      iface.name,
    );
    return true;
  }

  private parseSimplePacket(
    bytes: Uint8Array,
    view: DataView,
    pos: number,
    length: number,
    batch: FrameBatch,
  ): boolean {
    const iface = this.interfaces[0];
    if (iface === undefined) {
      this.failure = 'a simple packet block comes before any interface description';
      return false;
    }
    const originalLength = view.getUint32(pos + 8, this.isLittleEndian);
    // The block holds no captured length: it is the original length cut to the snap length.
    let capturedLength = Math.min(originalLength, length - 16);
    if (iface.snaplen !== 0 && iface.snaplen < capturedLength) capturedLength = iface.snaplen;
    batch.push(
      bytes,
      pos + 12,
      capturedLength,
      originalLength,
      this.lastTimestampUs,
      iface.linkType,
      0,
      iface.name,
    );
    return true;
  }

  private parseInterface(bytes: Uint8Array, view: DataView, pos: number, length: number): boolean {
    const le = this.isLittleEndian;
    const iface: InterfaceDescription = {
      linkType: view.getUint16(pos + 8, le),
      snaplen: view.getUint32(pos + 12, le),
      name: null,
      scale: DEFAULT_SCALE,
      offsetUs: 0,
    };
    const end = pos + length - 4;
    let at = pos + 16;
    while (at + 4 <= end) {
      const code = view.getUint16(at, le);
      const valueLength = view.getUint16(at + 2, le);
      if (code === OPTION_END) break;
      const value = at + 4;
      if (value + valueLength > end) {
        this.failure = `an interface option (code ${code}) runs past the end of its block`;
        return false;
      }
      if (code === IF_NAME) {
        let nameEnd = value + valueLength;
        while (nameEnd > value && bytes[nameEnd - 1] === 0) nameEnd -= 1;
        iface.name = this.textDecoder.decode(bytes.subarray(value, nameEnd));
      } else if (code === IF_TSRESOL && valueLength >= 1) {
        iface.scale = new TickScale(view.getUint8(value));
      } else if (code === IF_TSOFFSET && valueLength >= 8) {
        iface.offsetUs = Number(view.getBigInt64(value, le)) * 1_000_000;
      }
      at = value + ((valueLength + 3) & ~3);
    }
    this.interfaces.push(iface);
    return true;
  }
}
