import type { TelegramChannelConfig } from '../../../config/index.js';
import { fitDocument, renderedWithin } from '../fit-document.js';
import { DeliveryFailure, type Notifier } from '../notification.js';
import { parseJson, postHttp, type HttpAnswer } from '../http-delivery.js';
import { buildMessageDocument } from '../message-document.js';
import { renderTelegramHtml } from '../render-html.js';
import { renderMarkdown } from '../render-markdown.js';
import type { NotifierDeps } from './channel-deps.js';
import { requireSecret } from './require-secret.js';

/** sendMessage's text limit, counted after entity parsing (the markup we measure is never shorter). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * Telegram bot API sendMessage, in HTML or MarkdownV2 (each escaped by its own rules). Errors come as
 * `{ ok: false, error_code, description, parameters: { retry_after } }`.
 */
export function createTelegramNotifier(
  name: string,
  config: TelegramChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  const token = requireSecret(name, config, 'token', config.token);
  const url = `${config.apiUrl.replace(/\/+$/, '')}/bot${token}/sendMessage`;
  const render =
    config.parseMode === 'HTML'
      ? renderTelegramHtml
      : (doc: Parameters<typeof renderTelegramHtml>[0]) => renderMarkdown(doc, 'telegram');
  return {
    name,
    type: 'telegram',
    async send(notification, options) {
      const doc = fitDocument(
        buildMessageDocument(notification, { timeZone: deps.timeZone }),
        renderedWithin(render, TELEGRAM_TEXT_LIMIT),
      );
      const message = {
        chat_id: config.chatId,
        text: render(doc),
        parse_mode: config.parseMode,
        link_preview_options: { is_disabled: true },
      };
      await postHttp(
        name,
        { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) },
        {
          signal: options.signal,
          fetch: deps.fetch,
          now: deps.now,
          secrets: [token],
          classify: (answer) => classifyTelegram(name, answer),
        },
      );
    },
  };
}

function classifyTelegram(name: string, answer: HttpAnswer): DeliveryFailure | null {
  const body = parseJson(answer.text) as {
    ok?: unknown;
    description?: unknown;
    parameters?: { retry_after?: unknown };
  } | null;
  if (body === null || body.ok === true) return null;
  const description = typeof body.description === 'string' ? body.description : `HTTP ${answer.status}`;
  const retryAfter = body.parameters?.retry_after;
  const retryable = answer.status === 429 || answer.status >= 500 || typeof retryAfter === 'number';
  return new DeliveryFailure(
    `${name}: Telegram refused the message: ${description}`,
    !retryable,
    typeof retryAfter === 'number' ? retryAfter * 1000 : null,
  );
}
