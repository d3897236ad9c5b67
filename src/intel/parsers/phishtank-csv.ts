import { normaliseUrl } from '../normalise-indicator.js';
import { CsvTable, type CsvTableSpec } from './csv-table.js';
import { parseFeedTime } from './feed-time.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { optionBoolean } from './parser-options.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'phishtank-csv';

const URL = 0;
const DETAIL = 1;
const SUBMITTED = 2;
const VERIFIED = 3;
const TARGET = 4;

const HEADER = [
  'phish_id',
  'url',
  'phish_detail_url',
  'submission_time',
  'verified',
  'verification_time',
  'online',
  'target',
];

const SPEC: CsvTableSpec = {
  columns: ['url', 'phish_detail_url', 'submission_time', 'verified', 'target'],
  required: ['phish_id', 'url'],
  fallbackHeader: HEADER,
  csv: { comment: null },
};

/**
 * PhishTank's online-valid.csv: a plain header, fields quoted only when needed (URLs with commas,
 * "eBay, Inc."), ISO times with "+00:00". The target brand becomes a tag unless it is "Other"; an
 * unverified row gets a lower confidence. URLs are kept as PhishTank writes them (including its
 * "&amp;"). Hosts are not derived unless options.derive_hosts is true (many are shared platforms).
 */
export const phishtankCsvParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const deriveHosts = optionBoolean(context, FORMAT, 'derive_hosts') ?? false;
  const result = new ResultBuilder(context, FORMAT, { threat: 'phishing', confidence: 90 }, batchRows);
  const table = new CsvTable(text, SPEC);
  while (table.next()) {
    if (result.batchFull) yield result.takeBatch();
    const urlText = table.get(URL);
    const url = normaliseUrl(urlText);
    if (url === null) {
      result.skip(table.line, `url "${excerpt(urlText)}" is not a URL with scheme and host`);
      continue;
    }
    const record = table.raw();
    const draft = result.draft('url', url, record);
    const detail = table.get(DETAIL);
    if (detail !== '') draft.reference = detail;
    const target = table.get(TARGET);
    if (target !== '' && target !== 'Other') draft.tags.push(target);
    if (table.get(VERIFIED) === 'no') draft.confidence = 50;
    draft.sourceFirstSeenAt = parseFeedTime(table.get(SUBMITTED));
    result.add(draft, table.line);
    if (deriveHosts) result.addHostOf(draft, { record });
  }
  return result.finish(table.generatedAt, table.recognised);
});
