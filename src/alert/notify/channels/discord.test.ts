import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordChannelConfig } from '../../../config/index.js';
import { runHttpNotifierContract } from '../notifier.contract.js';
import {
  fixedSample,
  hostileDigest,
  sendOptions,
  startRecordingServer,
  type RecordingServer,
} from '../testing.js';
import { createDiscordNotifier, DISCORD_LIMITS } from './discord.js';

const config = (url: string): DiscordChannelConfig => ({
  type: 'discord',
  webhookUrl: `${url}/api/webhooks/1234/SECRETdiscordTOKEN`,
  username: 'Yamori',
  secretEnv: {},
});

runHttpNotifierContract({
  type: 'discord',
  create: (url) => createDiscordNotifier('family', config(url)),
  ok: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"1"}' },
  secrets: ['SECRETdiscordTOKEN'],
});

type Embed = {
  title: string;
  description: string;
  url?: string;
  color: number;
  timestamp: string;
  footer: { text: string };
  fields: { name: string; value: string; inline?: boolean }[];
};

/** Discord's documented webhook and embed limits. */
function expectValidDiscordMessage(message: Record<string, unknown>): Embed {
  expect(message['allowed_mentions']).toEqual({ parse: [] });
  const embeds = message['embeds'] as Embed[];
  expect(embeds.length).toBeGreaterThanOrEqual(1);
  expect(embeds.length).toBeLessThanOrEqual(10);
  const embed = embeds[0]!;
  expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
  expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
  expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
  for (const field of embed.fields) {
    expect(field.name.length).toBeGreaterThan(0);
    expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
    expect(field.value.length).toBeGreaterThan(0);
    expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
  }
  const total =
    embed.title.length +
    embed.description.length +
    embed.footer.text.length +
    embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
  expect(Number.isInteger(embed.color)).toBe(true);
  expect(embed.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return embed;
}

describe('createDiscordNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer(() => ({ status: 204 }));
  });
  afterAll(async () => server.close());

  it('posts one embed with the facts as fields, waiting for Discord to confirm', async () => {
    await createDiscordNotifier('family', config(server.url)).send(fixedSample(), sendOptions());
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/api/webhooks/1234/SECRETdiscordTOKEN?wait=true');
    const message = JSON.parse(request.body) as Record<string, unknown>;
    expect(message['username']).toBe('Yamori');
    const embed = expectValidDiscordMessage(message);
    expect(embed.url).toBe('https://yamori.lan:8080/alerts/test-0000000000000001');
    expect(embed.color).toBe(0xc62828);
    expect(embed.fields.map((field) => field.name)).toEqual([
      'Device',
      'Talked to',
      'First seen',
      'Last seen',
      'Severity',
      'Rule',
    ]);
    expect(embed.description).toContain('### What to do first');
    expect(embed.description).toContain('[details](https://feodotracker.abuse.ch/browse/host/203.0.113.9/)');
  });

  it('waits for the retry_after Discord gives in its JSON when the header is missing', async () => {
    server.respond(() => ({
      status: 429,
      body: '{"message":"You are being rate limited.","retry_after":1.5,"global":false}',
    }));
    const failure = await createDiscordNotifier('family', config(server.url))
      .send(fixedSample(), sendOptions())
      .catch((error: unknown) => error as { permanent: boolean; retryAfterMs: number });
    expect(failure).toMatchObject({ permanent: false, retryAfterMs: 1500 });
    server.respond(() => ({ status: 204 }));
  });

  it('keeps a large hostile digest within embed limits with mentions and markup escaped', async () => {
    await createDiscordNotifier('family', config(server.url)).send(hostileDigest(150), sendOptions());
    const embed = expectValidDiscordMessage(server.lastJson());
    expect(embed.description).toContain('\\@everyone');
    expect(embed.description).toContain('\\*\\_evil\\_\\*');
    expect(embed.description).toMatch(/… and \d+ more/);
  });
});
