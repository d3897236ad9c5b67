import { normaliseHex } from '../normalise-indicator.js';
import { CsvTable, type CsvTableSpec } from './csv-table.js';
import { parseFeedTime } from './feed-time.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';
import { familyFromReason } from './sslbl-ip.js';

const FORMAT = 'sslbl-ja3';

const JA3 = 0;
const FIRST_SEEN = 1;
const LAST_SEEN = 2;
const REASON = 3;

const SPEC: CsvTableSpec = {
  columns: ['ja3_md5', 'firstseen', 'lastseen', 'listingreason'],
  required: ['ja3_md5'],
  fallbackHeader: ['ja3_md5', 'Firstseen', 'Lastseen', 'Listingreason'],
};

/**
 * SSLBL's ja3_fingerprints.csv: JA3 hashes of malware TLS clients. A JA3 names a TLS library and its
 * settings, which benign software can share, hence the modest default confidence.
 */
export const sslblJa3Parser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'malware', confidence: 50 }, batchRows);
  const table = new CsvTable(text, SPEC);
  while (table.next()) {
    if (result.batchFull) yield result.takeBatch();
    const ja3Text = table.get(JA3);
    const ja3 = normaliseHex(ja3Text, 32);
    if (ja3 === null) {
      result.skip(table.line, `ja3_md5 "${excerpt(ja3Text)}" is not 32 hex digits`);
      continue;
    }
    const draft = result.draft('ja3', ja3, table.raw());
    draft.malwareFamily = familyFromReason(table.get(REASON)) ?? draft.malwareFamily;
    draft.reference = `https://sslbl.abuse.ch/ja3-fingerprints/${ja3}/`;
    draft.sourceFirstSeenAt = parseFeedTime(table.get(FIRST_SEEN));
    draft.sourceLastSeenAt = parseFeedTime(table.get(LAST_SEEN));
    result.add(draft, table.line);
  }
  return result.finish(table.generatedAt, table.recognised);
});
