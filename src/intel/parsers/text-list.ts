import type { EpochMicros, IndicatorDraft } from '../../records/index.js';
import {
  detectIndicator,
  normaliseCidr,
  normaliseIp,
  normaliseUrl,
  normaliseValue,
  undefang,
  type NormalisedValue,
} from '../normalise-indicator.js';
import { batchedParser } from './batched-parser.js';
import { timeFromBanner } from './feed-time.js';
import { LineCursor, skipBlanks, tokenEnd } from './line-cursor.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import type { FeedParser, ParseContext, ParseResult } from './parser.js';
import {
  optionBoolean,
  optionValueType,
  type ParserDefaults,
  type ValueTypeOption,
} from './parser-options.js';
import { ResultBuilder } from './result-builder.js';

/** A comment heading that changes the threat of the entries under it (Emerging Threats' sections). */
export interface ListSection {
  pattern: RegExp;
  threat: string;
  tag: string;
}

export interface TextListSpec {
  /** The value type unless the feed's options.type says otherwise; "auto" detects per line. */
  type: ValueTypeOption;
  defaults: Partial<ParserDefaults>;
  /** A link for a value, e.g. the provider's page for that host. */
  reference?: (value: string) => string | null;
  /** Also list the host of every URL (raw points back to the URL); options.derive_hosts overrides. */
  deriveHosts?: boolean;
  sections?: readonly ListSection[];
}

const TYPE_WORDS: Readonly<Record<ValueTypeOption, string>> = {
  auto: 'an IP address, CIDR, domain, URL or hash',
  ip: 'an IP address',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidr: 'an IP address or CIDR',
  domain: 'a domain name',
  url: 'a URL with scheme and host',
  ja3: 'a JA3 hash (32 hex digits)',
  ja4: 'a JA4 fingerprint',
  cert_sha1: 'a certificate SHA1 (40 hex digits)',
  md5: 'an MD5 hash',
  sha1: 'a SHA1 hash',
  sha256: 'a SHA256 hash',
  asn: 'an AS number',
  email: 'an e-mail address',
};

/** What `type` the text is, or null; shared by the list and CSV parsers. */
export function normaliseAs(type: ValueTypeOption, token: string): NormalisedValue | null {
  switch (type) {
    case 'auto':
      return detectIndicator(token);
    case 'ip':
      return normaliseIp(token) ?? normaliseIp(undefang(token));
    case 'cidr':
      return normaliseCidr(token) ?? normaliseCidr(undefang(token));
    case 'url': {
      const url = normaliseUrl(token);
      return url === null ? null : { type: 'url', value: url };
    }
    default:
      return normaliseValue(type, token);
  }
}

export function describeType(type: ValueTypeOption): string {
  return TYPE_WORDS[type];
}

/**
 * One value per line: blank lines skipped; lines starting with "#", ";" or "//" are comments (their
 * "Last updated:"-style banner gives generatedAt); the value is the first blank-separated token, so
 * "1.2.3.0/24 ; SBL123", "IP<TAB>count" and trailing comments work. raw is the line.
 */
export function* parseTextList(
  text: string,
  context: ParseContext,
  format: string,
  spec: TextListSpec,
  batchRows: number,
): Generator<IndicatorDraft[], ParseResult, undefined> {
  rejectHtml(text, context, format);
  const type = optionValueType(context, format) ?? spec.type;
  const deriveHosts = optionBoolean(context, format, 'derive_hosts') ?? spec.deriveHosts ?? false;
  const result = new ResultBuilder(context, format, spec.defaults, batchRows);
  const reference = spec.reference;
  const sections = spec.sections;
  let threat = result.defaults.threat;
  let sectionTag: string | null = null;
  let generatedAt: EpochMicros | null = null;
  let sawComment = false;
  const lines = new LineCursor(text);
  while (lines.next()) {
    if (result.batchFull) yield result.takeBatch();
    const line = lines.line;
    const start = skipBlanks(line, 0);
    if (start === line.length) continue;
    const c = line.charCodeAt(start);
    if (c === 35 || c === 59 || (c === 47 && line.charCodeAt(start + 1) === 47)) {
      sawComment = true;
      const comment = line.slice(start + (c === 47 ? 2 : 1));
      generatedAt ??= timeFromBanner(comment);
      if (sections !== undefined) {
        for (const section of sections) {
          if (section.pattern.test(comment)) {
            threat = section.threat;
            sectionTag = section.tag;
          }
        }
      }
      continue;
    }
    const end = tokenEnd(line, start);
    const token = start === 0 && end === line.length ? line : line.slice(start, end);
    const value = normaliseAs(type, token);
    if (value === null) {
      result.skip(lines.lineNumber, `"${excerpt(token)}" is not ${TYPE_WORDS[type]}`);
      continue;
    }
    const draft = result.draft(value.type, value.value, line);
    draft.threat = threat;
    if (sectionTag !== null) draft.tags.push(sectionTag);
    if (reference !== undefined) draft.reference = reference(value.value);
    result.add(draft, lines.lineNumber);
    if (deriveHosts && value.type === 'url') result.addHostOf(draft, { line });
  }
  return result.finish(generatedAt, sawComment);
}

export function createTextListParser(name: string, spec: TextListSpec): FeedParser {
  return batchedParser(name, (text, context, batchRows) =>
    parseTextList(text, context, name, spec, batchRows),
  );
}

/**
 * The generic list: IP, CIDR, domain, URL or hash per line, detected per line or forced with
 * options.type; options.threat, confidence, malware_family, tags and derive_hosts set the rest.
 */
export const textListParser = createTextListParser('text-list', { type: 'auto', defaults: {} });
