/**
 * The config as TypeScript sees it (camelCase). The YAML keys are the snake_case of these names;
 * `config-keys.ts` holds the one table of keys, types, defaults and docs that the loader checks.
 */
import type { ChannelConfig } from './channel-config.js';

export interface DatabaseConfig {
  /** Path of the DuckDB file. */
  path: string;
}

/** The BigQuery dataset the store uses when `store.engine` is "bigquery". */
export interface BigQueryConfig {
  /** Google Cloud project that holds the dataset and runs the query jobs. */
  project: string | null;
  dataset: string | null;
  /** Where the dataset lives ("US", "EU", "europe-west3"); set when Yamori creates it. */
  location: string;
  /** A service-account key file; null uses application default credentials. Never logged. */
  keyFile: string | null;
  /** Another API endpoint (the BigQuery emulator in tests); null for Google's. */
  endpoint: string | null;
  /**
   * How flows and DNS answers are written: the Storage Write API (a pending stream committed per
   * batch, all or nothing) or insertAll (streaming, the fallback). Left out: storage_write.
   */
  writeMethod?: 'storage_write' | 'insert_all';
  /**
   * Another Storage API endpoint, host:port (an emulator's gRPC port, plain text, no credentials);
   * left out or null: Google's. With `endpoint` set and no storage endpoint, writes use insertAll.
   */
  storageEndpoint?: string | null;
}

export interface StoreConfig {
  /** Which database the store is: the DuckDB file (left out: DuckDB) or a BigQuery dataset. */
  engine?: 'duckdb' | 'bigquery';
  database: DatabaseConfig;
  /** Read when `engine` is "bigquery". */
  bigquery?: BigQueryConfig;
  /** Rows per appender batch before a flush. */
  maxBatchRows: number;
  /** A partly filled batch is flushed after this long. */
  flushIntervalMs: number;
}

export interface FlowTableConfig {
  /** Sensor name written on every flow. */
  sensor: string;
  /** CIDRs of the home networks; decides `direction`. */
  homeNetworks: string[];
  /** A TCP flow with no packet for this long is emitted (NetFlow exporters use 15–300 s). */
  tcpIdleTimeoutS: number;
  /** A UDP flow with no packet for this long is emitted. */
  udpIdleTimeoutS: number;
  /** ICMP and other protocols: idle timeout. */
  otherIdleTimeoutS: number;
  /** A TCP flow that saw FIN from both sides or a RST is emitted after this much quiet. */
  tcpClosedTimeoutS: number;
  /** A long-lived flow is emitted (and a new record started) after this long (NetFlow's active timeout). */
  activeTimeoutS: number;
  /** Cap on flows held in memory; past it the least recently seen flow is emitted early (`evicted`). */
  maxFlows: number;
  /** How long a DNS answer names the address it resolved to, for `dns_name`. */
  dnsNameMaxAgeS: number;
}

export interface CaptureConfig {
  interface: string | null;
  filter: string | null;
  snaplen: number;
  /** tcpdump binary: a name on PATH or a full path. */
  tcpdumpPath: string;
  /** User tcpdump switches to after opening the interface (its -Z); null keeps tcpdump's default. */
  dropPrivilegesTo: string | null;
  /** First delay before restarting a tcpdump that died; doubles up to a minute. */
  restartDelayMs: number;
}

/** A feed's settings from the config: overrides of a built-in feed, or a whole user-defined feed. */
export interface FeedConfig {
  enabled?: boolean;
  url?: string;
  /** Parser name (text-list, csv-mapped, stix21, feodo-csv, …). */
  format?: string;
  /** Seconds between updates. */
  schedule?: number;
  /** Indicator type for formats that cannot tell (a text list of domains). */
  type?: string;
  threat?: string;
  malware?: string;
  confidence?: number;
  licence?: string;
  options?: Record<string, unknown>;
  /** An HTTP header the feed needs for access, and its value (secret). */
  authHeader?: string;
  authValue?: string;
}

