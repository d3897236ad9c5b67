import type { EpochMicros, IndicatorDraft } from '../../records/index.js';
import { normaliseDomain, normaliseIp, type NormalisedValue } from '../normalise-indicator.js';
import { batchedParser } from './batched-parser.js';
import { timeFromBanner } from './feed-time.js';
import { LineCursor, skipBlanks, tokenEnd } from './line-cursor.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import type { FeedParser, ParseContext, ParseResult } from './parser.js';
import type { ParserDefaults } from './parser-options.js';
import { ResultBuilder } from './result-builder.js';

export interface HostsFileSpec {
  defaults: Partial<ParserDefaults>;
  /** A link for a host, e.g. the provider's page for it. */
  reference?: (host: string) => string | null;
}

/** Names hosts files map to themselves by convention; they are not indicators, nor invalid. */
const LOCAL_NAMES: ReadonlySet<string> = new Set([
  'localhost',
  'localhost.localdomain',
  'local',
  'broadcasthost',
  'ip6-localhost',
  'ip6-loopback',
  'ip6-localnet',
  'ip6-mcastprefix',
  'ip6-allnodes',
  'ip6-allrouters',
  'ip6-allhosts',
  '0.0.0.0',
]);

function normaliseHostName(text: string): NormalisedValue | null {
  const ip = normaliseIp(text);
  if (ip !== null) return ip;
  const domain = normaliseDomain(text);
  return domain === null ? null : { type: 'domain', value: domain };
}

/**
 * A hosts file: "<sink address><blank><host> [<host>…]" (TAB or spaces), "#" comments. The sink
 * address (127.0.0.1, 0.0.0.0) is not an indicator; each host is. A line holding only a host works too.
 */
export function* parseHostsFile(
  text: string,
  context: ParseContext,
  format: string,
  spec: HostsFileSpec,
  batchRows: number,
): Generator<IndicatorDraft[], ParseResult, undefined> {
  rejectHtml(text, context, format);
  const result = new ResultBuilder(context, format, spec.defaults, batchRows);
  const reference = spec.reference;
  let generatedAt: EpochMicros | null = null;
  let sawComment = false;
  const lines = new LineCursor(text);
  while (lines.next()) {
    if (result.batchFull) yield result.takeBatch();
    const line = lines.line;
    let start = skipBlanks(line, 0);
    if (start === line.length) continue;
    if (line.charCodeAt(start) === 35) {
      sawComment = true;
      generatedAt ??= timeFromBanner(line.slice(start + 1));
      continue;
    }
    let end = tokenEnd(line, start);
    if (end < line.length && normaliseIp(line.slice(start, end)) !== null) {
      start = skipBlanks(line, end);
      end = tokenEnd(line, start);
    }
    while (start < line.length && line.charCodeAt(start) !== 35) {
      const name = line.slice(start, end);
      const host = LOCAL_NAMES.has(name.toLowerCase()) ? undefined : normaliseHostName(name);
      if (host === undefined) {
        // A local name: neither an indicator nor an invalid line.
      } else if (host === null) {
        result.skip(lines.lineNumber, `"${excerpt(name)}" is not a host name`);
      } else {
        const draft = result.draft(host.type, host.value, line);
        if (reference !== undefined) draft.reference = reference(host.value);
        result.add(draft, lines.lineNumber);
      }
      start = skipBlanks(line, end);
      end = tokenEnd(line, start);
    }
  }
  return result.finish(generatedAt, sawComment);
}

/** Any hosts-format block list; options.threat and the rest say what its hosts are. */
export const hostsFileParser: FeedParser = batchedParser('hosts-file', (text, context, batchRows) =>
  parseHostsFile(text, context, 'hosts-file', { defaults: {} }, batchRows),
);
