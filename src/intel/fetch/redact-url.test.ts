import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    [
      'an abuse.ch auth-key',
      'https://threatfox.abuse.ch/export/csv/recent/?auth-key=abc123',
      'https://threatfox.abuse.ch/export/csv/recent/?auth-key=...',
    ],
    ['user and password', 'https://alice:s3cret@taxii.example/taxii2/', 'https://...@taxii.example/taxii2/'],
    [
      'a key in the path',
      'http://data.phishtank.com/data/0123456789abcdef0123456789abcdef0123/online-valid.csv',
      'http://data.phishtank.com/data/.../online-valid.csv',
    ],
    [
      'harmless parameters',
      'https://otx.example/api/v1/pulses/subscribed?limit=50&page=2',
      'https://otx.example/api/v1/pulses/subscribed?limit=50&page=2',
    ],
    [
      'a MISP event UUID',
      'https://misp.example/feed/5e9decf1-3e24-4143-9fb2-0b81c0a80102.json',
      'https://misp.example/feed/5e9decf1-3e24-4143-9fb2-0b81c0a80102.json',
    ],
    [
      'an api_key among others',
      'https://x.example/f?format=csv&api_key=k&token=t',
      'https://x.example/f?format=csv&api_key=...&token=...',
    ],
    ['text that is not a URL', 'not a url //bob:pw@host', 'not a url //...@host'],
  ])('hides %s', (_name, input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('never shows a secret put in the password, a key parameter or a key-like path segment', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{32,40}$/).map((s) => 'Zq' + s);
    fc.assert(
      fc.property(secret, fc.constantFrom('auth-key', 'apikey', 'access_token', 'X-Sig'), (value, param) => {
        const shown = redactUrl(
          `https://user:${value}@feeds.example/${value}/list.csv?${param}=${value}&a=1`,
        );
        expect(shown).not.toContain(value);
        expect(shown).toContain('a=1');
      }),
    );
  });
});
