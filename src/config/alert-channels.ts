/**
 * The notification channels of `alert.channels`: their types, one table of the settings each type
 * takes, and the validation that turns the YAML map into typed channel configs. A secret setting
 * (token, password, webhook URL) may instead name an environment variable with `<setting>_env`; the
 * loader reads those variables, so a stage never looks at the environment itself.
 */
import { CHANNEL_TYPES, SYSLOG_FACILITIES, type ChannelConfig, type ChannelType } from './channel-config.js';
import { nearestName } from './nearest-name.js';
import type { Checked } from './structured-values.js';

type Kind =
  | { kind: 'url' }
  | { kind: 'text' }
  | { kind: 'port' }
  | { kind: 'boolean' }
  | { kind: 'list' }
  | { kind: 'headers' }
  | { kind: 'enum'; values: readonly string[] };

interface Setting {
  name: string;
  type: Kind;
  /** Absent means required (unless a secret, see `oneOf`). */
  default?: (settings: Record<string, unknown>) => unknown;
  secret?: boolean;
}

const url = (name: string, extra: Partial<Setting> = {}): Setting => ({
  name,
  type: { kind: 'url' },
  ...extra,
});
const text = (name: string, extra: Partial<Setting> = {}): Setting => ({
  name,
  type: { kind: 'text' },
  ...extra,
});
const secret = (name: string, kind: Kind = { kind: 'text' }): Setting => ({
  name,
  type: kind,
  secret: true,
  default: () => null,
});
const optional = (): Pick<Setting, 'default'> => ({ default: () => null });

const SETTINGS: Record<ChannelType, readonly Setting[]> = {
  slack: [
    secret('webhook_url', { kind: 'url' }),
    secret('token'),
    text('channel', optional()),
    url('api_url', { default: () => 'https://slack.com/api' }),
  ],
  webhook: [
    secret('url', { kind: 'url' }),
    secret('secret'),
    { name: 'headers', type: { kind: 'headers' }, default: () => ({}), secret: true },
  ],
  email: [
    text('host'),
    { name: 'secure', type: { kind: 'boolean' }, default: () => false },
    { name: 'port', type: { kind: 'port' }, default: (s) => (s['secure'] === true ? 465 : 587) },
    {
      name: 'starttls',
      type: { kind: 'enum', values: ['required', 'opportunistic', 'off'] },
      default: () => 'required',
    },
    text('user', optional()),
    secret('password'),
    text('from'),
    { name: 'to', type: { kind: 'list' } },
    text('tls_ca_file', optional()),
  ],
  ntfy: [url('server', { default: () => 'https://ntfy.sh' }), text('topic'), secret('token')],
  discord: [secret('webhook_url', { kind: 'url' }), text('username', optional())],
  telegram: [
    secret('token'),
    text('chat_id'),
    { name: 'parse_mode', type: { kind: 'enum', values: ['HTML', 'MarkdownV2'] }, default: () => 'HTML' },
    url('api_url', { default: () => 'https://api.telegram.org' }),
  ],
  syslog: [
    text('host'),
    { name: 'port', type: { kind: 'port' }, default: () => 514 },
    { name: 'protocol', type: { kind: 'enum', values: ['udp', 'tcp'] }, default: () => 'udp' },
    {
      name: 'facility',
      type: { kind: 'enum', values: Object.keys(SYSLOG_FACILITIES) },
      default: () => 'local0',
    },
    text('app_name', { default: () => 'yamori' }),
  ],
  github: [
    text('repo'),
    secret('token'),
    url('api_url', { default: () => 'https://api.github.com' }),
    { name: 'labels', type: { kind: 'list' }, default: () => ['yamori', 'security'] },
  ],
  file: [text('path')],
};

/** Secret settings a channel cannot work without (one of each group, from the file or the environment). */
const REQUIRED_SECRETS: Partial<Record<ChannelType, readonly (readonly string[])[]>> = {
  slack: [['webhook_url', 'token']],
  webhook: [['url']],
  discord: [['webhook_url']],
  telegram: [['token']],
  github: [['token']],
};

/** The setting names of each channel type (for docs and `yamori notify list`). */
export function channelSettingNames(type: ChannelType): string[] {
  return SETTINGS[type].flatMap((s) =>
    s.secret && s.type.kind !== 'headers' ? [s.name, s.name + '_env'] : [s.name],
  );
}

/** Whether a setting of a channel type holds a secret. */
export function isSecretChannelSetting(type: ChannelType, name: string): boolean {
  return SETTINGS[type].some((s) => s.secret === true && s.name === name);
}

export function checkChannels(raw: unknown, path: string): Checked<Record<string, ChannelConfig>> {
  if (raw === null || raw === undefined) return { ok: true, value: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, key: path, problem: 'must be a mapping of channel names to settings' };
  }
  const channels: Record<string, ChannelConfig> = {};
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const key = `${path}.${name}`;
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
      return { ok: false, key, problem: 'is not a channel name: use lowercase letters, digits, "-" and "_"' };
    }
    const checked = checkChannel(entry, key);
    if (!checked.ok) return checked;
    channels[name] = checked.value;
  }
  return { ok: true, value: channels };
}

