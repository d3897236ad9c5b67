import { addressPortDraft, type AddressPortColumns } from './address-port-row.js';
import { CsvTable, type CsvTableSpec } from './csv-table.js';
import { parseFeedTime } from './feed-time.js';
import { rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'sslbl-ip';

const FIRST_SEEN = 0;
const IP = 1;
const PORT = 2;
const COLUMNS: AddressPortColumns = { ip: IP, port: PORT, ipName: 'DstIP', portName: 'DstPort' };
const REASON = 3;

const SPEC: CsvTableSpec = {
  columns: ['firstseen', 'dstip', 'dstport', 'listingreason'],
  required: ['dstip', 'dstport'],
  fallbackHeader: ['Firstseen', 'DstIP', 'DstPort'],
};

/** "<family> C&C" as the family. */
export function familyFromReason(reason: string): string | null {
  const family = reason.endsWith(' C&C') ? reason.slice(0, -4).trim() : reason;
  return family === '' ? null : family;
}

/**
 * SSLBL's botnet C2 IP list (sslipblacklist.csv and _aggressive.csv): "Firstseen,DstIP,DstPort"
 * with the header commented upstream and plain in copies. The 2015 layout ("# DstIP,DstPort" with a
 * third "<family> C&C" field) also works; the family comes from that unnamed field.
 */
export const sslblIpParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, { threat: 'botnet_cc', confidence: 80 }, batchRows);
  const table = new CsvTable(text, SPEC);
  while (table.next()) {
    if (result.batchFull) yield result.takeBatch();
    const draft = addressPortDraft(table, result, COLUMNS);
    if (draft === null) continue;
    const headerLength = table.header?.length ?? 0;
    const reason = table.has(REASON) ? table.get(REASON) : (table.fields[headerLength] ?? '').trim();
    draft.malwareFamily = familyFromReason(reason) ?? draft.malwareFamily;
    draft.sourceFirstSeenAt = parseFeedTime(table.get(FIRST_SEEN));
    result.add(draft, table.line);
  }
  return result.finish(table.generatedAt, table.recognised);
});
