import type { EpochMicros, IndicatorDraft } from '../../records/index.js';
import { normalisePort, type NormalisedValue } from '../normalise-indicator.js';
import { CsvReader } from './csv-reader.js';
import { parseFeedTime, timeFromBanner } from './feed-time.js';
import { isRecord } from './json-document.js';
import { excerpt, parseFailed, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser, ParseContext } from './parser.js';
import {
  invalidOption,
  isValueTypeOption,
  optionBoolean,
  optionString,
  optionValueType,
  type ValueTypeOption,
} from './parser-options.js';
import { splitTags } from './record-fields.js';
import { ResultBuilder } from './result-builder.js';
import { describeType, normaliseAs } from './text-list.js';
import { splitIpPort } from './threatfox-ioc.js';

const FORMAT = 'csv-mapped';

/** The columns a feed definition may map, as `columns: { value: "ioc", port: 3, … }`. */
const COLUMN_KEYS = [
  'value',
  'type',
  'port',
  'threat',
  'malware',
  'first_seen',
  'last_seen',
  'reference',
  'confidence',
  'tags',
] as const;
type ColumnKey = (typeof COLUMN_KEYS)[number];

const EXAMPLE =
  'Write e.g. options: { has_header: true, columns: { value: "ip", port: "port", first_seen: "first_seen" }, type: ip }.';

/** Type names other feeds write in a type column, as Yamori's. */
// A Map, not an object: a type cell reading "constructor" must not find Object's.
const TYPE_ALIASES: ReadonlyMap<string, ValueTypeOption | 'ip:port'> = new Map<
  string,
  ValueTypeOption | 'ip:port'
>([
  ['hostname', 'domain'],
  ['host', 'domain'],
  ['fqdn', 'domain'],
  ['uri', 'url'],
  ['link', 'url'],
  ['ip:port', 'ip:port'],
  ['ip-dst', 'ip'],
  ['ip-src', 'ip'],
  ['md5_hash', 'md5'],
  ['sha1_hash', 'sha1'],
  ['sha256_hash', 'sha256'],
  ['filehash-md5', 'md5'],
  ['filehash-sha1', 'sha1'],
  ['filehash-sha256', 'sha256'],
  ['x509-fingerprint-sha1', 'cert_sha1'],
  ['ja3-fingerprint-md5', 'ja3'],
]);

function typeFromCell(cell: string): ValueTypeOption | 'ip:port' | null {
  const name = cell.trim().toLowerCase();
  if (isValueTypeOption(name)) return name;
  return TYPE_ALIASES.get(name) ?? null;
}

interface Mapping {
  /** Column reference per key: a header name (lowercase) or a 0-based index; undefined when unmapped. */
  refs: Partial<Record<ColumnKey, string | number>>;
  hasHeader: boolean;
}

function readMapping(context: ParseContext): Mapping {
  const columns = context.options.columns;
  if (!isRecord(columns)) {
    throw invalidOption(
      context,
      FORMAT,
      'columns',
      'must map at least "value" to a column name or number',
      EXAMPLE,
    );
  }
  const refs: Mapping['refs'] = {};
  for (const key of Object.keys(columns)) {
    const ref = columns[key];
    if (!(COLUMN_KEYS as readonly string[]).includes(key)) {
      throw invalidOption(
        context,
        FORMAT,
        `columns.${key}`,
        `is not a column Yamori maps (it maps ${COLUMN_KEYS.join(', ')})`,
        EXAMPLE,
      );
    }
    if (!(
      (typeof ref === 'string' && ref.trim().length > 0) ||
      (typeof ref === 'number' && Number.isInteger(ref) && ref >= 0)
    )) {
      throw invalidOption(
        context,
        FORMAT,
        `columns.${key}`,
        'must be a header name or a 0-based column number',
        EXAMPLE,
      );
    }
    refs[key as ColumnKey] = typeof ref === 'string' ? ref.trim().toLowerCase() : ref;
  }
  if (refs.value === undefined) throw invalidOption(context, FORMAT, 'columns.value', 'is missing', EXAMPLE);
  const hasHeader =
    optionBoolean(context, FORMAT, 'has_header') ?? optionBoolean(context, FORMAT, 'hasHeader') ?? true;
  if (!hasHeader) {
    for (const key of COLUMN_KEYS) {
      if (typeof refs[key] === 'string') {
        throw invalidOption(
          context,
          FORMAT,
          `columns.${key}`,
          'names a header column, but has_header is false',
          'Use 0-based column numbers, or set has_header: true.',
        );
      }
    }
  }
  return { refs, hasHeader };
}

function readDelimiter(context: ParseContext): string {
  const delimiter = optionString(context, FORMAT, 'delimiter') ?? ',';
  const resolved = delimiter === '\\t' || delimiter.toLowerCase() === 'tab' ? '\t' : delimiter;
  if (resolved.length !== 1 || resolved === '"' || resolved === '\n' || resolved === '\r') {
    throw invalidOption(
      context,
      FORMAT,
      'delimiter',
      `must be one character other than a quote or line end (got "${delimiter}")`,
      'Write e.g. delimiter: ";" or delimiter: tab.',
    );
  }
  return resolved;
}

/** Feed times: the formats parseFeedTime reads, or Unix seconds. */
function timeCell(text: string): EpochMicros | null {
  if (/^\d{9,11}$/.test(text)) return Number(text) * 1_000_000;
  return parseFeedTime(text);
}

