/**
 * The one table of config keys: YAML path, type, default, and the sentence docs/configuration.md shows.
 * The loader checks files and environment overrides against it; a test keeps the docs complete.
 */
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

export type KeyType =
  | { kind: 'string'; nullable?: boolean; oneOf?: readonly string[] }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'cidr-list' }
  | { kind: 'string-list' }
  | { kind: 'listen-list' }
  | { kind: 'listen' }
  | { kind: 'boolean' }
  | { kind: 'feeds' }
  | { kind: 'allowlist' }
  | { kind: 'routes' }
  | { kind: 'channels' }
  | { kind: 'url'; nullable?: boolean };

export interface ConfigKey {
  /** Dotted YAML path, snake_case. */
  path: string;
  type: KeyType;
  /** Default value, computed at load time (some defaults depend on the machine). */
  default: () => unknown;
  description: string;
  example: string;
  /** Environment variable that overrides the key, besides the generic YAMORI_<PATH> form. */
  env?: string;
  secret?: boolean;
}

/** RFC 1918, CGNAT is not home; IPv6 ULA and link-local; IPv4 link-local. */
export const DEFAULT_HOME_NETWORKS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

export function defaultDatabasePath(): string {
  const dataHome = process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share');
  return join(dataHome, 'yamori', 'yamori.duckdb');
}

