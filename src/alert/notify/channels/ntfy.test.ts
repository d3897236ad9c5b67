import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NtfyChannelConfig } from '../../../config/index.js';
import { runHttpNotifierContract } from '../notifier.contract.js';
import {
  fixedSample,
  hostileDigest,
  sendOptions,
  startRecordingServer,
  type RecordingServer,
} from '../testing.js';
import { createNtfyNotifier, encodeHeaderValue, NTFY_MESSAGE_LIMIT_BYTES } from './ntfy.js';

const config = (url: string, token: string | null = 'tk_ntfysecret'): NtfyChannelConfig => ({
  type: 'ntfy',
  server: url,
  topic: 'yamori-home',
  token,
  secretEnv: {},
});

runHttpNotifierContract({
  type: 'ntfy',
  create: (url) => createNtfyNotifier('phone', config(url)),
  ok: { status: 200, body: '{"id":"abc","event":"message"}' },
  secrets: ['tk_ntfysecret'],
});

/** RFC 2047 "B" decoding, as ntfy does for header values. */
function decodeHeader(value: string): string {
  const match = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(value);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : value;
}

describe('createNtfyNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer(() => ({ status: 200, body: '{}' }));
  });
  afterAll(async () => server.close());

  it('posts the text to SERVER/TOPIC with Title, Priority, Tags, Click and the token', async () => {
    await createNtfyNotifier('phone', config(server.url)).send(fixedSample(), sendOptions());
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/yamori-home');
    expect(request.headers['title']).toBe('[HIGH] Test: kids-tablet contacted C2 203.0.113.9 (qakbot)');
    expect(request.headers['priority']).toBe('4');
    expect(String(request.headers['tags']).split(',')).toEqual(['warning', 'yamori', 'test']);
    expect(request.headers['click']).toBe('https://yamori.lan:8080/alerts/test-0000000000000001');
    expect(request.headers['authorization']).toBe('Bearer tk_ntfysecret');
    expect(request.body).toContain('kids-tablet talked to 203.0.113.9');
    expect(request.body).toContain('What to do first');
  });

  it('sends no Authorization without a token, and encodes a non-ASCII title as RFC 2047', async () => {
    const sample = fixedSample();
    await createNtfyNotifier('phone', config(server.url, null)).send(
      { ...sample, title: 'Küchen-Tablet → 203.0.113.9' },
      sendOptions(),
    );
    const request = server.requests.at(-1)!;
    expect(request.headers['authorization']).toBeUndefined();
    expect(decodeHeader(String(request.headers['title']))).toBe('[HIGH] Küchen-Tablet → 203.0.113.9');
    expect(encodeHeaderValue('plain ascii')).toBe('plain ascii');
  });

  it('keeps a large digest under ntfy message size, at most severity max', async () => {
    await createNtfyNotifier('phone', config(server.url)).send(hostileDigest(200), sendOptions());
    const request = server.requests.at(-1)!;
    expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(NTFY_MESSAGE_LIMIT_BYTES);
    expect(request.body).toMatch(/… and \d+ more/);
    expect(request.headers['priority']).toBe('5');
  });
});
