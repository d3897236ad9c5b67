import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Node, Pair } from 'yaml';
import { YamoriError } from '../errors/index.js';
import { CONFIG_KEYS, type ConfigKey } from './config-keys.js';
import { parseCidr } from './cidr.js';
import { parseListenAddress } from './listen-address.js';
import type { YamoriConfig } from './schema.js';
import { nearestName } from './nearest-name.js';
import { checkAllowlist, checkFeeds } from './structured-values.js';
import { checkRoutes } from './alert-routes.js';
import { channelForDisplay, checkChannels, resolveChannelSecrets } from './alert-channels.js';

export interface LoadConfigOptions {
  /** Path of the YAML file; null loads defaults and environment only. */
  path: string | null;
  /** Environment to read YAMORI_* overrides from. */
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, by dotted key; they win over file and environment. */
  overrides?: Record<string, unknown>;
}

type Flat = Map<string, unknown>;

let yamlModule: typeof Yaml | undefined;

/**
 * The YAML parser, loaded when a config file is first read rather than with this module: most
 * commands run without one, and loading it costs a few dozen milliseconds of every CLI start.
 */
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlModule;
}

/**
 * Loads and validates the config: defaults, then the file, then environment overrides, then flags.
 * Unknown keys and wrong types are errors that name the key and line. The result is frozen.
 */
export function loadConfig(options: LoadConfigOptions): YamoriConfig {
  const values: Flat = new Map(CONFIG_KEYS.map((key) => [key.path, key.default()]));
  if (options.path !== null) readFile(options.path, values);
  readEnvironment(options.env ?? {}, values);
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) values.set(path, value);
  }
  const channels = values.get('alert.channels') as Parameters<typeof resolveChannelSecrets>[0];
  values.set('alert.channels', resolveChannelSecrets(channels, options.env ?? {}));
  const config = build(values);
  checkRouteChannels(config, options.path);
  return deepFreeze(config);
}

/** Every channel a route notifies (or sends its digest to) must be configured under alert.channels. */
function checkRouteChannels(config: YamoriConfig, path: string | null): void {
  const names = Object.keys(config.alert.channels);
  for (const route of config.alert.routes) {
    const unknown = route.notify.find((channel) => !names.includes(channel));
    if (unknown === undefined) continue;
    throw new YamoriError(
      'POLICY_UNKNOWN_CHANNEL',
      {
        route: route.name,
        channel: unknown,
        channels: names.length > 0 ? names.join(', ') : 'none configured',
      },
      path === null ? {} : { source: path },
    );
  }
}

/** Every key the config accepts, dotted, in table order. */
export function configKeyPaths(): string[] {
  return CONFIG_KEYS.map((key) => key.path);
}

function readFile(path: string, values: Flat): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new YamoriError('CONFIG_NOT_FOUND', { path }, { source: path, cause });
  }
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = lineCounter.linePos(firstError.pos[0]).line;
    throw new YamoriError('CONFIG_YAML_INVALID', {
      path,
      line,
      detail: firstError.message.split('\n')[0] ?? '',
    });
  }
  if (doc.contents === null) return;
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  if (!yaml().isMap(doc.contents)) {
    throw new YamoriError('CONFIG_INVALID_VALUE', {
      path,
      line: lineOf(doc.contents),
      key: '(top level)',
      problem: 'must be a mapping of keys to values',
      value: 'a ' + (yaml().isSeq(doc.contents) ? 'list' : 'scalar'),
      example: 'Start the file with a key, e.g. "sensor: attic-router".',
    });
  }
  walk(doc.contents.items, '', path, values, lineOf);
}

