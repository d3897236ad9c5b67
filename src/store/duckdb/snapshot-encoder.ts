import type { IndicatorDraft } from '../../records/index.js';
import type { JsonTextWriter, RawJsonText } from '../store.js';
import { indicatorRange, ipv4RangeNumber } from './indicator-range.js';
import type { SnapshotDrafts } from './snapshot-drafts.js';

/*
 * Drafts as text, the form they cross into DuckDB in (indicator-snapshot.ts splits it in SQL), written
 * as UTF-8 bytes: one line per draft, lines separated by U+001D. A line is the key (type, value, port)
 * and revoked, separated by U+001E, then U+001C, then everything else as one text, `fields`: threat,
 * family, confidence, tags joined by U+001F, reference, four instants as epoch microseconds, revoked,
 * raw as JSON, and for an address or network its range as two numbers and, for a network, its first
 * and last address; null is the empty string. JSON escapes every control character, and the
 * separators are replaced (by U+FFFD) in the other texts, so no value can shift the ones after it. The
 * stored `fields_hash` is DuckDB's hash(fields), so keep this format stable: a change makes every
 * stored indicator count as updated once.
 *
 * Writing bytes into one reused buffer, rather than joining strings, leaves V8 almost no garbage per
 * draft (a string line is a tree of thirty-odd small strings), and the appender copies the bytes as
 * they are instead of converting a string.
 */
const LINE = 0x1d;
const PART = 0x1c;
const FIELD = 0x1e;
const TAG = 0x1f;
// The four separators, as a class: the characters themselves are what the expression must match.
// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\u001c-\u001f]/g;
const UTF8 = new TextEncoder();

/** A key two drafts of one snapshot may share (same 64-bit hash): the store checks it exactly. */
export interface RepeatSuspect {
  type: string;
  value: string;
  port: number | null;
}

/**
 * Encodes the drafts of one snapshot a run of lines at a time. For batches that do not vouch for
 * their keys (DraftBatches.uniqueKeys), it also hashes every key (64 bits) to catch a key given twice
 * (the store's contract forbids it) without keeping the keys.
 */
export class SnapshotEncoder {
  /** Drafts encoded so far. */
  count = 0;
  readonly suspects: RepeatSuspect[] = [];
  private batch: readonly IndicatorDraft[] = [];
  private at = 0;
  private readonly keys: KeyHashes | null;
  private readonly out = new ByteWriter();

  constructor(private readonly drafts: SnapshotDrafts) {
    // An array is deduplicated up front, and batches may vouch for their keys (a parser's do): the
    // hashes cost about a third of a CPU second a million drafts.
    this.keys = drafts.uniqueKeys ? null : new KeyHashes();
  }

  /**
   * The next `maxRows` drafts (fewer at the end) as lines of UTF-8, or null after the last draft. The
   * bytes are valid until the next call. Throws on a port that is not an integer or a raw record JSON
   * cannot express (a BigInt), and passes on what the batches throw.
   */
  encode(maxRows: number): Uint8Array | null {
    const out = this.out;
    out.length = 0;
    let rows = 0;
    while (rows < maxRows) {
      if (this.at === this.batch.length) {
        // Drop the finished batch first, so the garbage collector can have it while the next is made.
        this.batch = [];
        this.at = 0;
        const next = this.drafts.next();
        if (next === null) break;
        this.batch = next;
      }
      const batch = this.batch;
      const end = Math.min(batch.length, this.at + maxRows - rows);
      const keys = this.keys;
      for (let i = this.at; i < end; i++) {
        const draft = batch[i]!;
        if (rows > 0) out.byte(LINE);
        writeLine(out, draft, this.count + rows);
        rows++;
        if (keys !== null && !keys.add(draft))
          this.suspects.push({ type: draft.type, value: draft.value, port: draft.port });
      }
      this.at = end;
    }
    this.count += rows;
    return rows === 0 ? null : out.bytes();
  }
}

