import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileChannelConfig } from '../../../config/index.js';
import { buildMessageDocument } from '../message-document.js';
import { notificationPayload } from '../notification-payload.js';
import { DeliveryFailure, type Notifier } from '../notification.js';
import { renderText } from '../render-text.js';
import type { NotifierDeps } from './channel-deps.js';

/** Errors a retry will not fix without someone changing the file system. */
const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'EEXIST']);

/**
 * JSON lines: appends the webhook's payload as one line, then fsyncs, so a line that was accepted is
 * on disk. Creates the folder. One write call per line keeps concurrent appends whole (O_APPEND).
 */
export function createFileNotifier(
  name: string,
  config: FileChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  return {
    name,
    type: 'file',
    async send(notification, options) {
      if (options.signal.aborted) throw new DeliveryFailure(`${name}: attempt aborted`, false);
      const doc = buildMessageDocument(notification, { timeZone: deps.timeZone });
      const line =
        JSON.stringify(notificationPayload(notification, options.idempotencyKey, renderText(doc))) + '\n';
      try {
        await mkdir(dirname(config.path), { recursive: true });
        const handle = await open(config.path, 'a', 0o640);
        try {
          await handle.write(line);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code ?? '';
        throw new DeliveryFailure(
          `${name}: cannot append to ${config.path}: ${(cause as Error).message}`,
          PERMANENT_CODES.has(code),
        );
      }
    },
  };
}
