import { CsvTable, type CsvTableSpec } from './csv-table.js';
import { rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { splitTags } from './record-fields.js';
import { ResultBuilder } from './result-builder.js';
import { addThreatFoxIoc, THREATFOX_DEFAULTS } from './threatfox-ioc.js';

const FORMAT = 'threatfox-csv';

const HEADER = [
  'first_seen_utc',
  'ioc_id',
  'ioc_value',
  'ioc_type',
  'threat_type',
  'fk_malware',
  'malware_alias',
  'malware_printable',
  'last_seen_utc',
  'confidence_level',
  'reference',
  'tags',
  'anonymous',
  'reporter',
];

const SPEC: CsvTableSpec = {
  columns: HEADER,
  required: ['ioc_value', 'ioc_type'],
  fallbackHeader: HEADER,
  // Rows are written `"a", "b"`: comma, then a space, then the quoted field.
  csv: { skipSpaceBeforeQuote: true },
};

/**
 * ThreatFox's CSV export (recent, full, and the per-type exports): a "#" banner, the header as a
 * comment, quoted fields separated by ", ". See threatfox-ioc.ts for how each IoC type is read.
 */
export const threatfoxCsvParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const result = new ResultBuilder(context, FORMAT, THREATFOX_DEFAULTS, batchRows);
  const table = new CsvTable(text, SPEC);
  while (table.next()) {
    if (result.batchFull) yield result.takeBatch();
    addThreatFoxIoc(
      result,
      {
        id: table.get(1),
        value: table.get(2),
        type: table.get(3),
        threatType: table.get(4),
        malware: table.get(5),
        malwarePrintable: table.get(7),
        firstSeen: table.get(0),
        lastSeen: table.get(8),
        confidence: table.get(9),
        tags: splitTags(table.get(11)),
      },
      table.raw(),
      table.line,
    );
  }
  return result.finish(table.generatedAt, table.recognised);
});
