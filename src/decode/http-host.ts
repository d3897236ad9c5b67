export interface HttpRequestStart {
  method: string;
  /** Request target as sent (`/path?q`, an absolute URL for a proxy, `host:port` for CONNECT). */
  target: string;
  /** `1.0` or `1.1`; null when the request line was cut before the version. */
  version: string | null;
  /** Host header value, lowercase, without port or IPv6 brackets; null when not seen. */
  host: string | null;
}

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE'] as const;
const MAX_METHOD_LENGTH = 7;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

function matchMethod(bytes: Uint8Array): string | null {
  for (const method of METHODS) {
    if (bytes.length <= method.length || bytes[method.length] !== SPACE) continue;
    let matches = true;
    for (let i = 0; i < method.length; i++) {
      if (bytes[i] !== method.charCodeAt(i)) {
        matches = false;
        break;
      }
    }
    if (matches) return method;
  }
  return null;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** `Host` compared without regard to case. */
function isHostHeader(bytes: Uint8Array, start: number, colon: number): boolean {
  return (
    colon - start === 4 &&
    (bytes[start]! | 0x20) === 0x68 &&
    (bytes[start + 1]! | 0x20) === 0x6f &&
    (bytes[start + 2]! | 0x20) === 0x73 &&
    (bytes[start + 3]! | 0x20) === 0x74
  );
}

/** Lowercases and strips the port and IPv6 brackets from a Host value (RFC 9110 section 7.2). */
export function normaliseHost(value: string): string | null {
  let host = value.trim().toLowerCase();
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    host = close > 0 ? host.slice(1, close) : '';
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.length > 0 ? host : null;
}

function parse(payload: Uint8Array): HttpRequestStart | null {
  if (payload.length < 4 || payload[0]! < 0x41 || payload[0]! > 0x5a) return null;
  const method = matchMethod(payload.subarray(0, MAX_METHOD_LENGTH + 1));
  if (method === null) return null;

  const requestLineEnd = payload.indexOf(LF);
  const lineStop = requestLineEnd < 0 ? payload.length : requestLineEnd;
  const targetStart = method.length + 1;
  let targetEnd = payload.indexOf(SPACE, targetStart);
  if (targetEnd < 0 || targetEnd > lineStop) targetEnd = lineStop;
  let version: string | null = null;
  if (targetEnd < lineStop && requestLineEnd >= 0) {
    let versionEnd = lineStop;
    if (payload[versionEnd - 1] === CR) versionEnd--;
    const versionText = ascii(payload, targetEnd + 1, versionEnd);
    if (!versionText.startsWith('HTTP/1.')) return null;
    version = versionText.slice(5);
  } else if (requestLineEnd >= 0) {
    // HTTP/0.9 has no version and no headers; nothing else here is HTTP/1.
    return null;
  }
  let targetStop = targetEnd;
  if (payload[targetStop - 1] === CR) targetStop--;
  const start: HttpRequestStart = {
    method,
    target: ascii(payload, targetStart, targetStop),
    version,
    host: null,
  };
  if (requestLineEnd < 0) return start;

  for (let at = requestLineEnd + 1; at < payload.length;) {
    const end = payload.indexOf(LF, at);
    const stop = end < 0 ? payload.length : end;
    // An empty line ends the headers.
    if (stop === at || (stop === at + 1 && payload[at] === CR)) break;
    const colon = payload.indexOf(COLON, at);
    if (colon >= 0 && colon < stop && isHostHeader(payload, at, colon)) {
      // A Host line cut off before its LF may be missing characters: better no name than a wrong one.
      if (end < 0) break;
      let valueStart = colon + 1;
      while (valueStart < stop && (payload[valueStart] === SPACE || payload[valueStart] === TAB))
        valueStart++;
      start.host = normaliseHost(ascii(payload, valueStart, stop));
      break;
    }
    if (end < 0) break;
    at = end + 1;
  }
  return start;
}

/**
 * Reads the request line and the Host header from the start of an HTTP/1.x request (the first
 * bytes the client sent on the connection). Returns null when the payload does not start with
 * `<METHOD> ` for a known method or the request line is not HTTP/1.x. The headers may be cut off:
 * `host` is then null. Never throws.
 */
export function parseHttpRequestStart(payload: Uint8Array): HttpRequestStart | null {
  try {
    return parse(payload);
  } catch {
    return null;
  }
}

/** The Host of an HTTP/1.x request at the start of `payload`, normalised, or null. Never throws. */
export function parseHttpRequestHost(payload: Uint8Array): string | null {
  return parseHttpRequestStart(payload)?.host ?? null;
}
