import { createHash, randomUUID } from 'node:crypto';
import type { IndicatorDraft } from '../../records/index.js';
import { indicatorRange } from '../duckdb/indicator-range.js';
import type { JsonTextWriter, RawJsonText } from '../store.js';
import { addressNumberHex } from './address-hex.js';

/**
 * One draft as a row of a snapshot's staging table (indicator-snapshot.ts): the indicator's columns,
 * with instants as epoch microseconds (SQL turns them into TIMESTAMPs) and `fields_hash`, a digest of
 * the source fields that tells an unchanged indicator from an updated one by one comparison.
 */
export interface StagedIndicatorRow {
  ord: number;
  /** The id the indicator gets if the snapshot adds it. */
  new_id: string;
  type: string;
  value: string;
  port: number | null;
  range_start: string | null;
  range_end: string | null;
  range_start_addr: string | null;
  range_end_addr: string | null;
  threat: string | null;
  malware_family: string | null;
  confidence: number | null;
  tags: string[];
  reference: string | null;
  source_first_seen_us: number | null;
  source_last_seen_us: number | null;
  valid_from_us: number | null;
  valid_until_us: number | null;
  revoked: boolean;
  raw: string | null;
  fields_hash: string;
}

// The characters the DuckDB store uses to separate fields (snapshot-encoder.ts) are replaced there, so
// they are here too: both backends store the same text for the same draft.
// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\u001c-\u001f]/g;

/**
 * The staging row of `draft`, the `ord`-th of its snapshot (from 0). Normalises as the DuckDB store
 * does: empty text is null, separator characters become U+FFFD, confidence is rounded, instants are
 * truncated to whole microseconds. Throws, naming the draft, on a confidence outside 0–100, a port
 * that is not an integer, or a raw record JSON cannot express.
 */
export function stagedIndicatorRow(draft: IndicatorDraft, ord: number): StagedIndicatorRow {
  const name = `indicator ${ord + 1} ("${draft.value}")`;
  if (draft.port !== null && !Number.isInteger(draft.port)) {
    throw new Error(`${name} has port ${draft.port}, not an integer`);
  }
  const confidence = draft.confidence === null ? null : Math.round(draft.confidence);
  if (confidence !== null && !(confidence >= 0 && confidence <= 100)) {
    throw new Error(`${name} has confidence ${draft.confidence}, outside 0–100`);
  }
  const type = text(draft.type) ?? '';
  const value = text(draft.value) ?? '';
  const range = indicatorRange(type, value);
  const row: StagedIndicatorRow = {
    ord,
    new_id: randomUUID(),
    type,
    value,
    port: draft.port,
    range_start: range === null ? null : addressNumberHex(range.start),
    range_end: range === null ? null : addressNumberHex(range.end),
    // A network's first and last address; null for a single address, whose value is both.
    range_start_addr: range === null || range.startText === value ? null : range.startText,
    range_end_addr: range === null || range.endText === value ? null : range.endText,
    threat: text(draft.threat),
    malware_family: text(draft.malwareFamily),
    confidence,
    tags: draft.tags.map((tag) => text(tag) ?? '').filter((tag) => tag !== ''),
    reference: text(draft.reference),
    source_first_seen_us: micros(draft.sourceFirstSeenAt),
    source_last_seen_us: micros(draft.sourceLastSeenAt),
    valid_from_us: micros(draft.validFrom),
    valid_until_us: micros(draft.validUntil),
    revoked: draft.revoked,
    raw: rawJson(draft.raw, name),
    fields_hash: '',
  };
  row.fields_hash = fieldsHash(row);
  return row;
}

/** A digest of the source fields (not the key, not the range, which follows from the key). */
function fieldsHash(row: StagedIndicatorRow): string {
  const fields = JSON.stringify([
    row.threat,
    row.malware_family,
    row.confidence,
    row.tags,
    row.reference,
    row.source_first_seen_us,
    row.source_last_seen_us,
    row.valid_from_us,
    row.valid_until_us,
    row.revoked,
    row.raw,
  ]);
  return createHash('sha256').update(fields).digest('base64url').slice(0, 24);
}

function text(value: string | null): string | null {
  if (value === null || value === '') return null;
  return value.replace(SEPARATORS, '\ufffd');
}

function micros(value: number | null): number | null {
  return value === null ? null : Math.trunc(value);
}

/** The raw record as JSON text (RawJsonText writes its own); null for undefined. */
export function rawJson(raw: unknown, name: string): string | null {
  if (raw === undefined) return null;
  if (
    typeof raw === 'object' &&
    raw !== null &&
    typeof (raw as Partial<RawJsonText>).writeJSON === 'function'
  ) {
    const writer = new StringJsonWriter();
    (raw as RawJsonText).writeJSON(writer);
    return writer.result();
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(raw);
  } catch (cause) {
    throw new Error(`${name} has a raw record JSON cannot hold: ${(cause as Error).message}`, { cause });
  }
  return json ?? null;
}

const UTF8 = new TextDecoder();

/** Collects what a RawJsonText writes into one string. */
class StringJsonWriter implements JsonTextWriter {
  private readonly pieces: string[] = [];

  text(json: string): void {
    this.pieces.push(json);
  }

  utf8(json: Uint8Array): void {
    this.pieces.push(UTF8.decode(json));
  }

  string(value: string): void {
    this.pieces.push(JSON.stringify(value));
  }

  result(): string {
    return this.pieces.join('');
  }
}
