import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YamoriError } from '../errors/index.js';
import { DEFAULT_HOME_NETWORKS } from './config-keys.js';
import { loadConfig } from './load-config.js';

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-config-'));
  const path = join(dir, 'yamori.yaml');
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): YamoriError {
  try {
    fn();
  } catch (error) {
    if (error instanceof YamoriError) return error;
    throw error;
  }
  throw new Error('expected a YamoriError');
}

describe('loadConfig', () => {
  it('gives documented defaults when there is no file', () => {
    const config = loadConfig({ path: null, env: {} });
    expect(config.homeNetworks).toEqual(DEFAULT_HOME_NETWORKS);
    expect(config.flow.maxFlows).toBe(1_000_000);
    expect(config.store.database.path).toMatch(/yamori\.duckdb$/);
    expect(Object.isFrozen(config.flow)).toBe(true);
  });

  it('selects the BigQuery store with its dataset, and DuckDB by default', () => {
    expect(loadConfig({ path: null, env: {} }).store).toMatchObject({
      engine: 'duckdb',
      bigquery: { project: null, dataset: null, location: 'US', keyFile: null, endpoint: null },
    });
    const path = writeConfig(
      'store:\n  engine: bigquery\nbigquery:\n  project: home-sec\n  dataset: yamori\n  location: EU\n  key_file: /etc/yamori/key.json\n',
    );
    expect(loadConfig({ path, env: {} }).store).toMatchObject({
      engine: 'bigquery',
      bigquery: { project: 'home-sec', dataset: 'yamori', location: 'EU', keyFile: '/etc/yamori/key.json' },
    });
    expect(loadConfig({ path: null, env: { YAMORI_STORE: 'bigquery' } }).store.engine).toBe('bigquery');
    expect(loadConfig({ path, env: {}, overrides: { 'store.engine': 'duckdb' } }).store.engine).toBe(
      'duckdb',
    );
  });

  it('writes to BigQuery with the Storage Write API by default, and takes insert_all and a storage endpoint', () => {
    expect(loadConfig({ path: null, env: {} }).store.bigquery).toMatchObject({
      writeMethod: 'storage_write',
      storageEndpoint: null,
    });
    const path = writeConfig(
      'bigquery:\n  write_method: insert_all\n  endpoint: http://127.0.0.1:9050\n  storage_endpoint: 127.0.0.1:9060\n',
    );
    expect(loadConfig({ path, env: {} }).store.bigquery).toMatchObject({
      writeMethod: 'insert_all',
      storageEndpoint: '127.0.0.1:9060',
    });
    const error = errorOf(() =>
      loadConfig({ path: writeConfig('bigquery:\n  write_method: load_job\n'), env: {} }),
    );
    expect(error.code).toBe('CONFIG_INVALID_VALUE');
    expect(error.message).toContain('storage_write, insert_all');
  });

  it('refuses an engine it does not know, naming the choices', () => {
    const error = errorOf(() => loadConfig({ path: writeConfig('store:\n  engine: postgres\n'), env: {} }));
    expect(error.message).toContain('store.engine');
    expect(error.message).toContain('duckdb, bigquery');
  });

  it('reads nested keys and hands the shared ones to the flow section', () => {
    const path = writeConfig('sensor: attic\nhome_networks: [192.168.7.0/24]\nflow:\n  max_flows: 5000\n');
    const config = loadConfig({ path, env: {} });
    expect(config.flow.sensor).toBe('attic');
    expect(config.flow.homeNetworks).toEqual(['192.168.7.0/24']);
    expect(config.flow.maxFlows).toBe(5000);
  });

  it('rejects an unknown key with its line and the nearest valid name', () => {
    const path = writeConfig('sensor: a\nflow:\n  max_flow: 10\n');
    const error = errorOf(() => loadConfig({ path, env: {} }));
    expect(error.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain('line 3');
    expect(error.message).toContain('"flow.max_flow"');
    expect(error.message).toContain('Did you mean "flow.max_flows"?');
    expect(error.exitCode).toBe(2);
  });

  it('rejects a value of the wrong type, naming the key and line and showing an example', () => {
    const path = writeConfig('flow:\n  tcp_idle_timeout_s: soon\n');
    const error = errorOf(() => loadConfig({ path, env: {} }));
    expect(error.code).toBe('CONFIG_INVALID_VALUE');
    expect(error.message).toBe(
      `${path} line 2: "flow.tcp_idle_timeout_s" must be a whole number (got soon).`,
    );
    expect(error.hint).toContain('tcp_idle_timeout_s: 300');
  });

  it('rejects a network that is not CIDR', () => {
    const path = writeConfig('home_networks: [192.168.1.0/33]\n');
    expect(errorOf(() => loadConfig({ path, env: {} })).message).toContain('"192.168.1.0/33"');
  });

  it('reports YAML syntax errors with the line', () => {
    const path = writeConfig('sensor: a\nflow: [\n');
    const error = errorOf(() => loadConfig({ path, env: {} }));
    expect(error.code).toBe('CONFIG_YAML_INVALID');
    expect(error.message).toMatch(/line \d/);
  });

  it('names a missing file', () => {
    expect(errorOf(() => loadConfig({ path: '/nonexistent/y.yaml', env: {} })).code).toBe('CONFIG_NOT_FOUND');
  });

  it('lets the environment override the file and flags override both', () => {
    const path = writeConfig('database:\n  path: /from/file.duckdb\nflow:\n  max_flows: 5000\n');
    const env = { YAMORI_DB: '/from/env.duckdb', YAMORI_FLOW_MAX_FLOWS: '7000' };
    const config = loadConfig({ path, env });
    expect(config.store.database.path).toBe('/from/env.duckdb');
    expect(config.flow.maxFlows).toBe(7000);
    const flagged = loadConfig({ path, env, overrides: { 'database.path': '/from/flag.duckdb' } });
    expect(flagged.store.database.path).toBe('/from/flag.duckdb');
  });

  it('names the environment variable when its value is bad', () => {
    const error = errorOf(() => loadConfig({ path: null, env: { YAMORI_FLOW_MAX_FLOWS: 'lots' } }));
    expect(error.code).toBe('CONFIG_ENV_INVALID');
    expect(error.message).toContain('YAMORI_FLOW_MAX_FLOWS');
  });

  it('accepts the commented sample config in the repository', () => {
    const config = loadConfig({ path: join(process.cwd(), 'yamori.example.yaml'), env: {} });
    expect(config.sensor).toBe('home-router');
  });
});

describe('loadConfig intel section', () => {
  it('reads feed overrides and user feeds with durations in seconds', () => {
    const path = writeConfig(
      'intel:\n  feeds:\n    feodo: { enabled: false }\n    mine:\n      url: https://example.org/x.txt\n      format: text-list\n      schedule: 6h\n',
    );
    const config = loadConfig({ path, env: {} });
    expect(config.intel.feeds['feodo']).toEqual({ enabled: false });
    expect(config.intel.feeds['mine']).toEqual({
      url: 'https://example.org/x.txt',
      format: 'text-list',
      schedule: 21_600,
    });
  });

  it('names the feed setting and its line when a feed field is wrong', () => {
    const path = writeConfig(
      'intel:\n  feeds:\n    mine:\n      url: https://example.org/x\n      shedule: 6h\n',
    );
    const error = errorOf(() => loadConfig({ path, env: {} }));
    expect(error.code).toBe('CONFIG_INVALID_VALUE');
    expect(error.message).toContain('line 5');
    expect(error.message).toContain(
      '"intel.feeds.mine.shedule" is not a feed setting (did you mean "schedule"?)',
    );
  });

  it('rejects an allow-list entry that is neither address, network, domain nor URL', () => {
    const path = writeConfig(
      'intel:\n  allowlist:\n    - 1.2.3.4\n    - { value: "not valid!", reason: x }\n',
    );
    const error = errorOf(() => loadConfig({ path, env: {} }));
    expect(error.message).toContain('"intel.allowlist[1]"');
    expect(error.message).toContain('line 4');
  });

  it('takes API keys from the environment and redacts them in the shown config', async () => {
    const config = loadConfig({ path: null, env: { OTX_API_KEY: 'sekret' } });
    expect(config.intel.otxApiKey).toBe('sekret');
    const { configForDisplay } = await import('./load-config.js');
    expect(JSON.stringify(configForDisplay(config))).not.toContain('sekret');
  });
});

describe('loadConfig enrichment and block response', () => {
  it('turns on offline geo data and leaves reverse DNS and blocking off by default', () => {
    const config = loadConfig({ path: null, env: {} });
    expect(config.enrich).toMatchObject({ geoip: true, reverseDns: false, dnsServers: [] });
    expect(config.respond).toMatchObject({ enabled: false, table: 'yamori', family: 'inet', nftPath: 'nft' });
  });

  it('gives the responder the home networks, the resolvers and the allow-listed addresses to protect', () => {
    const path = writeConfig(
      'home_networks: [192.168.7.0/24]\ndetect:\n  dns_resolvers: [192.168.7.2]\nintel:\n  allowlist:\n    - { value: 198.51.100.0/24, reason: partner }\nalert:\n  enrich:\n    reverse_dns: true\n    dns_servers: ["127.0.0.1:5353"]\nrespond:\n  block:\n    enabled: true\n    default_ttl_s: 600\n',
    );
    const config = loadConfig({ path, env: {} });
    expect(config.enrich).toMatchObject({
      reverseDns: true,
      dnsServers: ['127.0.0.1:5353'],
      homeNetworks: ['192.168.7.0/24'],
    });
    expect(config.respond).toMatchObject({
      enabled: true,
      defaultTtlS: 600,
      homeNetworks: ['192.168.7.0/24'],
      resolvers: ['192.168.7.2'],
      allowlist: ['198.51.100.0/24'],
    });
  });
});

describe('routes and channels', () => {
  const routes = (notify: string) =>
    `alert:\n  channels:\n    phone: { type: ntfy, topic: yamori-home }\n  routes:\n    - name: urgent\n      when: severity == "critical"\n      notify: [${notify}]\n`;

  it('accepts a route that notifies a configured channel', () => {
    const config = loadConfig({ path: writeConfig(routes('phone')) });
    expect(config.alert.routes[0]?.notify).toEqual(['phone']);
  });

  it('refuses a route that notifies a channel that is not configured, naming both and the file', () => {
    const path = writeConfig(routes('phone, pager'));
    const error = errorOf(() => loadConfig({ path }));
    expect(error.code).toBe('POLICY_UNKNOWN_CHANNEL');
    expect(error.message).toContain('Route "urgent" sends to channel "pager"');
    expect(error.message).toContain('(phone)');
    expect(error.source).toBe(path);
  });
});
