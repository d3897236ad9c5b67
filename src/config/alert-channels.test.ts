import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YamoriError } from '../errors/index.js';
import { channelForDisplay } from './alert-channels.js';
import { configForDisplay, loadConfig } from './load-config.js';

function load(text: string, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-channels-'));
  writeFileSync(join(dir, 'yamori.yaml'), text);
  return loadConfig({ path: join(dir, 'yamori.yaml'), env });
}

function errorOf(text: string): YamoriError {
  try {
    load(text);
  } catch (error) {
    if (error instanceof YamoriError) return error;
    throw error;
  }
  throw new Error('expected a YamoriError');
}

describe('alert.channels', () => {
  it('reads each type with its defaults, in camelCase', () => {
    const config = load(
      [
        'alert:',
        '  dashboard_url: http://router.lan:8080/',
        '  channels:',
        '    phone: { type: ntfy, topic: house }',
        '    mail: { type: email, host: mail.example, from: a@example.org, to: me@example.org }',
        '    siem: { type: syslog, host: 192.0.2.5, protocol: tcp }',
        '    bot: { type: telegram, token: "1:abc", chat_id: "-100" }',
        '    issues: { type: github, repo: me/alerts, token: ghp_x }',
      ].join('\n'),
    );
    expect(config.alert.dashboardUrl).toBe('http://router.lan:8080');
    expect(config.alert.channels).toEqual({
      phone: { type: 'ntfy', server: 'https://ntfy.sh', topic: 'house', token: null, secretEnv: {} },
      mail: {
        type: 'email',
        host: 'mail.example',
        secure: false,
        port: 587,
        starttls: 'required',
        user: null,
        password: null,
        from: 'a@example.org',
        to: ['me@example.org'],
        tlsCaFile: null,
        secretEnv: {},
      },
      siem: {
        type: 'syslog',
        host: '192.0.2.5',
        port: 514,
        protocol: 'tcp',
        facility: 'local0',
        appName: 'yamori',
        secretEnv: {},
      },
      bot: {
        type: 'telegram',
        token: '1:abc',
        chatId: '-100',
        parseMode: 'HTML',
        apiUrl: 'https://api.telegram.org',
        secretEnv: {},
      },
      issues: {
        type: 'github',
        repo: 'me/alerts',
        token: 'ghp_x',
        apiUrl: 'https://api.github.com',
        labels: ['yamori', 'security'],
        secretEnv: {},
      },
    });
    expect(Object.isFrozen(config.alert.channels['phone'])).toBe(true);
  });

  it('takes port 465 for an e-mail channel with secure: true', () => {
    const config = load(
      'alert:\n  channels:\n    m: { type: email, host: h, secure: true, from: a@b.c, to: [d@e.f] }\n',
    );
    expect(config.alert.channels['m']).toMatchObject({ port: 465, secure: true });
  });

  it('reads a secret from the variable "<setting>_env" names, and shows only the name', () => {
    const config = load('alert:\n  channels:\n    team: { type: slack, webhook_url_env: SLACK_URL }\n', {
      SLACK_URL: 'https://hooks.slack.com/services/T/B/SECRET',
    });
    const team = config.alert.channels['team']!;
    expect(team).toMatchObject({
      webhookUrl: 'https://hooks.slack.com/services/T/B/SECRET',
      secretEnv: { webhook_url: 'SLACK_URL' },
    });
    expect(JSON.stringify(configForDisplay(config))).not.toContain('SECRET');
    expect(channelForDisplay(team)).toMatchObject({ webhook_url_env: 'SLACK_URL' });
  });

  it('redacts secrets written in the file when showing the config', () => {
    const config = load(
      'alert:\n  channels:\n    hook: { type: webhook, url: "https://h.example/x?k=abc", secret: s3cret, headers: { X-Key: hdr } }\n',
    );
    const shown = JSON.stringify(configForDisplay(config));
    for (const secret of ['abc', 's3cret', 'hdr']) expect(shown).not.toContain(secret);
    expect(shown).toContain('"X-Key":"[redacted]"');
  });

  it.each([
    [
      'an unknown type, with a suggestion',
      'x: { type: slak }',
      'alert.channels.x.type',
      'did you mean "slack"',
    ],
    ['a misspelt setting', 'x: { type: ntfy, topik: a }', 'alert.channels.x.topik', 'did you mean "topic"'],
    [
      'a missing required setting',
      'x: { type: ntfy }',
      'alert.channels.x.topic',
      'is required for a ntfy channel',
    ],
    [
      'a channel without its secret',
      'x: { type: discord }',
      'alert.channels.x',
      'needs "webhook_url" (or "webhook_url_env")',
    ],
    [
      'a bot token without a channel',
      'x: { type: slack, token: t }',
      'alert.channels.x.channel',
      'is required with "token"',
    ],
    [
      'a secret given twice',
      'x: { type: ntfy, topic: a, token: t, token_env: T }',
      'alert.channels.x.token',
      'are both set',
    ],
    ['a bad URL', 'x: { type: webhook, url: "ftp://x" }', 'alert.channels.x.url', 'http:// or https://'],
    ['a bad port', 'x: { type: syslog, host: h, port: 70000 }', 'alert.channels.x.port', 'from 1 to 65535'],
    ['a bad repo', 'x: { type: github, repo: nope, token: t }', 'alert.channels.x.repo', '"owner/name"'],
    [
      'an unquoted chat id',
      'x: { type: telegram, token: t, chat_id: -100 }',
      'alert.channels.x.chat_id',
      'quote numbers',
    ],
    ['a bad name', 'Bad Name: { type: file, path: /x }', 'alert.channels.Bad Name', 'not a channel name'],
  ])('rejects %s, naming the key', (_case, yaml, key, problem) => {
    const error = errorOf(`alert:\n  channels:\n    ${yaml}\n`);
    expect(error.code).toBe('CONFIG_INVALID_VALUE');
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(problem);
  });

  it('rejects a dashboard URL that is not http(s)', () => {
    const error = errorOf('alert:\n  dashboard_url: router.lan\n');
    expect(error.message).toContain('"alert.dashboard_url" must be an http:// or https:// URL');
  });
});
