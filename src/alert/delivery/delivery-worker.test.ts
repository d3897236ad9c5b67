import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type AlertDeliveryConfig, type AlertRouteConfig } from '../../config/index.js';
import { createLogger } from '../../log/index.js';
import type { AlertWrite, EpochMicros } from '../../records/index.js';
import { openDuckDbStore, type Store } from '../../store/index.js';
import { createNotifier } from '../notify/create-notifier.js';
import type { Notifier } from '../notify/notification.js';
import { compileRoutePolicy } from '../policy/route-policy.js';
import { createAlertRouter } from './alert-router.js';
import { createDeliveryWorker, type DeliveryWorker } from './delivery-worker.js';
import { feedHealthAlertWrites } from './feed-health-alerts.js';
import { createNotificationBuilder } from './notification-builder.js';

interface Received {
  key: string;
  body: { kind?: string; alerts?: unknown[] };
  /** Set once the server answered (hung requests stay unanswered). */
  answered: number | null;
}

/** A real HTTP endpoint on loopback; `answer` decides each request's status, or null to never answer. */
async function startEndpoint(answer: (n: number) => number | null) {
  const received: Received[] = [];
  const hung: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        key: String(req.headers['idempotency-key']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
        answered: null,
      };
      received.push(entry);
      const status = answer(received.length);
      if (status === null) {
        hung.push(res);
        return;
      }
      entry.answered = status;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const DELIVERY: AlertDeliveryConfig = { maxAttempts: 3, timeoutS: 1, backoffBaseS: 60, backoffMaxS: 600 };
const T0: EpochMicros = Date.UTC(2026, 10, 28, 10, 0, 0) * 1000;

function route(overrides: Partial<AlertRouteConfig> & { name: string }): AlertRouteConfig {
  return {
    when: 'true',
    notify: [],
    suppressS: null,
    severity: null,
    digestS: null,
    block: false,
    continue: false,
    ...overrides,
  };
}

function write(overrides: Partial<AlertWrite> = {}): AlertWrite {
  return {
    ruleId: 'intel-outbound-to-c2-address',
    ruleVersion: 'v1',
    severity: 'high',
    title: 'laptop contacted C2 203.0.113.9',
    dedupKey: `k-${Math.random()}`,
    firstSeenAt: T0,
    lastSeenAt: T0,
    count: 1,
    deviceMac: '02:00:00:00:00:01',
    deviceName: 'laptop',
    remoteAddr: '203.0.113.9',
    indicatorIds: [],
    indicatorSources: ['feodo'],
    evidence: [{ remote_addr: '203.0.113.9' }],
    provenance: [],
    suppressForUs: 0,
    maxEvidenceRows: 20,
    ...overrides,
  };
}

describe('createDeliveryWorker', () => {
  let dir: string;
  let store: Store;
  let clock: EpochMicros;
  const endpoints: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-delivery-'));
    clock = T0;
    store = await openDuckDbStore(
      { database: { path: join(dir, 'y.duckdb') }, maxBatchRows: 1000, flushIntervalMs: 1000 },
      { now: () => clock },
    );
  });
  afterEach(async () => {
    await store.close();
    for (const e of endpoints.splice(0)) await e.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function worker(
    routes: AlertRouteConfig[],
    channels: Record<string, string>,
    config = DELIVERY,
  ): DeliveryWorker {
    const log = createLogger({ level: 'silent' });
    // The channels as a user writes them, through the real config loader.
    const file = join(dir, `channels-${Object.keys(channels).join('-')}.yaml`);
    const lines = Object.entries(channels).map(
      ([name, url]) => `    ${name}: { type: webhook, url: "${url}" }`,
    );
    writeFileSync(file, ['alert:', '  channels:', ...lines, ''].join('\n'));
    const configured = loadConfig({ path: file }).alert.channels;
    const notifiers = new Map<string, Notifier>(
      Object.entries(configured).map(([name, channel]) => [
        name,
        createNotifier(name, channel, { now: () => clock / 1000 }),
      ]),
    );
    const ruleInfo = (): null => null;
    const router = createAlertRouter({
      store,
      policy: compileRoutePolicy(routes),
      ruleInfo,
      log,
      now: () => clock,
    });
    const builder = createNotificationBuilder({ store, ruleInfo });
    return createDeliveryWorker(config, {
      store,
      router,
      builder,
      notifiers,
      log,
      now: () => clock,
      random: () => 0.5,
    });
  }

  it('retries a channel that answered 500 after the backoff, with the same idempotency key, and then stops', async () => {
    const hook = await startEndpoint((n) => (n === 1 ? 500 : 200));
    endpoints.push(hook);
    await store.writeAlerts([write()]);
    const run = worker([route({ name: 'all', notify: ['hook'] })], { hook: hook.url });

    expect(await run.runOnce()).toMatchObject({ routed: 1, deliveries: 1, sent: 0, failed: 1 });
    const [failed] = await store.listDeliveries();
    expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
    // Equal jitter at 0.5: three quarters of the 60 s base.
    expect(failed!.nextAttemptAt).toBe(T0 + 45_000_000);

    clock = T0 + 44_000_000;
    expect(await run.runOnce()).toMatchObject({ sent: 0, failed: 0 });
    expect(hook.received).toHaveLength(1);

    clock = T0 + 46_000_000;
    expect(await run.runOnce()).toMatchObject({ sent: 1 });
    clock = T0 + 3_600_000_000;
    expect(await run.runOnce()).toMatchObject({ routed: 0, sent: 0 });
    expect(hook.received.map((r) => [r.key, r.answered])).toEqual([
      [failed!.key, 500],
      [failed!.key, 200],
    ]);
    expect((await store.listDeliveries())[0]).toMatchObject({
      state: 'sent',
      attempts: 2,
      sentAt: T0 + 46_000_000,
    });
  });

  it('gives a delivery up after max_attempts', async () => {
    const hook = await startEndpoint(() => 503);
    endpoints.push(hook);
    await store.writeAlerts([write()]);
    const run = worker([route({ name: 'all', notify: ['hook'] })], { hook: hook.url });
    for (let i = 0; i < 3; i++) {
      await run.runOnce();
      clock += 3_600_000_000;
    }
    await run.runOnce();
    expect(hook.received).toHaveLength(3);
    expect((await store.listDeliveries())[0]).toMatchObject({
      state: 'given-up',
      attempts: 3,
      nextAttemptAt: null,
    });
  });

  it('lets a hanging channel time out without holding back another channel', async () => {
    const slow = await startEndpoint(() => null);
    const events: string[] = [];
    const fast = await startEndpoint(() => {
      // What the slow endpoint had seen, and answered, when the fast one got its request.
      events.push(slow.received.length <= 1 ? 'fast received during the first slow attempt' : 'fast waited');
      return 200;
    });
    endpoints.push(slow, fast);
    await store.writeAlerts([write(), write({ remoteAddr: '198.51.100.7' })]);
    const run = worker([route({ name: 'both', notify: ['slow', 'fast'] })], {
      slow: slow.url,
      fast: fast.url,
    });

    const summary = await run.runOnce();
    expect(summary).toMatchObject({ routed: 2, deliveries: 4, sent: 2, failed: 2 });
    // Both fast deliveries went out before the slow channel's first attempt (of two) had timed out.
    expect(events).toEqual([
      'fast received during the first slow attempt',
      'fast received during the first slow attempt',
    ]);
    expect(slow.received).toHaveLength(2);
    expect(slow.received.every((r) => r.answered === null)).toBe(true);
    const slowRows = (await store.listDeliveries()).filter((d) => d.channel === 'slow');
    expect(slowRows.map((d) => [d.state, d.lastError])).toEqual([
      ['failed', 'no answer within 1 s'],
      ['failed', 'no answer within 1 s'],
    ]);
  });

  it('routes by device, severity and source to the channels the policy names', async () => {
    const phone = await startEndpoint(() => 200);
    const mail = await startEndpoint(() => 200);
    endpoints.push(phone, mail);
    const routes = [
      route({ name: 'tablet', when: 'device.name == "kids-tablet"', notify: ['phone', 'mail'] }),
      route({ name: 'urgent', when: 'severity_rank >= rank("high")', notify: ['phone'] }),
      route({ name: 'urlhaus', when: '"urlhaus" in sources', notify: ['mail'] }),
    ];
    await store.writeAlerts([
      write({ title: 'tablet', severity: 'low', deviceName: 'kids-tablet', indicatorSources: ['tor'] }),
      write({ title: 'critical', severity: 'critical' }),
      write({ title: 'urlhaus', severity: 'medium', indicatorSources: ['urlhaus'] }),
      write({ title: 'nothing', severity: 'medium', indicatorSources: ['tor'] }),
    ]);
    await worker(routes, { phone: phone.url, mail: mail.url }).runOnce();
    const titles = (r: Received[]): string[] =>
      r.map((x) => String((x.body.alerts?.[0] as { title?: string } | undefined)?.title)).sort();
    expect(titles(phone.received)).toEqual(['critical', 'tablet']);
    expect(titles(mail.received)).toEqual(['tablet', 'urlhaus']);
  });

  it('collects low alerts into one digest sent when its period ends', async () => {
    const mail = await startEndpoint(() => 200);
    endpoints.push(mail);
    const run = worker([route({ name: 'low', notify: ['mail'], digestS: 3_600 })], { mail: mail.url });
    await store.writeAlerts([write({ severity: 'low', title: 'one' })]);
    await run.runOnce();
    clock = T0 + 1_800_000_000;
    await store.writeAlerts([write({ severity: 'info', title: 'two' })]);
    await run.runOnce();
    expect(mail.received).toHaveLength(0);
    clock = T0 + 3_600_000_000;
    expect(await run.runOnce()).toMatchObject({ sent: 1 });
    expect(mail.received).toHaveLength(1);
    expect(mail.received[0]!.body.kind).toBe('digest');
    expect(mail.received[0]!.body.alerts).toHaveLength(2);
  });

  it('turns a failing feed into one alert (a repeat raises its count) routed as kind feed-health', async () => {
    const mail = await startEndpoint(() => 200);
    endpoints.push(mail);
    const reports = [
      {
        feed: 'feodo',
        enabled: true,
        status: 'failing',
        problem: 'the last 3 runs failed; the latest: HTTP 503',
      },
      { feed: 'urlhaus', enabled: true, status: 'healthy', problem: null },
      { feed: 'tor-exits', enabled: false, status: 'stale', problem: 'no successful run for 90 hours' },
    ];
    await store.writeAlerts(feedHealthAlertWrites(reports, clock, 24 * 3_600_000_000));
    clock += 600_000_000;
    await store.writeAlerts(feedHealthAlertWrites(reports, clock, 24 * 3_600_000_000));
    const [alert, ...more] = await store.listAlerts();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      ruleId: 'yamori.feed-health',
      count: 2,
      severity: 'medium',
      indicatorSources: ['feodo'],
    });
    const routes = [
      route({ name: 'feeds', when: 'kind == "feed-health" && "feodo" in sources', notify: ['mail'] }),
    ];
    expect(await worker(routes, { mail: mail.url }).runOnce()).toMatchObject({ routed: 1, sent: 1 });
    expect(mail.received.map((r) => r.body.kind)).toEqual(['feed-health']);
  });

  it("sends nothing for a repeat within a route's suppress period, and again after it", async () => {
    const phone = await startEndpoint(() => 200);
    endpoints.push(phone);
    const run = worker([route({ name: 'throttled', notify: ['phone'], suppressS: 6 * 3_600 })], {
      phone: phone.url,
    });
    await store.writeAlerts([write()]);
    await run.runOnce();
    clock = T0 + 3_600_000_000;
    await store.writeAlerts([write()]);
    expect(await run.runOnce()).toMatchObject({ routed: 1, suppressed: 1, sent: 0 });
    clock = T0 + 7 * 3_600_000_000;
    await store.writeAlerts([write()]);
    expect(await run.runOnce()).toMatchObject({ routed: 1, suppressed: 0, sent: 1 });
    expect(phone.received).toHaveLength(2);
  });
});
