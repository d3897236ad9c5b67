/**
 * The HttpGet every feed download goes through, on node:http/https rather than the built-in fetch:
 * fetch decompresses on its own (so the wire size and a streaming limit on decompressed bytes are out
 * of reach), follows redirects without a hook to drop key headers on a change of host, and has no
 * idle timer for a body that stalls. Here each of those is a few explicit lines.
 */
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { YamoriError } from '../../errors/index.js';
import { decodeBody, formatBytes } from './body-decoder.js';
import type { HttpGet, HttpGetRequest, HttpGetResponse } from './http-get.js';
import { redactUrl } from './redact-url.js';

export interface HttpClientOptions {
  /** Per attempt: from sending the request to the last body byte (redirects included). */
  timeoutMs: number;
  /** Refuse bodies larger than this, on the wire and after decompression. */
  maxBytes: number;
  /** Extra attempts after a network error, 5xx or 429. */
  retries: number;
  /** First backoff delay; doubled on each retry, with jitter. */
  backoffMs: number;
  userAgent: string;
  /** Fail when no byte arrives for this long; default the smaller of timeoutMs and 30 s. */
  idleTimeoutMs?: number;
  /** A Retry-After longer than this is not waited for: the response is returned as is. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Milliseconds since the epoch, for Retry-After dates. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), for backoff jitter. */
  random?: () => number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Headers that carry a credential; dropped when a redirect leaves the origin they were meant for.
const SECRET_HEADER = /authorization|cookie|key|token|auth|secret|passw/i;
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

class TimedOut extends Error {}

/**
 * Creates the HttpGet. Retries network errors, 5xx and 429 (honouring Retry-After up to
 * maxRetryAfterMs) with exponential backoff; a timeout is not retried, as a server that was too slow
 * once would hold the feed's schedule up `retries` times over.
 */
export function createHttpGet(options: HttpClientOptions): HttpGet {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;

  return async (request) => {
    const shown = redactUrl(request.url);
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < options.retries;
      let outcome: HttpGetResponse;
      try {
        outcome = await attemptOnce(request, options, canRetry);
      } catch (error) {
        if (canRetry && isRetryable(error)) {
          await sleep(backoff(attempt));
          continue;
        }
        throw asYamoriError(error, shown);
      }
      if (canRetry && (outcome.status >= 500 || outcome.status === 429)) {
        const retryAfter = retryAfterMs(outcome.headers['retry-after'], now());
        if (retryAfter !== null && retryAfter > maxRetryAfterMs) return outcome;
        await sleep(Math.max(retryAfter ?? 0, backoff(attempt)));
        continue;
      }
      return outcome;
    }
  };

  function backoff(attempt: number): number {
    const full = options.backoffMs * 2 ** attempt;
    return Math.round(full / 2 + (random() * full) / 2);
  }
}

/**
 * One attempt, following redirects. A response that will be retried (5xx, 429) is returned with an
 * empty body rather than read.
 */
