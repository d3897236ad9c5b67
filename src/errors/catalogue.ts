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
  STORE_BIGQUERY_FAILED: {
    title: 'BigQuery refused or failed a request',
    message: 'BigQuery failed {what} in {target}: {detail}',
    hint: 'Check bigquery.project, bigquery.dataset and bigquery.location, that the credentials (application default credentials or bigquery.key_file) may use the dataset (roles/bigquery.dataEditor and roles/bigquery.jobUser), and the BigQuery quota page of the project.',
    kind: 'runtime',
  },
  STORE_BIGQUERY_WRITE_API_REFUSED: {
    title: 'BigQuery refused the Storage Write API',
    message:
      'BigQuery refused the Storage Write API for {what} in {target}: {detail}. Nothing of the batch was stored.',
    hint: 'Enable the BigQuery Storage API on the project ("gcloud services enable bigquerystorage.googleapis.com --project PROJECT") and check that the credentials may write the table (roles/bigquery.dataEditor), or set bigquery.write_method: insert_all to write with streaming inserts instead.',
    kind: 'runtime',
  },
  STORE_BIGQUERY_NOT_CONFIGURED: {
    title: 'The BigQuery store is selected but not configured',
    message: 'store.engine is "bigquery", but {key} is not set.',
    hint: 'Set bigquery.project and bigquery.dataset in the config (or YAMORI_BIGQUERY_PROJECT and YAMORI_BIGQUERY_DATASET), then run "yamori config check".',
    kind: 'usage',
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
  QUERY_TIMEOUT: {
    title: 'A query ran past its time limit',
    message: 'The query ran longer than {limit} and was stopped.',
    hint: 'Narrow it (filter by time before joining), or allow it more time.',
    kind: 'runtime',
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
  INPUT_GZIP_CORRUPT: {
    title: 'A gzip-compressed input is damaged',
    message: '{source} is not readable gzip after {lines} lines: {detail}.',
    hint: 'The file was probably cut off while being written or copied. The {lines} lines before the damage were read; "gzip -t FILE" confirms the damage.',
    kind: 'runtime',
  },
  ZEEK_LOG_UNKNOWN: {
    title: 'Not a Zeek log Yamori reads',
    message: '{source} is not a Zeek conn, dns, ssl or http log: {detail}.',
    hint: 'Give Zeek\'s conn.log, dns.log, ssl.log or http.log, in TSV (with its "#fields" header) or JSON-lines form; gzip is fine. Other logs (files.log, x509.log, …) hold no flows.',
    kind: 'runtime',
  },
  ZEEK_LOG_UNREADABLE: {
    title: 'No line of a Zeek log could be read',
    message:
      '{source}: none of its {lines} lines is a readable {log} record (first problem at line {line}: {detail}).',
    hint: 'Check that the file is a complete Zeek log: TSV logs need their "#fields" line before the records. Nothing from this file was stored.',
    kind: 'runtime',
  },
  EVE_LOG_UNREADABLE: {
    title: 'No line of a Suricata eve.json could be read',
    message:
      '{source}: none of its {lines} lines is a readable eve event (first problem at line {line}: {detail}).',
    hint: 'Give the eve.json Suricata writes (one JSON object per line, with "event_type"); gzip is fine. Nothing from this file was stored.',
    kind: 'runtime',
  },
  CONNTRACK_MISSING: {
    title: 'The conntrack tool is not installed',
    message:
      'Reading connection events needs the conntrack tool, and "{command}" could not be started: {reason}.',
    hint: 'Install it (Debian/Ubuntu/Raspberry Pi OS: "apt-get install conntrack"; OpenWrt: "opkg install conntrack").',
    kind: 'runtime',
  },
  CONNTRACK_FAILED: {
    title: 'conntrack could not read connection events',
    message: 'conntrack failed: {detail}',
    hint: '{advice}',
    kind: 'runtime',
  },
  SERVE_SOURCE_INVALID: {
    title: 'yamori serve cannot run the configured flow source',
    message: 'serve.source is "{value}"; it must be one of {sources}, or null for no flow source.',
    hint: 'Set serve.source to capture (with capture.interface), collect (with collect.listen) or conntrack, e.g. "serve: { source: collect }". "yamori config show" prints the values in effect.',
    kind: 'usage',
  },
  COLLECT_LISTEN_INVALID: {
    title: 'A listen address for the collector is not ADDR:PORT',
    message: '{flag} "{value}" is not a UDP address to listen on.',
    hint: 'Write ADDR:PORT, e.g. "0.0.0.0:2055" (every IPv4 address), "192.168.1.2:4739" or "[::]:6343" (IPv6, brackets required); ports 1 to 65535.',
    kind: 'usage',
  },
  COLLECT_BIND_FAILED: {
    title: 'The collector cannot listen on a UDP address',
    message: 'Cannot listen on UDP {address}: {reason}. Nothing was collected.',
    hint: '{advice}',
    kind: 'runtime',
  },
  COLLECT_SPOOL_FAILED: {
    title: 'The collector cannot open its spool file',
    message: 'Cannot open the collector spool {path}: {reason}. Nothing was collected.',
    hint: 'Set collect.spool_path to a file in a folder Yamori may write (the file must be a spool Yamori made, or absent), or set collect.spool_max_bytes to 0 to run without a spool.',
    kind: 'runtime',
  },
  RULE_DIR_NOT_FOUND: {
    title: 'A rules folder does not exist',
    message: 'The rules folder {path} does not exist or is not a folder.',
    hint: 'Check the path given with --rules-dir, as an argument, or in "detect.rules_dirs". "yamori rules init {path}" writes a new rules folder with an example rule.',
    kind: 'usage',
  },
  RULE_YAML_INVALID: {
    title: 'A rule file is not valid YAML',
    message: '{file} line {line}: {detail}',
    hint: 'Fix the YAML syntax at that line, then run "yamori rules lint".',
    kind: 'usage',
  },
  RULE_SCHEMA_INVALID: {
    title: 'A rule.yaml does not follow the rule format',
    message: '{file} line {line}: "{key}" {problem}.',
    hint: '{advice} docs/writing-rules.md lists every field; run "yamori rules lint" after the fix.',
    kind: 'usage',
  },
  RULE_FILES_INVALID: {
    title: 'A rule folder does not hold the files a rule is made of',
    message: '{folder}: {problem}.',
    hint: 'A rule folder holds exactly rule.yaml, rule.sql and rule.test.yaml (and optionally fixtures/), and is named for the id in rule.yaml.',
    kind: 'usage',
  },
  RULE_ID_DUPLICATE: {
    title: 'Two rules have the same id',
    message: 'The rule id "{id}" is used by {first} and by {second}.',
    hint: 'Ids are unique across built-in and user rules. Rename your rule (folder and id), or turn the built-in rules off with "detect.builtin_rules: false".',
    kind: 'usage',
  },
  RULE_SQL_INVALID: {
    title: "A rule's SQL does not fit the schema or the rule contract",
    message: '{file}: {problem}',
    hint: '{advice} The engine binds $window_start and $window_end (and, for indicator rules, $indicators_since and $indicators_until); see docs/writing-rules.md.',
    kind: 'usage',
  },
  RULE_TESTS_INVALID: {
    title: "A rule's tests cannot be read",
    message: '{file}{where}: {problem}.',
    hint: '{advice} docs/writing-rules.md shows the test format.',
    kind: 'usage',
  },
  RULE_NOT_FOUND: {
    title: 'No rule has that id',
    message: 'No loaded rule has the id "{id}".{suggestion}',
    hint: '"yamori rules list" shows every rule and its id.',
    kind: 'usage',
  },
  RULE_QUERY_FAILED: {
    title: "A rule's query failed while running",
    message: 'Rule {rule} failed ({pass} pass): {detail}',
    hint: 'Run the query by hand with "yamori query" to see the problem; the rule\'s watermark did not move, so its window is checked again next run. Other rules ran.',
    kind: 'runtime',
  },
  RULE_TIMEOUT: {
    title: 'A rule ran past its time limit',
    message: 'Rule {rule} ran longer than {limit} ({pass} pass) and was stopped.',
    hint: 'Filter by the window before joining (see docs/writing-rules.md), or raise "limits.timeout" in its rule.yaml or "detect.rule_timeout_s". Its watermark did not move; other rules ran.',
    kind: 'runtime',
  },
  RULE_TOO_MANY_RESULTS: {
    title: 'A rule returned more rows than it may',
    message: 'Rule {rule} returned more than {limit} rows; only the first {limit} became alerts.',
    hint: 'A rule this noisy needs a narrower condition or a dedup that groups more. Raise "limits.max_results" in its rule.yaml or "detect.max_results" only if every row really is an alert.',
    kind: 'runtime',
  },
  RULE_CHECKS_FAILED: {
    title: 'Rule checks or rule tests failed',
    message: '{failed} of {total} {what} failed.',
    hint: 'The lines above name each failure with its file; fix them and run the command again.',
    kind: 'runtime',
  },
  RULE_INIT_NOT_EMPTY: {
    title: 'The folder for a new rules collection is not empty',
    message:
      '{path} already holds files ({example}); "yamori rules init" writes only into a new or empty folder.',
    hint: 'Choose a new folder name; nothing was written.',
    kind: 'usage',
  },
  OVERSEER_NO_RULES: {
    title: 'No overseer rules to import',
    message: '{dir} holds no .sql files{detail}.',
    hint: 'Give the folder that holds the overseer rules (the .sql files with "-- id:" and "-- title:" headers).',
    kind: 'usage',
  },
  OVERSEER_HEADER_INVALID: {
    title: "An overseer rule's comment header cannot be imported",
    message: '{file} line {line}: {problem}.',
    hint: '{advice} Headers are "-- id:", "-- title:", "-- description:", "-- tags:", "-- limit:" and "-- test: true|false, FILE"; id and title are required. Nothing was written.',
    kind: 'usage',
  },
  OVERSEER_TEST_FILE_MISSING: {
    title: "An overseer rule's test fixture does not exist",
    message: '{file} line {line}: the test fixture "{fixture}" does not exist ({path}).',
    hint: 'The FILE of "-- test: true, FILE" is read relative to the .sql file\'s folder. Fix the path, or write "-- test: false". Nothing was written.',
    kind: 'usage',
  },
  OVERSEER_FIXTURE_INVALID: {
    title: 'An overseer test fixture cannot be converted',
    message: '{file} line {line}: {problem}.',
    hint: "{advice} The fixture is the BigQuery emulator's data file: projects, datasets, tables with columns and data. Nothing was written.",
    kind: 'usage',
  },
  OVERSEER_EXPECTATION_MISSING: {
    title: 'An overseer test has no expected rows',
    message:
      '{file}: the overseer test "{fixture}" says which data to load but not which rows the query must return, and {expectFile} does not exist.',
    hint: 'Write {expectFile} with "expect:" and the rows (a subset of the result\'s columns each) the query must return on that data, or "expect: []" when it must return none. Yamori does not take the query\'s own output as the expectation: such a test could never fail. Nothing was written.',
    kind: 'usage',
  },
  OVERSEER_SQL_UNSUPPORTED: {
    title: "An overseer rule's SQL does not run on DuckDB after conversion",
    message: '{file}: {problem}',
    hint: '{advice} The importer rewrites table names, CURRENT_TIMESTAMP(), TIMESTAMP_ADD/SUB/DIFF, SAFE_CAST, COUNTIF, LOGICAL_AND/OR and FLOAT64; write other BigQuery-only constructs in SQL both engines run, then import again. Nothing was written.',
    kind: 'usage',
  },
  OVERSEER_OUTPUT_EXISTS: {
    title: 'An imported rule would overwrite a folder',
    message: '{path} already exists; the rule "{id}" from {file} would be written there.',
    hint: 'Import into a new folder with --out, or remove the old rule folder first. Nothing was written.',
    kind: 'usage',
  },
  OVERSEER_IMPORT_FAILED: {
    title: 'Overseer rules could not be imported',
    message: '{count} problem{plural} in {dir}; nothing was written.',
    hint: 'Fix the problems listed above, then run "yamori rules import-overseer" again.',
    kind: 'usage',
  },
  ENRICH_DNS_SERVER_INVALID: {
    title: 'A reverse DNS server is not an address',
    message: '"alert.enrich.dns_servers" has a value that is not ADDR or ADDR:PORT ({servers}).',
    hint: 'Write each resolver as an address such as 192.168.1.1, 192.168.1.1:5353 or [fd00::1]:53, then run "yamori config check".',
    kind: 'usage',
  },
  BLOCK_DISABLED: {
    title: 'Blocking is turned off',
    message: 'Yamori may not block {addr}: "respond.block.enabled" is false.',
    hint: 'Set "respond.block.enabled: true" in the config to let Yamori add addresses to its nftables block list (see "Blocking a host" in the README). Nothing was changed.',
    kind: 'usage',
  },
  BLOCK_BAD_ADDRESS: {
    title: 'Not an address Yamori can block',
    message: '"{value}" is not an IPv4 or IPv6 address.',
    hint: 'Give one address, such as 203.0.113.9 or 2001:db8::9; networks are not blocked. Nothing was changed.',
    kind: 'usage',
  },
  BLOCK_REFUSED: {
    title: 'Yamori refuses to block this address',
    message: 'Yamori will not block {addr}: {reason}.',
    hint: 'Blocking it would cut off the home network, its resolvers or a host you allow-listed. Nothing was changed.',
    kind: 'usage',
  },
  BLOCK_FAMILY_INVALID: {
    title: 'The nftables family for blocking cannot hold this address',
    message: '{detail}',
    hint: 'Set "respond.block.family" to inet (IPv4 and IPv6), ip (IPv4 only) or ip6 (IPv6 only), then run "yamori config check".',
    kind: 'usage',
  },
  BLOCK_NFT_MISSING: {
    title: 'nft is not installed',
    message: 'Cannot run "{nft}" to manage the block list: {reason}.',
    hint: 'Install nftables (apt-get install nftables; OpenWrt: opkg install nftables), or point "respond.block.nft_path" at the nft binary. Nothing was changed.',
    kind: 'runtime',
  },
  BLOCK_NOT_PERMITTED: {
    title: 'Not allowed to change nftables',
    message: '"{nft}" was refused by the kernel: {detail}',
    hint: 'Run as root or give Yamori CAP_NET_ADMIN (for example AmbientCapabilities=CAP_NET_ADMIN in its systemd unit). Nothing was changed.',
    kind: 'runtime',
  },
  BLOCK_NFT_FAILED: {
    title: 'nft failed',
    message: '"{command}" failed: {detail}',
    hint: 'Check the table with "nft list table {family} {table}". If the table was changed by hand, "nft delete table {family} {table}" removes it (and every block); Yamori creates it again on next use.',
    kind: 'runtime',
  },
  BLOCK_NOT_LISTED: {
    title: 'The address is not blocked',
    message: '{addr} is not in the block list.',
    hint: 'Run "yamori block list" to see what is blocked; an address whose block expired is already gone.',
    kind: 'runtime',
  },
  POLICY_TESTS_INVALID: {
    title: 'A policy test file cannot be used',
    message: '{path}, {name}: {problem}.',
    hint: 'A policy test file holds "cases:", each with "name", an example "alert" and the actions it should "expect"; see README "Testing a policy".',
    kind: 'usage',
  },
  POLICY_TESTS_FAILED: {
    title: 'Policy tests failed',
    message: '{failed} of {total} policy test cases failed.',
    hint: 'The lines above show each failing case with the actions expected (-) and chosen (+); fix the routes in alert.routes or the expectation.',
    kind: 'runtime',
  },
  POLICY_UNKNOWN_CHANNEL: {
    title: 'A route notifies a channel that is not configured',
    message: 'Route "{route}" sends to channel "{channel}", which is not in alert.channels ({channels}).',
    hint: 'Add the channel under alert.channels, or correct the name in the route, then run "yamori config check". No alert is delivered until then.',
    kind: 'usage',
  },
  ALERT_NOT_FOUND: {
    title: 'No such alert',
    message: 'There is no alert with id "{id}".',
    hint: 'Run "yamori alerts list" for the ids (the first column with --json is "id").',
    kind: 'usage',
  },
  ALERT_STATUS_CHANGE_INVALID: {
    title: 'The alert cannot change to that status',
    message: 'Alert {id} is {from}, so it cannot be {wanted}.',
    hint: '{hint}',
    kind: 'usage',
  },
  NOTIFY_CHANNEL_NOT_FOUND: {
    title: 'No such notification channel',
    message: 'There is no channel "{channel}" in alert.channels.{known}',
    hint: 'Add it under alert.channels in the config (docs/configuration.md shows each type), or run "yamori notify list".',
    kind: 'usage',
  },
  NOTIFY_SECRET_MISSING: {
    title: 'A notification channel has no secret to send with',
    message:
      'Channel "{channel}" needs its "{setting}", which it reads from the environment variable {variable}, and that variable is not set.',
    hint: 'Set {variable} in the environment Yamori runs in (for a service, in its unit file or environment file), then run "yamori notify test {channel}".',
    kind: 'usage',
  },
  NOTIFY_SEND_FAILED: {
    title: 'A notification channel did not accept the message',
    message: 'Channel "{channel}" ({type}) did not take the test message: {reason}',
    hint: '{advice}',
    kind: 'runtime',
  },
  WEB_LISTEN_FAILED: {
    title: 'The dashboard cannot listen on its address',
    message: 'Cannot listen on {listen}: {reason}.',
    hint: 'Pick a free port with --listen ADDR:PORT or "web.listen" in the config; a port below 1024 needs root.',
    kind: 'runtime',
  },
  WEB_ASSETS_MISSING: {
    title: 'The dashboard files are not built',
    message: "The dashboard's script and style files are missing: {detail}",
    hint: 'Run "npm run build" (or just "npm run build:web") in the Yamori folder, then start "yamori web" again.',
    kind: 'runtime',
  },
  WEB_UNAUTHENTICATED: {
    title: 'The dashboard API needs a login or an API token',
    message: 'This request carries no valid session or API token.',
    hint: 'Log in on the dashboard, or send "Authorization: Bearer TOKEN" with a token from "yamori web token create NAME".',
    kind: 'usage',
  },
  WEB_LOGIN_FAILED: {
    title: 'Wrong dashboard password',
    message: 'The password is not right.',
    hint: 'Use the password printed when "yamori web" first started, or set a new one with "yamori web password".',
    kind: 'usage',
  },
  WEB_LOGIN_RATE_LIMITED: {
    title: 'Too many login attempts',
    message: 'Too many login attempts from {client} in the last minute.',
    hint: 'Wait {seconds} seconds, then try again.',
    kind: 'usage',
  },
  WEB_CSRF_REJECTED: {
    title: 'A change without its CSRF token',
    message:
      "A request that changes something must carry its session's CSRF token in the X-CSRF-Token header{detail}.",
    hint: 'Reload the dashboard page; scripts should use an API token ("Authorization: Bearer"), which needs no CSRF token.',
    kind: 'usage',
  },
  WEB_BAD_REQUEST: {
    title: 'The API request is not understood',
    message: '{detail}',
    hint: 'See the "Dashboard" section of the README for the API routes and their parameters.',
    kind: 'usage',
  },
  WEB_NOT_FOUND: {
    title: 'Nothing at that API address',
    message: 'There is no {what} "{id}".',
    hint: 'Check the address; lists at /api/alerts, /api/devices and /api/flows give the ids.',
    kind: 'usage',
  },
  WEB_BODY_TOO_LARGE: {
    title: 'Request body too large',
    message: 'The request body is larger than {limit} bytes.',
    hint: 'Send a smaller body; the API takes short JSON objects only.',
    kind: 'usage',
  },
  WEB_TOKEN_NOT_FOUND: {
    title: 'No such API token',
    message: 'There is no API token named "{name}".',
    hint: 'Run "yamori web token list" for the names.',
    kind: 'usage',
  },
  WEB_TOKEN_EXISTS: {
    title: 'An API token of that name exists',
    message: 'There is already an API token named "{name}".',
    hint: 'Pick another name, or revoke the old one first with "yamori web token revoke {name}".',
    kind: 'usage',
  },
  WEB_PASSWORD_TOO_SHORT: {
    title: 'Dashboard password too short',
    message: 'The new password has {length} characters; it needs at least {min}.',
    hint: 'Choose a longer password (a few random words work well).',
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
