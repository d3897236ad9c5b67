import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { syncDetectSettings, writeDnsResolvers } from './detect-settings.js';

async function settings(store: Store): Promise<Record<string, string>> {
  const result = await store.runRuleQuery(
    `SELECT key, value FROM settings WHERE key <> 'intel.grace_period_h' ORDER BY key`,
    {},
    { timeoutMs: 5_000, maxRows: 100 },
  );
  return Object.fromEntries(result.rows.map((row) => [String(row['key']), String(row['value'])]));
}

describe('writeDnsResolvers', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ database: { path: ':memory:' }, maxBatchRows: 100, flushIntervalMs: 1_000 });
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores the resolvers where rule SQL reads them, trimmed, lowercase and without repeats', async () => {
    await writeDnsResolvers(store, [' 192.168.1.2', 'FD00::2', '192.168.1.2', '']);
    expect(await settings(store)).toEqual({ 'detect.dns_resolvers': '192.168.1.2,fd00::2' });
  });

  it('replaces an earlier list, and removes the setting for an empty one', async () => {
    await syncDetectSettings(store, { dnsResolvers: ['9.9.9.9'] });
    await syncDetectSettings(store, { dnsResolvers: ['1.1.1.1'] });
    expect(await settings(store)).toEqual({ 'detect.dns_resolvers': '1.1.1.1' });
    await syncDetectSettings(store, { dnsResolvers: [] });
    expect(await settings(store)).toEqual({});
  });

  it('leaves settings under other prefixes alone, and refuses a key outside its prefix', async () => {
    await store.replaceSettings('intel.domain_match.', { 'intel.domain_match.whole': 'subdomains' });
    await writeDnsResolvers(store, ['9.9.9.9']);
    expect(await settings(store)).toEqual({
      'detect.dns_resolvers': '9.9.9.9',
      'intel.domain_match.whole': 'subdomains',
    });
    await expect(store.replaceSettings('detect.', { 'intel.x': 'y' })).rejects.toMatchObject({
      code: 'STORE_WRITE_FAILED',
    });
  });
});
