import { describe, expect, it } from 'vitest';
import { CHANNEL_TYPES, loadConfig } from '../../config/index.js';
import { YamoriError } from '../../errors/index.js';
import { createNotifier } from './create-notifier.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const YAML = `
alert:
  channels:
    a: { type: slack, webhook_url_env: SLACK_URL }
    b: { type: webhook, url: "https://hooks.example/x", secret_env: HOOK_SECRET }
    c: { type: email, host: mail.example, from: a@example.org, to: b@example.org, password_env: SMTP_PASS, user: a }
    d: { type: ntfy, topic: house, token_env: NTFY_TOKEN }
    e: { type: discord, webhook_url: "https://discord.example/api/webhooks/1/x" }
    f: { type: telegram, token_env: TG_TOKEN, chat_id: "42" }
    g: { type: syslog, host: 127.0.0.1 }
    h: { type: github, repo: me/alerts, token_env: GH_TOKEN }
    i: { type: file, path: /tmp/yamori-alerts.jsonl }
`;

function load(env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-notifiers-'));
  writeFileSync(join(dir, 'c.yaml'), YAML);
  return loadConfig({ path: join(dir, 'c.yaml'), env }).alert.channels;
}

describe('createNotifier', () => {
  const full = {
    SLACK_URL: 'https://hooks.slack.example/services/T/B/x',
    HOOK_SECRET: 's',
    SMTP_PASS: 'p',
    NTFY_TOKEN: 't',
    TG_TOKEN: '1:x',
    GH_TOKEN: 'g',
  };

  it('makes a notifier of every type from a loaded config, secrets read from the environment', () => {
    const channels = load(full);
    const notifiers = Object.entries(channels).map(([name, channel]) => createNotifier(name, channel));
    expect(notifiers.map((n) => n.type)).toEqual([...CHANNEL_TYPES]);
    expect(notifiers.map((n) => n.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
  });

  it.each(Object.keys(full))(
    'names %s when that variable is missing, even for an optional secret',
    (variable) => {
      const env: Record<string, string> = { ...full };
      delete env[variable];
      const channels = load(env);
      const errors = Object.entries(channels).flatMap(([name, channel]) => {
        try {
          createNotifier(name, channel);
          return [];
        } catch (error) {
          return [error];
        }
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(YamoriError);
      expect((errors[0] as YamoriError).code).toBe('NOTIFY_SECRET_MISSING');
      expect((errors[0] as YamoriError).message).toContain(variable);
    },
  );
});
