import { createHmac } from 'node:crypto';
import type { WebhookChannelConfig } from '../../../config/index.js';
import { postHttp } from '../http-delivery.js';
import { buildMessageDocument } from '../message-document.js';
import { notificationPayload } from '../notification-payload.js';
import type { Notifier } from '../notification.js';
import { renderText } from '../render-text.js';
import type { NotifierDeps } from './channel-deps.js';
import { requireSecret } from './require-secret.js';

/** HMAC-SHA256 over "TIMESTAMP.BODY", hex: what X-Yamori-Signature carries after "sha256=". */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * Generic webhook: POSTs the versioned JSON payload (notification-payload.ts) with an Idempotency-Key
 * header and, when a secret is set, X-Yamori-Timestamp and X-Yamori-Signature so the receiver can
 * check origin and refuse replays.
 */
export function createWebhookNotifier(
  name: string,
  config: WebhookChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  const url = requireSecret(name, config, 'url', config.url);
  const now = deps.now ?? Date.now;
  return {
    name,
    type: 'webhook',
    async send(notification, options) {
      const doc = buildMessageDocument(notification, { timeZone: deps.timeZone });
      const body = JSON.stringify(notificationPayload(notification, options.idempotencyKey, renderText(doc)));
      const timestamp = String(Math.floor(now() / 1000));
      const headers: Record<string, string> = {
        ...config.headers,
        'content-type': 'application/json',
        'user-agent': 'yamori',
        'idempotency-key': options.idempotencyKey,
        'x-yamori-event': notification.kind,
        'x-yamori-timestamp': timestamp,
      };
      if (config.secret !== null) {
        headers['x-yamori-signature'] = 'sha256=' + webhookSignature(config.secret, timestamp, body);
      }
      await postHttp(
        name,
        { url, headers, body },
        {
          signal: options.signal,
          fetch: deps.fetch,
          now,
          secrets: [url, config.secret, ...Object.values(config.headers)],
        },
      );
    },
  };
}
