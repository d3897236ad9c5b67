/**
 * The types of the notification channels in `alert.channels`, one per channel type, as the loader
 * hands them to alert/notify (camelCase; secrets already read from the environment).
 */
export const CHANNEL_TYPES = [
  'slack',
  'webhook',
  'email',
  'ntfy',
  'discord',
  'telegram',
  'syslog',
  'github',
  'file',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

interface ChannelBase {
  /** For a secret read from the environment: setting name (snake_case) → variable name. */
  secretEnv: Readonly<Record<string, string>>;
}

export interface SlackChannelConfig extends ChannelBase {
  type: 'slack';
  /** Incoming webhook URL (secret); or `token` with `channel` for chat.postMessage. */
  webhookUrl: string | null;
  /** Bot token xoxb-… (secret). */
  token: string | null;
  channel: string | null;
  /** Web API base, https://slack.com/api. */
  apiUrl: string;
}

export interface WebhookChannelConfig extends ChannelBase {
  type: 'webhook';
  /** Where the JSON is POSTed (secret: it often carries a token). */
  url: string | null;
  /** HMAC-SHA256 key for X-Yamori-Signature (secret); null sends no signature. */
  secret: string | null;
  /** Extra request headers (values secret). */
  headers: Readonly<Record<string, string>>;
}

export interface EmailChannelConfig extends ChannelBase {
  type: 'email';
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise plain, upgraded per `starttls`. */
  secure: boolean;
  starttls: 'required' | 'opportunistic' | 'off';
  user: string | null;
  password: string | null;
  from: string;
  to: readonly string[];
  /** PEM file of the CA that signed the server's certificate, besides the system CAs. */
  tlsCaFile: string | null;
}

export interface NtfyChannelConfig extends ChannelBase {
  type: 'ntfy';
  server: string;
  topic: string;
  token: string | null;
}

export interface DiscordChannelConfig extends ChannelBase {
  type: 'discord';
  webhookUrl: string | null;
  username: string | null;
}

export interface TelegramChannelConfig extends ChannelBase {
  type: 'telegram';
  token: string | null;
  chatId: string;
  parseMode: 'HTML' | 'MarkdownV2';
  apiUrl: string;
}

export interface SyslogChannelConfig extends ChannelBase {
  type: 'syslog';
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  facility: string;
  appName: string;
}

export interface GithubChannelConfig extends ChannelBase {
  type: 'github';
  /** owner/name */
  repo: string;
  token: string | null;
  apiUrl: string;
  labels: readonly string[];
}

export interface FileChannelConfig extends ChannelBase {
  type: 'file';
  path: string;
}

export type ChannelConfig =
  | SlackChannelConfig
  | WebhookChannelConfig
  | EmailChannelConfig
  | NtfyChannelConfig
  | DiscordChannelConfig
  | TelegramChannelConfig
  | SyslogChannelConfig
  | GithubChannelConfig
  | FileChannelConfig;

/** Syslog facilities by name (RFC 5424 table 1). */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  security: 13,
  console: 14,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};