const seconds = (min: number, max: number): KeyType => ({ kind: 'integer', min, max });

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    path: 'sensor',
    type: { kind: 'string' },
    default: () => hostname(),
    description: 'Name written on every flow, so flows from several routers stay apart.',
    example: 'sensor: attic-router',
    env: 'YAMORI_SENSOR',
  },
  {
    path: 'home_networks',
    type: { kind: 'cidr-list' },
    default: () => [...DEFAULT_HOME_NETWORKS],
    description:
      'Networks that are "home". Decides a flow\'s direction (outbound, inbound, internal, external) and which hosts are devices.',
    example: 'home_networks: [192.168.1.0/24, "fd00:1::/64"]',
  },
  {
    path: 'database.path',
    type: { kind: 'string' },
    default: defaultDatabasePath,
    description: 'The DuckDB file. The --db flag and YAMORI_DB override it.',
    example: 'database:\n  path: /var/lib/yamori/yamori.duckdb',
    env: 'YAMORI_DB',
  },
  {
    path: 'store.engine',
    type: { kind: 'string', oneOf: ['duckdb', 'bigquery'] },
    default: () => 'duckdb',
    description:
      'The database: duckdb (one embedded file, database.path) or bigquery (a dataset in Google BigQuery, the bigquery.* keys). The --store flag overrides it.',
    example: 'store:\n  engine: bigquery',
    env: 'YAMORI_STORE',
  },
  {
    path: 'bigquery.project',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      'Google Cloud project of the BigQuery dataset; its query jobs run (and are billed) there. Required when store.engine is bigquery.',
    example: 'bigquery:\n  project: my-home-security',
  },
  {
    path: 'bigquery.dataset',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      'The BigQuery dataset holding the tables; created (with its tables and views) when missing. Required when store.engine is bigquery.',
    example: 'bigquery:\n  dataset: yamori',
  },
  {
    path: 'bigquery.location',
    type: { kind: 'string' },
    default: () => 'US',
    description:
      'Where a dataset Yamori creates lives, and where its query jobs run ("US", "EU", "europe-west3").',
    example: 'bigquery:\n  location: EU',
  },
  {
    path: 'bigquery.key_file',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      'A service-account JSON key file. Null uses application default credentials (GOOGLE_APPLICATION_CREDENTIALS, "gcloud auth application-default login", or the VM\'s service account). The key is never logged.',
    example: 'bigquery:\n  key_file: /etc/yamori/bigquery-key.json',
  },
  {
    path: 'bigquery.endpoint',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      "Another BigQuery API endpoint, such as a BigQuery emulator on http://127.0.0.1:9050 for tests; no credentials are sent to it. Null uses Google's.",
    example: 'bigquery:\n  endpoint: http://127.0.0.1:9050',
  },
  {
    path: 'bigquery.write_method',
    type: { kind: 'string', oneOf: ['storage_write', 'insert_all'] },
    default: () => 'storage_write',
    description:
      'How flows and DNS answers are written. storage_write: the BigQuery Storage Write API, one pending stream per batch, committed whole, so a batch is stored all or nothing (needs the BigQuery Storage API, bigquerystorage.googleapis.com, enabled on the project). insert_all: streaming inserts, the fallback, in requests of up to 50,000 rows or 8 MB; a batch can be stored in part when a later request fails.',
    example: 'bigquery:\n  write_method: insert_all',
  },
  {
    path: 'bigquery.storage_endpoint',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      "Another BigQuery Storage API endpoint as host:port, such as a BigQuery emulator's gRPC port (127.0.0.1:9060), spoken in plain text with no credentials. Null uses Google's (bigquerystorage.googleapis.com); with bigquery.endpoint set and this null, writes use insertAll, as an emulator's REST port has no Storage Write API.",
    example: 'bigquery:\n  storage_endpoint: 127.0.0.1:9060',
  },
  {
    path: 'store.max_batch_rows',
    type: { kind: 'integer', min: 1, max: 1_000_000 },
    default: () => 50_000,
    description: 'Flows written per batch. Larger batches write faster; each batch is durable once written.',
    example: 'store:\n  max_batch_rows: 50000',
  },
  {
    path: 'store.flush_interval_ms',
    type: { kind: 'integer', min: 10, max: 600_000 },
    default: () => 2_000,
    description:
      'A partly filled batch is written after this long (live capture), so flows reach the database promptly.',
    example: 'store:\n  flush_interval_ms: 2000',
  },
  {
    path: 'flow.tcp_idle_timeout_s',
    type: seconds(1, 86_400),
    default: () => 300,
    description: 'A TCP flow with no packet for this long is written out.',
    example: 'flow:\n  tcp_idle_timeout_s: 300',
  },
  {
    path: 'flow.udp_idle_timeout_s',
    type: seconds(1, 86_400),
    default: () => 60,
    description: 'A UDP flow with no packet for this long is written out.',
    example: 'flow:\n  udp_idle_timeout_s: 60',
  },
  {
    path: 'flow.other_idle_timeout_s',
    type: seconds(1, 86_400),
    default: () => 60,
    description: 'ICMP and other protocols: idle timeout.',
    example: 'flow:\n  other_idle_timeout_s: 60',
  },
  {
    path: 'flow.tcp_closed_timeout_s',
    type: seconds(0, 3_600),
    default: () => 5,
    description:
      'After FIN from both sides or a RST, the flow is written once it has been quiet this long (trailing ACKs still count).',
    example: 'flow:\n  tcp_closed_timeout_s: 5',
  },
  {
    path: 'flow.active_timeout_s',
    type: seconds(1, 604_800),
    default: () => 1_800,
    description:
      'A flow still active after this long is written and continues in a new record (as NetFlow exporters do).',
    example: 'flow:\n  active_timeout_s: 1800',
  },
  {
    path: 'flow.max_flows',
    type: { kind: 'integer', min: 100, max: 50_000_000 },
    default: () => 1_000_000,
    description:
      'Flows held in memory at once. Past it, the least recently active flow is written early and counted as evicted.',
    example: 'flow:\n  max_flows: 1000000',
  },
  {
    path: 'flow.dns_name_max_age_s',
    type: seconds(1, 604_800),
    default: () => 3_600,
    description:
      'A DNS answer names an address (dns_name on flows) for this long after the client received it.',
    example: 'flow:\n  dns_name_max_age_s: 3600',
  },
  {
    path: 'capture.interface',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description: 'Interface for live capture (the --interface flag overrides it).',
    example: 'capture:\n  interface: br-lan',
  },
  {
    path: 'capture.filter',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description: 'BPF filter for live capture, in tcpdump syntax.',
    example: 'capture:\n  filter: "not port 22"',
  },
  {
    path: 'capture.snaplen',
    type: { kind: 'integer', min: 64, max: 262_144 },
    default: () => 262_144,
    description:
      "Bytes kept of each packet (tcpdump's -s). The default keeps whole packets, including the coalesced ones Linux delivers with GRO, so TLS handshakes and DNS answers are always complete; 256 keeps headers only (no names, no fingerprints).",
    example: 'capture:\n  snaplen: 262144',
  },
  {
    path: 'capture.tcpdump_path',
    type: { kind: 'string' },
    default: () => 'tcpdump',
    description: 'The tcpdump binary: a name on PATH or a full path.',
    example: 'capture:\n  tcpdump_path: /usr/sbin/tcpdump',
  },
  {
    path: 'capture.drop_privileges_to',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      "User tcpdump switches to once it has opened the interface (tcpdump's -Z). Null keeps tcpdump's own default (on Debian, the tcpdump user).",
    example: 'capture:\n  drop_privileges_to: nobody',
  },
  {
    path: 'capture.restart_delay_ms',
    type: { kind: 'integer', min: 10, max: 60_000 },
    default: () => 1_000,
    description:
      'First wait before restarting a tcpdump that died; it doubles on each failure up to a minute.',
    example: 'capture:\n  restart_delay_ms: 1000',
  },
  {
    path: 'collect.listen',
    type: { kind: 'listen-list' },
    default: () => ['0.0.0.0:2055', '0.0.0.0:4739', '0.0.0.0:6343'],
    description:
      'UDP addresses "yamori collect" listens on for NetFlow v5/v9, IPFIX and sFlow, as ADDR:PORT; "[::]:2055" takes IPv6 (and IPv4) exporters. Every port accepts every protocol. The --listen flag replaces the list.',
    example: 'collect:\n  listen: ["0.0.0.0:2055", "[::]:4739"]',
  },
  {
    path: 'collect.stitch_window_s',
    type: seconds(0, 3_600),
    default: () => 15,
    description:
      "How long a one-way flow record waits for the record of the reverse direction (and how far apart their times may be) before it is stored as a one-sided flow. Raise it to your exporter's idle timeout if it exports the two directions at different times.",
    example: 'collect:\n  stitch_window_s: 15',
  },
  {
    path: 'collect.max_exporters',
    type: { kind: 'integer', min: 1, max: 100_000 },
    default: () => 256,
    description:
      'Exporters whose templates and statistics are kept. Past it, the exporter silent the longest is forgotten.',
    example: 'collect:\n  max_exporters: 256',
  },
  {
    path: 'collect.max_templates_per_exporter',
    type: { kind: 'integer', min: 1, max: 65_536 },
    default: () => 512,
    description:
      'Templates (NetFlow v9, IPFIX) kept per exporter. Past it, new templates from that exporter are refused and counted (template_limit), so a flood from one exporter cannot grow memory or disturb the others.',
    example: 'collect:\n  max_templates_per_exporter: 512',
  },
  {
    path: 'collect.max_pending_flows',
    type: { kind: 'integer', min: 100, max: 50_000_000 },
    default: () => 500_000,
    description:
      'One-way records waiting for their reverse direction, and flows being assembled from sFlow samples, held at once. Past it, the oldest is stored early and counted as evicted.',
    example: 'collect:\n  max_pending_flows: 500000',
  },
  {
    path: 'collect.receive_buffer_bytes',
    type: { kind: 'integer', min: 65_536, max: 1_073_741_824 },
    default: () => 8_388_608,
    description:
      'UDP receive buffer asked of the kernel per socket, which absorbs bursts of export datagrams. Linux caps it at net.core.rmem_max: raise that too (sysctl -w net.core.rmem_max=8388608).',
    example: 'collect:\n  receive_buffer_bytes: 8388608',
  },
  {
    path: 'collect.spool_path',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      'The file where "yamori collect" keeps datagrams it received while storing was behind, in arrival order, until the store catches up; what a stop or crash leaves in it is stored at the next start. Unset: the database path with ".collect-spool" added.',
    example: 'collect:\n  spool_path: /var/lib/yamori/collect.spool',
  },
  {
    path: 'collect.spool_max_bytes',
    type: { kind: 'integer', min: 0, max: 1_099_511_627_776 },
    default: () => 1_073_741_824,
    description:
      'Largest size of the collector spool (default 1 GiB): the datagrams received since it was last empty. Past it, datagrams are dropped and counted. 0 turns the spool off: past 64 MiB of datagrams waiting in memory they are dropped.',
    example: 'collect:\n  spool_max_bytes: 1073741824',
  },
  {
    path: 'intel.feeds',
    type: { kind: 'feeds' },
    default: () => ({}),
    description:
      'Feeds by name: turn built-in feeds on or off and change their settings, or define your own (url, format, type, schedule, threat, malware, confidence, licence, options, auth_header, auth_value). "yamori feeds list" shows them all.',
    example:
      'intel:\n  feeds:\n    feodo: { enabled: true, schedule: 30m }\n    tor-exits: { enabled: false }\n    my-blocklist:\n      url: https://example.org/bad-domains.txt\n      format: text-list\n      type: domain\n      threat: phishing\n      schedule: 6h',
  },
  {
    path: 'intel.allowlist',
    type: { kind: 'allowlist' },
    default: () => [],
    description:
      'Addresses, networks, domains (with their subdomains) or URLs that must never alert, with the reason. Added to the built-in list of public resolvers, large CDNs and private and reserved ranges.',
    example:
      'intel:\n  allowlist:\n    - { value: 192.0.2.10, reason: our VPN endpoint }\n    - printer-updates.example.com',
  },
  {
    path: 'intel.grace_period_h',
    type: { kind: 'integer', min: 0, max: 8_760 },
    default: () => 24,
    description:
      'Hours an indicator still counts for matching after it left its feed (feeds drop and re-add entries).',
    example: 'intel:\n  grace_period_h: 24',
  },
  {
    path: 'intel.fetch_timeout_s',
    type: { kind: 'integer', min: 1, max: 3_600 },
    default: () => 120,
    description: 'A feed download that takes longer, or stalls, is abandoned and retried.',
    example: 'intel:\n  fetch_timeout_s: 120',
  },
  {
    path: 'intel.max_feed_bytes',
    type: { kind: 'integer', min: 1_024, max: 4_294_967_296 },
    default: () => 268_435_456,
    description: 'Largest feed body accepted, after decompression (default 256 MiB).',
    example: 'intel:\n  max_feed_bytes: 268435456',
  },
  {
    path: 'intel.fetch_retries',
    type: { kind: 'integer', min: 0, max: 10 },
    default: () => 3,
    description: 'Retries (with growing waits) after a network error or a 5xx/429 answer.',
    example: 'intel:\n  fetch_retries: 3',
  },
  {
    path: 'intel.abusech_auth_key',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      'abuse.ch Auth-Key (free, from auth.abuse.ch), sent to the abuse.ch feeds. Secret: never logged.',
    example: 'intel:\n  abusech_auth_key: null   # better: set ABUSECH_AUTH_KEY in the environment',
    env: 'ABUSECH_AUTH_KEY',
    secret: true,
  },
  {
    path: 'intel.otx_api_key',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description: 'AlienVault OTX API key, for the pulses you subscribe to. Secret: never logged.',
    example: 'intel:\n  otx_api_key: null   # better: set OTX_API_KEY in the environment',
    env: 'OTX_API_KEY',
    secret: true,
  },
  {
    path: 'detect.rules_dirs',
    type: { kind: 'string-list' },
    default: () => [],
    description:
      'Folders of your own detection rules (one folder per rule, as "yamori rules init" writes), run beside the built-in ones. The --rules-dir flag adds more.',
    example: 'detect:\n  rules_dirs: [/etc/yamori/rules]',
  },
  {
    path: 'detect.builtin_rules',
    type: { kind: 'boolean' },
    default: () => true,
    description: 'Load the detection rules that ship with Yamori. Turn off to run only your own.',
    example: 'detect:\n  builtin_rules: true',
  },
  {
    path: 'detect.schedule_s',
    type: seconds(10, 86_400),
    default: () => 300,
    description: 'How often a rule is due when its rule.yaml gives no "schedule.every".',
    example: 'detect:\n  schedule_s: 300',
  },
  {
    path: 'detect.lookback_h',
    type: { kind: 'integer', min: 0, max: 87_600 },
    default: () => 24,
    description:
      'Where a rule that never ran starts: flows and DNS answers stored this many hours back, unless its rule.yaml gives "schedule.lookback". Later runs start where the last good run ended.',
    example: 'detect:\n  lookback_h: 24',
  },
  {
    path: 'detect.retro_hunt_horizon_d',
    type: { kind: 'integer', min: 0, max: 3_650 },
    default: () => 30,
    description:
      'How far back (days of stored flows) indicator rules look when new indicators arrive (retro-hunt). Set it to how long you keep flows; 0 turns retro-hunt off.',
    example: 'detect:\n  retro_hunt_horizon_d: 30',
  },
  {
    path: 'detect.rule_timeout_s',
    type: seconds(1, 3_600),
    default: () => 60,
    description:
      'A rule query running longer is stopped and reported (RULE_TIMEOUT); other rules go on. A rule\'s "limits.timeout" overrides it.',
    example: 'detect:\n  rule_timeout_s: 60',
  },
  {
    path: 'detect.max_results',
    type: { kind: 'integer', min: 1, max: 10_000_000 },
    default: () => 10_000,
    description:
      'Result rows one rule run may turn into alerts; past it the rest are dropped with a warning (RULE_TOO_MANY_RESULTS). A rule\'s "limits.max_results" overrides it.',
    example: 'detect:\n  max_results: 10000',
  },
  {
    path: 'detect.max_evidence_rows',
    type: { kind: 'integer', min: 1, max: 10_000 },
    default: () => 20,
    description: 'Result rows kept as evidence on one alert; repeats beyond it only raise the count.',
    example: 'detect:\n  max_evidence_rows: 20',
  },
  {
    path: 'detect.suppress_for_h',
    type: { kind: 'integer', min: 0, max: 8_760 },
    default: () => 24,
    description:
      'A repeat of an alert (same rule and dedup columns) within this many hours of it raises its count instead of adding an alert, unless the rule sets "suppress_for". Closed alerts are never reopened.',
    example: 'detect:\n  suppress_for_h: 24',
  },
  {
    path: 'detect.dns_resolvers',
    type: { kind: 'string-list' },
    default: () => [],
    description:
      'The DNS resolvers devices should use (addresses). The rule dns-unconfigured-resolver reports devices asking others. Empty: any resolver on the home networks (the router, a Pi-hole) counts as configured, and home devices that answer DNS may ask upstream.',
    example: 'detect:\n  dns_resolvers: [192.168.1.2, "fd00::2"]',
  },
  {
    path: 'alert.routes',
    type: { kind: 'routes' },
    default: () => [],
    description:
      'The routing policy: an ordered list of routes, each with a "name", a CEL condition "when" over the alert (rule, title, severity, severity_rank, tags, sources, count, status, kind, device.{name,mac,vendor}, remote.{addr,country,asn,as_org,ptr}; functions rank(level) and in_cidr(addr, cidr)) and actions: "notify" (channels), "suppress" (true, or a duration: the first alert of a rule, device and remote is sent and repeats within it are not), "severity" (raise, lower or a level), "digest" (a period: the channels get one digest per period), "block" (true) and "continue" (also evaluate later routes; default: stop at the first match). An alert no route matches is stored but sent nowhere. "yamori policy test" checks a policy against example alerts.',
    example:
      'alert:\n  routes:\n    - name: critical-now\n      when: severity_rank >= rank("high")\n      notify: [phone]\n    - name: kids-tablet\n      when: device.name == "kids-tablet" && "urlhaus" in sources\n      severity: raise\n      notify: [phone, mail]\n    - name: daily-digest\n      when: severity_rank <= rank("low")\n      digest: 1d\n      notify: [mail]',
  },
  {
    path: 'alert.delivery.max_attempts',
    type: { kind: 'integer', min: 1, max: 100 },
    default: () => 8,
    description:
      'Attempts per delivery (one alert or digest to one channel) before it is given up; a channel that refuses for good (a 4xx other than 408/429) is given up at once.',
    example: 'alert:\n  delivery:\n    max_attempts: 8',
  },
  {
    path: 'alert.delivery.timeout_s',
    type: seconds(1, 600),
    default: () => 15,
    description:
      'One attempt to send is abandoned after this long and retried later; other channels never wait for it.',
    example: 'alert:\n  delivery:\n    timeout_s: 15',
  },
  {
    path: 'alert.delivery.backoff_base_s',
    type: seconds(1, 86_400),
    default: () => 30,
    description:
      'The wait before the first retry; each later retry waits twice as long (with random jitter), up to "backoff_max_s". A channel\'s Retry-After wins when it gives one.',
    example: 'alert:\n  delivery:\n    backoff_base_s: 30',
  },
  {
    path: 'alert.delivery.backoff_max_s',
    type: seconds(1, 604_800),
    default: () => 3_600,
    description: 'The longest wait between two attempts of one delivery.',
    example: 'alert:\n  delivery:\n    backoff_max_s: 3600',
  },
  {
    path: 'alert.channels',
    type: { kind: 'channels' },
    default: () => ({}),
    description:
      'Where notifications go, by channel name; routes name them in "notify". Each has a "type" and its settings: slack (webhook_url, or token and channel; api_url), webhook (url, secret for the X-Yamori-Signature HMAC, headers), email (host, port, secure, starttls: required, opportunistic or off; user, password, from, to, tls_ca_file), ntfy (server, topic, token), discord (webhook_url, username), telegram (token, chat_id, parse_mode: HTML or MarkdownV2, api_url), syslog (host, port, protocol: udp or tcp, facility, app_name; RFC 5424), github (repo, token, labels, api_url), file (path: JSON lines). Secret settings (webhook_url, url, token, secret, password) may instead name an environment variable: "token_env: SLACK_BOT_TOKEN". Secrets are never logged and "yamori config show" redacts them. "yamori notify test NAME" sends a sample.',
    example:
      'alert:\n  channels:\n    phone: { type: ntfy, topic: yamori-home-7f3a }\n    team:\n      type: slack\n      webhook_url_env: SLACK_WEBHOOK_URL\n    mail:\n      type: email\n      host: smtp.example.org\n      user: alerts@example.org\n      password_env: SMTP_PASSWORD\n      from: yamori@example.org\n      to: [me@example.org]',
  },
  {
    path: 'alert.dashboard_url',
    type: { kind: 'url', nullable: true },
    default: () => null,
    description:
      'Base URL of the Yamori dashboard as people reach it (e.g. http://router.lan:8080); notifications link to {dashboard_url}/alerts/ID. Null leaves the links out.',
    example: 'alert:\n  dashboard_url: http://router.lan:8080',
  },
  {
    path: 'web.listen',
    type: { kind: 'listen' },
    default: () => '127.0.0.1:8080',
    description:
      'Address and port the dashboard and its API ("yamori web") listen on, as ADDR:PORT. The default answers only on this machine; to reach it from the network, bind the LAN address (e.g. 192.168.1.2:8080) or put it behind a reverse proxy with TLS. The --listen flag overrides it.',
    example: 'web:\n  listen: 127.0.0.1:8080',
  },
  {
    path: 'web.public_url',
    type: { kind: 'url', nullable: true },
    default: () => null,
    description:
      'The URL people open the dashboard at, when it differs from the listen address (a reverse proxy). When it starts with https://, session cookies are marked Secure; requests that change state must come from this origin.',
    example: 'web:\n  public_url: https://yamori.home.example',
  },
  {
    path: 'web.session_ttl_h',
    type: { kind: 'integer', min: 1, max: 720 },
    default: () => 12,
    description:
      'A dashboard login lasts this many hours of inactivity; sessions live in memory and end when the process stops.',
    example: 'web:\n  session_ttl_h: 12',
  },
  {
    path: 'web.login_attempts_per_min',
    type: { kind: 'integer', min: 1, max: 1_000 },
    default: () => 5,
    description:
      'Login attempts one client address may make per minute; more are refused with HTTP 429 until the minute has passed.',
    example: 'web:\n  login_attempts_per_min: 5',
  },
  {
    path: 'serve.source',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      'The flow source "yamori serve" runs: capture (live capture on capture.interface), collect (NetFlow/IPFIX/sFlow on collect.listen) or conntrack (the Linux connection table); null runs none (feeds, rules, retention, alerts and the dashboard only).',
    example: 'serve:\n  source: capture',
  },
  {
    path: 'serve.web',
    type: { kind: 'boolean' },
    default: () => true,
    description: 'Serve the dashboard, /healthz and /metrics from "yamori serve" on web.listen.',
    example: 'serve:\n  web: true',
  },
  {
    path: 'serve.deliver',
    type: { kind: 'boolean' },
    default: () => true,
    description:
      'Route and send alerts to the channels of alert.channels from "yamori serve", retrying failed deliveries (alert.delivery).',
    example: 'serve:\n  deliver: true',
  },
  {
    path: 'serve.metrics_token',
    type: { kind: 'string', nullable: true },
    default: () => null,
    description:
      'Bearer token the Prometheus /metrics endpoint requires ("Authorization: Bearer TOKEN"); null leaves /metrics open to whoever reaches web.listen. Secret: never logged.',
    example: 'serve:\n  metrics_token: null   # better: set YAMORI_METRICS_TOKEN in the environment',
    env: 'YAMORI_METRICS_TOKEN',
    secret: true,
  },
  {
    path: 'retention.flows_d',
    type: { kind: 'integer', min: 0, max: 36_500 },
    default: () => 90,
    description:
      'Flows whose last packet is older than this many days are deleted by "yamori serve" (checked hourly); 0 keeps them forever. Alerts, their evidence, indicators and devices are kept. Keep it at least detect.retro_hunt_horizon_d, or indicators published late find nothing to match.',
    example: 'retention:\n  flows_d: 90',
  },
  {
    path: 'alert.enrich.geoip',
    type: { kind: 'boolean' },
    default: () => true,
    description:
      "Add the remote address's AS number, AS organisation and country to notifications, from open data installed with Yamori (no network): ip-location-db's ASN table (RouteViews, NRO, DB-IP; CC BY 4.0) and geo-whois-asn-country (NRO; CC BY 4.0). Private, reserved and home addresses are never looked up.",
    example: 'alert:\n  enrich:\n    geoip: true',
  },
  {
    path: 'alert.enrich.reverse_dns',
    type: { kind: 'boolean' },
    default: () => false,
    description:
      "Add the reverse DNS (PTR) name of the remote address. Off by default: each lookup tells your resolver, and the remote network's DNS server, which address Yamori is looking at. A PTR name is chosen by whoever holds the address, so it is a hint, not proof.",
    example: 'alert:\n  enrich:\n    reverse_dns: true',
  },
  {
    path: 'alert.enrich.dns_servers',
    type: { kind: 'string-list' },
    default: () => [],
    description:
      'Resolvers for reverse DNS, as ADDR or ADDR:PORT ("[ADDR]:PORT" for IPv6). Empty: the system\'s (/etc/resolv.conf).',
    example: 'alert:\n  enrich:\n    dns_servers: [192.168.1.1]',
  },
  {
    path: 'alert.enrich.reverse_dns_timeout_ms',
    type: { kind: 'integer', min: 100, max: 30_000 },
    default: () => 2_000,
    description: 'A reverse DNS lookup with no answer by then leaves the name out.',
    example: 'alert:\n  enrich:\n    reverse_dns_timeout_ms: 2000',
  },
  {
    path: 'alert.enrich.cache_size',
    type: { kind: 'integer', min: 1, max: 10_000_000 },
    default: () => 10_000,
    description:
      'Remote addresses whose enrichment is kept in memory; past it the least recently used is dropped.',
    example: 'alert:\n  enrich:\n    cache_size: 10000',
  },
  {
    path: 'alert.enrich.cache_ttl_s',
    type: { kind: 'integer', min: 1, max: 604_800 },
    default: () => 3_600,
    description:
      'How long an enrichment (and so a reverse DNS answer) is reused before it is looked up again.',
    example: 'alert:\n  enrich:\n    cache_ttl_s: 3600',
  },
  {
    path: 'respond.block.enabled',
    type: { kind: 'boolean' },
    default: () => false,
    description:
      'Let the "block" action of alert routes and "yamori block add" put remote addresses into an nftables set on this machine (the router), whose rules drop traffic to them. Off by default. Home networks, loopback, private and reserved ranges, the resolvers of "detect.dns_resolvers" and addresses or networks in "intel.allowlist" are never blocked.',
    example: 'respond:\n  block:\n    enabled: true',
  },
  {
    path: 'respond.block.table',
    type: { kind: 'string' },
    default: () => 'yamori',
    description:
      'The nftables table Yamori owns: created on first use with the sets blocklist4 and blocklist6 and the chains forward and output. "nft delete table inet yamori" removes every block at once.',
    example: 'respond:\n  block:\n    table: yamori',
  },
  {
    path: 'respond.block.family',
    type: { kind: 'string' },
    default: () => 'inet',
    description: 'nftables family of that table: inet (IPv4 and IPv6), ip (IPv4 only) or ip6 (IPv6 only).',
    example: 'respond:\n  block:\n    family: inet',
  },
  {
    path: 'respond.block.default_ttl_s',
    type: { kind: 'integer', min: 1, max: 31_536_000 },
    default: () => 3_600,
    description:
      'How long a block lasts when the route or "yamori block add --for" gives no duration; the kernel removes the address when it expires.',
    example: 'respond:\n  block:\n    default_ttl_s: 3600',
  },
  {
    path: 'respond.block.nft_path',
    type: { kind: 'string' },
    default: () => 'nft',
    description:
      'The nft binary: a name on PATH or a full path. Yamori runs it without a shell; it needs root or CAP_NET_ADMIN (apt-get install nftables; OpenWrt 22.03+ has it).',
    example: 'respond:\n  block:\n    nft_path: /usr/sbin/nft',
  },
];
