/**
 * STIX 2.1 indicators → indicator drafts. Takes a bundle, a bare array of objects, one object, or a
 * TAXII envelope ({"objects": […]}); TAXII collections feed their objects in through parseStixObjects.
 *
 * How a pattern becomes indicators: the pattern is parsed (stix-pattern.ts), then every equality
 * comparison on a property Yamori can match (addresses and networks, domains, URLs, file and
 * certificate hashes, e-mail addresses, ASNs, network-traffic endpoints) becomes one draft. Under OR
 * (and IN) each alternative is enough on its own to match, so each is exact. Under AND, FOLLOWEDBY
 * or an observation qualifier the source asked for more than that one value; each usable term still
 * becomes a draft (a connection matching the pattern must match every term), tagged "stix-and" or
 * "stix-qualified" so rules can weigh it lower. Negations, LIKE, MATCHES and properties we cannot
 * observe are left out; an indicator left with nothing usable is skipped and counted.
 */
import {
  indicatorKey,
  type EpochMicros,
  type IndicatorDraft,
  type IndicatorType,
} from '../../records/index.js';
import { normaliseCidr, normaliseValue, type NormalisedValue } from '../normalise-indicator.js';
import { wholeDocumentParser } from './batched-parser.js';
import { parseFeedTime } from './feed-time.js';
import { isRecord, parseJsonDocument } from './json-document.js';
import { parseFailed } from './parse-failed.js';
import { readDefaults, type ParserDefaults } from './parser-options.js';
import type { FeedParser, ParseContext, ParseIssue, ParseResult } from './parser.js';
import { MAX_ISSUES } from './result-builder.js';
import { parseStixPattern, type PatternNode, type StixComparison } from './stix-pattern.js';

const FORMAT = 'stix21';

type StixObject = Record<string, unknown> & { type: string; id: string };

/** indicator_types (2.1) / labels (2.0) → Yamori threat; "benign" indicators are skipped, not stored. */
const THREAT_BY_INDICATOR_TYPE: Readonly<Record<string, string>> = {
  compromised: 'compromised',
  anonymization: 'anonymizer',
  'malicious-activity': 'malicious',
  'anomalous-activity': 'suspicious',
};

const HASH_TYPES: Readonly<Record<string, IndicatorType>> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256' };

export const stix21Parser: FeedParser = wholeDocumentParser(FORMAT, (text, context) =>
  parseStixObjects(objectsOf(parseJsonDocument(text, context, FORMAT), context), context),
);

function objectsOf(document: unknown, context: ParseContext): unknown[] {
  if (Array.isArray(document)) return document;
  if (isRecord(document)) {
    if (Array.isArray(document.objects)) return document.objects;
    // An empty TAXII envelope ({"more": false}) has no objects member at all.
    if (document.type === undefined && Object.keys(document).every((k) => k === 'more' || k === 'next'))
      return [];
    if (typeof document.type === 'string' && typeof document.id === 'string') return [document];
  }
  throw parseFailed(context, FORMAT, 'is JSON but not a STIX bundle, object or list of objects');
}

/**
 * Indicator drafts from STIX objects; the relationships and malware among them name malware families.
 * A value listed by several indicators is kept once, from the most recently modified one. Objects that
 * give nothing usable are counted in `skipped`; a document with none usable is a valid, empty result
 * (a TAXII page of e-mail patterns is not a failure). Throws only for bad feed options.
 */
