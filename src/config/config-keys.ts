/**
 * The one table of config keys: YAML path, type, default, and the sentence docs/configuration.md shows.
 * The loader checks files and environment overrides against it; a test keeps the docs complete.
 */
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

export type KeyType =
  | { kind: 'string'; nullable?: boolean }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'cidr-list' }
  | { kind: 'boolean' }
  | { kind: 'feeds' }
  | { kind: 'allowlist' };

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
];
