import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_INDICATORS } from '../../src/capture/index.js';
import { apiRoutePatterns } from '../../src/web/index.js';
import { describeRun, jsonLines } from './testing.js';
import { startDashboard, type Dashboard } from './web-setup.js';

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Everything in an API reply, for assertions and their failure messages. */
async function call(
  dashboard: Dashboard,
  method: 'GET' | 'POST',
  path: string,
  options: { cookie?: string; csrf?: string; bearer?: string; body?: unknown; origin?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.cookie !== undefined) headers['Cookie'] = options.cookie;
  if (options.csrf !== undefined) headers['X-CSRF-Token'] = options.csrf;
  if (options.bearer !== undefined) headers['Authorization'] = `Bearer ${options.bearer}`;
  if (options.origin !== undefined) headers['Origin'] = options.origin;
  if (method === 'POST') headers['Content-Type'] = 'application/json';
  const response = await fetch(dashboard.url + path, {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify(options.body ?? {}) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

describe('yamori web: the dashboard API', () => {
  let dashboard: Dashboard;
  let token = '';
  let revokedToken = '';
  let cookie = '';
  let csrf = '';
  let alertId = '';
  let cameraMac = '';

  beforeAll(async () => {
    dashboard = await startDashboard('web-api', async (yamori) => {
      const created = await yamori('web', 'token', 'create', 'script');
      expect(created.code, describeRun(created)).toBe(0);
      token = created.stdout.trim();
      const old = await yamori('web', 'token', 'create', 'old-script');
      revokedToken = old.stdout.trim();
      const revoked = await yamori('web', 'token', 'revoke', 'old-script');
      expect(revoked.code, describeRun(revoked)).toBe(0);
      const listed = await yamori('web', 'token', 'list', '--json');
      expect(jsonLines<{ name: string }>(listed.stdout).map((t) => t.name)).toEqual(['script']);
      expect(listed.stdout).not.toContain(token.slice(20));
    });
  });
  afterAll(async () => {
    const stopped = await dashboard?.stop();
    // The log never carries the password or a token.
    expect(stopped?.stderr ?? '').not.toContain(token);
  });

  it('prints a one-time password of twenty random characters on the first start', () => {
    expect(dashboard.password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('logs in with the password: an HttpOnly SameSite=Strict cookie and a CSRF token', async () => {
    const wrong = await call(dashboard, 'POST', '/api/login', { body: { password: 'not-the-password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const login = await call(dashboard, 'POST', '/api/login', { body: { password: dashboard.password } });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^yamori_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    cookie = setCookie.split(';')[0]!;
    csrf = String(login.body['csrfToken']);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = await call(dashboard, 'GET', '/api/session', { cookie });
    expect(session.body).toMatchObject({ actor: 'session', csrfToken: csrf });
  });

  it('lists the alerts the rules raised, with the device and the indicator source', async () => {
    const alerts = await call(dashboard, 'GET', '/api/alerts', { cookie });
    expect(alerts.status).toBe(200);
    const list = alerts.body['alerts'] as {
      id: string;
      ruleId: string;
      remoteAddr: string;
      deviceMac: string;
      indicatorSources: string[];
    }[];
    const c2 = list.find((a) => a.ruleId === 'intel-outbound-to-c2-address');
    expect(c2, JSON.stringify(list)).toMatchObject({
      remoteAddr: SAMPLE_INDICATORS.c2Address,
      indicatorSources: ['c2-list'],
    });
    alertId = c2!.id;
    cameraMac = c2!.deviceMac;
    const one = await call(dashboard, 'GET', `/api/alerts/${alertId}`, { cookie });
    expect(one.status).toBe(200);
    const indicators = one.body['indicators'] as {
      source: string;
      value: string;
      listings: { until: string | null }[];
    }[];
    expect(indicators).toMatchObject([
      { source: 'c2-list', value: SAMPLE_INDICATORS.c2Address, listings: [{ until: null }] },
    ]);
    expect((one.body['rule'] as { triage: string }).triage.length).toBeGreaterThan(20);
    expect((one.body['alert'] as { evidence: unknown[] }).evidence.length).toBeGreaterThan(0);
  });

  it('refuses every API route without a session or token, and with a wrong one', async () => {
    const routes = apiRoutePatterns();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const path = route.pattern.replace(':id', alertId).replace(':mac', encodeURIComponent(cameraMac));
      for (const credentials of [
        {},
        { cookie: 'yamori_session=' + 'A'.repeat(43) },
        { bearer: 'yamori_000000000000_' + 'A'.repeat(43) },
        { bearer: revokedToken },
      ]) {
        const reply = await call(dashboard, route.method as 'GET' | 'POST', path, credentials);
        expect(reply.status, `${route.method} ${path} with ${JSON.stringify(credentials)}`).toBe(401);
        expect(reply.body).toMatchObject({ error: { code: 'WEB_UNAUTHENTICATED' } });
      }
    }
    const alert = await call(dashboard, 'GET', `/api/alerts/${alertId}`, { cookie });
    expect((alert.body['alert'] as { status: string }).status).toBe('open');
  });

  it('refuses a change without the CSRF token, with a wrong one, or from another origin, and changes nothing', async () => {
    for (const options of [
      { cookie },
      { cookie, csrf: 'A'.repeat(43) },
      { cookie, csrf, origin: 'http://evil.example' },
    ]) {
      for (const verb of ['ack', 'close', 'comment']) {
        const reply = await call(dashboard, 'POST', `/api/alerts/${alertId}/${verb}`, {
          ...options,
          body: { comment: 'x' },
        });
        expect(reply.status, `${verb} ${JSON.stringify(options)}`).toBe(403);
        expect(reply.body).toMatchObject({ error: { code: 'WEB_CSRF_REJECTED' } });
      }
    }
    const logout = await call(dashboard, 'POST', '/api/logout', { cookie });
    expect(logout.status).toBe(403);
    const alert = await call(dashboard, 'GET', `/api/alerts/${alertId}`, { cookie });
    expect(alert.body).toMatchObject({ alert: { status: 'open' }, events: [] });
  });

  it('acknowledges and comments on an alert with the CSRF token, and records both', async () => {
    const ack = await call(dashboard, 'POST', `/api/alerts/${alertId}/ack`, {
      cookie,
      csrf,
      body: { comment: 'checking the camera' },
    });
    expect(ack.body).toEqual({ id: alertId, status: 'acknowledged' });
    const again = await call(dashboard, 'POST', `/api/alerts/${alertId}/ack`, { cookie, csrf });
    expect(again.status).toBe(409);
    const comment = await call(dashboard, 'POST', `/api/alerts/${alertId}/comment`, {
      cookie,
      csrf,
      body: { comment: 'firmware is old' },
    });
    expect(comment.status).toBe(200);
    const alert = await call(dashboard, 'GET', `/api/alerts/${alertId}`, { cookie });
    expect(alert.body).toMatchObject({
      alert: { status: 'acknowledged' },
      events: [
        { from: 'open', to: 'acknowledged', comment: 'checking the camera' },
        { from: 'acknowledged', to: 'acknowledged', comment: 'firmware is old' },
      ],
    });
  });

  it('serves scripts with an API token, which needs no CSRF token', async () => {
    const devices = await call(dashboard, 'GET', '/api/devices', { bearer: token });
    expect(devices.status).toBe(200);
    expect((devices.body['devices'] as { mac: string }[]).map((d) => d.mac)).toContain(cameraMac);
    const close = await call(dashboard, 'POST', `/api/alerts/${alertId}/close`, { bearer: token });
    expect(close.body).toEqual({ id: alertId, status: 'closed' });
    const session = await call(dashboard, 'GET', '/api/session', { bearer: token });
    expect(session.body).toMatchObject({ actor: 'token:script', csrfToken: null });
  });

  it("pages through a device's flows newest first without repeating a flow", async () => {
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const query = new URLSearchParams({ device: cameraMac, limit: '3', ...(before ? { before } : {}) });
      const page = await call(dashboard, 'GET', `/api/flows?${query.toString()}`, { cookie });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      const flows = page.body['flows'] as {
        id: string;
        firstSeenAt: string;
        srcMac: string;
        dstMac: string;
      }[];
      for (const flow of flows) expect([flow.srcMac, flow.dstMac]).toContain(cameraMac);
      seen.push(...flows.map((f) => f.id));
      before = page.body['next'] as string | null;
      pages++;
    } while (before !== null && pages < 100);
    expect(pages).toBeGreaterThan(2);
    expect(new Set(seen).size).toBe(seen.length);
    const all = await call(dashboard, 'GET', `/api/flows?device=${encodeURIComponent(cameraMac)}&limit=500`, {
      cookie,
    });
    expect((all.body['flows'] as { id: string }[]).map((f) => f.id)).toEqual(seen);
    const c2 = await call(
      dashboard,
      'GET',
      `/api/flows?addr=${SAMPLE_INDICATORS.c2Address}&port=${SAMPLE_INDICATORS.c2Port}`,
      { cookie },
    );
    expect((c2.body['flows'] as unknown[]).length).toBeGreaterThanOrEqual(8);
  });

  it('answers a filter holding SQL with an empty result, never an error or other rows', async () => {
    const injections = [
      "' OR '1'='1",
      "x') OR 1=1 --",
      '1; DROP TABLE flows; --',
      "%' UNION SELECT * FROM settings --",
    ];
    for (const text of injections) {
      const q = encodeURIComponent(text);
      for (const path of [
        `/api/flows?device=${q}`,
        `/api/flows?addr=${q}`,
        `/api/flows?name=${q}`,
        `/api/flows?protocol=${q}`,
        `/api/alerts?rule=${q}`,
        `/api/alerts?q=${q}`,
        `/api/alerts?device=${q}`,
      ]) {
        const reply = await call(dashboard, 'GET', path, { cookie });
        expect(reply.status, `${path}: ${JSON.stringify(reply.body)}`).toBe(200);
        const rows = (reply.body['flows'] ?? reply.body['alerts']) as unknown[];
        expect(rows, path).toEqual([]);
      }
      expect((await call(dashboard, 'GET', `/api/devices/${q}`, { cookie })).status).toBe(404);
      expect((await call(dashboard, 'GET', `/api/alerts/${q}`, { cookie })).status).toBe(404);
    }
    const flows = await call(dashboard, 'GET', '/api/flows?limit=1', { cookie });
    expect((flows.body['flows'] as unknown[]).length).toBe(1);
    const badPort = await call(dashboard, 'GET', '/api/flows?port=1%20OR%201%3D1', { cookie });
    expect(badPort.status).toBe(400);
    expect(badPort.body).toMatchObject({ error: { code: 'WEB_BAD_REQUEST' } });
  });

  it('sends the security headers on pages, assets and API replies', async () => {
    for (const path of ['/', '/alerts', '/assets/app.js', '/api/overview', '/healthz']) {
      const response = await fetch(dashboard.url + path, { headers: { Cookie: cookie } });
      expect(response.status, path).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      if (path.startsWith('/api/')) expect(response.headers.get('cache-control')).toBe('no-store');
    }
    const html = await (await fetch(dashboard.url + '/')).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it("answers the overview, device, feeds and rules pages' calls", async () => {
    const overview = await call(dashboard, 'GET', '/api/overview?range=1h', { cookie });
    expect(overview.body).toMatchObject({ range: '1h', devices: expect.any(Number) as number });
    expect((overview.body['traffic'] as unknown[]).length).toBe(48);
    expect((overview.body['topDevices'] as { mac: string }[]).map((d) => d.mac)).toContain(cameraMac);
    const device = await call(dashboard, 'GET', `/api/devices/${encodeURIComponent(cameraMac)}`, { cookie });
    const peers = device.body['peers'] as { addr: string; ports: number[] }[];
    expect(peers.find((p) => p.addr === SAMPLE_INDICATORS.c2Address)?.ports).toEqual([
      SAMPLE_INDICATORS.c2Port,
    ]);
    const feeds = await call(dashboard, 'GET', '/api/feeds', { cookie });
    expect(
      (feeds.body['feeds'] as { name: string; activeIndicators: number }[]).find((f) => f.name === 'c2-list'),
    ).toMatchObject({ activeIndicators: 1 });
    const rules = await call(dashboard, 'GET', '/api/rules', { cookie });
    const rule = (
      rules.body['rules'] as { id: string; state: { lastStatus: string } | null; alerts: number }[]
    ).find((r) => r.id === 'intel-outbound-to-c2-address');
    expect(rule).toMatchObject({ state: { lastStatus: 'ok' }, alerts: 1 });
  });

  // Last: it uses up this client's login attempts for the minute.
  it('limits login attempts per client: past five a minute, HTTP 429 even for the right password', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      statuses.push(
        (await call(dashboard, 'POST', '/api/login', { body: { password: 'guess-' + attempt } })).status,
      );
    }
    // Two attempts were made in the login test above.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const right = await call(dashboard, 'POST', '/api/login', { body: { password: dashboard.password } });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.body).toMatchObject({ error: { code: 'WEB_LOGIN_RATE_LIMITED' } });
  });
});
