import { normaliseIp } from '../normalise-indicator.js';
import { parseFeedTime } from './feed-time.js';
import { LineCursor, skipBlanks, tokenEnd } from './line-cursor.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'tor-exit-addresses';

/**
 * check.torproject.org/exit-addresses: one record per relay,
 *
 *     ExitNode <fingerprint>
 *     Published YYYY-MM-DD HH:MM:SS
 *     LastStatus YYYY-MM-DD HH:MM:SS
 *     ExitAddress <ip> YYYY-MM-DD HH:MM:SS     (one or more)
 *
 * Each ExitAddress is an indicator whose source last-seen is the time the exit was observed on
 * that address, with raw holding the relay's record and a link to the relay on Tor Metrics.
 */
export const torExitAddressesParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'tor_exit', confidence: 90 }, batchRows);
  let node: string | null = null;
  let published: string | null = null;
  let lastStatus: string | null = null;
  let recognised = false;
  const lines = new LineCursor(text);
  while (lines.next()) {
    if (result.batchFull) yield result.takeBatch();
    const line = lines.line;
    const start = skipBlanks(line, 0);
    if (start === line.length || line.charCodeAt(start) === 35) continue;
    const keyEnd = tokenEnd(line, start);
    const key = line.slice(start, keyEnd);
    const rest = line.slice(skipBlanks(line, keyEnd)).trimEnd();
    if (key === 'ExitNode') {
      recognised = true;
      node = rest;
      published = null;
      lastStatus = null;
    } else if (key === 'Published') {
      published = rest;
    } else if (key === 'LastStatus') {
      lastStatus = rest;
    } else if (key === 'ExitAddress') {
      const ipEnd = tokenEnd(rest, 0);
      const ipText = rest.slice(0, ipEnd);
      const ip = normaliseIp(ipText);
      if (ip === null) {
        result.skip(lines.lineNumber, `ExitAddress "${excerpt(ipText)}" is not an IP address`);
        continue;
      }
      const raw = { ExitNode: node, Published: published, LastStatus: lastStatus, ExitAddress: rest };
      const draft = result.draft(ip.type, ip.value, raw);
      draft.sourceLastSeenAt = parseFeedTime(rest.slice(skipBlanks(rest, ipEnd)));
      if (node !== null && /^[0-9A-F]{40}$/i.test(node)) {
        draft.reference = `https://metrics.torproject.org/rs.html#details/${node.toUpperCase()}`;
      }
      result.add(draft, lines.lineNumber);
    } else {
      result.skip(lines.lineNumber, `"${excerpt(key)}" is not an exit-addresses keyword`);
    }
  }
  return result.finish(null, recognised);
});
