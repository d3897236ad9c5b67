import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../../src/alert/notify/testing.js';
import { cleanEnv, describeRun, jsonLines, makeTempDir, runYamori } from './testing.js';

describe('yamori notify', () => {
  const dir = makeTempDir('notify');
  const config = join(dir, 'yamori.yaml');
  const env = cleanEnv({ HOOK_SECRET: 'e2e-hmac-secret' });
  let server: RecordingServer;

  beforeAll(async () => {
    server = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
    writeFileSync(
      config,
      [
        'alert:',
        '  dashboard_url: http://router.lan:8080',
        '  channels:',
        '    hook:',
        '      type: webhook',
        `      url: "${server.url}/in/yamori?token=url-secret-token"`,
        '      secret_env: HOOK_SECRET',
        `    phone: { type: ntfy, server: "${server.url}", topic: house, token_env: NTFY_TOKEN_UNSET }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => server?.close());

  const yamori = (...args: string[]) => runYamori(['--config', config, ...args], { env });

  it('lists the channels and where they send, without secrets', async () => {
    const result = await yamori('notify', 'list', '--json');
    expect(result.code, describeRun(result)).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      { name: 'hook', type: 'webhook', target: server.url.replace('http://', '') + ', signed' },
      { name: 'phone', type: 'ntfy', target: `${server.url}/house` },
    ]);
    expect(result.stdout + result.stderr).not.toContain('url-secret-token');
  });

  it('sends a signed sample alert through the webhook and says so', async () => {
    server.respond(() => ({ status: 204 }));
    const before = server.requests.length;
    const result = await yamori('notify', 'test', 'hook');
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toMatch(/^hook \(webhook\): test message sent to 127\.0\.0\.1:\d+, signed$/m);
    expect(server.requests.length).toBe(before + 1);
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/in/yamori?token=url-secret-token');
    const timestamp = String(request.headers['x-yamori-timestamp']);
    const expected = createHmac('sha256', 'e2e-hmac-secret')
      .update(`${timestamp}.${request.body}`)
      .digest('hex');
    expect(request.headers['x-yamori-signature']).toBe(`sha256=${expected}`);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(120);
    const payload = JSON.parse(request.body) as {
      kind: string;
      alerts: { url: string; device: { name: string } }[];
    };
    expect(payload.kind).toBe('test');
    expect(payload.alerts[0]!.device.name).toBe('kids-tablet');
    expect(payload.alerts[0]!.url).toMatch(/^http:\/\/router\.lan:8080\/alerts\//);
    expect(String(request.headers['idempotency-key'])).toMatch(/^test:hook:\d+$/);
  });

  it('reports a refusal with what to check, and a server error as temporary, exit 1', async () => {
    server.respond(() => ({ status: 401, body: 'bad token' }));
    const refused = await yamori('notify', 'test', 'hook');
    expect(refused.code, describeRun(refused)).toBe(1);
    expect(refused.stderr).toMatch(
      /^error NOTIFY_SEND_FAILED: Channel "hook" \(webhook\) did not take the test message: .*HTTP 401: bad token/m,
    );
    expect(refused.stderr).toMatch(/^hint: Check "url"/m);
    server.respond(() => ({ status: 503, body: 'down for maintenance' }));
    const busy = await yamori('notify', 'test', 'hook');
    expect(busy.code, describeRun(busy)).toBe(1);
    expect(busy.stderr).toMatch(/^hint: This looks temporary/m);
    expect(refused.stderr + busy.stderr).not.toContain('url-secret-token');
  });

  it('gives up on a channel that hangs within --timeout', async () => {
    server.respond(() => 'hang');
    const started = Date.now();
    const result = await yamori('notify', 'test', 'hook', '--timeout', '1');
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('did not answer in time');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('names the missing environment variable and an unknown channel, exit 2', async () => {
    const missing = await yamori('notify', 'test', 'phone');
    expect(missing.code, describeRun(missing)).toBe(2);
    expect(missing.stderr).toContain('error NOTIFY_SECRET_MISSING');
    expect(missing.stderr).toContain('NTFY_TOKEN_UNSET');
    const unknown = await yamori('notify', 'test', 'pager');
    expect(unknown.code, describeRun(unknown)).toBe(2);
    expect(unknown.stderr).toContain(
      'There is no channel "pager" in alert.channels. Configured: hook, phone.',
    );
  });
});
