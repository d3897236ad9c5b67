import type { ChannelConfig } from '../../config/index.js';
import { YamoriError } from '../../errors/index.js';
import type { NotifierDeps } from './channels/channel-deps.js';
import { createDiscordNotifier } from './channels/discord.js';
import { createEmailNotifier } from './channels/email.js';
import { createFileNotifier } from './channels/file.js';
import { createGithubNotifier } from './channels/github.js';
import { createNtfyNotifier } from './channels/ntfy.js';
import { createSlackNotifier } from './channels/slack.js';
import { createSyslogNotifier } from './channels/syslog.js';
import { createTelegramNotifier } from './channels/telegram.js';
import { createWebhookNotifier } from './channels/webhook.js';
import type { Notifier } from './notification.js';

/**
 * The notifier for one configured channel. Does no I/O; throws NOTIFY_SECRET_MISSING when a secret
 * the channel needs was to come from an environment variable that is not set.
 */
export function createNotifier(name: string, config: ChannelConfig, deps: NotifierDeps = {}): Notifier {
  // A secret the user pointed at a variable must be there, even an optional one: sending without the
  // ntfy token they meant to use would fail later, or worse, publish to an open topic.
  for (const [setting, variable] of Object.entries(config.secretEnv)) {
    const key = setting.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if ((config as unknown as Record<string, unknown>)[key] == null) {
      throw new YamoriError('NOTIFY_SECRET_MISSING', { channel: name, setting, variable });
    }
  }
  switch (config.type) {
    case 'slack':
      return createSlackNotifier(name, config, deps);
    case 'webhook':
      return createWebhookNotifier(name, config, deps);
    case 'email':
      return createEmailNotifier(name, config, deps);
    case 'ntfy':
      return createNtfyNotifier(name, config, deps);
    case 'discord':
      return createDiscordNotifier(name, config, deps);
    case 'telegram':
      return createTelegramNotifier(name, config, deps);
    case 'syslog':
      return createSyslogNotifier(name, config, deps);
    case 'github':
      return createGithubNotifier(name, config, deps);
    case 'file':
      return createFileNotifier(name, config, deps);
  }
}
