import type { NtfyChannelConfig } from '../../../config/index.js';
import { fitDocument, renderedWithin } from '../fit-document.js';
import { postHttp } from '../http-delivery.js';
import { buildMessageDocument, type MessageDocument } from '../message-document.js';
import type { Notifier } from '../notification.js';
import { renderText } from '../render-text.js';
import type { NotifierDeps } from './channel-deps.js';

/** ntfy turns a longer body into an attachment; keep the message a message. */
export const NTFY_MESSAGE_LIMIT_BYTES = 4096;

const PRIORITY: Record<MessageDocument['severity'], string> = {
  critical: '5',
  high: '4',
  medium: '3',
  low: '2',
  info: '1',
};

const TAGS: Record<MessageDocument['severity'], string> = {
  critical: 'rotating_light',
  high: 'warning',
  medium: 'warning',
  low: 'information_source',
  info: 'information_source',
};

/** A header value as ntfy reads it: ASCII as is, anything else as RFC 2047 UTF-8 base64. */
export function encodeHeaderValue(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ');

  return /^[\x20-\x7e]*$/.test(oneLine)
    ? oneLine
    : `=?UTF-8?B?${Buffer.from(oneLine, 'utf8').toString('base64')}?=`;
}

/** ntfy: POST the text to SERVER/TOPIC with Title, Priority, Tags and Click headers. */
export function createNtfyNotifier(
  name: string,
  config: NtfyChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  const url = `${config.server.replace(/\/+$/, '')}/${encodeURIComponent(config.topic)}`;
  return {
    name,
    type: 'ntfy',
    async send(notification, options) {
      const render = (doc: MessageDocument): string => renderText(doc, { withTitle: false });
      const doc = fitDocument(
        buildMessageDocument(notification, { timeZone: deps.timeZone }),
        renderedWithin(render, NTFY_MESSAGE_LIMIT_BYTES, (text) => Buffer.byteLength(text)),
      );
      const headers: Record<string, string> = {
        'content-type': 'text/plain; charset=utf-8',
        title: encodeHeaderValue(doc.title),
        priority: PRIORITY[doc.severity],
        tags: `${TAGS[doc.severity]},yamori,${notification.kind}`,
      };
      if (doc.url) headers['click'] = doc.url;
      if (config.token !== null) headers['authorization'] = `Bearer ${config.token}`;
      await postHttp(
        name,
        { url, headers, body: render(doc) },
        { signal: options.signal, fetch: deps.fetch, now: deps.now, secrets: [config.token] },
      );
    },
  };
}