function walk(
  pairs: Pair[],
  prefix: string,
  file: string,
  values: Flat,
  lineOf: (node: Node | null | undefined) => number,
): void {
  for (const pair of pairs) {
    const keyNode = pair.key as Node | null;
    const name = yaml().isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const dotted = prefix + name;
    const line = lineOf(keyNode);
    const key = CONFIG_KEYS.find((candidate) => candidate.path === dotted);
    const isSection = CONFIG_KEYS.some((candidate) => candidate.path.startsWith(dotted + '.'));
    const valueNode = pair.value as Node | null;
    if (key) {
      const raw: unknown = valueNode === null ? null : valueNode.toJSON();
      values.set(
        dotted,
        coerce(
          key,
          raw,
          (problem, shown, subKey) =>
            new YamoriError('CONFIG_INVALID_VALUE', {
              path: file,
              line: lineOf(subKey ? nodeAt(valueNode, subKey.slice(dotted.length)) : (valueNode ?? keyNode)),
              key: subKey ?? dotted,
              problem,
              value: shown,
              example: `For example:\n${key.example}`,
            }),
        ),
      );
    } else if (isSection && yaml().isMap(valueNode)) {
      walk(valueNode.items, dotted + '.', file, values, lineOf);
    } else if (isSection) {
      throw new YamoriError('CONFIG_INVALID_VALUE', {
        path: file,
        line,
        key: dotted,
        problem: 'is a section and must hold keys',
        value: JSON.stringify(valueNode?.toJSON() ?? null),
        example: `For example:\n${CONFIG_KEYS.find((c) => c.path.startsWith(dotted + '.'))?.example ?? ''}`,
      });
    } else {
      const candidates = CONFIG_KEYS.map((c) => c.path).filter((p) => p.startsWith(prefix));
      const suggestion = nearestName(dotted, candidates.length > 0 ? candidates : configKeyPaths());
      throw new YamoriError('CONFIG_UNKNOWN_KEY', {
        path: file,
        line,
        key: dotted,
        suggestion: suggestion ? ` Did you mean "${suggestion}"?` : '',
      });
    }
  }
}

/** The node at ".a.b" or "[2]" below `node`, for the line of a nested problem; `node` itself if absent. */
function nodeAt(node: Node | null, subPath: string): Node | null {
  const parts = [...subPath.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : m[1]!,
  );
  let current: unknown = node;
  for (const part of parts) {
    if (yaml().isMap(current)) {
      const pair = current.items.find(
        (item) => yaml().isScalar(item.key) && String(item.key.value) === String(part),
      );
      if (!pair) break;
      current =
        typeof parts[parts.length - 1] === 'string' && part === parts[parts.length - 1]
          ? pair.key
          : pair.value;
    } else if (yaml().isSeq(current) && typeof part === 'number') {
      current = current.items[part] ?? current;
    } else break;
  }
  return (current as Node | null) ?? node;
}

function envName(key: ConfigKey): string {
  return 'YAMORI_' + key.path.replace(/\./g, '_').toUpperCase();
}

function readEnvironment(env: NodeJS.ProcessEnv, values: Flat): void {
  for (const key of CONFIG_KEYS) {
    for (const name of [envName(key), key.env]) {
      if (name === undefined) continue;
      const text = env[name];
      if (text === undefined || text === '') continue;
      const raw =
        key.type.kind === 'cidr-list' || key.type.kind === 'listen-list' || key.type.kind === 'string-list'
          ? text.split(',').map((s) => s.trim())
          : text;
      values.set(
        key.path,
        coerce(
          key,
          raw,
          (problem, shown) =>
            new YamoriError('CONFIG_ENV_INVALID', { name, key: key.path, problem, value: shown }),
        ),
      );
    }
  }
}

