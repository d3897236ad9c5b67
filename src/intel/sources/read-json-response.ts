import { YamoriError } from '../../errors/index.js';
import type { HttpGetResponse } from '../fetch/http-get.js';
import { redactUrl } from '../fetch/redact-url.js';

export interface JsonResponseExpectation {
  /** "TAXII 2.1", "MISP feed", "OTX API": for messages. */
  protocol: string;
  /** What the URL should point at, for the hint. */
  expected: string;
  /** What to check when the server refuses the credentials (401/403). */
  credentials: string;
}

/**
 * The JSON body of a 200 answer. Any other status is FEED_HTTP_STATUS with advice for that status;
 * a body that is not JSON is FEED_RESPONSE_INVALID. Messages carry the redacted URL only.
 */
export function readJsonResponse(response: HttpGetResponse, expectation: JsonResponseExpectation): unknown {
  const url = redactUrl(response.url);
  if (response.status !== 200) {
    throw new YamoriError(
      'FEED_HTTP_STATUS',
      {
        url,
        status: response.status,
        detail: statusDetail(response),
        advice: advice(response.status, expectation),
      },
      { source: url },
    );
  }
  const text = response.body.toString('utf8');
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch {
    throw responseInvalid(response.url, expectation, `the body is not JSON (it starts "${excerpt(text)}")`);
  }
}

export function responseInvalid(
  url: string,
  expectation: JsonResponseExpectation,
  detail: string,
): YamoriError {
  const shown = redactUrl(url);
  return new YamoriError(
    'FEED_RESPONSE_INVALID',
    { url: shown, protocol: expectation.protocol, detail, expected: expectation.expected },
    { source: shown },
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function statusDetail(response: HttpGetResponse): string {
  const type = response.headers['content-type'] ?? '';
  // A short plain or JSON error body says why (e.g. OTX's {"detail": "Invalid API key"}); HTML does not.
  if (response.body.length === 0 || response.body.length > 300 || type.includes('html')) return '';
  return ` (${excerpt(response.body.toString('utf8'))})`;
}

function advice(status: number, expectation: JsonResponseExpectation): string {
  if (status === 401 || status === 403)
    return `The server refused the credentials: ${expectation.credentials}.`;
  if (status === 404) return `Check the URL: it should point at ${expectation.expected}.`;
  if (status === 429) return 'The server is rate-limiting Yamori; the next scheduled run tries again.';
  if (status >= 500) return 'The server has a problem of its own; the next scheduled run tries again.';
  return `The ${expectation.protocol} server did not accept the request.`;
}

function excerpt(text: string): string {
  const line = text.slice(0, 120).replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${line}…` : line;
}
