import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { openMemoryStore, TEST_EPOCH } from '../store/testing.js';
import { createWebServer, toApiJson, type WebServer } from './web-server.js';

const HOUR_MS = 3_600_000;

describe('createWebServer', () => {
  let store: Store;
  let server: WebServer;
  let url = '';
  let password = '';
  let nowMs = TEST_EPOCH / 1000;

  const login = async (secret: string): Promise<{ status: number; cookie: string; csrf: string }> => {
    const response = await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: secret }),
    });
    const body = (await response.json()) as { csrfToken?: string };
    return {
      status: response.status,
      cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]!,
      csrf: body.csrfToken ?? '',
    };
  };
  const session = (cookie: string): Promise<number> =>
    fetch(`${url}/api/session`, { headers: { Cookie: cookie } }).then((r) => r.status);

  beforeEach(async () => {
    store = await openMemoryStore();
    // Built files to serve, so the test does not bundle the browser code.
    const assets = mkdtempSync(join(tmpdir(), 'yamori-web-assets-'));
    writeFileSync(join(assets, 'app.js'), 'export {};\n');
    server = createWebServer(
      { listen: '127.0.0.1:0', publicUrl: null, sessionTtlH: 1, loginAttemptsPerMin: 100 },
      {
        store,
        rules: () => [],
        feedStatus: () => Promise.resolve([]),
        log: createLogger({ level: 'silent' }),
        now: () => nowMs,
        assetsDir: assets,
        version: 'test',
      },
    );
    const started = await server.start();
    url = started.url;
    password = started.oneTimePassword ?? '';
  });
  afterEach(async () => {
    await server.stop();
    await store.close();
  });

  it('ends a session after the configured time without use, and keeps one in use alive', async () => {
    const first = await login(password);
    expect(first.status).toBe(200);
    nowMs += 0.9 * HOUR_MS;
    expect(await session(first.cookie)).toBe(200);
    nowMs += 0.9 * HOUR_MS;
    expect(await session(first.cookie)).toBe(200);
    nowMs += 1.1 * HOUR_MS;
    expect(await session(first.cookie)).toBe(401);
  });

  it('changes the password, ending every session; the old password stops working', async () => {
    const first = await login(password);
    const change = await fetch(`${url}/api/password`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: first.cookie, 'X-CSRF-Token': first.csrf },
      body: JSON.stringify({ current: password, password: 'correct horse battery staple' }),
    });
    expect(change.status).toBe(200);
    expect(await session(first.cookie)).toBe(401);
    expect((await login(password)).status).toBe(401);
    expect((await login('correct horse battery staple')).status).toBe(200);
  });

  it('refuses bodies that are not small JSON objects', async () => {
    const form = await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'password=x',
    });
    expect(form.status).toBe(400);
    const huge = await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: 'x'.repeat(20_000) }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'WEB_BODY_TOO_LARGE' } });
  });

  it('serves the page shell for dashboard paths and a 404 elsewhere', async () => {
    const page = await fetch(`${url}/alerts/0b1c`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/assets/app.js">');
    expect((await fetch(`${url}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${url}/assets/../../package.json`)).status).toBe(404);
  });
});

describe('toApiJson', () => {
  it('writes instants as ISO 8601 and leaves other numbers alone', () => {
    expect(
      toApiJson({
        firstSeenAt: TEST_EPOCH,
        count: 3,
        nested: [{ at: TEST_EPOCH, bytes: 7 }],
        flowWatermark: null,
      }),
    ).toEqual({
      firstSeenAt: '2024-01-15T12:00:00.000Z',
      count: 3,
      nested: [{ at: '2024-01-15T12:00:00.000Z', bytes: 7 }],
      flowWatermark: null,
    });
  });
});