export function parseStixObjects(objects: readonly unknown[], context: ParseContext): ParseResult {
  const defaults = readDefaults(context, FORMAT, {});
  const issues: ParseIssue[] = [];
  let skipped = 0;
  const note = (index: number, message: string): void => {
    if (issues.length < MAX_ISSUES) issues.push({ line: index + 1, message });
  };

  // A bundle may hold several versions of one object; the newest `modified` is the current one.
  const latest = new Map<string, { object: StixObject; index: number }>();
  const malwareNames = new Map<string, string>();
  const indicates = new Map<string, string[]>();
  objects.forEach((object, index) => {
    if (!isStixObject(object)) {
      skipped++;
      note(index, 'not a STIX object (no "type" and "id")');
      return;
    }
    if (object.type === 'malware' && typeof object.name === 'string')
      malwareNames.set(object.id, object.name);
    if (
      object.type === 'relationship' &&
      object.relationship_type === 'indicates' &&
      typeof object.source_ref === 'string' &&
      typeof object.target_ref === 'string'
    ) {
      const targets = indicates.get(object.source_ref) ?? [];
      targets.push(object.target_ref);
      indicates.set(object.source_ref, targets);
    }
    if (object.type !== 'indicator') return;
    const seen = latest.get(object.id);
    if (seen === undefined || modifiedAt(object) > modifiedAt(seen.object)) {
      latest.set(object.id, { object, index });
    }
  });

  const drafts = new Map<string, { draft: IndicatorDraft; modified: number }>();
  for (const { object, index } of latest.values()) {
    const result = indicatorDrafts(object, defaults, malwareNames, indicates);
    if (typeof result === 'string') {
      skipped++;
      note(index, `indicator ${object.id}: ${result}`);
      continue;
    }
    if (result.partial !== null) note(index, `indicator ${object.id}: ${result.partial}`);
    const modified = modifiedAt(object);
    for (const draft of result.drafts) {
      const key = indicatorKey(draft);
      const previous = drafts.get(key);
      if (previous === undefined || modified > previous.modified) drafts.set(key, { draft, modified });
    }
  }
  return { indicators: [...drafts.values()].map((d) => d.draft), skipped, issues, generatedAt: null };
}

interface Term {
  comparison: StixComparison;
  conjunctive: boolean;
  qualified: boolean;
  /** network-traffic:dst_port = N beside this term under the same AND. */
  port: number | null;
}

/** Drafts for one indicator object, or why it gives none. */
function indicatorDrafts(
  object: StixObject,
  defaults: ParserDefaults,
  malwareNames: ReadonlyMap<string, string>,
  indicates: ReadonlyMap<string, string[]>,
): { drafts: IndicatorDraft[]; partial: string | null } | string {
  const patternType = object.pattern_type ?? 'stix';
  if (patternType !== 'stix') {
    return `pattern_type ${typeof patternType === 'string' ? `"${patternType}"` : 'of the wrong type'} is not a STIX pattern`;
  }
  if (typeof object.pattern !== 'string') return 'has no pattern';
  const types = [...strings(object.indicator_types), ...strings(object.labels)];
  if (types.length > 0 && types.every((t) => t === 'benign')) return 'marked benign';

  let tree: PatternNode;
  try {
    tree = parseStixPattern(object.pattern);
  } catch (error) {
    return `pattern not understood (${error instanceof Error ? error.message : String(error)})`;
  }
  const terms: Term[] = [];
  collectTerms(tree, false, false, null, terms);

  const malware =
    (indicates.get(object.id) ?? []).map((ref) => malwareNames.get(ref)).find((n) => n !== undefined) ??
    defaults.malwareFamily;
  // The feed definition's threat, when set, names what the whole feed is about and wins.
  const threat =
    defaults.threat ?? types.map((t) => THREAT_BY_INDICATOR_TYPE[t]).find((t) => t !== undefined) ?? null;
  const confidence =
    typeof object.confidence === 'number' && object.confidence >= 0 && object.confidence <= 100
      ? object.confidence
      : defaults.confidence;
  const reference = firstReferenceUrl(object.external_references);

  const drafts: IndicatorDraft[] = [];
  const unusable: string[] = [];
  for (const term of terms) {
    const values = termValues(term.comparison);
    if (values === null) {
      unusable.push(describeTerm(term.comparison));
      continue;
    }
    for (const value of values) {
      if (value === null) {
        unusable.push(`invalid value in ${describeTerm(term.comparison)}`);
        continue;
      }
      const tags = [...new Set([...defaults.tags, ...types])];
      if (term.conjunctive) tags.push('stix-and');
      if (term.qualified) tags.push('stix-qualified');
      drafts.push({
        type: value.type,
        value: value.value,
        port: term.port,
        threat,
        malwareFamily: malware,
        confidence,
        tags,
        reference,
        sourceFirstSeenAt: time(object.created),
        sourceLastSeenAt: time(object.modified),
        validFrom: time(object.valid_from),
        validUntil: time(object.valid_until),
        revoked: object.revoked === true,
        raw: object,
      });
    }
  }
  if (drafts.length === 0) {
    return `nothing Yamori can match in pattern ${clip(object.pattern)}${unusable.length > 0 ? ` (${clip(unusable.join('; '))})` : ''}`;
  }
  return {
    drafts,
    partial: unusable.length > 0 ? `left out of the pattern: ${clip(unusable.join('; '))}` : null,
  };
}

