import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { EmailChannelConfig } from '../../../config/index.js';
import { scrubSecrets } from '../http-delivery.js';
import { buildMessageDocument } from '../message-document.js';
import { DeliveryFailure, type Notifier } from '../notification.js';
import { renderEmailHtml } from '../render-html.js';
import { renderText } from '../render-text.js';
import type { NotifierDeps } from './channel-deps.js';

/** "<hash.yamori@example.org>": the same key gives the same Message-ID, so mail systems can drop a repeat. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'yamori.invalid';
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${hash}.yamori@${domain}>`;
}

/** SMTP error codes of nodemailer that a retry will not fix. */
const PERMANENT_CODES = new Set(['EAUTH', 'EENVELOPE', 'EMESSAGE', 'ETLS', 'EREQUIRETLS']);

/**
 * E-mail over SMTP: STARTTLS required by default (or TLS from the start with `secure`), text and HTML
 * parts, Message-ID from the idempotency key. A 5xx reply, failed login or TLS problem is permanent;
 * 4xx replies and network errors are retried.
 */
export function createEmailNotifier(
  name: string,
  config: EmailChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  let ca: Promise<string | null> | null = null;
  const secrets = [config.password];
  return {
    name,
    type: 'email',
    async send(notification, options) {
      ca ??= config.tlsCaFile === null ? Promise.resolve(null) : readFile(config.tlsCaFile, 'utf8');
      let caPem: string | null;
      try {
        caPem = await ca;
      } catch (cause) {
        ca = null;
        throw new DeliveryFailure(
          `${name}: cannot read tls_ca_file ${config.tlsCaFile}: ${(cause as Error).message}`,
          true,
        );
      }
      const doc = buildMessageDocument(notification, { timeZone: deps.timeZone });
      const transport = nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        requireTLS: !config.secure && config.starttls === 'required',
        ignoreTLS: !config.secure && config.starttls === 'off',
        ...(config.user !== null ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
        tls: {
          ...(isIP(config.host) === 0 ? { servername: config.host } : {}),
          ...(caPem !== null ? { ca: caPem } : {}),
        },
        ...(deps.hostname ? { name: deps.hostname } : {}),
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 60_000,
      });
      const aborted = new Promise<never>((_, reject) => {
        const onAbort = (): void => {
          transport.close();
          reject(
            new DeliveryFailure(`${name}: ${config.host} did not finish in time (attempt aborted)`, false),
          );
        };
        if (options.signal.aborted) onAbort();
        else options.signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([
          transport.sendMail({
            from: config.from,
            to: [...config.to],
            subject: doc.title,
            text: renderText(doc),
            html: renderEmailHtml(doc),
            messageId: messageIdFor(options.idempotencyKey, config.from),
            priority: doc.severity === 'high' || doc.severity === 'critical' ? 'high' : 'normal',
            headers: {
              'Auto-Submitted': 'auto-generated',
              'X-Yamori-Kind': notification.kind,
              'X-Yamori-Alert-Ids': notification.alerts.map((notice) => notice.alert.id).join(', '),
            },
          }),
          aborted,
        ]);
      } catch (error) {
        if (error instanceof DeliveryFailure) throw error;
        throw smtpFailure(name, config.host, error, secrets);
      } finally {
        transport.close();
      }
    },
  };
}

function smtpFailure(
  name: string,
  host: string,
  error: unknown,
  secrets: (string | null)[],
): DeliveryFailure {
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  const text = scrubSecrets(String(message ?? error), secrets).replace(/\s+/g, ' ');
  const permanent =
    (typeof responseCode === 'number' && responseCode >= 500) ||
    (code !== undefined &&
      PERMANENT_CODES.has(code) &&
      !(typeof responseCode === 'number' && responseCode < 500));
  return new DeliveryFailure(`${name}: ${host}: ${code ? code + ' ' : ''}${text}`, permanent);
}
