/**
 * The config as TypeScript sees it (camelCase). The YAML keys are the snake_case of these names;
 * `config-keys.ts` holds the one table of keys, types, defaults and docs that the loader checks.
 */
export interface DatabaseConfig {
  /** Path of the DuckDB file. */
  path: string;
}

export interface StoreConfig {
  database: DatabaseConfig;
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

export interface YamoriConfig {
  sensor: string;
  homeNetworks: string[];
  store: StoreConfig;
  flow: FlowTableConfig;
  capture: CaptureConfig;
  intel: IntelConfig;
}
