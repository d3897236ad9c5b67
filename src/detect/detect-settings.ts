import type { DetectConfig } from '../config/index.js';
import type { Store } from '../store/index.js';

/** The setting rules read the configured DNS resolvers from: addresses separated by commas. */
export const DNS_RESOLVERS_SETTING = 'detect.dns_resolvers';

/**
 * Writes `detect.dns_resolvers` where rule SQL reads it (the `settings` table), replacing what was
 * there; an empty list removes the setting, and rules then treat any resolver on the home networks
 * as configured.
 */
export async function writeDnsResolvers(store: Store, resolvers: readonly string[]): Promise<void> {
  const addresses = [...new Set(resolvers.map((addr) => addr.trim().toLowerCase()).filter((a) => a !== ''))];
  await store.replaceSettings(
    DNS_RESOLVERS_SETTING,
    addresses.length === 0 ? {} : { [DNS_RESOLVERS_SETTING]: addresses.join(',') },
  );
}

/** Puts the detect settings rules read into the store; the CLI calls it before running rules. */
export async function syncDetectSettings(
  store: Store,
  config: Pick<DetectConfig, 'dnsResolvers'>,
): Promise<void> {
  await writeDnsResolvers(store, config.dnsResolvers);
}