export interface AllowlistEntryConfig {
  /** An address, network (CIDR), domain (its subdomains too) or URL. */
  value: string;
  reason: string;
}

export interface IntelConfig {
  feeds: Record<string, FeedConfig>;
  allowlist: AllowlistEntryConfig[];
  /** Hours an indicator stays valid for matching after it left its feed. */
  gracePeriodH: number;
  fetchTimeoutS: number;
  maxFeedBytes: number;
  fetchRetries: number;
  /** abuse.ch Auth-Key (free account at auth.abuse.ch); sent to abuse.ch feeds. */
  abusechAuthKey: string | null;
  /** AlienVault OTX API key, for subscribed pulses. */
  otxApiKey: string | null;
  /** Home networks, so an indicator inside them never alerts. */
  homeNetworks: string[];
}

/** The flow-export collector (`yamori collect`): NetFlow v5/v9, IPFIX and sFlow over UDP. */
export interface CollectConfig {
  /** UDP addresses to listen on, "ADDR:PORT" ("0.0.0.0:2055", "[::]:4739"). */
  listen: string[];
  /** How long a one-way record waits for its reverse direction before it is stored alone. */
  stitchWindowS: number;
  /** Exporters whose templates are kept; past it the longest-silent exporter is forgotten. */
  maxExporters: number;
  /** Templates kept per exporter; past it new templates from that exporter are refused and counted. */
  maxTemplatesPerExporter: number;
  /** One-way records and sampled-packet aggregates held while waiting; past it the oldest is stored early. */
  maxPendingFlows: number;
  /** Socket receive buffer asked of the kernel (capped by net.core.rmem_max). */
  receiveBufferBytes: number;
  /** The spool file for datagrams received while storing is behind; null: beside the database file. */
  spoolPath: string | null;
  /** Largest spool file; 0 turns the spool off (datagrams past the memory queue are dropped). */
  spoolMaxBytes: number;
}

/** The detection engine (`yamori rules …`): where rules live, their windows, limits and alerts. */
export interface DetectConfig {
  /** Folders of the user's own rules, besides the built-in ones. */
  rulesDirs: string[];
  /** Load the rules shipped with Yamori. */
  builtinRules: boolean;
  /** How often a rule whose rule.yaml names no schedule is due. */
  scheduleS: number;
  /** Where a rule that never ran starts: this far back in ingestion time. */
  lookbackH: number;
  /** How far back indicator rules match newly arrived indicators (the retention of stored flows). */
  retroHuntHorizonD: number;
  /** A rule query running longer is stopped, unless its rule.yaml sets its own limit. */
  ruleTimeoutS: number;
  /** Result rows a rule may return per pass; past it the rest are dropped with a warning. */
  maxResults: number;
  /** Result rows kept as evidence on one alert. */
  maxEvidenceRows: number;
  /** A repeat within this long of an open alert updates it, unless the rule sets `suppress_for`. */
  suppressForH: number;
  /** The DNS resolvers devices should use; empty: any resolver on the home networks counts as configured. */
  dnsResolvers: string[];
}

/** One route of the alert routing policy (`alert.routes`), in config order. */
export interface AlertRouteConfig {
  name: string;
  /** CEL condition over the alert; compiled at load. */
  when: string;
  /** Channels (`alert.channels` names) notified, or sent the digest when `digestS` is set. */
  notify: string[];
  /** Send nothing: `always`, or for this many seconds after the last notified alert of the same rule, device and remote. */
  suppressS: number | 'always' | null;
  severity: 'raise' | 'lower' | 'info' | 'low' | 'medium' | 'high' | 'critical' | null;
  /** Collect into one digest per this many seconds instead of notifying at once. */
  digestS: number | null;
  /** Hand the remote address to the block responder. */
  block: boolean;
  /** Evaluate later routes too (default: stop at the first match). */
  continue: boolean;
}