/** One draft's line (see the top of this file); `index` counts drafts from 0, for messages. */
function writeLine(out: ByteWriter, d: IndicatorDraft, index: number): void {
  if (d.port !== null && !Number.isInteger(d.port)) {
    throw new Error(`indicator ${index + 1} ("${d.value}") has port ${d.port}, not an integer`);
  }
  const revoked = d.revoked ? 0x31 : 0x30;
  out.field(d.type);
  out.byte(FIELD);
  out.field(d.value);
  out.byte(FIELD);
  if (d.port !== null) out.integer(d.port);
  out.byte(FIELD);
  out.byte(revoked);
  out.byte(PART);
  out.field(d.threat);
  out.byte(FIELD);
  out.field(d.malwareFamily);
  out.byte(FIELD);
  if (d.confidence !== null) out.integer(Math.round(d.confidence));
  out.byte(FIELD);
  for (let t = 0; t < d.tags.length; t++) {
    if (t > 0) out.byte(TAG);
    out.field(d.tags[t]!);
  }
  out.byte(FIELD);
  out.field(d.reference);
  out.byte(FIELD);
  out.micros(d.sourceFirstSeenAt);
  out.byte(FIELD);
  out.micros(d.sourceLastSeenAt);
  out.byte(FIELD);
  out.micros(d.validFrom);
  out.byte(FIELD);
  out.micros(d.validUntil);
  out.byte(FIELD);
  out.byte(revoked);
  out.byte(FIELD);
  writeRaw(out, d.raw);
  writeRange(out, d.type, d.value);
}

/** The raw record as JSON (RawJsonText writes its own), nothing for undefined. */
function writeRaw(out: ByteWriter, raw: unknown): void {
  if (raw === undefined) return;
  // JSON escapes every control character, so it needs no separator check.
  if (
    typeof raw === 'object' &&
    raw !== null &&
    typeof (raw as Partial<RawJsonText>).writeJSON === 'function'
  ) {
    (raw as RawJsonText).writeJSON(out);
    return;
  }
  const json = JSON.stringify(raw);
  if (json !== undefined) out.text(json);
}

/**
 * The range's numbers, and its first and last address unless the value is that one address; nothing
 * for a value with no range. A bare IPv4 address takes a path without BigInt.
 */
function writeRange(out: ByteWriter, type: string, value: string): void {
  if (type === 'ipv4') {
    const number = ipv4RangeNumber(value);
    if (number !== -1) {
      out.byte(FIELD);
      out.integer(number);
      out.byte(FIELD);
      out.integer(number);
      return;
    }
  }
  const range = indicatorRange(type, value);
  if (range === null) return;
  out.byte(FIELD);
  out.field(range.start.toString());
  out.byte(FIELD);
  out.field(range.end.toString());
  if (range.startText === value) return;
  out.byte(FIELD);
  out.field(range.startText);
  out.byte(FIELD);
  out.field(range.endText);
}

/** A growable byte buffer, reused for every run of lines; RawJsonText writes its JSON straight in. */
class ByteWriter implements JsonTextWriter {
  length = 0;
  private buffer = new Uint8Array(1 << 16);

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  byte(value: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = value;
  }

