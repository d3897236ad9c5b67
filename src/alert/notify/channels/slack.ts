import type { SlackChannelConfig } from '../../../config/index.js';
import { fitDocument } from '../fit-document.js';
import { DeliveryFailure, type Notifier } from '../notification.js';
import { parseJson, postHttp, retryAfterMs, type HttpAnswer } from '../http-delivery.js';
import { buildMessageDocument, type MessageDocument } from '../message-document.js';
import { escapeMarkdown, renderBlock, renderSpans } from '../render-markdown.js';
import type { NotifierDeps } from './channel-deps.js';
import { requireSecret } from './require-secret.js';

/** Slack's documented limits (Block Kit reference). */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  blocks: 50,
  buttonText: 75,
  url: 3000,
} as const;

type SlackBlock = Record<string, unknown>;

/** Slack error codes that clear up by themselves; every other `ok: false` is permanent. */
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * A Block Kit message: a header, the summary and the labelled fields as sections, the explanation,
 * a context line, and a button to the dashboard. Sections that would pass Slack's limits are shrunk
 * in the document first, so markup is never cut in half.
 */
export function slackBlocks(doc: MessageDocument, context: string): SlackBlock[] {
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(doc.title, SLACK_LIMITS.headerText), emoji: true },
    },
  ];
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length > 0)
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: pending.join('\n') } });
    pending = [];
  };
  for (const block of doc.blocks) {
    if (block.kind === 'fields') {
      flush();
      blocks.push({
        type: 'section',
        fields: block.fields.slice(0, SLACK_LIMITS.fields).map((field) => ({
          type: 'mrkdwn',
          text: `*${escapeMarkdown(field.label, 'slack')}*\n${renderSpans(field.spans, 'slack')}`,
        })),
      });
    } else if (block.kind === 'heading') {
      flush();
      pending.push(renderBlock(block, 'slack'));
    } else {
      pending.push(renderBlock(block, 'slack'));
      flush();
    }
  }
  flush();
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMarkdown(context, 'slack') }] });
  if (doc.url && doc.url.length <= SLACK_LIMITS.url) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open in Yamori', emoji: false },
          url: doc.url,
          ...(doc.severity === 'high' || doc.severity === 'critical' ? { style: 'danger' } : {}),
        },
      ],
    });
  }
  return blocks;
}

/** Slack's own limits, as the longest text over its limit (0 when all fit). */
function slackOverflow(blocks: SlackBlock[]): number {
  let over = Math.max(0, blocks.length - SLACK_LIMITS.blocks) * SLACK_LIMITS.sectionText;
  for (const block of blocks) {
    const text = (block['text'] as { text?: string } | undefined)?.text;
    if (block['type'] === 'section' && text) over = Math.max(over, text.length - SLACK_LIMITS.sectionText);
    for (const field of (block['fields'] as { text: string }[] | undefined) ?? []) {
      over = Math.max(over, field.text.length - SLACK_LIMITS.fieldText);
    }
  }
  return over;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : text.slice(0, limit - 1) + '…';
}

/**
 * Slack: an incoming webhook (`webhook_url`), or a bot token with `channel` through chat.postMessage.
 * chat.postMessage answers HTTP 200 with `ok: false` on errors; those are sorted into retryable and
 * permanent by Slack's error code. 429 waits for Retry-After.
 */
export function createSlackNotifier(
  name: string,
  config: SlackChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  const isBot =
    config.webhookUrl === null && (config.token !== null || config.secretEnv['token'] !== undefined);
  const url = isBot
    ? `${config.apiUrl.replace(/\/+$/, '')}/chat.postMessage`
    : requireSecret(name, config, 'webhook_url', config.webhookUrl);
  const token = isBot ? requireSecret(name, config, 'token', config.token) : null;
  const now = deps.now ?? Date.now;
  return {
    name,
    type: 'slack',
    async send(notification, options) {
      const context = `Yamori · ${notification.kind} · severity ${notification.severity}`;
      const doc = fitDocument(
        buildMessageDocument(notification, { timeZone: deps.timeZone }),
        (fitted) => slackOverflow(slackBlocks(fitted, context)) === 0,
      );
      const message: Record<string, unknown> = {
        text: doc.title,
        blocks: slackBlocks(doc, context),
        unfurl_links: false,
        unfurl_media: false,
      };
      if (isBot) message['channel'] = config.channel;
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (token !== null) headers['authorization'] = `Bearer ${token}`;
      await postHttp(
        name,
        { url, headers, body: JSON.stringify(message) },
        {
          signal: options.signal,
          fetch: deps.fetch,
          now,
          secrets: [config.webhookUrl, token],
          classify: isBot ? (answer) => classifyWebApi(name, answer, now) : undefined,
        },
      );
    },
  };
}

function classifyWebApi(name: string, answer: HttpAnswer, now: () => number): DeliveryFailure | 'ok' | null {
  if (answer.status !== 200) return null;
  const body = parseJson(answer.text) as { ok?: unknown; error?: unknown } | null;
  if (body?.ok === true) return 'ok';
  const error = typeof body?.error === 'string' ? body.error : 'unreadable answer';
  const transient = TRANSIENT_ERRORS.has(error);
  return new DeliveryFailure(
    `${name}: Slack refused the message: ${error}`,
    !transient,
    transient ? retryAfterMs(answer.headers, now) : null,
  );
}
