/**
 * Every error a user can see, defined once. Codes are permanent: never rename or reuse one; mark a
 * retired one `deprecated: true` and keep it. `docs/errors.md` lists every code (a test checks it).
 * `kind: 'usage'` errors (bad flags, bad config) exit 2; `runtime` errors exit 1.
 */
export interface CatalogueEntry {
  title: string;
  message: string;
  hint: string;
  kind: 'usage' | 'runtime';
  deprecated?: boolean;
}

export const CATALOGUE = {
  CLI_USAGE: {
    title: 'Command line not understood',
    message: '{detail}',
    hint: 'Run "{command} --help" for the flags and arguments it takes.',
    kind: 'usage',
  },
  CLI_BAD_VALUE: {
    title: 'A flag has a value Yamori cannot use',
    message: '{flag} "{value}" is not {expected}.',
    hint: '{example}',
    kind: 'usage',
  },
  CONFIG_NOT_FOUND: {
    title: 'Config file not found',
    message: 'The config file {path} does not exist.',
    hint: 'Check the path given with --config or YAMORI_CONFIG, or leave both out to use the defaults.',
    kind: 'usage',
  },
  CONFIG_YAML_INVALID: {
    title: 'Config file is not valid YAML',
    message: '{path} line {line}: {detail}',
    hint: 'Fix the YAML syntax at that line, then run "yamori config check".',
    kind: 'usage',
  },
  CONFIG_UNKNOWN_KEY: {
    title: 'Unknown config key',
    message: '{path} line {line}: "{key}" is not a config key.{suggestion}',
    hint: 'See docs/configuration.md for every key, then run "yamori config check".',
    kind: 'usage',
  },
  CONFIG_INVALID_VALUE: {
    title: 'Config value has the wrong type or range',
    message: '{path} line {line}: "{key}" {problem} (got {value}).',
    hint: '{example} Then run "yamori config check".',
    kind: 'usage',
  },
  CONFIG_ENV_INVALID: {
    title: 'Environment override has a bad value',
    message: 'Environment variable {name} sets "{key}", which {problem} (got "{value}").',
    hint: 'Fix or unset {name}.',
    kind: 'usage',
  },
  INPUT_NOT_FOUND: {
    title: 'Input file not found',
    message: 'Cannot read {path}: {reason}.',
    hint: 'Check the path and that you may read the file.',
    kind: 'runtime',
  },
  PCAP_UNKNOWN_FORMAT: {
    title: 'Not a pcap or pcapng file',
    message: '{source} is not a pcap or pcapng capture (it starts with bytes {magic}).',
    hint: 'Give a pcap or pcapng file written by tcpdump, Wireshark or dumpcap (gzip-compressed is fine). Other formats can be converted with "editcap -F pcapng IN OUT".',
    kind: 'runtime',
  },
  PCAP_EMPTY: {
    title: 'Capture input is empty',
    message: '{source} is empty: it holds not even a capture file header.',
    hint: 'Check that the file was written completely. When piping from tcpdump, check its own error message.',
    kind: 'runtime',
  },
  PCAP_TRUNCATED: {
    title: 'Capture file ends in the middle of a record',
    message:
      '{source} ends in the middle of a record at byte {offset}; the {packets} packets before it were imported.',
    hint: 'The file was probably cut off while being written or copied. Nothing before byte {offset} was lost.',
    kind: 'runtime',
  },
  PCAP_CORRUPT: {
    title: 'Capture file has a corrupt record',
    message:
      '{source} has a corrupt record at byte {offset}: {detail}. The {packets} packets before it were imported.',
    hint: 'The file is damaged from this point on. Tools such as "pcapfix" or Wireshark\'s "editcap" can sometimes recover the rest.',
    kind: 'runtime',
  },
  CAPTURE_TCPDUMP_MISSING: {
    title: 'tcpdump is not installed',
    message: 'Live capture needs tcpdump, and "{command}" could not be started: {reason}.',
    hint: 'Install it (Debian/Ubuntu/Raspberry Pi OS: "apt-get install tcpdump"; OpenWrt: "opkg install tcpdump").',
    kind: 'runtime',
  },
  CAPTURE_TCPDUMP_FAILED: {
    title: 'tcpdump could not capture',
    message: 'tcpdump on interface {interface} failed: {detail}',
    hint: 'Check the interface name ("ip link"), that Yamori runs as root or with CAP_NET_RAW, and the --filter expression.',
    kind: 'runtime',
  },
  CAPTURE_WRITE_FAILED: {
    title: 'Capture file cannot be written',
    message: 'Writing the capture {path} failed: {detail}',
    hint: 'Check that the folder exists, that you may write there, and that the disk has space. The file may be incomplete: delete it and run the command again.',
    kind: 'runtime',
  },
  STORE_OPEN_FAILED: {
    title: 'Database cannot be opened',
    message: 'Cannot open the database {path}: {detail}',
    hint: 'Check the path (--db or YAMORI_DB) and its permissions. If another Yamori process holds the file, stop it or use its API.',
    kind: 'runtime',
  },
  STORE_MIGRATION_FAILED: {
    title: 'Database migration failed',
    message:
      'Migrating {path} to schema version {version} failed: {detail}. The database is unchanged at version {from}.',
    hint: 'Restore from a copy if the file was damaged, or report this with the message above.',
    kind: 'runtime',
  },
  STORE_TOO_NEW: {
    title: 'Database was written by a newer Yamori',
    message: '{path} has schema version {version}, newer than this Yamori knows ({known}).',
    hint: 'Upgrade Yamori ("npm install -g yamori") or use another --db.',
    kind: 'runtime',
  },
  STORE_WRITE_FAILED: {
    title: 'Writing to the database failed',
    message:
      'Writing {what} to {path} failed: {detail}. The batch was not stored; earlier batches are intact.',
    hint: 'Check free disk space and permissions, then run the command again.',
    kind: 'runtime',
  },
  QUERY_INVALID: {
    title: 'Query failed',
    message: 'The query failed: {detail}',
    hint: 'Check the SQL; "yamori db info" lists the tables and their columns.',
    kind: 'usage',
  },
  QUERY_NOT_READ_ONLY: {
    title: 'Query would change data',
    message: '"yamori query" runs read-only statements, and this one is a {statement}.',
    hint: 'Use SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, PIVOT or EXPLAIN.',
    kind: 'usage',
  },
  QUERY_MULTIPLE_STATEMENTS: {
    title: 'Query holds more than one statement',
    message: 'The query holds {count} statements separated by ";"; "yamori query" runs exactly one.',
    hint: 'Run each statement on its own, or combine them into one SELECT (WITH ... SELECT, UNION ALL).',
    kind: 'usage',
  },
  FLOW_HOME_NETWORK_INVALID: {
    title: 'A home network is not a CIDR',
    message: 'The home network "{value}" is not an IPv4 or IPv6 CIDR.',
    hint: 'Write each entry of home_networks as an address and prefix length, e.g. "192.168.1.0/24" or "fd00:1::/64", then run "yamori config check".',
    kind: 'usage',
  },
  INTEL_FEED_INVALID: {
    title: 'A feed in the config cannot be used',
    message: 'Config key "{key}" {problem}.',
    hint: 'Feed formats: {formats}. "yamori feeds list" shows the built-in feeds; docs/configuration.md shows a user feed.',
    kind: 'usage',
  },
  INTEL_FEED_UNKNOWN: {
    title: 'No such feed',
    message: 'There is no feed named "{name}".',
    hint: 'Run "yamori feeds list" for the feed names ({names}).',
    kind: 'usage',
  },
  FEED_FETCH_FAILED: {
    title: 'A feed could not be downloaded',
    message: 'Fetching {url} failed: {detail}.',
    hint: '{advice} The indicators from the last good run stay in use.',
    kind: 'runtime',
  },
  FEED_TIMEOUT: {
    title: 'A feed download took too long',
    message: 'Fetching {url} timed out: {detail}.',
    hint: 'The server is slow or unreachable; the next scheduled run tries again. If it keeps happening, raise intel.fetch_timeout_s. The indicators from the last good run stay in use.',
    kind: 'runtime',
  },
  FEED_TOO_LARGE: {
    title: 'A feed is larger than the size limit',
    message: '{url} sent more than {limit} ({what}); the download was stopped.',
    hint: 'If the feed is really that large, raise intel.max_feed_bytes; otherwise the server is sending something other than the feed. The indicators from the last good run stay in use.',
    kind: 'runtime',
  },
  FEED_HTTP_STATUS: {
    title: 'A feed server refused the request',
    message: '{url} answered HTTP {status}{detail}.',
    hint: '{advice} The indicators from the last good run stay in use.',
    kind: 'runtime',
  },
  FEED_RESPONSE_INVALID: {
    title: 'A feed server answered in an unexpected form',
    message: '{url} did not answer as a {protocol} server should: {detail}.',
    hint: 'Check that the feed URL points at the {protocol} endpoint ({expected}). The indicators from the last good run stay in use.',
    kind: 'runtime',
  },
  FEED_PARSE_FAILED: {
    title: 'A feed download is not in the expected format',
    message: 'Feed "{feed}": {location} {detail}.',
    hint: "Open {location} with curl or a browser to see what the server sends: an HTML page usually means a login, a rate limit or a moved URL. Check that the feed's format matches what the URL serves. The indicators from the last good run stay in use.",
    kind: 'runtime',
  },
  FEED_EMPTY: {
    title: 'A feed suddenly has no entries',
    message: 'Feed "{feed}": {location} has no entries, where the last good run had {previous}.',
    hint: 'An empty list is more likely a broken download than a clean internet, so nothing was retired. If the provider really emptied the list, run "yamori feeds update {feed}" again once it has entries, or disable the feed.',
    kind: 'runtime',
  },
  FEED_FILE_UNREADABLE: {
    title: 'A feed file cannot be read',
    message: 'Cannot read {path} for feed "{feed}": {reason}.',
    hint: 'Check the path given with --file and that you may read it.',
    kind: 'usage',
  },
  FEED_OPTIONS_INVALID: {
    title: "A feed's parser options cannot be used",
    message: 'Feed "{feed}" (format {format}): option "{option}" {problem}.',
    hint: '{example} Then run "yamori config check".',
    kind: 'usage',
  },
  FEED_KEY_MISSING: {
    title: 'A feed needs a key that is not configured',
    message: 'Feed "{feed}" needs {what}, and none is configured.',
    hint: '{advice} Until then the feed is skipped; other feeds go on.',
    kind: 'usage',
  },
  INTERNAL: {
    title: 'Unexpected internal error',
    message: 'Something unexpected went wrong: {detail}',
    hint: 'Run again with --debug for the stack, and report it with that output.',
    kind: 'runtime',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof CATALOGUE;
