import { FieldKind, fieldKind } from './field-kind.js';

/** IPFIX's marker for a field whose length is given in each record (RFC 7011 section 7). */
export const VARIABLE_LENGTH = 65535;

/** A compiled (options) template: what each field is and how long it is. */
export interface Template {
  kinds: Uint8Array;
  /** Field lengths in bytes; VARIABLE_LENGTH for IPFIX variable-length fields. */
  lengths: Uint16Array;
  /** Bytes of the shortest record: fixed lengths plus one length byte per variable field. */
  minRecordBytes: number;
  hasVariableLength: boolean;
  /** Options templates describe the exporter (sampling, boot time), not flows. */
  isOptions: boolean;
  /**
   * The decode plan of a template without variable-length fields, compiled once: only the fields
   * Yamori reads, each with its kind, its offset in the record and its length, so a record is read
   * without stepping over the fields it skips. Empty for a template with variable-length fields.
   */
  planKinds: Uint8Array;
  planOffsets: Uint16Array;
  planLengths: Uint16Array;
}

/** A template as read from a template set: its id and compiled form, or why it was refused. */
export type TemplateParse =
  | { kind: 'template'; id: number; template: Template; next: number }
  | { kind: 'withdraw'; id: number; next: number }
  | { kind: 'invalid'; next: number };

const MIN_DATA_TEMPLATE_ID = 256;
// Each field costs at least 4 bytes, so a set of at most 65535 bytes holds fewer than this many.
const MAX_FIELDS = 16_384;

/**
 * Reads one template record at `at` inside a template set ending at `end`.
 * `scopeFieldCount` > 0 marks an options template; NetFlow v9 scope fields use their own numbering,
 * so they are skipped there (`isV9`), while IPFIX scope fields are ordinary elements.
 * Returns 'invalid' (with `next` at the set's end) when the record cannot be trusted: the rest of
 * the set is then unreadable, since its fields give the only way to find the next record.
 */
export function readTemplateRecord(
  b: Uint8Array,
  at: number,
  end: number,
  options: { isIpfix: boolean; isOptions: boolean },
): TemplateParse {
  if (at + 4 > end) return { kind: 'invalid', next: end };
  const id = (b[at]! << 8) | b[at + 1]!;
  let fieldCount: number;
  let scopeFieldCount = 0;
  let p: number;
  if (!options.isIpfix && options.isOptions) {
    // v9 options template: id, scope length in bytes, option length in bytes.
    if (at + 6 > end) return { kind: 'invalid', next: end };
    const scopeBytes = (b[at + 2]! << 8) | b[at + 3]!;
    const optionBytes = (b[at + 4]! << 8) | b[at + 5]!;
    if (scopeBytes % 4 !== 0 || optionBytes % 4 !== 0) return { kind: 'invalid', next: end };
    scopeFieldCount = scopeBytes / 4;
    fieldCount = scopeFieldCount + optionBytes / 4;
    p = at + 6;
  } else {
    fieldCount = (b[at + 2]! << 8) | b[at + 3]!;
    p = at + 4;
    if (options.isIpfix && fieldCount === 0) return { kind: 'withdraw', id, next: p };
    if (options.isOptions) {
      if (p + 2 > end) return { kind: 'invalid', next: end };
      scopeFieldCount = (b[p]! << 8) | b[p + 1]!;
      p += 2;
      if (scopeFieldCount === 0 || scopeFieldCount > fieldCount) return { kind: 'invalid', next: end };
    }
  }
  if (id < MIN_DATA_TEMPLATE_ID || fieldCount === 0 || fieldCount > MAX_FIELDS) {
    return { kind: 'invalid', next: end };
  }
  // The claimed fields must fit the set before anything is allocated for them.
  if (p + fieldCount * 4 > end) return { kind: 'invalid', next: end };
  const kinds = new Uint8Array(fieldCount);
  const lengths = new Uint16Array(fieldCount);
  let minRecordBytes = 0;
  let hasVariableLength = false;
  for (let i = 0; i < fieldCount; i++) {
    if (p + 4 > end) return { kind: 'invalid', next: end };
    let elementId = (b[p]! << 8) | b[p + 1]!;
    const length = (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    let enterprise = 0;
    if (options.isIpfix && (elementId & 0x8000) !== 0) {
      if (p + 4 > end) return { kind: 'invalid', next: end };
      elementId &= 0x7fff;
      enterprise = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      p += 4;
    }
    const isVariable = options.isIpfix && length === VARIABLE_LENGTH;
    const isV9Scope = !options.isIpfix && i < scopeFieldCount;
    kinds[i] = isVariable || isV9Scope ? FieldKind.SKIP : fieldKind(elementId, enterprise, length);
    lengths[i] = length;
    if (isVariable) {
      hasVariableLength = true;
      minRecordBytes += 1;
    } else {
      minRecordBytes += length;
    }
  }
  // A record of zero bytes would let one data set claim endless records.
  if (minRecordBytes === 0) return { kind: 'invalid', next: end };
  return {
    kind: 'template',
    id,
    template: {
      kinds,
      lengths,
      minRecordBytes,
      hasVariableLength,
      isOptions: options.isOptions,
      ...compilePlan(kinds, lengths, hasVariableLength),
    },
    next: p,
  };
}

/** True when two templates describe records the same way (a refresh that changes nothing). */
export function isSameTemplate(a: Template, b: Template): boolean {
  if (a.isOptions !== b.isOptions || a.kinds.length !== b.kinds.length) return false;
  for (let i = 0; i < a.kinds.length; i++) {
    if (a.kinds[i] !== b.kinds[i] || a.lengths[i] !== b.lengths[i]) return false;
  }
  return true;
}

function compilePlan(
  kinds: Uint8Array,
  lengths: Uint16Array,
  hasVariableLength: boolean,
): Pick<Template, 'planKinds' | 'planOffsets' | 'planLengths'> {
  let used = 0;
  if (!hasVariableLength) for (const kind of kinds) if (kind !== FieldKind.SKIP) used++;
  const plan = {
    planKinds: new Uint8Array(used),
    planOffsets: new Uint16Array(used),
    planLengths: new Uint16Array(used),
  };
  if (hasVariableLength) return plan;
  let offset = 0;
  let at = 0;
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] !== FieldKind.SKIP) {
      plan.planKinds[at] = kinds[i]!;
      // A fixed record is at most a set's 65535 bytes long, so every offset fits 16 bits.
      plan.planOffsets[at] = offset;
      plan.planLengths[at] = lengths[i]!;
      at++;
    }
    offset += lengths[i]!;
  }
  return plan;
}
