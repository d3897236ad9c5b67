import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackChannelConfig } from '../../../config/index.js';
import { runHttpNotifierContract } from '../notifier.contract.js';
import { DeliveryFailure } from '../notification.js';
import {
  fixedSample,
  hostileDigest,
  sendOptions,
  startRecordingServer,
  type RecordingServer,
} from '../testing.js';
import { createSlackNotifier, SLACK_LIMITS } from './slack.js';

const webhookConfig = (url: string): SlackChannelConfig => ({
  type: 'slack',
  webhookUrl: `${url}/services/T000/B000/SECRETxyz123`,
  token: null,
  channel: null,
  apiUrl: 'https://slack.invalid/api',
  secretEnv: {},
});
const botConfig = (url: string): SlackChannelConfig => ({
  type: 'slack',
  webhookUrl: null,
  token: 'xoxb-1234-secret-token',
  channel: 'C0123ALERTS',
  apiUrl: `${url}/api`,
  secretEnv: {},
});

runHttpNotifierContract({
  type: 'slack (incoming webhook)',
  create: (url) => createSlackNotifier('team', webhookConfig(url)),
  ok: { status: 200, body: 'ok' },
  secrets: ['SECRETxyz123', 'T000/B000'],
});
runHttpNotifierContract({
  type: 'slack (bot token)',
  create: (url) => createSlackNotifier('team', botConfig(url)),
  ok: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true,"ts":"1.2"}' },
  secrets: ['xoxb-1234-secret-token'],
});

type Block = {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
};

/** Checks a message against Block Kit's documented shape and limits. */
function expectValidBlockKit(message: Record<string, unknown>): Block[] {
  expect(typeof message['text']).toBe('string');
  const blocks = message['blocks'] as Block[];
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of blocks) {
    expect(['header', 'section', 'context', 'actions']).toContain(block.type);
    if (block.type === 'header') {
      expect(block.text!.type).toBe('plain_text');
      expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    }
    if (block.type === 'section') {
      expect(block.text ?? block.fields).toBeDefined();
      if (block.text) {
        expect(block.text.type).toBe('mrkdwn');
        expect(block.text.text.length).toBeGreaterThan(0);
        expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      }
      if (block.fields) {
        expect(block.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
        for (const field of block.fields)
          expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
    }
  }
  return blocks;
}

describe('createSlackNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
  });
  afterAll(async () => server.close());

  it('posts a Block Kit message to the incoming webhook: header, facts, explanation, button', async () => {
    await createSlackNotifier('team', webhookConfig(server.url)).send(fixedSample(), sendOptions());
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/services/T000/B000/SECRETxyz123');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const message = JSON.parse(request.body) as Record<string, unknown>;
    const blocks = expectValidBlockKit(message);
    expect(blocks[0]).toMatchObject({
      type: 'header',
      text: { text: '[HIGH] Test: kids-tablet contacted C2 203.0.113.9 (qakbot)' },
    });
    const text = JSON.stringify(blocks);
    expect(text).toContain('*kids-tablet*');
    expect(text).toContain('`203.0.113.9`');
    expect(text).toContain('update-check.example.net');
    expect(text).toContain('2026-12-07T06:16:00Z');
    expect(text).toContain('*feodo*');
    expect(text).toContain('qakbot');
    expect(text).toContain('<https://feodotracker.abuse.ch/browse/host/203.0.113.9/|details>');
    expect(text).toContain('unplug it');
    const actions = blocks.find((block) => block.type === 'actions') as unknown as {
      elements: { type: string; url: string; style?: string }[];
    };
    expect(actions.elements[0]).toMatchObject({
      type: 'button',
      url: 'https://yamori.lan:8080/alerts/test-0000000000000001',
      style: 'danger',
    });
    expect(message['channel']).toBeUndefined();
  });

  it('posts to chat.postMessage with the bot token and channel', async () => {
    server.respond(() => ({ status: 200, body: '{"ok":true}' }));
    await createSlackNotifier('team', botConfig(server.url)).send(fixedSample(), sendOptions());
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/api/chat.postMessage');
    expect(request.headers['authorization']).toBe('Bearer xoxb-1234-secret-token');
    const message = JSON.parse(request.body) as Record<string, unknown>;
    expect(message['channel']).toBe('C0123ALERTS');
    expectValidBlockKit(message);
  });

  it.each([
    ['channel_not_found', true],
    ['invalid_auth', true],
    ['ratelimited', false],
    ['internal_error', false],
  ])('sorts an ok:false answer with error %s (permanent: %s)', async (error, permanent) => {
    server.respond(() => ({ status: 200, body: JSON.stringify({ ok: false, error }) }));
    const failure = await createSlackNotifier('team', botConfig(server.url))
      .send(fixedSample(), sendOptions())
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(DeliveryFailure);
    expect((failure as DeliveryFailure).permanent).toBe(permanent);
    expect((failure as DeliveryFailure).message).toContain(error);
  });

  it('keeps a digest of 300 alerts within Block Kit limits and escapes what users wrote', async () => {
    server.respond(() => ({ status: 200, body: 'ok' }));
    await createSlackNotifier('team', webhookConfig(server.url)).send(hostileDigest(300), sendOptions());
    const message = server.lastJson();
    const blocks = expectValidBlockKit(message);
    const text = JSON.stringify(blocks);
    expect(text).toMatch(/… and \d+ more/);
    expect(text).toContain('&lt;b&gt;');
    expect(text).not.toContain('<b>');
    expect(text).not.toContain('<script>');
  });
});
