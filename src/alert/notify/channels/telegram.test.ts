import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramChannelConfig } from '../../../config/index.js';
import { runHttpNotifierContract } from '../notifier.contract.js';
import {
  fixedSample,
  hostileDigest,
  sendOptions,
  startRecordingServer,
  type RecordingServer,
} from '../testing.js';
import { createTelegramNotifier, TELEGRAM_TEXT_LIMIT } from './telegram.js';

const TOKEN = '123456:ABC-secret-bot-token';
const config = (url: string, parseMode: 'HTML' | 'MarkdownV2' = 'HTML'): TelegramChannelConfig => ({
  type: 'telegram',
  token: TOKEN,
  chatId: '-1001234567890',
  parseMode,
  apiUrl: url,
  secretEnv: {},
});

const OK = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true,"result":{}}' };

runHttpNotifierContract({
  type: 'telegram',
  create: (url) => createTelegramNotifier('phone', config(url)),
  ok: OK,
  secrets: [TOKEN],
});

/** Telegram's HTML mode: only these tags, and every other "<" and "&" escaped. */
function expectValidTelegramHtml(text: string): void {
  const stripped = text.replace(/<\/?(b|i|code|pre)>|<a href="[^"<>]*">|<\/a>/g, '');
  expect(stripped).not.toMatch(/[<>]/);
  expect(stripped.replace(/&(lt|gt|amp|quot);/g, '')).not.toContain('&');
}

/** MarkdownV2: outside code and link targets, each of _*[]()~`>#+-=|{}.! is escaped or is markup. */
function expectValidMarkdownV2(text: string): void {
  const plain = text
    .replace(/`(?:[^`\\]|\\.)*`/g, '')
    .replace(/\]\((?:[^)\\]|\\.)*\)/g, ']')
    .replace(/\\./g, '')
    .replace(/[*[\]]/g, '');
  expect(plain).not.toMatch(/[_()~`>#+\-=|{}.!]/);
}

describe('createTelegramNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer(() => OK);
  });
  afterAll(async () => server.close());

  it('calls sendMessage with chat_id, HTML text and link previews off', async () => {
    await createTelegramNotifier('phone', config(server.url)).send(fixedSample(), sendOptions());
    const request = server.requests.at(-1)!;
    expect(request.path).toBe(`/bot${TOKEN}/sendMessage`);
    const message = JSON.parse(request.body) as Record<string, unknown>;
    expect(message).toMatchObject({
      chat_id: '-1001234567890',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    const text = String(message['text']);
    expectValidTelegramHtml(text);
    expect(text).toContain('<b>kids-tablet</b>');
    expect(text).toContain('<a href="https://yamori.lan:8080/alerts/test-0000000000000001">');
  });

  it('escapes MarkdownV2 correctly, hostile names included, within 4096 characters', async () => {
    await createTelegramNotifier('phone', config(server.url, 'MarkdownV2')).send(
      hostileDigest(100),
      sendOptions(),
    );
    const message = server.lastJson();
    expect(message['parse_mode']).toBe('MarkdownV2');
    const text = String(message['text']);
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expectValidMarkdownV2(text);
    expect(text).toContain('tablet\\_0\\*<script\\>');
  });

  it('keeps HTML mode valid and within limits for a hostile digest', async () => {
    await createTelegramNotifier('phone', config(server.url)).send(hostileDigest(100), sendOptions());
    const text = String(server.lastJson()['text']);
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expectValidTelegramHtml(text);
    expect(text).toContain('&lt;script&gt;');
  });

  it('reports a chat the bot cannot write to as permanent', async () => {
    server.respond(() => ({
      status: 403,
      body: '{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}',
    }));
    const failure = await createTelegramNotifier('phone', config(server.url))
      .send(fixedSample(), sendOptions())
      .catch((error: unknown) => error as { permanent: boolean; message: string });
    expect(failure).toMatchObject({ permanent: true });
    expect((failure as { message: string }).message).toContain('bot was blocked');
  });
});
