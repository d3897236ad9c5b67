import type { EpochMicros } from '../../records/index.js';
import { normaliseIp } from '../normalise-indicator.js';
import { timeFromBanner } from './feed-time.js';
import { LineCursor, skipBlanks, tokenEnd } from './line-cursor.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'ipsum';

/** Confidence from the number of blacklists listing the IP: 10 per list, capped at 100. */
export function ipsumConfidence(lists: number): number {
  return Math.min(100, lists * 10);
}

/**
 * IPsum's ipsum.txt ("IP<TAB>number of lists", with a "# Last update:" banner whose time has an
 * offset) and levels/N.txt (bare IPs, which take the default confidence, or options.confidence).
 * High counts include internet-wide scanners, so the threat is "suspicious", not "malicious".
 */
export const ipsumParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'suspicious', confidence: 30 }, batchRows);
  let generatedAt: EpochMicros | null = null;
  let sawComment = false;
  const lines = new LineCursor(text);
  while (lines.next()) {
    if (result.batchFull) yield result.takeBatch();
    const line = lines.line;
    const start = skipBlanks(line, 0);
    if (start === line.length) continue;
    if (line.charCodeAt(start) === 35) {
      sawComment = true;
      generatedAt ??= timeFromBanner(line.slice(start + 1));
      continue;
    }
    const end = tokenEnd(line, start);
    const ipText = line.slice(start, end);
    const ip = normaliseIp(ipText);
    if (ip === null) {
      result.skip(lines.lineNumber, `"${excerpt(ipText)}" is not an IP address`);
      continue;
    }
    const draft = result.draft(ip.type, ip.value, line);
    const countStart = skipBlanks(line, end);
    if (countStart < line.length) {
      const count = Number(line.slice(countStart, tokenEnd(line, countStart)));
      if (Number.isInteger(count) && count > 0) draft.confidence = ipsumConfidence(count);
    }
    result.add(draft, lines.lineNumber);
  }
  return result.finish(generatedAt, sawComment);
});
