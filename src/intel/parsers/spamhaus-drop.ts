import type { EpochMicros } from '../../records/index.js';
import { normaliseCidr } from '../normalise-indicator.js';
import { parseFeedTime, timeFromBanner } from './feed-time.js';
import { LineCursor, skipBlanks, tokenEnd } from './line-cursor.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'spamhaus-drop';

/** Spamhaus's page for an SBL record. */
export function sblLink(sbl: string): string | null {
  return /^SBL\d+$/.test(sbl) ? `https://check.spamhaus.org/sbl/query/${sbl}` : null;
}

const LIST_DATE = /Spamhaus .*DROP List (\d{4})\/(\d{2})\/(\d{2})/i;

/**
 * Spamhaus DROP, EDROP and DROPv6 text: ";" comments (a "Spamhaus … DROP List YYYY/MM/DD" title,
 * "Last-Modified:" and "Expires:", "; EOF"), then "CIDR ; SBLnnnnnn" lines. generatedAt is
 * Last-Modified, else the list date. A list of comments only is a real empty list (EDROP since its
 * merge into DROP in 2024), not a failure.
 */
export const spamhausDropParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'spam', confidence: 95 }, batchRows);
  let lastModified: EpochMicros | null = null;
  let listDate: EpochMicros | null = null;
  let recognised = false;
  const lines = new LineCursor(text);
  while (lines.next()) {
    if (result.batchFull) yield result.takeBatch();
    const line = lines.line;
    const start = skipBlanks(line, 0);
    if (start === line.length) continue;
    const c = line.charCodeAt(start);
    if (c === 59 || c === 35) {
      const comment = line.slice(start + 1);
      lastModified ??= timeFromBanner(comment);
      const title = listDate === null ? LIST_DATE.exec(comment) : null;
      if (title !== null) {
        recognised = true;
        listDate = parseFeedTime(`${title[1]}-${title[2]}-${title[3]}`);
      }
      continue;
    }
    const end = tokenEnd(line, start);
    const token = line.slice(start, end);
    const network = normaliseCidr(token);
    if (network === null) {
      result.skip(lines.lineNumber, `"${excerpt(token)}" is not a CIDR`);
      continue;
    }
    const draft = result.draft(network.type, network.value, line);
    const semicolon = line.indexOf(';', end);
    if (semicolon !== -1) {
      const refStart = skipBlanks(line, semicolon + 1);
      draft.reference = sblLink(line.slice(refStart, tokenEnd(line, refStart)));
    }
    result.add(draft, lines.lineNumber);
  }
  return result.finish(lastModified ?? listDate, recognised || lastModified !== null);
});
