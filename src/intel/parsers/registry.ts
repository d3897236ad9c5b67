import { cinsParser } from './cins.js';
import { csvMappedParser } from './csv-mapped.js';
import { etIpsParser } from './et-ips.js';
import { feodoCsvParser } from './feodo-csv.js';
import { feodoJsonParser } from './feodo-json.js';
import { feodoTxtParser } from './feodo-txt.js';
import { fireholIpsetParser, fireholNetsetParser } from './firehol-ipset.js';
import { hostsFileParser } from './hosts-file.js';
import { ipsumParser } from './ipsum.js';
import { openphishParser } from './openphish.js';
import type { FeedParser } from './parser.js';
import { phishtankCsvParser } from './phishtank-csv.js';
import { spamhausDropParser } from './spamhaus-drop.js';
import { spamhausJsonParser } from './spamhaus-json.js';
import { sslblCertParser } from './sslbl-cert.js';
import { sslblIpParser } from './sslbl-ip.js';
import { sslblJa3Parser } from './sslbl-ja3.js';
import { stix21Parser } from './stix21.js';
import { textListParser } from './text-list.js';
import { threatfoxCsvParser } from './threatfox-csv.js';
import { threatfoxJsonParser } from './threatfox-json.js';
import { torBulkExitListParser } from './tor-bulk-exit-list.js';
import { torExitAddressesParser } from './tor-exit-addresses.js';
import { urlhausCsvParser } from './urlhaus-csv.js';
import { urlhausHostfileParser } from './urlhaus-hostfile.js';

/** Every single-document parser, in the order `yamori feeds formats` should list them. */
export const ALL_FEED_PARSERS: readonly FeedParser[] = [
  feodoCsvParser,
  feodoJsonParser,
  feodoTxtParser,
  urlhausCsvParser,
  urlhausHostfileParser,
  threatfoxCsvParser,
  threatfoxJsonParser,
  sslblIpParser,
  sslblCertParser,
  sslblJa3Parser,
  spamhausDropParser,
  spamhausJsonParser,
  etIpsParser,
  torExitAddressesParser,
  torBulkExitListParser,
  cinsParser,
  fireholIpsetParser,
  fireholNetsetParser,
  ipsumParser,
  openphishParser,
  phishtankCsvParser,
  textListParser,
  hostsFileParser,
  csvMappedParser,
  stix21Parser,
];

/** Feed `format` name → parser; what the feed updater is given as `deps.parsers`. */
export const FEED_PARSERS: ReadonlyMap<string, FeedParser> = new Map(
  ALL_FEED_PARSERS.map((parser) => [parser.name, parser]),
);