  /** A field's text with the separators replaced; null writes nothing. */
  field(value: string | null): void {
    if (value === null) return;
    const n = value.length;
    if (this.length + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80 || (c >= 0x1c && c <= 0x1f)) {
        // The rest goes through the UTF-8 encoder, without separators; rare in indicator fields.
        this.length = at;
        this.utf8Text(value.slice(i).replace(SEPARATORS, '\ufffd'));
        return;
      }
      buffer[at++] = c;
    }
    this.length = at;
  }

  /** JSON text, which holds no control characters. */
  text(json: string): void {
    const n = json.length;
    if (this.length + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = json.charCodeAt(i);
      if (c >= 0x80) {
        this.length = at;
        this.utf8Text(json.slice(i));
        return;
      }
      buffer[at++] = c;
    }
    this.length = at;
  }

  /** JSON text as UTF-8 bytes (so no control characters either). */
  utf8(json: Uint8Array): void {
    const n = json.length;
    if (this.length + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) buffer[at++] = json[i]!;
    this.length = at;
  }

  /**
   * JSON.stringify(value), in one pass for the usual text (printable ASCII without quote or
   * backslash); anything else goes through JSON.stringify itself.
   */
  string(value: string): void {
    const n = value.length;
    if (this.length + n + 2 > this.buffer.length) this.grow(n + 2);
    const buffer = this.buffer;
    const start = this.length;
    let at = start;
    buffer[at++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) {
        this.length = start;
        this.text(JSON.stringify(value));
        return;
      }
      buffer[at++] = c;
    }
    buffer[at++] = 0x22;
    this.length = at;
  }

  /** Epoch microseconds, truncated, as decimal; null writes nothing. */
  micros(value: number | null): void {
    if (value !== null) this.integer(Math.trunc(value));
  }

  /** An integer as String(n) writes it, without the string. */
  integer(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) {
      this.field(String(n));
      return;
    }
    if (this.length + 16 > this.buffer.length) this.grow(16);
    if (n >= 1e8) {
      const high = Math.floor(n / 1e8);
      this.digits(high, 0);
      this.digits(n - high * 1e8, 8);
    } else {
      this.digits(n, 0);
    }
  }

  /** A non-negative integer below 10^8, in `width` digits at least (zeros in front). */
  private digits(n: number, width: number): void {
    let count = 1;
    for (let rest = n; rest >= 10; rest = (rest / 10) | 0) count++;
    if (count < width) count = width;
    const buffer = this.buffer;
    let at = this.length + count;
    this.length = at;
    let rest = n | 0;
    for (let i = 0; i < count; i++) {
      const next = (rest / 10) | 0;
      buffer[--at] = 0x30 + rest - next * 10;
      rest = next;
    }
  }

  private utf8Text(value: string): void {
    // Three bytes a UTF-16 unit at most.
    if (this.length + value.length * 3 > this.buffer.length) this.grow(value.length * 3);
    this.length += UTF8.encodeInto(value, this.buffer.subarray(this.length)).written;
  }

  private grow(needed: number): void {
    const buffer = new Uint8Array(Math.max(this.buffer.length * 2, this.length + needed));
    buffer.set(this.buffer.subarray(0, this.length));
    this.buffer = buffer;
  }
}

/**
 * 64-bit hashes of indicator keys in an open-addressing table of (low, high) pairs in one Int32Array,
 * at most half full, so a probe reads one cache line: a million keys cost 16 MB and no garbage, where
 * a Set of key strings would cost several times that. A hash seen twice is only a suspect: two keys
 * can share one. The pair (0, 0) marks an empty slot; a key hashing to it is stored as (0, 1).
 */
class KeyHashes {
  private table = new Int32Array(2 << 16);
  private size = 0;

  /** Records the draft's key hash; false when that hash was there already. */
  add(draft: IndicatorDraft): boolean {
    if ((this.size + 1) * 4 > this.table.length) this.grow();
    let a = 0x811c9dc5;
    let b = 0x2545f491;
    const { type, value, port } = draft;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
    }
    for (let i = 0; i < type.length; i++) {
      const c = type.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
    }
    const p = port === null ? -1 : port;
    a = Math.imul(a ^ p, 0x01000193);
    b = Math.imul(b ^ p, 0x5bd1e995) ^ (b >>> 15);
    a ^= a >>> 16;
    if (a === 0 && b === 0) b = 1;
    return this.insert(a, b);
  }

  private insert(a: number, b: number): boolean {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let slot = a & mask;
    for (;;) {
      const at = slot << 1;
      const low = table[at]!;
      const high = table[at + 1]!;
      if (low === 0 && high === 0) break;
      if (low === a && high === b) return false;
      slot = (slot + 1) & mask;
    }
    table[slot << 1] = a;
    table[(slot << 1) + 1] = b;
    this.size++;
    return true;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.size = 0;
    for (let at = 0; at < old.length; at += 2) {
      const a = old[at]!;
      const b = old[at + 1]!;
      if (a !== 0 || b !== 0) this.insert(a, b);
    }
  }
}
