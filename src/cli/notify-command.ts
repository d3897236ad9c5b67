import { createNotifier, DeliveryFailure, sampleNotification } from '../alert/index.js';
import { CHANNEL_TYPES, type ChannelConfig, type ChannelType } from '../config/index.js';
import { YamoriError } from '../errors/index.js';
import { line, printJsonLines, printTable, type Column } from './output.js';
import type { Register } from './run-cli.js';

/** What to check when a channel refuses the test for good, by type. */
const ADVICE: Record<ChannelType, string> = {
  slack:
    'Check "webhook_url" (Slack: Apps → Incoming Webhooks), or that the bot token is valid and the bot was invited to "channel".',
  webhook: 'Check "url", and what the receiver expects (extra headers, the signature secret).',
  email:
    'Check "host", "port", "starttls", "user" and "password" (and "tls_ca_file" for a private CA), and that the server relays from "from" to "to".',
  ntfy: 'Check "server" and "topic", and "token" if the topic is protected.',
  discord: 'Check "webhook_url" (Discord: Server settings → Integrations → Webhooks).',
  telegram:
    'Check the bot "token" and "chat_id", and that the bot is in the chat (for a person: that they pressed Start in the bot).',
  syslog: 'Check "host", "port" and "protocol", and that the collector listens there.',
  github:
    'Check "repo", and that the token may open issues there (a fine-grained token with "Issues: write"); "api_url" for GitHub Enterprise.',
  file: 'Check that Yamori may create and append to "path" (folder permissions, free space).',
};

const TEMPORARY_ADVICE =
  'This looks temporary or like a network problem: check that this machine reaches the service (DNS, firewall, proxy), then run the test again.';

interface ChannelRow {
  name: string;
  type: ChannelType;
  target: string;
}

const COLUMNS: Column<ChannelRow>[] = [
  { header: 'channel', value: (row) => row.name },
  { header: 'type', value: (row) => row.type },
  { header: 'sends to', value: (row) => row.target },
];

/** Where a channel sends, without any secret: hosts and names, never tokens or webhook paths. */
export function channelTarget(channel: ChannelConfig): string {
  const host = (url: string | null, fallback: string): string => {
    if (url === null) return fallback;
    try {
      return new URL(url).host;
    } catch {
      return fallback;
    }
  };
  switch (channel.type) {
    case 'slack':
      return channel.webhookUrl !== null || channel.secretEnv['webhook_url']
        ? `incoming webhook (${host(channel.webhookUrl, 'from $' + (channel.secretEnv['webhook_url'] ?? ''))})`
        : `${channel.channel ?? '?'} via bot token (${host(channel.apiUrl, '')})`;
    case 'webhook':
      return (
        host(channel.url, `URL from $${channel.secretEnv['url'] ?? '?'}`) +
        (channel.secret !== null ? ', signed' : '')
      );
    case 'email':
      return `${channel.to.join(', ')} via ${channel.host}:${channel.port}${channel.secure ? ' (TLS)' : ` (STARTTLS ${channel.starttls})`}`;
    case 'ntfy':
      return `${channel.server.replace(/\/+$/, '')}/${channel.topic}`;
    case 'discord':
      return `webhook (${host(channel.webhookUrl, 'from $' + (channel.secretEnv['webhook_url'] ?? '?'))})`;
    case 'telegram':
      return `chat ${channel.chatId} (${channel.parseMode})`;
    case 'syslog':
      return `${channel.host}:${channel.port}/${channel.protocol} facility ${channel.facility}`;
    case 'github':
      return `issues in ${channel.repo} (${host(channel.apiUrl, '')})`;
    case 'file':
      return channel.path;
  }
}

export const registerNotifyCommand: Register = (program, context) => {
  const notify = program.command('notify').description('notification channels: list them, send a test');
  notify
    .command('list')
    .description('the channels in alert.channels and where each sends (no secrets)')
    .option('--json', 'one JSON object per line')
    .action((options: { json?: boolean }) => {
      const ctx = context();
      const rows = Object.entries(ctx.config().alert.channels).map(([name, channel]) => ({
        name,
        type: channel.type,
        target: channelTarget(channel),
      }));
      if (options.json) printJsonLines(ctx.output.out, rows);
      else if (rows.length === 0) {
        if (!ctx.output.quiet) {
          line(
            ctx.output.err,
            `no channels configured; add them under alert.channels (types: ${CHANNEL_TYPES.join(', ')})`,
          );
        }
      } else printTable(ctx.output.out, COLUMNS, rows);
    });
  notify
    .command('test')
    .description('send a sample alert through one channel and say whether it arrived')
    .argument('<channel>', 'a name from alert.channels')
    .option('--timeout <seconds>', 'give up after this long (default alert.delivery.timeout_s)')
    .action(async (name: string, options: { timeout?: string }) => {
      const ctx = context();
      const config = ctx.config();
      const channel = config.alert.channels[name];
      if (!channel) {
        const known = Object.keys(config.alert.channels);
        throw new YamoriError('NOTIFY_CHANNEL_NOT_FOUND', {
          channel: name,
          known: known.length > 0 ? ` Configured: ${known.join(', ')}.` : ' No channels are configured.',
        });
      }
      const timeoutS =
        options.timeout === undefined ? config.alert.delivery.timeoutS : Number(options.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
        throw new YamoriError('CLI_BAD_VALUE', {
          flag: '--timeout',
          value: options.timeout ?? '',
          expected: 'a number of seconds above 0',
          example: 'For example: --timeout 20',
        });
      }
      const notifier = createNotifier(name, channel, { now: ctx.now, log: ctx.log });
      const now = ctx.now();
      const notification = sampleNotification(now * 1000, config.alert.dashboardUrl);
      try {
        await notifier.send(notification, {
          idempotencyKey: `test:${name}:${now}`,
          signal: AbortSignal.timeout(timeoutS * 1000),
        });
      } catch (error) {
        const failure =
          error instanceof DeliveryFailure
            ? error
            : new DeliveryFailure(String((error as Error).message ?? error), false);
        throw new YamoriError('NOTIFY_SEND_FAILED', {
          channel: name,
          type: channel.type,
          reason: failure.message.replace(new RegExp(`^${name}: `), ''),
          advice: failure.permanent ? ADVICE[channel.type] : TEMPORARY_ADVICE,
        });
      } finally {
        await notifier.close?.();
      }
      line(ctx.output.out, `${name} (${channel.type}): test message sent to ${channelTarget(channel)}`);
    });
};