function checkChannel(entry: unknown, key: string): Checked<ChannelConfig> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return { ok: false, key, problem: 'must be a mapping such as { type: ntfy, topic: my-house }' };
  }
  const given = entry as Record<string, unknown>;
  const type = given['type'];
  if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type)) {
    const near = typeof type === 'string' ? nearestName(type, CHANNEL_TYPES) : null;
    return {
      ok: false,
      key: `${key}.type`,
      problem: `must be one of ${CHANNEL_TYPES.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`,
    };
  }
  const settings = SETTINGS[type as ChannelType];
  const names = ['type', ...channelSettingNames(type as ChannelType)];
  for (const field of Object.keys(given)) {
    if (!names.includes(field)) {
      const near = nearestName(field, names);
      return {
        ok: false,
        key: `${key}.${field}`,
        problem: `is not a setting of a ${type} channel${near ? ` (did you mean "${near}"?)` : ''}; it takes ${names.slice(1).join(', ')}`,
      };
    }
  }
  const values: Record<string, unknown> = {};
  const secretEnv: Record<string, string> = {};
  for (const setting of settings) {
    const fieldKey = `${key}.${setting.name}`;
    const envName = given[setting.name + '_env'];
    if (setting.secret && envName !== undefined) {
      if (given[setting.name] !== undefined) {
        return { ok: false, key: fieldKey, problem: `and "${setting.name}_env" are both set: keep one` };
      }
      if (typeof envName !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) {
        return {
          ok: false,
          key: fieldKey + '_env',
          problem: 'must name an environment variable, e.g. SLACK_BOT_TOKEN',
        };
      }
      secretEnv[setting.name] = envName;
      values[setting.name] = null;
      continue;
    }
    const value = given[setting.name];
    if (value === undefined || value === null) {
      if (!setting.default) return { ok: false, key: fieldKey, problem: `is required for a ${type} channel` };
      values[setting.name] = setting.default(given);
      continue;
    }
    const problem = checkValue(setting.type, value);
    if (problem) return { ok: false, key: fieldKey, problem };
    values[setting.name] = setting.type.kind === 'list' && typeof value === 'string' ? [value] : value;
  }
  for (const group of REQUIRED_SECRETS[type as ChannelType] ?? []) {
    if (!group.some((name) => values[name] !== null || secretEnv[name] !== undefined)) {
      const options = group.map((name) => `"${name}" (or "${name}_env")`).join(' or ');
      return { ok: false, key, problem: `needs ${options}` };
    }
  }
  if (type === 'slack' && values['token'] !== null && values['channel'] === null && !values['webhook_url']) {
    return {
      ok: false,
      key: `${key}.channel`,
      problem: 'is required with "token" (the channel ID or #name to post to)',
    };
  }
  if (type === 'github' && !/^[\w.-]+\/[\w.-]+$/.test(String(values['repo']))) {
    return { ok: false, key: `${key}.repo`, problem: 'must be "owner/name"' };
  }
  const config: Record<string, unknown> = { type, secretEnv };
  for (const [name, value] of Object.entries(values)) config[camel(name)] = value;
  return { ok: true, value: config as unknown as ChannelConfig };
}

function checkValue(type: Kind, value: unknown): string | null {
  switch (type.kind) {
    case 'url':
      return typeof value === 'string' && /^https?:\/\/[^\s/]+\S*$/.test(value)
        ? null
        : 'must be an http:// or https:// URL';
    case 'text':
      return typeof value === 'string' && value.trim() !== ''
        ? null
        : typeof value === 'number'
          ? 'must be text (quote numbers, e.g. "-100123")'
          : 'must be non-empty text';
    case 'port':
      return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65_535
        ? null
        : 'must be a port number from 1 to 65535';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && type.values.includes(value)
        ? null
        : `must be one of ${type.values.join(', ')}`;
    case 'list':
      return (typeof value === 'string' && value !== '') ||
        (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== ''))
        ? null
        : 'must be a non-empty list of text';
    case 'headers':
      return value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.entries(value).every(([k, v]) => /^[A-Za-z0-9-]+$/.test(k) && typeof v === 'string')
        ? null
        : 'must be a mapping of header names to text values';
  }
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Fills secrets named by `<setting>_env` from the environment. A variable that is unset or empty
 * leaves the secret null; the notifier then reports which variable is missing.
 */
export function resolveChannelSecrets(
  channels: Record<string, ChannelConfig>,
  env: NodeJS.ProcessEnv,
): Record<string, ChannelConfig> {
  const resolved: Record<string, ChannelConfig> = {};
  for (const [name, channel] of Object.entries(channels)) {
    const copy: Record<string, unknown> = { ...channel };
    for (const [setting, variable] of Object.entries(channel.secretEnv)) {
      const value = env[variable];
      copy[camel(setting)] = value === undefined || value === '' ? null : value;
    }
    resolved[name] = copy as unknown as ChannelConfig;
  }
  return resolved;
}

/** A channel's settings as a person may see them: secrets shown as "[redacted]" (or their variable). */
export function channelForDisplay(channel: ChannelConfig): Record<string, unknown> {
  const shown: Record<string, unknown> = { type: channel.type };
  for (const setting of SETTINGS[channel.type]) {
    const value = (channel as unknown as Record<string, unknown>)[camel(setting.name)];
    const variable = channel.secretEnv[setting.name];
    if (variable !== undefined) shown[setting.name + '_env'] = variable;
    else if (setting.secret && value !== null && value !== undefined) {
      shown[setting.name] =
        setting.type.kind === 'headers'
          ? Object.fromEntries(Object.keys(value).map((k) => [k, '[redacted]']))
          : '[redacted]';
    } else shown[setting.name] = value;
  }
  return shown;
}
