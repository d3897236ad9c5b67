import type { GithubChannelConfig } from '../../../config/index.js';
import { fitDocument, renderedWithin } from '../fit-document.js';
import { DeliveryFailure, type Notifier } from '../notification.js';
import { postHttp, retryAfterMs, snippet, type HttpAnswer } from '../http-delivery.js';
import { buildMessageDocument, type MessageDocument } from '../message-document.js';
import { renderMarkdown } from '../render-markdown.js';
import type { NotifierDeps } from './channel-deps.js';
import { requireSecret } from './require-secret.js';

/** GitHub's limits on an issue: title and body characters. */
export const GITHUB_LIMITS = { title: 256, body: 65_536 } as const;

/**
 * GitHub issue: POST /repos/OWNER/REPO/issues with a bearer token (a fine-grained token with
 * "Issues: write"). The idempotency key is written into the body as an HTML comment, so a duplicate
 * can be found. Rate-limit answers (403 or 429 with Retry-After or x-ratelimit-remaining: 0) are retried.
 */
export function createGithubNotifier(
  name: string,
  config: GithubChannelConfig,
  deps: NotifierDeps = {},
): Notifier {
  const token = requireSecret(name, config, 'token', config.token);
  const url = `${config.apiUrl.replace(/\/+$/, '')}/repos/${config.repo}/issues`;
  const now = deps.now ?? Date.now;
  return {
    name,
    type: 'github',
    async send(notification, options) {
      const marker = `\n\n<!-- yamori idempotency-key: ${options.idempotencyKey} -->\n`;
      const render = (doc: MessageDocument): string =>
        renderMarkdown(doc, 'commonmark', { withTitle: false }) + marker;
      const doc = fitDocument(
        buildMessageDocument(notification, { timeZone: deps.timeZone }),
        renderedWithin(render, GITHUB_LIMITS.body),
      );
      const issue = {
        title:
          doc.title.length <= GITHUB_LIMITS.title
            ? doc.title
            : doc.title.slice(0, GITHUB_LIMITS.title - 1) + '…',
        body: render(doc),
        labels: config.labels,
      };
      await postHttp(
        name,
        {
          url,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'user-agent': 'yamori',
            'x-github-api-version': '2022-11-28',
          },
          body: JSON.stringify(issue),
        },
        {
          signal: options.signal,
          fetch: deps.fetch,
          now,
          secrets: [token],
          classify: (answer) => classifyRateLimit(name, answer, now),
        },
      );
    },
  };
}

function classifyRateLimit(name: string, answer: HttpAnswer, now: () => number): DeliveryFailure | null {
  if (answer.status !== 403 && answer.status !== 429) return null;
  const limited =
    answer.status === 429 ||
    answer.headers.get('retry-after') !== null ||
    answer.headers.get('x-ratelimit-remaining') === '0';
  if (!limited) return null;
  const reset = Number(answer.headers.get('x-ratelimit-reset'));
  const wait = retryAfterMs(answer.headers, now) ?? (reset > 0 ? Math.max(0, reset * 1000 - now()) : null);
  return new DeliveryFailure(`${name}: GitHub rate limit: ${snippet(answer.text)}`, false, wait);
}
