/**
 * Configuration: the key table, defaults, the YAML loader with environment and flag overrides.
 *
 * In: a YAML file path, the environment, flag values. Out: a frozen YamoriConfig; each stage gets its section.
 * Unknown keys and bad values are errors naming the key and line; nothing is silently ignored.
 * Called by cli/ and daemon/; imports nothing of ours but the leaves.
 */
export type {
  YamoriConfig,
  StoreConfig,
  DatabaseConfig,
  BigQueryConfig,
  FlowTableConfig,
  CaptureConfig,
  CollectConfig,
  IntelConfig,
  DetectConfig,
  EnrichConfig,
  RespondConfig,
  WebConfig,
  FeedConfig,
  AllowlistEntryConfig,
  AlertConfig,
  AlertRouteConfig,
  AlertDeliveryConfig,
} from './schema.js';
export { createRouteEnvironment, severityRank, ROUTE_VARIABLES } from './alert-routes.js';
export { channelForDisplay } from './alert-channels.js';
export {
  CHANNEL_TYPES,
  SYSLOG_FACILITIES,
  type ChannelType,
  type ChannelConfig,
  type SlackChannelConfig,
  type WebhookChannelConfig,
  type EmailChannelConfig,
  type NtfyChannelConfig,
  type DiscordChannelConfig,
  type TelegramChannelConfig,
  type SyslogChannelConfig,
  type GithubChannelConfig,
  type FileChannelConfig,
} from './channel-config.js';
export { loadConfig, configKeyPaths, configForDisplay, type LoadConfigOptions } from './load-config.js';
export { CONFIG_KEYS, DEFAULT_HOME_NETWORKS, defaultDatabasePath, type ConfigKey } from './config-keys.js';
export { parseCidr, type Cidr } from './cidr.js';
export { parseListenAddress, type ListenAddress } from './listen-address.js';
export { nearestName } from './nearest-name.js';
