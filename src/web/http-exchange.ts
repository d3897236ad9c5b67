/** Reading requests and writing responses for the dashboard server: JSON bodies, cookies, errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isYamoriError, YamoriError, type ErrorCode } from '../errors/index.js';

const BODY_LIMIT_BYTES = 16 * 1024;

/** HTTP status of each error the API answers with; anything else is a 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  WEB_UNAUTHENTICATED: 401,
  WEB_LOGIN_FAILED: 401,
  WEB_LOGIN_RATE_LIMITED: 429,
  WEB_CSRF_REJECTED: 403,
  WEB_BAD_REQUEST: 400,
  WEB_NOT_FOUND: 404,
  WEB_BODY_TOO_LARGE: 413,
  WEB_PASSWORD_TOO_SHORT: 400,
  CLI_BAD_VALUE: 400,
  ALERT_NOT_FOUND: 404,
  ALERT_STATUS_CHANGE_INVALID: 409,
};

/** Headers every response carries; the CSP allows scripts and styles from this origin only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** `{ error: { code, message, hint } }` with the status of the code; a 500 for anything unexpected. */
export function sendError(
  response: ServerResponse,
  error: unknown,
  headers: Record<string, string> = {},
): number {
  const known = isYamoriError(error)
    ? error
    : new YamoriError('INTERNAL', { detail: 'the request failed; the server log has the details.' });
  const status = STATUS[known.code] ?? 500;
  sendJson(
    response,
    status,
    { error: { code: known.code, message: known.message, hint: known.hint } },
    headers,
  );
  return status;
}

/** The JSON object a POST carries; `{}` for an empty body. Throws WEB_BAD_REQUEST or WEB_BODY_TOO_LARGE. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = request.headers['content-type'] ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) throw new YamoriError('WEB_BODY_TOO_LARGE', { limit: BODY_LIMIT_BYTES });
    chunks.push(chunk);
  }
  if (size === 0) return {};
  // Only JSON: a cross-site HTML form cannot send it without a CORS preflight this server never allows.
  if (!/^application\/json\b/i.test(type)) {
    throw new YamoriError('WEB_BAD_REQUEST', {
      detail: 'The body must be JSON (Content-Type: application/json).',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new YamoriError('WEB_BAD_REQUEST', { detail: 'The body is not valid JSON.' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new YamoriError('WEB_BAD_REQUEST', { detail: 'The body must be a JSON object.' });
  }
  return parsed as Record<string, unknown>;
}

export function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A string field of a JSON body; throws WEB_BAD_REQUEST when present with another type or too long. */
export function bodyText(body: Record<string, unknown>, name: string, maxLength = 2000): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new YamoriError('WEB_BAD_REQUEST', {
      detail: `"${name}" must be text of at most ${maxLength} characters.`,
    });
  }
  return value;
}
