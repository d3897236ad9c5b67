import duckdb from '@duckdb/node-bindings';
import {
  BIGINT,
  BOOLEAN,
  DuckDBDataChunk,
  INTEGER,
  TIMESTAMPTZ,
  UHUGEINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBType,
} from './duckdb-api.js';
import { addressToNumber, parseIpv4 } from '../address-number.js';

/**
 * Appends rows to a DuckDB appender one data chunk (2048 rows) at a time, column-wise.
 *
 * The appender's per-value calls (appendVarchar, appendBigInt …) cross into native code once per
 * value, and the BigInt and timestamp objects they need cost as much again in garbage. Here every
 * column is a typed array in JavaScript memory: numbers are written into it as they are, copied into
 * the chunk's vector with one native call per column, and the chunk is appended whole. Text is the
 * exception the C API leaves: a string of more than 12 bytes must be handed over with one native call
 * each (DuckDB keeps it out of line); shorter ASCII strings are written inline into the vector's
 * 16-byte `string_t` slots, in the layout DuckDB uses (length, then the bytes, zero-padded).
 *
 * The copies go through @duckdb/node-bindings, the binding node-api is built on: node-api's own
 * vectors keep text in a per-row cache and convert every number through its checks and BigInt.
 * package.json pins both packages to the same exact version, so that node-api and this module share
 * one copy of the binding (a vector from one copy must not be written through another).
 *
 * A setter throws (RangeError) on a value its column cannot hold: a fraction or NaN in a count, a
 * port past the column's range. The caller rolls the batch back; `reset()` clears a half-written chunk.
 */
export class ChunkWriter {
  static readonly ROWS = duckdb.vector_size();
  private readonly chunk: DuckDBDataChunk;

  constructor(
    private readonly appender: DuckDBAppender,
    private readonly columns: readonly Column[],
  ) {
    if (duckdb.sizeof_bool !== 1) throw new Error(`unsupported boolean size ${duckdb.sizeof_bool}`);
    this.chunk = DuckDBDataChunk.create(columns.map((column) => column.type));
  }

  /** Copies rows 0…rowCount-1 of every column into the chunk and appends it; the columns start over. */
  append(rowCount: number): void {
    if (rowCount === 0) return;
    const chunk = this.chunk.chunk;
    duckdb.data_chunk_reset(chunk);
    duckdb.data_chunk_set_size(chunk, rowCount);
    for (let c = 0; c < this.columns.length; c++) {
      this.columns[c]!.copyTo(duckdb.data_chunk_get_vector(chunk, c), rowCount);
    }
    this.appender.appendDataChunk(this.chunk);
    this.reset();
  }

  /** Forgets whatever was set since the last append (after a setter threw). */
  reset(): void {
    for (const column of this.columns) column.reset();
  }
}

/** One column of a chunk being written: rows are set by index, 0 … ChunkWriter.ROWS-1. */
export abstract class Column {
  abstract readonly type: DuckDBType;
  protected readonly validity = new Validity();
  protected abstract readonly data: Uint8Array<ArrayBuffer>;

  /** Marks the row NULL (every column is nullable here; NOT NULL is the table's to enforce). */
  setNull(row: number): void {
    this.validity.setNull(row);
  }

  copyTo(vector: duckdb.Vector, rowCount: number): void {
    duckdb.copy_data_to_vector(vector, 0, this.data.buffer, this.data.byteOffset, rowCount * this.width);
    this.validity.copyTo(vector, rowCount);
  }

  reset(): void {
    this.validity.reset();
  }

  protected abstract readonly width: number;
}

/** Validity bits as DuckDB keeps them (64-bit words, bit set = valid), written as 32-bit halves. */
class Validity {
  private readonly words = new Uint32Array(ChunkWriter.ROWS / 32).fill(0xffffffff);
  private hasNull = false;

  setNull(row: number): void {
    this.words[row >>> 5]! &= ~(1 << (row & 31));
    this.hasNull = true;
  }

  copyTo(vector: duckdb.Vector, rowCount: number): void {
    if (!this.hasNull) return;
    duckdb.vector_ensure_validity_writable(vector);
    const bytes = Math.ceil(rowCount / 64) * 8;
    duckdb.copy_data_to_vector_validity(vector, 0, this.words.buffer, 0, bytes);
  }

  reset(): void {
    if (!this.hasNull) return;
    this.words.fill(0xffffffff);
    this.hasNull = false;
  }
}

const INLINE_BYTES = 12;

/**
 * VARCHAR: short ASCII inline in the slot; the rest through the C API after the slots are copied.
 *
 * By default a longer value seen before in the same chunk is not handed over again: its row
 * gets a copy of the first row's `string_t` (length, prefix and the pointer into the vector's own
 * string heap, which lives until the chunk is reset), for one read and one write of the slots in all.
 * MACs, addresses and names repeat from row to row; ids and Community IDs do not, so they go without.
 */
