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
  FlowTableConfig,
  CaptureConfig,
  IntelConfig,
  FeedConfig,
  AllowlistEntryConfig,
} from './schema.js';
export { loadConfig, configKeyPaths, configForDisplay, type LoadConfigOptions } from './load-config.js';
export { CONFIG_KEYS, DEFAULT_HOME_NETWORKS, defaultDatabasePath, type ConfigKey } from './config-keys.js';
export { parseCidr, type Cidr } from './cidr.js';
