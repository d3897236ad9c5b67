/**
 * One HTTP request of a channel, with the failure rules every HTTP channel shares: a network error,
 * a timeout, 408, 429 and 5xx are retryable (after Retry-After when given); any other 4xx is permanent.
 * Messages name the host only: webhook URLs and bot API paths carry secrets.
 */
import { DeliveryFailure } from './notification.js';

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface HttpOptions {
  signal: AbortSignal;
  fetch?: typeof fetch;
  /** Wall clock in ms, for Retry-After given as a date. */
  now?: () => number;
  /** Decides an answer the shared rules would get wrong (GitHub's rate-limit 403, Slack's ok:false). */
  classify?: (answer: HttpAnswer) => DeliveryFailure | 'ok' | null;
  /** Texts that must never appear in a failure message (tokens, webhook URLs). */
  secrets?: readonly (string | null)[];
}

const MAX_ANSWER_CHARS = 64 * 1024;

export async function postHttp(
  channel: string,
  request: HttpRequest,
  options: HttpOptions,
): Promise<HttpAnswer> {
  const host = safeHost(request.url);
  const scrub = (text: string): string => scrubSecrets(text, options.secrets ?? []);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: options.signal,
      redirect: 'error',
    });
  } catch (cause) {
    if (options.signal.aborted) {
      throw new DeliveryFailure(`${channel}: ${host} did not answer in time (attempt aborted)`, false);
    }
    throw new DeliveryFailure(`${channel}: cannot reach ${host}: ${scrub(describeCause(cause))}`, false);
  }
  let text: string;
  try {
    text = (await response.text()).slice(0, MAX_ANSWER_CHARS);
  } catch (cause) {
    if (options.signal.aborted) {
      throw new DeliveryFailure(
        `${channel}: ${host} did not finish its answer in time (attempt aborted)`,
        false,
      );
    }
    throw new DeliveryFailure(
      `${channel}: ${host} broke off its answer: ${scrub(describeCause(cause))}`,
      false,
    );
  }
  const answer: HttpAnswer = { status: response.status, headers: response.headers, text };
  const decided = options.classify?.(answer) ?? null;
  if (decided === 'ok') return answer;
  if (decided !== null)
    throw new DeliveryFailure(scrub(decided.message), decided.permanent, decided.retryAfterMs);
  if (response.status >= 200 && response.status < 300) return answer;
  const detail = `${channel}: ${host} answered HTTP ${response.status}${snippet(text) ? ': ' + scrub(snippet(text)) : ''}`;
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new DeliveryFailure(
    detail,
    !retryable,
    retryable ? retryAfterMs(response.headers, options.now ?? Date.now) : null,
  );
}

/** Retry-After as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: () => number): number | null {
  const value = headers.get('retry-after');
  if (value === null) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now());
}

/** The first 200 characters of an answer, on one line. */
export function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? line.slice(0, 199) + '…' : line;
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad URL)';
  }
}

/** Replaces every secret in `text`; a secret URL's path is replaced too (services echo paths). */
export function scrubSecrets(text: string, secrets: readonly (string | null)[]): string {
  const all: string[] = [];
  for (const secret of secrets) {
    if (!secret) continue;
    all.push(secret);
    if (/^https?:\/\//.test(secret)) {
      const path = safePath(secret);
      if (path.length > 1) all.push(path, path.slice(1));
    }
  }
  let out = text;
  for (const secret of all.sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

function safePath(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return '';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    const code = inner && typeof inner === 'object' && 'code' in inner ? String(inner.code) : null;
    const innerMessage = inner instanceof Error ? inner.message : null;
    return [cause.message, code ?? innerMessage].filter(Boolean).join(': ');
  }
  return String(cause);
}

/** Parses a JSON answer, or null when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