/**
 * Any CSV, by a mapping in the feed definition: options { delimiter (default ","; "tab" for TAB),
 * has_header (default true; the header may also be a "#" comment, as abuse.ch writes it), comment
 * (default "#"; null for none), columns: { value, type, port, threat, malware, first_seen, last_seen,
 * reference, confidence, tags } (header names or 0-based numbers), type (forced value type, default
 * auto-detect) }. A type column may hold Yamori's names or common ones (hostname, ip:port, md5_hash,
 * FileHash-SHA256, …). raw is the row keyed by the header, or the list of fields without one.
 */
export const csvMappedParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const mapping = readMapping(context);
  const forcedType = optionValueType(context, FORMAT) ?? 'auto';
  const delimiter = readDelimiter(context);
  const reader = new CsvReader(text, {
    delimiter,
    comment: readComment(context),
    skipSpaceBeforeQuote: true,
  });
  const result = new ResultBuilder(context, FORMAT, {}, batchRows);
  const index: Partial<Record<ColumnKey, number>> = {};
  let header: string[] | null = null;
  let generatedAt: EpochMicros | null = null;
  let lastComment: string | null = null;
  if (!mapping.hasHeader) resolveColumns(mapping, [], index);
  while (reader.next()) {
    if (result.batchFull) yield result.takeBatch();
    if (reader.comment !== null) {
      lastComment = reader.comment;
      generatedAt ??= timeFromBanner(lastComment);
      continue;
    }
    if (mapping.hasHeader && header === null) {
      const fields = reader.fields;
      if (resolveColumns(mapping, fields, index) === null) {
        header = fields.map((cell) => cell.trim());
        continue;
      }
      // A commented header ("# ip,port,…") above the first row counts, as abuse.ch writes it; the row is data.
      const commented =
        lastComment === null
          ? null
          : new CsvReader(lastComment.trim(), { delimiter, comment: null, skipSpaceBeforeQuote: true });
      if (
        commented === null ||
        !commented.next() ||
        resolveColumns(mapping, commented.fields, index) !== null
      ) {
        const missing = resolveColumns(mapping, fields, index);
        throw parseFailed(
          context,
          FORMAT,
          `has no header with the mapped column "${missing}" (first row: ${excerpt(fields.join(delimiter))})`,
        );
      }
      header = commented.fields.map((cell) => cell.trim());
    }
    addRow(result, reader, header, index, forcedType);
  }
  return result.finish(generatedAt, header !== null || lastComment !== null);
});

/** Fills `index` from the header names (or the column numbers); returns the first mapped column missing, or null. */
function resolveColumns(
  mapping: Mapping,
  names: readonly string[],
  index: Partial<Record<ColumnKey, number>>,
): string | null {
  const lower = names.map((name) => name.trim().toLowerCase());
  for (const key of COLUMN_KEYS) {
    const ref = mapping.refs[key];
    if (ref === undefined) continue;
    const at = typeof ref === 'number' ? ref : lower.indexOf(ref);
    if (at < 0) return String(ref);
    index[key] = at;
  }
  return null;
}

function readComment(context: ParseContext): string | null {
  const comment = context.options.comment;
  if (comment === undefined) return '#';
  if (comment === null || (typeof comment === 'string' && comment.length === 1)) return comment;
  throw invalidOption(
    context,
    FORMAT,
    'comment',
    'must be one character, or null for none',
    'Write e.g. comment: "#".',
  );
}

function cell(fields: string[], at: number | undefined): string {
  return at === undefined ? '' : (fields[at] ?? '').trim();
}

function addRow(
  result: ResultBuilder,
  reader: CsvReader,
  header: string[] | null,
  index: Partial<Record<ColumnKey, number>>,
  forcedType: ValueTypeOption,
): void {
  const fields = reader.fields;
  const line = reader.line;
  const valueText = cell(fields, index.value);
  let type: ValueTypeOption | 'ip:port' = forcedType;
  if (index.type !== undefined) {
    const named = typeFromCell(cell(fields, index.type));
    if (named === null) {
      result.skip(line, `type "${excerpt(cell(fields, index.type))}" is not a type Yamori reads`);
      return;
    }
    type = named;
  }
  let value: NormalisedValue | null;
  let port: number | null = null;
  if (type === 'ip:port') {
    const split = splitIpPort(valueText);
    value = split?.ip ?? null;
    port = split?.port ?? null;
  } else {
    value = normaliseAs(type, valueText);
  }
  if (value === null) {
    result.skip(
      line,
      `"${excerpt(valueText)}" is not ${type === 'ip:port' ? 'an address and port' : describeType(type)}`,
    );
    return;
  }
  const portText = cell(fields, index.port);
  if (portText !== '') {
    port = normalisePort(portText);
    if (port === null) {
      result.skip(line, `port "${excerpt(portText)}" is not a port`);
      return;
    }
  }
  let raw: unknown = fields.slice();
  if (header !== null) {
    const row: Record<string, string> = {};
    for (let i = 0; i < fields.length; i++) row[i < header.length ? header[i]! : `_${i}`] = fields[i]!;
    raw = row;
  }
  const draft: IndicatorDraft = result.draft(value.type, value.value, raw);
  draft.port = port;
  const threat = cell(fields, index.threat);
  if (threat !== '') draft.threat = threat;
  const malware = cell(fields, index.malware);
  if (malware !== '') draft.malwareFamily = malware;
  const reference = cell(fields, index.reference);
  if (reference !== '') draft.reference = reference;
  const confidence = Number(cell(fields, index.confidence) || NaN);
  if (confidence >= 0 && confidence <= 100) draft.confidence = Math.round(confidence);
  const tags = splitTags(cell(fields, index.tags));
  for (const tag of tags) if (!draft.tags.includes(tag)) draft.tags.push(tag);
  draft.sourceFirstSeenAt = timeCell(cell(fields, index.first_seen));
  draft.sourceLastSeenAt = timeCell(cell(fields, index.last_seen));
  result.add(draft, line);
}