function coerce(
  key: ConfigKey,
  raw: unknown,
  fail: (problem: string, shown: string, subKey?: string) => YamoriError,
): unknown {
  const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const type = key.type;
  switch (type.kind) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw fail('must be true or false', shown);
    case 'channels': {
      const checked = checkChannels(raw, key.path);
      if (checked.ok) return checked.value;
      throw fail(checked.problem, shown.length > 80 ? shown.slice(0, 77) + '...' : shown, checked.key);
    }
    case 'url':
      if (raw === null && type.nullable) return null;
      if (typeof raw === 'string' && /^https?:\/\/[^\s/]+\S*$/.test(raw)) return raw.replace(/\/+$/, '');
      throw fail('must be an http:// or https:// URL' + (type.nullable ? ' or null' : ''), shown);
    case 'routes': {
      const checked = checkRoutes(raw, key.path);
      if (checked.ok) return checked.value;
      throw fail(checked.problem, checked.shown ?? shown.slice(0, 80), checked.key);
    }
    case 'feeds':
    case 'allowlist': {
      const checked = type.kind === 'feeds' ? checkFeeds(raw, key.path) : checkAllowlist(raw, key.path);
      if (checked.ok) return checked.value;
      throw fail(checked.problem, shown.length > 80 ? shown.slice(0, 77) + '...' : shown, checked.key);
    }
    case 'string':
      if (raw === null && type.nullable) return null;
      if (type.oneOf !== undefined && !(typeof raw === 'string' && type.oneOf.includes(raw))) {
        throw fail(`must be one of ${type.oneOf.join(', ')}`, shown);
      }
      if (typeof raw === 'string' && raw.length > 0) return raw;
      if (typeof raw === 'number') return String(raw);
      throw fail(type.nullable ? 'must be text or null' : 'must be non-empty text', shown);
    case 'integer': {
      const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw fail('must be a whole number', shown);
      if (value < type.min || value > type.max) {
        throw fail(`must be between ${type.min} and ${type.max}`, shown);
      }
      return value;
    }
    case 'listen':
      if (typeof raw === 'string' && parseListenAddress(raw) !== null) return raw.trim();
      throw fail('must be ADDR:PORT such as 127.0.0.1:8080 or [::1]:8080', shown);
    case 'listen-list': {
      if (!Array.isArray(raw) || raw.length === 0) {
        throw fail('must be a non-empty list of ADDR:PORT addresses', shown);
      }
      return raw.map((item) => {
        const text = String(item);
        if (parseListenAddress(text) === null) {
          throw fail(`has "${text}", which is not ADDR:PORT such as 0.0.0.0:2055 or [::]:4739`, shown);
        }
        return text;
      });
    }
    case 'string-list': {
      if (!Array.isArray(raw)) throw fail('must be a list', shown);
      return raw.map((item) => {
        if (typeof item !== 'string' || item.trim() === '')
          throw fail('must hold non-empty text only', shown);
        return item;
      });
    }
    case 'cidr-list': {
      if (!Array.isArray(raw)) throw fail('must be a list of networks in CIDR form', shown);
      return raw.map((item) => {
        const text = String(item);
        if (parseCidr(text) === null) {
          throw fail(
            `has "${text}", which is not a network in CIDR form such as 192.168.1.0/24 or fd00::/8`,
            shown,
          );
        }
        return text;
      });
    }
  }
}

