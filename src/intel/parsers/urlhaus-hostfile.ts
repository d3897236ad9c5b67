import { batchedParser } from './batched-parser.js';
import { parseHostsFile } from './hosts-file.js';
import type { FeedParser } from './parser.js';

/**
 * URLhaus's hostfile: "127.0.0.1<TAB>host" under a "#" banner, CRLF line ends, and a
 * "# Number of entries" trailer with no final newline. Hosts include shared hosting and CDN names,
 * hence a lower confidence than the URL dumps.
 */
export const urlhausHostfileParser: FeedParser = batchedParser(
  'urlhaus-hostfile',
  (text, context, batchRows) =>
    parseHostsFile(
      text,
      context,
      'urlhaus-hostfile',
      {
        defaults: { threat: 'malware_download', confidence: 70 },
        reference: (host) => `https://urlhaus.abuse.ch/host/${host}/`,
      },
      batchRows,
    ),
);