export class TextColumn extends Column {
  readonly type = VARCHAR;
  protected readonly width = 16;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS * 16);
  private readonly words = new Uint32Array(this.data.buffer);
  private outOfLineRows: number[] = [];
  private outOfLineValues: string[] = [];
  private readonly firstRows: Map<string, number> | null;
  private repeatRows: number[] = [];
  private repeatOf: number[] = [];

  /** `repeats: false` for a column whose values are all distinct (ids), which would only fill the map. */
  constructor(options: { repeats?: boolean } = {}) {
    super();
    this.firstRows = options.repeats === false ? null : new Map();
  }

  set(row: number, value: string): void {
    if (!this.setInline(row, value, 0, value.length)) this.setOutOfLine(row, value);
  }

  /**
   * Writes `text` from `start` to `end` into the row's slot when it is short ASCII, and says whether
   * it did (no string is made for it either way).
   */
  private setInline(row: number, text: string, start: number, end: number): boolean {
    const length = end - start;
    if (length > INLINE_BYTES) return false;
    const data = this.data;
    const words = this.words;
    const w = row * 4;
    words[w] = length;
    words[w + 1] = 0;
    words[w + 2] = 0;
    words[w + 3] = 0;
    const at = row * 16 + 4 - start;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return false;
      data[at + i] = code;
    }
    return true;
  }

  private setOutOfLine(row: number, value: string): void {
    // Set after the slots are copied (copyTo); the zeroed slot meanwhile reads as ''.
    this.words[row * 4] = 0;
    if (this.firstRows !== null) {
      const first = this.firstRows.get(value);
      if (first !== undefined) {
        this.repeatRows.push(row);
        this.repeatOf.push(first);
        return;
      }
      this.firstRows.set(value, row);
    }
    this.outOfLineRows.push(row);
    this.outOfLineValues.push(value);
  }

  setOrNull(row: number, value: string | null): void {
    if (value === null) {
      const w = row * 4;
      this.words[w] = 0;
      this.words[w + 1] = 0;
      this.words[w + 2] = 0;
      this.words[w + 3] = 0;
      this.setNull(row);
    } else {
      this.set(row, value);
    }
  }

  /**
   * Sets the row to `text` from `start` to `end` (a packed batch's span), making no string where the
   * value goes inline; `end` NULL_TEXT_END (-1) for NULL.
   */
  setSpan(row: number, text: string, start: number, end: number): void {
    if (end < 0) this.setOrNull(row, null);
    else if (!this.setInline(row, text, start, end)) this.setOutOfLine(row, text.slice(start, end));
  }

  override copyTo(vector: duckdb.Vector, rowCount: number): void {
    super.copyTo(vector, rowCount);
    const rows = this.outOfLineRows;
    const values = this.outOfLineValues;
    for (let i = 0; i < rows.length; i++) duckdb.vector_assign_string_element(vector, rows[i]!, values[i]!);
    if (this.repeatRows.length === 0) return;
    const slots = duckdb.vector_get_data(vector, rowCount * 16);
    for (let i = 0; i < this.repeatRows.length; i++) {
      const from = this.repeatOf[i]! * 16;
      slots.copyWithin(this.repeatRows[i]! * 16, from, from + 16);
    }
    duckdb.copy_data_to_vector(vector, 0, slots.buffer as ArrayBuffer, slots.byteOffset, rowCount * 16);
  }

  override reset(): void {
    super.reset();
    if (this.outOfLineRows.length > 0) {
      this.outOfLineRows = [];
      this.outOfLineValues = [];
    }
    if (this.repeatRows.length > 0) {
      this.repeatRows = [];
      this.repeatOf = [];
    }
    this.firstRows?.clear();
  }
}

const TWO_TO_32 = 4294967296;

/** BIGINT and TIMESTAMPTZ (epoch microseconds) from numbers, with no BigInt on the way for safe integers. */
export class Int64Column extends Column {
  protected readonly width = 8;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS * 8);
  private readonly halves = new Int32Array(this.data.buffer);

  constructor(readonly type: DuckDBType = BIGINT) {
    super();
  }

  set(row: number, value: number): void {
    if (Number.isSafeInteger(value)) {
      const high = Math.floor(value / TWO_TO_32);
      // Int32Array stores the low word modulo 2^32, i.e. its bits unchanged.
      this.halves[row * 2] = value - high * TWO_TO_32;
      this.halves[row * 2 + 1] = high;
    } else {
      this.setBeyondSafe(row, value);
    }
  }

  private setBeyondSafe(row: number, value: number): void {
    if (!Number.isInteger(value) || value < -(2 ** 63) || value >= 2 ** 63) {
      throw new RangeError(`${value} is not a whole number within ${this.type.toString()} range`);
    }
    new BigInt64Array(this.data.buffer, row * 8, 1)[0] = BigInt(value);
  }
}