function build(values: Flat): YamoriConfig {
  const get = <T>(path: string): T => values.get(path) as T;
  const sensor = get<string>('sensor');
  const homeNetworks = get<string[]>('home_networks');
  return {
    sensor,
    homeNetworks,
    store: {
      engine: get<'duckdb' | 'bigquery'>('store.engine'),
      database: { path: get<string>('database.path') },
      bigquery: {
        project: get<string | null>('bigquery.project'),
        dataset: get<string | null>('bigquery.dataset'),
        location: get<string>('bigquery.location'),
        keyFile: get<string | null>('bigquery.key_file'),
        endpoint: get<string | null>('bigquery.endpoint'),
        writeMethod: get<'storage_write' | 'insert_all'>('bigquery.write_method'),
        storageEndpoint: get<string | null>('bigquery.storage_endpoint'),
      },
      maxBatchRows: get<number>('store.max_batch_rows'),
      flushIntervalMs: get<number>('store.flush_interval_ms'),
    },
    flow: {
      sensor,
      homeNetworks,
      tcpIdleTimeoutS: get<number>('flow.tcp_idle_timeout_s'),
      udpIdleTimeoutS: get<number>('flow.udp_idle_timeout_s'),
      otherIdleTimeoutS: get<number>('flow.other_idle_timeout_s'),
      tcpClosedTimeoutS: get<number>('flow.tcp_closed_timeout_s'),
      activeTimeoutS: get<number>('flow.active_timeout_s'),
      maxFlows: get<number>('flow.max_flows'),
      dnsNameMaxAgeS: get<number>('flow.dns_name_max_age_s'),
    },
    collect: {
      listen: get<string[]>('collect.listen'),
      stitchWindowS: get<number>('collect.stitch_window_s'),
      maxExporters: get<number>('collect.max_exporters'),
      maxTemplatesPerExporter: get<number>('collect.max_templates_per_exporter'),
      maxPendingFlows: get<number>('collect.max_pending_flows'),
      receiveBufferBytes: get<number>('collect.receive_buffer_bytes'),
      spoolPath: get<string | null>('collect.spool_path'),
      spoolMaxBytes: get<number>('collect.spool_max_bytes'),
    },
    intel: {
      feeds: get<YamoriConfig['intel']['feeds']>('intel.feeds'),
      allowlist: get<YamoriConfig['intel']['allowlist']>('intel.allowlist'),
      gracePeriodH: get<number>('intel.grace_period_h'),
      fetchTimeoutS: get<number>('intel.fetch_timeout_s'),
      maxFeedBytes: get<number>('intel.max_feed_bytes'),
      fetchRetries: get<number>('intel.fetch_retries'),
      abusechAuthKey: get<string | null>('intel.abusech_auth_key'),
      otxApiKey: get<string | null>('intel.otx_api_key'),
      homeNetworks,
    },
    detect: {
      rulesDirs: get<string[]>('detect.rules_dirs'),
      builtinRules: get<boolean>('detect.builtin_rules'),
      scheduleS: get<number>('detect.schedule_s'),
      lookbackH: get<number>('detect.lookback_h'),
      retroHuntHorizonD: get<number>('detect.retro_hunt_horizon_d'),
      ruleTimeoutS: get<number>('detect.rule_timeout_s'),
      maxResults: get<number>('detect.max_results'),
      maxEvidenceRows: get<number>('detect.max_evidence_rows'),
      suppressForH: get<number>('detect.suppress_for_h'),
      dnsResolvers: get<string[]>('detect.dns_resolvers'),
    },
    alert: {
      routes: get<YamoriConfig['alert']['routes']>('alert.routes'),
      delivery: {
        maxAttempts: get<number>('alert.delivery.max_attempts'),
        timeoutS: get<number>('alert.delivery.timeout_s'),
        backoffBaseS: get<number>('alert.delivery.backoff_base_s'),
        backoffMaxS: get<number>('alert.delivery.backoff_max_s'),
      },
      channels: get<YamoriConfig['alert']['channels']>('alert.channels'),
      dashboardUrl: get<string | null>('alert.dashboard_url'),
    },
    enrich: {
      geoip: get<boolean>('alert.enrich.geoip'),
      reverseDns: get<boolean>('alert.enrich.reverse_dns'),
      dnsServers: get<string[]>('alert.enrich.dns_servers'),
      reverseDnsTimeoutMs: get<number>('alert.enrich.reverse_dns_timeout_ms'),
      cacheSize: get<number>('alert.enrich.cache_size'),
      cacheTtlS: get<number>('alert.enrich.cache_ttl_s'),
      homeNetworks,
    },
    web: {
      listen: get<string>('web.listen'),
      publicUrl: get<string | null>('web.public_url'),
      sessionTtlH: get<number>('web.session_ttl_h'),
      loginAttemptsPerMin: get<number>('web.login_attempts_per_min'),
    },
    serve: {
      source: get<string | null>('serve.source'),
      web: get<boolean>('serve.web'),
      deliver: get<boolean>('serve.deliver'),
      metricsToken: get<string | null>('serve.metrics_token'),
    },
    retention: { flowsD: get<number>('retention.flows_d') },
    respond: {
      enabled: get<boolean>('respond.block.enabled'),
      table: get<string>('respond.block.table'),
      family: get<string>('respond.block.family'),
      defaultTtlS: get<number>('respond.block.default_ttl_s'),
      nftPath: get<string>('respond.block.nft_path'),
      homeNetworks,
      resolvers: get<string[]>('detect.dns_resolvers'),
      allowlist: get<YamoriConfig['intel']['allowlist']>('intel.allowlist').map((entry) => entry.value),
    },
    capture: {
      interface: get<string | null>('capture.interface'),
      filter: get<string | null>('capture.filter'),
      snaplen: get<number>('capture.snaplen'),
      tcpdumpPath: get<string>('capture.tcpdump_path'),
      dropPrivilegesTo: get<string | null>('capture.drop_privileges_to'),
      restartDelayMs: get<number>('capture.restart_delay_ms'),
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The effective config as YAML-shaped data (snake_case), with secret keys redacted. */
export function configForDisplay(config: YamoriConfig): Record<string, unknown> {
  const flat: Record<string, unknown> = {
    sensor: config.sensor,
    home_networks: config.homeNetworks,
    'store.engine': config.store.engine ?? 'duckdb',
    'database.path': config.store.database.path,
    'bigquery.project': config.store.bigquery?.project ?? null,
    'bigquery.dataset': config.store.bigquery?.dataset ?? null,
    'bigquery.location': config.store.bigquery?.location ?? 'US',
    'bigquery.key_file': config.store.bigquery?.keyFile ?? null,
    'bigquery.endpoint': config.store.bigquery?.endpoint ?? null,
    'bigquery.write_method': config.store.bigquery?.writeMethod ?? 'storage_write',
    'bigquery.storage_endpoint': config.store.bigquery?.storageEndpoint ?? null,
    'store.max_batch_rows': config.store.maxBatchRows,
    'store.flush_interval_ms': config.store.flushIntervalMs,
    'flow.tcp_idle_timeout_s': config.flow.tcpIdleTimeoutS,
    'flow.udp_idle_timeout_s': config.flow.udpIdleTimeoutS,
    'flow.other_idle_timeout_s': config.flow.otherIdleTimeoutS,
    'flow.tcp_closed_timeout_s': config.flow.tcpClosedTimeoutS,
    'flow.active_timeout_s': config.flow.activeTimeoutS,
    'flow.max_flows': config.flow.maxFlows,
    'flow.dns_name_max_age_s': config.flow.dnsNameMaxAgeS,
    'capture.interface': config.capture.interface,
    'capture.filter': config.capture.filter,
    'capture.snaplen': config.capture.snaplen,
    'capture.tcpdump_path': config.capture.tcpdumpPath,
    'capture.drop_privileges_to': config.capture.dropPrivilegesTo,
    'capture.restart_delay_ms': config.capture.restartDelayMs,
    'collect.listen': config.collect.listen,
    'collect.stitch_window_s': config.collect.stitchWindowS,
    'collect.max_exporters': config.collect.maxExporters,
    'collect.max_templates_per_exporter': config.collect.maxTemplatesPerExporter,
    'collect.max_pending_flows': config.collect.maxPendingFlows,
    'collect.receive_buffer_bytes': config.collect.receiveBufferBytes,
    'collect.spool_path': config.collect.spoolPath,
    'collect.spool_max_bytes': config.collect.spoolMaxBytes,
    'intel.feeds': redactFeeds(config.intel.feeds),
    'intel.allowlist': config.intel.allowlist,
    'intel.grace_period_h': config.intel.gracePeriodH,
    'intel.fetch_timeout_s': config.intel.fetchTimeoutS,
    'intel.max_feed_bytes': config.intel.maxFeedBytes,
    'intel.fetch_retries': config.intel.fetchRetries,
    'intel.abusech_auth_key': config.intel.abusechAuthKey,
    'intel.otx_api_key': config.intel.otxApiKey,
    'detect.rules_dirs': config.detect.rulesDirs,
    'detect.builtin_rules': config.detect.builtinRules,
    'detect.schedule_s': config.detect.scheduleS,
    'detect.lookback_h': config.detect.lookbackH,
    'detect.retro_hunt_horizon_d': config.detect.retroHuntHorizonD,
    'detect.rule_timeout_s': config.detect.ruleTimeoutS,
    'detect.max_results': config.detect.maxResults,
    'detect.max_evidence_rows': config.detect.maxEvidenceRows,
    'detect.suppress_for_h': config.detect.suppressForH,
    'detect.dns_resolvers': config.detect.dnsResolvers,
    'alert.routes': config.alert.routes.map(routeForDisplay),
    'alert.delivery.max_attempts': config.alert.delivery.maxAttempts,
    'alert.delivery.timeout_s': config.alert.delivery.timeoutS,
    'alert.delivery.backoff_base_s': config.alert.delivery.backoffBaseS,
    'alert.delivery.backoff_max_s': config.alert.delivery.backoffMaxS,
    'alert.channels': Object.fromEntries(
      Object.entries(config.alert.channels).map(([name, channel]) => [name, channelForDisplay(channel)]),
    ),
    'alert.dashboard_url': config.alert.dashboardUrl,
    'alert.enrich.geoip': config.enrich.geoip,
    'alert.enrich.reverse_dns': config.enrich.reverseDns,
    'alert.enrich.dns_servers': config.enrich.dnsServers,
    'alert.enrich.reverse_dns_timeout_ms': config.enrich.reverseDnsTimeoutMs,
    'alert.enrich.cache_size': config.enrich.cacheSize,
    'alert.enrich.cache_ttl_s': config.enrich.cacheTtlS,
    'web.listen': config.web.listen,
    'web.public_url': config.web.publicUrl,
    'web.session_ttl_h': config.web.sessionTtlH,
    'web.login_attempts_per_min': config.web.loginAttemptsPerMin,
    'serve.source': config.serve.source,
    'serve.web': config.serve.web,
    'serve.deliver': config.serve.deliver,
    'serve.metrics_token': config.serve.metricsToken,
    'retention.flows_d': config.retention.flowsD,
    'respond.block.enabled': config.respond.enabled,
    'respond.block.table': config.respond.table,
    'respond.block.family': config.respond.family,
    'respond.block.default_ttl_s': config.respond.defaultTtlS,
    'respond.block.nft_path': config.respond.nftPath,
  };
  const nested: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = key.secret && flat[key.path] !== null ? '[redacted]' : flat[key.path];
    const parts = key.path.split('.');
    let target = nested;
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]!] = value;
  }
  return nested;
}

function redactFeeds(feeds: YamoriConfig['intel']['feeds']): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [name, feed] of Object.entries(feeds)) {
    shown[name] = feed.authValue === undefined ? feed : { ...feed, authValue: '[redacted]' };
  }
  return shown;
}

function routeForDisplay(route: YamoriConfig['alert']['routes'][number]): Record<string, unknown> {
  return {
    name: route.name,
    when: route.when,
    notify: route.notify,
    suppress:
      route.suppressS === 'always' ? true : route.suppressS === null ? undefined : `${route.suppressS}s`,
    severity: route.severity ?? undefined,
    digest: route.digestS === null ? undefined : `${route.digestS}s`,
    block: route.block,
    continue: route.continue,
  };
}