/** The outbox: how deliveries are retried. */
export interface AlertDeliveryConfig {
  /** Attempts per delivery before it is given up. */
  maxAttempts: number;
  /** One attempt is abandoned after this long. */
  timeoutS: number;
  /** The first retry waits about this long, doubling per attempt (with jitter) up to `backoffMaxS`. */
  backoffBaseS: number;
  backoffMaxS: number;
}

/** Alerts after they are stored: routing policy and delivery (channels and dashboard URL beside). */
export interface AlertConfig {
  routes: AlertRouteConfig[];
  delivery: AlertDeliveryConfig;
  /** Notification channels by name; secrets named by `<setting>_env` are already read. */
  channels: Record<string, ChannelConfig>;
  /** Base URL of the dashboard, for links in notifications; null leaves them out. */
  dashboardUrl: string | null;
}

/** Enrichment of alerts for people (`alert.enrich`): ASN and country from open data, reverse DNS. */
export interface EnrichConfig {
  /** Look up ASN, AS organisation and country in the offline open-data packages. */
  geoip: boolean;
  /** Ask DNS for the PTR name of remote addresses (a lookup the resolver and its operator see). */
  reverseDns: boolean;
  /** Resolvers for reverse DNS ("ADDR" or "ADDR:PORT"); empty: the system's. */
  dnsServers: string[];
  reverseDnsTimeoutMs: number;
  /** Enrichments kept in memory, and for how long (reverse DNS answers change). */
  cacheSize: number;
  cacheTtlS: number;
  /** Addresses inside these are never looked up. */
  homeNetworks: string[];
}

/** The block response (`respond.block`): remote addresses into an nftables set with a timeout. */
export interface RespondConfig {
  enabled: boolean;
  /** nftables table Yamori owns (created on first use). */
  table: string;
  /** nftables family of that table: inet (IPv4 and IPv6), ip or ip6. */
  family: string;
  /** How long a block lasts when the action or command names no duration. */
  defaultTtlS: number;
  /** nft binary: a name on PATH or a full path. */
  nftPath: string;
  /** Never blocked: the home networks, the configured resolvers and allow-listed addresses and networks. */
  homeNetworks: string[];
  resolvers: string[];
  allowlist: string[];
}

/** The dashboard and its API (`yamori web`). */
export interface WebConfig {
  /** "ADDR:PORT" to listen on; 127.0.0.1 unless configured otherwise. */
  listen: string;
  /** The URL people open, behind a proxy; https:// makes cookies Secure. Null: the listen address. */
  publicUrl: string | null;
  /** A session ends after this long without a request. */
  sessionTtlH: number;
  /** Login attempts per client address per minute before HTTP 429. */
  loginAttemptsPerMin: number;
}

/** `yamori serve`: which stages the one process runs (intervals come from the stages' own keys). */
export interface ServeConfig {
  /** The flow source: "capture" (capture.interface), "collect" (collect.listen), "conntrack", or null for none. */
  source: string | null;
  /** Serve the dashboard, /healthz and /metrics (web.listen). */
  web: boolean;
  /** Send alerts to the configured channels. */
  deliver: boolean;
  /** Bearer token /metrics requires; null: /metrics is open to whoever reaches web.listen. Secret. */
  metricsToken: string | null;
}

/** How long stored records are kept (`yamori serve` prunes on a schedule). */
export interface RetentionConfig {
  /** Flows whose last packet is older than this many days are deleted; 0 keeps them forever. */
  flowsD: number;
}

export interface YamoriConfig {
  sensor: string;
  homeNetworks: string[];
  store: StoreConfig;
  flow: FlowTableConfig;
  capture: CaptureConfig;
  collect: CollectConfig;
  intel: IntelConfig;
  detect: DetectConfig;
  alert: AlertConfig;
  enrich: EnrichConfig;
  respond: RespondConfig;
  web: WebConfig;
  serve: ServeConfig;
  retention: RetentionConfig;
}