export class TimestampColumn extends Int64Column {
  constructor() {
    super(TIMESTAMPTZ);
  }
}

/** INTEGER, UINTEGER, USMALLINT and UTINYINT: a typed array of the column's width, range-checked. */
abstract class SmallIntColumn extends Column {
  protected refuse(value: number): never {
    throw new RangeError(`${value} is not a whole number within ${this.type.toString()} range`);
  }
}

export class Int32Column extends SmallIntColumn {
  readonly type = INTEGER;
  protected readonly width = 4;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS * 4);
  private readonly values = new Int32Array(this.data.buffer);

  set(row: number, value: number): void {
    if ((value | 0) !== value) this.refuse(value);
    this.values[row] = value;
  }
}

export class UInt32Column extends SmallIntColumn {
  readonly type = UINTEGER;
  protected readonly width = 4;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS * 4);
  private readonly values = new Uint32Array(this.data.buffer);

  set(row: number, value: number): void {
    if (value >>> 0 !== value) this.refuse(value);
    this.values[row] = value;
  }
}

export class UInt16Column extends SmallIntColumn {
  readonly type = USMALLINT;
  protected readonly width = 2;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS * 2);
  private readonly values = new Uint16Array(this.data.buffer);

  set(row: number, value: number): void {
    if ((value & 0xffff) !== value) this.refuse(value);
    this.values[row] = value;
  }

  setOrNull(row: number, value: number | null): void {
    if (value === null) {
      this.values[row] = 0;
      this.setNull(row);
    } else {
      this.set(row, value);
    }
  }
}

export class UInt8Column extends SmallIntColumn {
  readonly type = UTINYINT;
  protected readonly width = 1;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS);

  set(row: number, value: number): void {
    if ((value & 0xff) !== value) this.refuse(value);
    this.data[row] = value;
  }
}

export class BooleanColumn extends Column {
  readonly type = BOOLEAN;
  protected readonly width = 1;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS);

  set(row: number, value: boolean): void {
    this.data[row] = value ? 1 : 0;
  }
}

/** Addresses seen recently, as the four 32-bit words of their 128-bit number (null: not an address). */
const ADDRESS_CACHE_SIZE = 8192;

/**
 * UHUGEINT address numbers (address-number.ts) from address text. IPv4 is parsed in place; other
 * addresses repeat from row to row in home traffic, so each is parsed once (with BigInt) and its
 * words are kept (a bounded cache, emptied when full).
 */
export class AddressNumberColumn extends Column {
  readonly type = UHUGEINT;
  protected readonly width = 16;
  protected readonly data = new Uint8Array(ChunkWriter.ROWS * 16);
  private readonly words = new Uint32Array(this.data.buffer);
  private readonly cache = new Map<string, Uint32Array | null>();

  /** Sets the row to the number of `addr`, or NULL where `addr` is not an IPv4 or IPv6 address. */
  setAddress(row: number, addr: string): void {
    const v4 = parseIpv4(addr, 0, addr.length);
    if (v4 >= 0) {
      this.setIpv4(row, v4);
      return;
    }
    let number = this.cache.get(addr);
    if (number === undefined) {
      number = wordsOf(addressToNumber(addr));
      if (this.cache.size >= ADDRESS_CACHE_SIZE) this.cache.clear();
      this.cache.set(addr, number);
    }
    if (number === null) this.setNull(row);
    else this.words.set(number, row * 4);
  }

  /** setAddress for `text` from `start` to `end` (a packed batch's span), slicing only an IPv6 address. */
  setAddressSpan(row: number, text: string, start: number, end: number): void {
    if (end < 0) {
      this.setNull(row);
      return;
    }
    const v4 = parseIpv4(text, start, end);
    if (v4 >= 0) {
      this.setIpv4(row, v4);
      return;
    }
    this.setAddress(row, text.slice(start, end));
  }

  /** ::ffff:a.b.c.d: the address in the low word, 0xffff above it (address-number.ts). */
  private setIpv4(row: number, v4: number): void {
    const w = row * 4;
    this.words[w] = v4;
    this.words[w + 1] = 0xffff;
    this.words[w + 2] = 0;
    this.words[w + 3] = 0;
  }

  override setNull(row: number): void {
    this.words.fill(0, row * 4, row * 4 + 4);
    super.setNull(row);
  }
}

/** A 128-bit number as four little-endian 32-bit words (DuckDB's uhugeint_t: lower, then upper 64 bits). */
function wordsOf(number: bigint | null): Uint32Array | null {
  if (number === null) return null;
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = Number(BigInt.asUintN(32, number >> BigInt(32 * i)));
  return words;
}
