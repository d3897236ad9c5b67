import { normaliseUrl } from '../normalise-indicator.js';
import { CsvTable, type CsvTableSpec } from './csv-table.js';
import { parseFeedTime } from './feed-time.js';
import { excerpt, rejectHtml } from './parse-failed.js';
import { batchedParser } from './batched-parser.js';
import type { FeedParser } from './parser.js';
import { optionBoolean } from './parser-options.js';
import { TagSplitter } from './record-fields.js';
import { ResultBuilder } from './result-builder.js';

const FORMAT = 'urlhaus-csv';

const DATE_ADDED = 0;
const URL = 1;
const LAST_ONLINE = 2;
const THREAT = 3;
const TAGS = 4;
const LINK = 5;

const SPEC: CsvTableSpec = {
  columns: ['dateadded', 'url', 'last_online', 'threat', 'tags', 'urlhaus_link'],
  required: ['url', 'dateadded'],
  fallbackHeader: [
    'id',
    'dateadded',
    'url',
    'url_status',
    'last_online',
    'threat',
    'tags',
    'urlhaus_link',
    'reporter',
  ],
};

/**
 * URLhaus csv_online / csv_recent / csv dumps. The header is a comment ("# id,dateadded,…") upstream
 * and a plain row in copies with the banner stripped; both work. Each URL is a `url` indicator, and
 * its host (domain or IP) a second one whose raw is { derived_from: url, record }, so a device that
 * only resolves or connects to the host still matches. Hosts are deduplicated across URLs; set
 * options.derive_hosts: false to list URLs only.
 */
export const urlhausCsvParser: FeedParser = batchedParser(FORMAT, function* (text, context, batchRows) {
  rejectHtml(text, context, FORMAT);
  const deriveHosts = optionBoolean(context, FORMAT, 'derive_hosts') ?? true;
  const result = new ResultBuilder(
    context,
    FORMAT,
    { threat: 'malware_download', confidence: 80 },
    batchRows,
  );
  const table = new CsvTable(text, SPEC);
  const tagSplitter = new TagSplitter();
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
    const threat = table.get(THREAT);
    if (threat !== '') draft.threat = threat;
    const tags = tagSplitter.split(table.get(TAGS));
    if (tags.length > 0) draft.tags = tags;
    const link = table.get(LINK);
    if (link !== '') draft.reference = link;
    draft.sourceFirstSeenAt = parseFeedTime(table.get(DATE_ADDED));
    draft.sourceLastSeenAt = parseFeedTime(table.get(LAST_ONLINE));
    result.add(draft, table.line);
    if (!deriveHosts) continue;
    const hostDraft = result.addHostOf(draft, { record });
    if (hostDraft !== null) hostDraft.reference = `https://urlhaus.abuse.ch/host/${hostDraft.value}/`;
  }
  return result.finish(table.generatedAt, table.recognised);
});
