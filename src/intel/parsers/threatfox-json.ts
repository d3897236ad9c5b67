import { isRecord, parseJsonDocument, textField } from './json-document.js';
import { parseFailed } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { splitTags } from './record-fields.js';
import { ResultBuilder } from './result-builder.js';
import { addThreatFoxIoc, THREATFOX_DEFAULTS } from './threatfox-ioc.js';

const FORMAT = 'threatfox-json';

function tagList(value: unknown): string[] {
  if (typeof value === 'string') return splitTags(value);
  if (Array.isArray(value)) return splitTags(value.filter((tag) => typeof tag === 'string').join(','));
  return [];
}

/**
 * ThreatFox's JSON export: an object keyed by IoC id, each value a list (of one) of { ioc_value,
 * ioc_type, threat_type, malware, malware_alias, malware_printable, first_seen_utc, last_seen_utc,
 * confidence_level, reference, tags, anonymous, reporter }. JavaScript orders the numeric keys, so IoCs
 * come out in id order; issues number them from 1 in that order.
 */
export const threatfoxJsonParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  const document = parseJsonDocument(text, context, FORMAT);
  if (!isRecord(document))
    throw parseFailed(context, FORMAT, 'is JSON but not an object of ThreatFox IoCs keyed by id');
  const result = new ResultBuilder(context, FORMAT, THREATFOX_DEFAULTS, batchRows);
  let index = 0;
  for (const id of Object.keys(document)) {
    const entries = document[id];
    const list: unknown[] = Array.isArray(entries) ? entries : [entries];
    for (const entry of list) {
      if (result.batchFull) yield result.takeBatch();
      index++;
      if (!isRecord(entry)) {
        result.skip(index, `IoC ${id} is not an object`);
        continue;
      }
      addThreatFoxIoc(
        result,
        {
          id: textField(entry, 'id') || id,
          value: textField(entry, 'ioc_value'),
          type: textField(entry, 'ioc_type'),
          threatType: textField(entry, 'threat_type'),
          malware: textField(entry, 'malware'),
          malwarePrintable: textField(entry, 'malware_printable'),
          firstSeen: textField(entry, 'first_seen_utc'),
          lastSeen: textField(entry, 'last_seen_utc'),
          confidence: textField(entry, 'confidence_level'),
          tags: tagList(entry.tags),
        },
        entry,
        index,
      );
    }
  }
  return result.finish(null, true);
});
