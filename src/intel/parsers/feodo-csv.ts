import { addressPortDraft, type AddressPortColumns } from './address-port-row.js';
import { CsvTable, type CsvTableSpec } from './csv-table.js';
import { parseFeedTime } from './feed-time.js';
import { batchedParser } from './batched-parser.js';
import { rejectHtml } from './parse-failed.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'feodo-csv';

const FIRST_SEEN = 0;
const IP = 1;
const PORT = 2;
const COLUMNS: AddressPortColumns = { ip: IP, port: PORT, ipName: 'dst_ip', portName: 'dst_port' };
const LAST_ONLINE = 3;
const MALWARE = 4;

const SPEC: CsvTableSpec = {
  columns: ['first_seen_utc', 'dst_ip', 'dst_port', 'last_online', 'malware'],
  required: ['dst_ip', 'dst_port'],
  fallbackHeader: ['first_seen_utc', 'dst_ip', 'dst_port', 'c2_status', 'last_online', 'malware'],
};

/** Feodo Tracker's link for a C2 address. */
export function feodoHostLink(ip: string): string {
  return `https://feodotracker.abuse.ch/browse/host/${ip}/`;
}

/**
 * Feodo Tracker's ipblocklist.csv (and the older _aggressive.csv): one botnet C2 address and port
 * per row, offline rows included (the list is not "active only"), so each row's own last_online is
 * kept as the source's last seen. The same IP on two ports is two indicators.
 */
export const feodoCsvParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'botnet_cc', confidence: 90 }, batchRows);
  const table = new CsvTable(text, SPEC);
  while (table.next()) {
    if (result.batchFull) yield result.takeBatch();
    const draft = addressPortDraft(table, result, COLUMNS);
    if (draft === null) continue;
    const malware = table.get(MALWARE);
    if (malware !== '') draft.malwareFamily = malware;
    draft.reference = feodoHostLink(draft.value);
    draft.sourceFirstSeenAt = parseFeedTime(table.get(FIRST_SEEN));
    draft.sourceLastSeenAt = parseFeedTime(table.get(LAST_ONLINE));
    result.add(draft, table.line);
  }
  return result.finish(table.generatedAt, table.recognised);
});