function collectTerms(
  node: PatternNode,
  conjunctive: boolean,
  qualified: boolean,
  port: number | null,
  out: Term[],
): void {
  switch (node.kind) {
    case 'comparison':
      out.push({ comparison: node.comparison, conjunctive, qualified, port });
      return;
    case 'observation':
      collectTerms(node.expression, conjunctive, qualified || node.qualifiers.length > 0, port, out);
      return;
    case 'or':
    case 'observation-or':
      for (const child of node.children) collectTerms(child, conjunctive, qualified, port, out);
      return;
    case 'and': {
      const dstPort = node.children.map(portOf).find((p) => p !== null) ?? port;
      for (const child of node.children) {
        if (portOf(child) === null) collectTerms(child, true, qualified, dstPort, out);
      }
      return;
    }
    case 'observation-and':
    case 'followed-by':
      for (const child of node.children) collectTerms(child, true, qualified, port, out);
      return;
  }
}

function portOf(node: PatternNode): number | null {
  if (node.kind !== 'comparison') return null;
  const { objectType, path, operator, negated, value } = node.comparison;
  if (objectType !== 'network-traffic' || path.join('.') !== 'dst_port' || operator !== '=' || negated)
    return null;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? value : null;
}

/**
 * The normalised values a comparison names (null entries for values that are not valid), or null
 * when the comparison is not one Yamori can match.
 */
function termValues(comparison: StixComparison): (NormalisedValue | null)[] | null {
  const { objectType, path, operator, negated, value } = comparison;
  if (negated) return null;
  const read = valueReader(objectType, path, operator);
  if (read === null) return null;
  if (operator === '=' || operator === 'ISSUBSET') return [read(value)];
  if (operator === 'IN' && Array.isArray(value)) return value.map(read);
  return null;
}

function valueReader(
  objectType: string,
  path: string[],
  operator: string,
): ((v: unknown) => NormalisedValue | null) | null {
  const property = path.join('.');
  const isAddress = objectType === 'ipv4-addr' || objectType === 'ipv6-addr';
  if (operator === 'ISSUBSET') {
    return isAddress && property === 'value'
      ? (v) => (typeof v === 'string' ? normaliseCidr(v) : null)
      : null;
  }
  if (operator !== '=' && operator !== 'IN') return null;
  if (isAddress && property === 'value') return (v) => (typeof v === 'string' ? normaliseCidr(v) : null);
  if (objectType === 'domain-name' && property === 'value') return typed('domain');
  if (objectType === 'url' && property === 'value') return typed('url');
  if (objectType === 'email-addr' && property === 'value') return typed('email');
  if (objectType === 'autonomous-system' && property === 'number') return typed('asn');
  if (objectType === 'network-traffic' && (property === 'dst_ref.value' || property === 'src_ref.value')) {
    return (v) => (typeof v !== 'string' ? null : (normaliseCidr(v) ?? normaliseValue('domain', v)));
  }
  if (
    (objectType === 'file' || objectType === 'x509-certificate') &&
    path.length === 2 &&
    path[0] === 'hashes'
  ) {
    const hash = HASH_TYPES[path[1]!.toUpperCase().replaceAll('-', '')];
    if (hash === undefined) return null;
    if (objectType === 'x509-certificate') return hash === 'sha1' ? typed('cert_sha1') : null;
    return typed(hash);
  }
  return null;
}

function typed(type: IndicatorType): (v: unknown) => NormalisedValue | null {
  return (v) => (typeof v === 'string' || typeof v === 'number' ? normaliseValue(type, String(v)) : null);
}

function describeTerm(c: StixComparison): string {
  return `${c.objectType}:${c.path.join('.')} ${c.negated ? 'NOT ' : ''}${c.operator}`;
}

function firstReferenceUrl(references: unknown): string | null {
  if (!Array.isArray(references)) return null;
  for (const reference of references) {
    if (isRecord(reference) && typeof reference.url === 'string') return reference.url;
  }
  return null;
}

/** When this version of the object was made, for picking the newest; -Infinity when unknown. */
function modifiedAt(object: StixObject): number {
  return time(object.modified) ?? time(object.created) ?? -Infinity;
}

function time(value: unknown): EpochMicros | null {
  return typeof value === 'string' ? parseFeedTime(value) : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function isStixObject(value: unknown): value is StixObject {
  return isRecord(value) && typeof value.type === 'string' && typeof value.id === 'string';
}
