import type { EpochMicros } from '../../records/index.js';
import { normaliseAsn, normaliseCidr } from '../normalise-indicator.js';
import { isRecord, textField } from './json-document.js';
import { LineCursor } from './line-cursor.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';
import { sblLink } from './spamhaus-drop.js';

const FORMAT = 'spamhaus-json';

/**
 * Spamhaus's JSON-lines lists: drop_v4.json and drop_v6.json ({"cidr","sblid","rir"} → cidr) and
 * asndrop.json ({"asn","rir","domain","cc","asname"} → asn, value in decimal). The last line is
 * {"type":"metadata","timestamp":<unix s>,…}, which gives generatedAt; its "records" counts the
 * upstream file and is not checked. A line that is not JSON is skipped and counted.
 */
export const spamhausJsonParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'spam', confidence: 95 }, batchRows);
  let generatedAt: EpochMicros | null = null;
  let recognised = false;
  const lines = new LineCursor(text);
  while (lines.next()) {
    if (result.batchFull) yield result.takeBatch();
    const line = lines.line.trim();
    if (line.length === 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      result.skip(lines.lineNumber, `"${excerpt(line)}" is not a JSON object`);
      continue;
    }
    if (!isRecord(record)) {
      result.skip(lines.lineNumber, `"${excerpt(line)}" is not a JSON object`);
      continue;
    }
    if (record.type === 'metadata') {
      recognised = true;
      const timestamp = record.timestamp;
      if (typeof timestamp === 'number' && Number.isFinite(timestamp)) generatedAt = timestamp * 1_000_000;
      continue;
    }
    if (record.cidr !== undefined) {
      const cidrText = textField(record, 'cidr');
      const network = normaliseCidr(cidrText);
      if (network === null) {
        result.skip(lines.lineNumber, `cidr "${excerpt(cidrText)}" is not a CIDR`);
        continue;
      }
      const draft = result.draft(network.type, network.value, record);
      draft.reference = sblLink(textField(record, 'sblid'));
      result.add(draft, lines.lineNumber);
    } else if (record.asn !== undefined) {
      const asnText = textField(record, 'asn');
      const asn = normaliseAsn(asnText);
      if (asn === null) {
        result.skip(lines.lineNumber, `asn "${excerpt(asnText)}" is not an AS number`);
        continue;
      }
      result.add(result.draft('asn', asn, record), lines.lineNumber);
    } else {
      result.skip(lines.lineNumber, 'record has neither "cidr" nor "asn"');
    }
  }
  return result.finish(generatedAt, recognised);
});
