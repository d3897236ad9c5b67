import { normaliseHex } from '../normalise-indicator.js';
import { CsvTable, type CsvTableSpec } from './csv-table.js';
import { parseFeedTime } from './feed-time.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';
import { familyFromReason } from './sslbl-ip.js';

const FORMAT = 'sslbl-cert';

const LISTED = 0;
const SHA1 = 1;
const REASON = 2;

const SPEC: CsvTableSpec = {
  columns: ['listingdate', 'sha1', 'listingreason'],
  required: ['sha1', 'listingreason'],
  fallbackHeader: ['Listingdate', 'SHA1', 'Listingreason'],
};

/**
 * SSLBL's sslblacklist.csv: SHA1 fingerprints of TLS certificates seen on botnet C2 servers, typed
 * cert_sha1 (a certificate, not a file). Newest first; "Listingreason" is "<family> C&C".
 */
export const sslblCertParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'botnet_cc', confidence: 90 }, batchRows);
  const table = new CsvTable(text, SPEC);
  while (table.next()) {
    if (result.batchFull) yield result.takeBatch();
    const sha1Text = table.get(SHA1);
    const sha1 = normaliseHex(sha1Text, 40);
    if (sha1 === null) {
      result.skip(table.line, `SHA1 "${excerpt(sha1Text)}" is not 40 hex digits`);
      continue;
    }
    const draft = result.draft('cert_sha1', sha1, table.raw());
    draft.malwareFamily = familyFromReason(table.get(REASON)) ?? draft.malwareFamily;
    draft.reference = `https://sslbl.abuse.ch/ssl-certificates/sha1/${sha1}/`;
    draft.sourceFirstSeenAt = parseFeedTime(table.get(LISTED));
    result.add(draft, table.line);
  }
  return result.finish(table.generatedAt, table.recognised);
});
