import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { YamoriError } from '../errors/index.js';
import { CONFIG_KEYS, type ConfigKey } from './config-keys.js';
import { parseCidr } from './cidr.js';
import type { YamoriConfig } from './schema.js';
import { nearestName } from './nearest-name.js';
import { checkAllowlist, checkFeeds } from './structured-values.js';

export interface LoadConfigOptions {
  /** Path of the YAML file; null loads defaults and environment only. */
  path: string | null;
  /** Environment to read YAMORI_* overrides from. */
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, by dotted key; they win over file and environment. */
  overrides?: Record<string, unknown>;
}

type Flat = Map<string, unknown>;

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
  return deepFreeze(build(values));
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
  if (!isMap(doc.contents)) {
    throw new YamoriError('CONFIG_INVALID_VALUE', {
      path,
      line: lineOf(doc.contents),
      key: '(top level)',
      problem: 'must be a mapping of keys to values',
      value: 'a ' + (isSeq(doc.contents) ? 'list' : 'scalar'),
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
    const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
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
    } else if (isSection && isMap(valueNode)) {
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
    if (isMap(current)) {
      const pair = current.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(part),
      );
      if (!pair) break;
      current =
        typeof parts[parts.length - 1] === 'string' && part === parts[parts.length - 1]
          ? pair.key
          : pair.value;
    } else if (isSeq(current) && typeof part === 'number') {
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
      const raw = key.type.kind === 'cidr-list' ? text.split(',').map((s) => s.trim()) : text;
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
    case 'feeds':
    case 'allowlist': {
      const checked = type.kind === 'feeds' ? checkFeeds(raw, key.path) : checkAllowlist(raw, key.path);
      if (checked.ok) return checked.value;
      throw fail(checked.problem, shown.length > 80 ? shown.slice(0, 77) + '...' : shown, checked.key);
    }
    case 'string':
      if (raw === null && type.nullable) return null;
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
      database: { path: get<string>('database.path') },
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
    'database.path': config.store.database.path,
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
    'intel.feeds': redactFeeds(config.intel.feeds),
    'intel.allowlist': config.intel.allowlist,
    'intel.grace_period_h': config.intel.gracePeriodH,
    'intel.fetch_timeout_s': config.intel.fetchTimeoutS,
    'intel.max_feed_bytes': config.intel.maxFeedBytes,
    'intel.fetch_retries': config.intel.fetchRetries,
    'intel.abusech_auth_key': config.intel.abusechAuthKey,
    'intel.otx_api_key': config.intel.otxApiKey,
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
