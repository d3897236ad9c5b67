// Query parameters whose value is a secret in the feed APIs we know (abuse.ch auth-key, PhishTank
// app_key, MISP/OTX keys, signed URLs) and in most others.
const SECRET_PARAM = /key|token|auth|secret|passw|pwd|sig|credential|session/i;
// A path segment that looks like an API key: long, letters and digits only (PhishTank puts its key in
// the path). UUIDs keep their dashes, so MISP event names survive.
const KEY_LIKE_SEGMENT = /^[A-Za-z0-9]{32,}$/;

/**
 * The URL as it may appear in messages, logs and feed_runs: user and password, secret-looking query
 * values and key-like path segments replaced by "...". Text that is not a URL is returned with any
 * "user:password@" removed.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//...@');
  }
  if (parsed.username || parsed.password) {
    parsed.username = '...';
    parsed.password = '';
  }
  parsed.pathname = parsed.pathname
    .split('/')
    .map((segment) => (KEY_LIKE_SEGMENT.test(segment) ? '...' : segment))
    .join('/');
  let query = '';
  if (parsed.search) {
    const parts: string[] = [];
    for (const [name, value] of parsed.searchParams) {
      const shown = SECRET_PARAM.test(name) && value !== '' ? '...' : encodeURIComponent(value);
      parts.push(`${encodeURIComponent(name)}=${shown}`);
    }
    query = '?' + parts.join('&');
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString() + query;
}
