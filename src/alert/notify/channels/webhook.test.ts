import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookChannelConfig } from '../../../config/index.js';
import { PAYLOAD_SCHEMA } from '../notification-payload.js';
import { runHttpNotifierContract } from '../notifier.contract.js';
import { fixedSample, sendOptions, startRecordingServer, type RecordingServer } from '../testing.js';
import { createWebhookNotifier } from './webhook.js';

const config = (url: string, secret: string | null = 'hmac-shared-secret'): WebhookChannelConfig => ({
  type: 'webhook',
  url: `${url}/hooks/yamori?token=url-token-123`,
  secret,
  headers: { 'X-Api-Key': 'header-key-456' },
  secretEnv: {},
});

runHttpNotifierContract({
  type: 'webhook',
  create: (url) => createWebhookNotifier('hook', config(url)),
  ok: { status: 204 },
  secrets: ['url-token-123', 'hmac-shared-secret', 'header-key-456'],
});

/** A receiver's check, written from the README's description and not from the sender's code. */
function verify(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(
    'sha256=' +
      createHmac('sha256', secret)
        .update(timestamp + '.' + body)
        .digest('hex'),
  );
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe('createWebhookNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer(() => ({ status: 200 }));
  });
  afterAll(async () => server.close());

  it('posts the versioned JSON payload with an Idempotency-Key and a verifiable signature', async () => {
    const now = Date.UTC(2026, 11, 7, 6, 31, 5);
    await createWebhookNotifier('hook', config(server.url), { now: () => now }).send(
      fixedSample(),
      sendOptions('alert-42:hook:1'),
    );
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/hooks/yamori?token=url-token-123');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe('alert-42:hook:1');
    expect(request.headers['x-api-key']).toBe('header-key-456');
    expect(request.headers['x-yamori-timestamp']).toBe(String(now / 1000));
    const signature = String(request.headers['x-yamori-signature']);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify('hmac-shared-secret', String(now / 1000), request.body, signature)).toBe(true);
    expect(verify('wrong-secret', String(now / 1000), request.body, signature)).toBe(false);
    expect(verify('hmac-shared-secret', String(now / 1000 + 1), request.body, signature)).toBe(false);

    const payload = JSON.parse(request.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      schema: PAYLOAD_SCHEMA,
      idempotency_key: 'alert-42:hook:1',
      kind: 'test',
      severity: 'high',
      created_at: '2026-12-07T06:30:00Z',
      url: 'https://yamori.lan:8080/alerts/test-0000000000000001',
    });
    expect(payload['text']).toContain('What to do first');
    const [alert] = payload['alerts'] as Record<string, unknown>[];
    expect(alert).toMatchObject({
      id: 'test-0000000000000001',
      rule_id: 'intel-outbound-to-c2-address',
      count: 4,
      first_seen_at: '2026-12-07T06:16:00Z',
      device: {
        name: 'kids-tablet',
        mac: 'a4:83:e7:12:34:56',
        vendor: 'Apple, Inc.',
        addresses: ['192.168.1.23'],
      },
      remote: { addr: '203.0.113.9', names: ['update-check.example.net'], asn: 64500, country: 'NL' },
      indicators: [
        { source: 'feodo', threat: 'botnet_cc', malware_family: 'qakbot', listed_at: '2026-12-04T06:30:00Z' },
      ],
    });
    expect(String(alert!['triage'])).toContain('unplug');
  });

  it('sends no signature when no secret is set', async () => {
    await createWebhookNotifier('hook', config(server.url, null)).send(fixedSample(), sendOptions());
    expect(server.requests.at(-1)!.headers['x-yamori-signature']).toBeUndefined();
    expect(server.requests.at(-1)!.headers['idempotency-key']).toBe('alert-1:phone:1');
  });
});
