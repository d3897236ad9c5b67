import { normaliseIp, normalisePort } from '../normalise-indicator.js';
import { feodoHostLink } from './feodo-csv.js';
import { parseFeedTime } from './feed-time.js';
import { isRecord, parseJsonDocument, textField } from './json-document.js';
import { excerpt, parseFailed } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'feodo-json';

/**
 * Feodo Tracker's ipblocklist.json: an array of { ip_address, port, status, hostname, as_number,
 * as_name, country, first_seen, last_online, malware }. Records are numbered from 1 in issues.
 */
export const feodoJsonParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  const document = parseJsonDocument(text, context, FORMAT);
  if (!Array.isArray(document))
    throw parseFailed(context, FORMAT, 'is JSON but not an array of Feodo Tracker entries');
  const result = new ResultBuilder(context, FORMAT, { threat: 'botnet_cc', confidence: 90 }, batchRows);
  for (let i = 0; i < document.length; i++) {
    if (result.batchFull) yield result.takeBatch();
    const record: unknown = document[i];
    if (!isRecord(record)) {
      result.skip(i + 1, 'entry is not an object');
      continue;
    }
    const ipText = textField(record, 'ip_address');
    const ip = normaliseIp(ipText);
    if (ip === null) {
      result.skip(i + 1, `ip_address "${excerpt(ipText)}" is not an IP address`);
      continue;
    }
    const portText = textField(record, 'port');
    const port = normalisePort(portText);
    if (port === null && portText !== '') {
      result.skip(i + 1, `port "${excerpt(portText)}" is not a port`);
      continue;
    }
    const draft = result.draft(ip.type, ip.value, record);
    draft.port = port;
    const malware = textField(record, 'malware');
    if (malware !== '') draft.malwareFamily = malware;
    draft.reference = feodoHostLink(ip.value);
    draft.sourceFirstSeenAt = parseFeedTime(textField(record, 'first_seen'));
    draft.sourceLastSeenAt = parseFeedTime(textField(record, 'last_online'));
    result.add(draft, i + 1);
  }
  return result.finish(null, true);
});
