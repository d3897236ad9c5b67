import type { IndicatorDraft } from '../../records/index.js';
import { batchedParser } from './batched-parser.js';
import { LineCursor, skipBlanks } from './line-cursor.js';
import type { FeedParser, ParseContext, ParseResult } from './parser.js';
import { parseTextList } from './text-list.js';

/** FireHOL categories as threats; the feed definition's options.threat overrides. A Map, so "constructor" finds nothing. */
const CATEGORY_THREAT: ReadonlyMap<string, string> = new Map([
  ['attacks', 'attack'],
  ['abuse', 'abuse'],
  ['anonymizers', 'anonymizer'],
  ['malware', 'malware'],
  ['reputation', 'reputation'],
  ['spam', 'spam'],
  ['organizations', 'organization'],
  ['geolocation', 'geolocation'],
]);

/** The ipset name (the first word of the header) and its "Category", read from the leading comments. */
function readHeader(text: string): { name: string | null; category: string | null } {
  let name: string | null = null;
  let category: string | null = null;
  const lines = new LineCursor(text);
  while (lines.next()) {
    const line = lines.line;
    const start = skipBlanks(line, 0);
    if (start === line.length) continue;
    if (line.charCodeAt(start) !== 35) break;
    const comment = line.slice(start + 1).trim();
    if (comment === '') continue;
    if (name === null && /^[\w.-]+$/.test(comment)) name = comment;
    const match = /^Category\s*:\s*(\S+)/i.exec(comment);
    if (match !== null) category = match[1]!.toLowerCase();
  }
  return { name, category };
}

function parseFirehol(
  text: string,
  context: ParseContext,
  format: string,
  batchRows: number,
): Generator<IndicatorDraft[], ParseResult, undefined> {
  const { name, category } = readHeader(text);
  // blocklist.de is fail2ban reports: scanning and brute force, which Yamori calls "scanner".
  const threat = name?.startsWith('blocklist_de')
    ? 'scanner'
    : category === null
      ? undefined
      : CATEGORY_THREAT.get(category);
  return parseTextList(
    text,
    context,
    format,
    {
      type: 'cidr',
      defaults: { threat: threat ?? 'reputation', confidence: 70, tags: name === null ? [] : [name] },
    },
    batchRows,
  );
}

/**
 * FireHOL ipsets and netsets (blocklist_de.ipset, firehol_level1.netset, …): a "#" metadata block
 * (the ipset name, Category, "This File Date" for generatedAt), then one IP or CIDR per line. Every
 * entry is tagged with the ipset name. firehol_level1 includes fullbogons (10.0.0.0/8,
 * 192.168.0.0/16, 224.0.0.0/3, …): they are parsed like any entry, and the allow-list keeps them from alerting.
 */
export const fireholIpsetParser: FeedParser = batchedParser('firehol-ipset', (text, context, batchRows) =>
  parseFirehol(text, context, 'firehol-ipset', batchRows),
);

export const fireholNetsetParser: FeedParser = batchedParser('firehol-netset', (text, context, batchRows) =>
  parseFirehol(text, context, 'firehol-netset', batchRows),
);
