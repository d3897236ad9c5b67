import type { DiscordChannelConfig } from '../../../config/index.js';
import { fitDocument } from '../fit-document.js';
import { buildMessageDocument, isoTime, type MessageDocument } from '../message-document.js';
import { parseJson, postHttp } from '../http-delivery.js';
import { DeliveryFailure, type Notifier } from '../notification.js';
import { renderBlock, renderSpans } from '../render-markdown.js';
import type { NotifierDeps } from './channel-deps.js';
import { requireSecret } from './require-secret.js';

/** Discord's documented embed limits (developer docs, "Embed Limits"). */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  /** Title, description, field names and values, footer and author together. */
  total: 6000,
} as const;

const COLOURS: Record<MessageDocument['severity'], number> = {
  critical: 0x7b1fa2,
  high: 0xc62828,
  medium: 0xef6c00,
  low: 0xf9a825,
  info: 0x1565c0,
};

type Embed = {
  title: string;
  description: string;
  url?: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
  timestamp: string;
};

/** One embed: the labelled facts as fields, everything else as Markdown in the description. */
export function discordEmbed(doc: MessageDocument, createdAt: number): Embed {
  const fields: Embed['fields'] = [];
  const description: string[] = [];
  for (const block of doc.blocks) {
    if (block.kind === 'fields') {
      for (const field of block.fields) {
        fields.push({
          name: truncate(field.label, DISCORD_LIMITS.fieldName),
          value: renderSpans(field.spans, 'commonmark'),
          inline: field.label !== 'Device' && field.label !== 'Talked to' && field.label !== 'Rule',
        });
      }
    } else description.push(renderBlock(block, 'commonmark'));
  }
  return {
    title: truncate(doc.title, DISCORD_LIMITS.title),
    description: description.join('\n\n'),
    ...(doc.url ? { url: doc.url } : {}),
    color: COLOURS[doc.severity],
    fields: fields.slice(0, DISCORD_LIMITS.fields),
    footer: { text: 'Yamori' },
    timestamp: isoTime(createdAt),
  };
}

export function discordEmbedFits(embed: Embed): boolean {
  const total =
    embed.title.length +
    embed.description.length +
    embed.footer.text.length +
    embed.fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
  return (
    total <= DISCORD_LIMITS.total &&
    embed.description.length <= DISCORD_LIMITS.description &&
    embed.fields.every((field) => field.value.length <= DISCORD_LIMITS.fieldValue)
  );
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : text.slice(0, limit - 1) + '…';
}

/**
 * Discord webhook: one embed per notification, mentions turned off (`allowed_mentions`), `wait=true`
 * so Discord reports errors in the answer. 429 waits for Retry-After.
 */
export function createDiscordNotifier(
  name: string,
  config: DiscordChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  const webhookUrl = requireSecret(name, config, 'webhook_url', config.webhookUrl);
  const url = webhookUrl + (webhookUrl.includes('?') ? '&' : '?') + 'wait=true';
  return {
    name,
    type: 'discord',
    async send(notification, options) {
      const doc = fitDocument(buildMessageDocument(notification, { timeZone: deps.timeZone }), (fitted) =>
        discordEmbedFits(discordEmbed(fitted, notification.createdAt)),
      );
      const message: Record<string, unknown> = {
        embeds: [discordEmbed(doc, notification.createdAt)],
        allowed_mentions: { parse: [] },
      };
      if (config.username) message['username'] = config.username;
      await postHttp(
        name,
        { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) },
        {
          signal: options.signal,
          fetch: deps.fetch,
          now: deps.now,
          secrets: [webhookUrl],
          // Discord also gives the wait in the JSON body (seconds, fractional) when a proxy drops the header.
          classify: (answer) => {
            if (answer.status !== 429 || answer.headers.get('retry-after') !== null) return null;
            const wait = (parseJson(answer.text) as { retry_after?: unknown } | null)?.retry_after;
            return typeof wait === 'number'
              ? new DeliveryFailure(`${name}: Discord rate limit`, false, Math.ceil(wait * 1000))
              : null;
          },
        },
      );
    },
  };
}