async function attemptOnce(
  request: HttpGetRequest,
  options: HttpClientOptions,
  willRetryServerErrors: boolean,
): Promise<HttpGetResponse> {
  const timeoutMs = request.timeoutMs ?? options.timeoutMs;
  const idleTimeoutMs = Math.min(options.idleTimeoutMs ?? 30_000, timeoutMs);
  const maxBytes = request.maxBytes ?? options.maxBytes;
  const maxRedirects = options.maxRedirects ?? 5;

  let current: ClientRequest | null = null;
  let timedOut: string | null = null;
  const stop = (why: string): void => {
    timedOut = why;
    current?.destroy(new TimedOut(why));
  };
  const overall = setTimeout(() => stop(`no complete answer after ${formatMs(timeoutMs)}`), timeoutMs);
  const idle = setTimeout(() => stop(`no data for ${formatMs(idleTimeoutMs)}`), idleTimeoutMs);
  const touch = (): void => {
    idle.refresh();
  };

  let url = new URL(request.url);
  let headers = requestHeaders(request, options.userAgent);
  let response: IncomingMessage | null = null;
  try {
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw fetchFailed(
          request.url,
          `redirected to an unsupported scheme ${url.protocol}`,
          'Check the feed URL.',
        );
      }
      const sent = send(url, headers);
      current = sent.request;
      const answer = await sent.response;
      response = answer;
      touch();
      const location = answer.headers.location;
      if (!REDIRECTS.has(answer.statusCode ?? 0) || location === undefined) break;
      answer.resume();
      if (hop >= maxRedirects) {
        throw fetchFailed(
          request.url,
          `more than ${maxRedirects} redirects`,
          'Check the feed URL in a browser.',
        );
      }
      const next = new URL(location, url);
      if (next.origin !== url.origin) headers = withoutSecrets(headers);
      url = next;
    }

    const status = response.statusCode ?? 0;
    const responseHeaders = flattenHeaders(response);
    const answer = response;
    const base = {
      status,
      headers: responseHeaders,
      etag: responseHeaders.etag ?? null,
      lastModified: responseHeaders['last-modified'] ?? null,
      url: url.toString(),
    };
    if (status === 304) {
      answer.resume();
      return {
        ...base,
        notModified: true,
        body: Buffer.alloc(0),
        // Servers may leave the validators out of a 304; the old ones still hold.
        etag: base.etag ?? request.etag ?? null,
        lastModified: base.lastModified ?? request.lastModified ?? null,
        wireBytes: 0,
      };
    }
    if (willRetryServerErrors && (status >= 500 || status === 429)) {
      answer.destroy();
      return { ...base, notModified: false, body: Buffer.alloc(0), wireBytes: 0 };
    }
    const shown = redactUrl(request.url);
    const declared = Number(responseHeaders['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      throw new YamoriError(
        'FEED_TOO_LARGE',
        { url: shown, limit: formatBytes(maxBytes), what: `Content-Length is ${declared} bytes` },
        { source: shown },
      );
    }
    let wireBytes = 0;
    const source = answer;
    async function* metered(): AsyncIterable<Buffer> {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        touch();
        wireBytes += chunk.length;
        if (wireBytes > maxBytes) {
          throw new YamoriError(
            'FEED_TOO_LARGE',
            { url: shown, limit: formatBytes(maxBytes), what: 'on the wire' },
            { source: shown },
          );
        }
        yield chunk;
      }
      // A connection closed before Content-Length bytes arrived ends the stream without an error event.
      if (!source.complete)
        throw Object.assign(new Error('connection closed mid-body'), { code: 'ECONNRESET' });
    }
    const body = await decodeBody(metered(), {
      contentEncoding: responseHeaders['content-encoding'] ?? null,
      maxBytes,
      url: shown,
    });
    return { ...base, notModified: false, body, wireBytes };
  } catch (error) {
    response?.destroy();
    current?.destroy();
    if (timedOut !== null) throw new TimedOut(timedOut);
    throw error;
  } finally {
    clearTimeout(overall);
    clearTimeout(idle);
  }
}

function send(
  url: URL,
  headers: Record<string, string>,
): { request: ClientRequest; response: Promise<IncomingMessage> } {
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = requestFn(url, { method: 'GET', headers });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (res: IncomingMessage) => {
      // Errors after this point reach the body reader through iteration; without a listener an
      // 'error' on a response nobody reads (a redirect, a 304) would crash the process.
      res.on('error', () => undefined);
      resolve(res);
    });
    // Kept for the request's whole life: a late error (socket reset after the answer) must not crash.
    req.on('error', reject);
  });
  req.end();
  return { request: req, response };
}

function requestHeaders(request: HttpGetRequest, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': userAgent,
    accept: '*/*',
    'accept-encoding': 'gzip, deflate, br',
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  if (request.etag) headers['if-none-match'] = request.etag;
  if (request.lastModified) headers['if-modified-since'] = request.lastModified;
  return headers;
}

function withoutSecrets(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!SECRET_HEADER.test(name)) kept[name] = value;
  return kept;
}

function flattenHeaders(response: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Retry-After as milliseconds from now (seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

function isRetryable(error: unknown): boolean {
  if (error instanceof TimedOut || error instanceof YamoriError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_NETWORK.has(code);
}

function asYamoriError(error: unknown, shown: string): YamoriError {
  if (error instanceof YamoriError) return error;
  if (error instanceof TimedOut) {
    return new YamoriError('FEED_TIMEOUT', { url: shown, detail: error.message }, { source: shown });
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const detail = typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
  return fetchFailed(
    shown,
    detail,
    'Check the network connection and the feed URL; the next scheduled run tries again.',
    error,
  );
}

function fetchFailed(url: string, detail: string, advice: string, cause?: unknown): YamoriError {
  const shown = redactUrl(url);
  return new YamoriError('FEED_FETCH_FAILED', { url: shown, detail, advice }, { source: shown, cause });
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
