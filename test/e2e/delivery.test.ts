import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbStore } from '../../src/store/index.js';
import { collect, describeRun, jsonLines, makeTempDir, runYamori, startYamori } from './testing.js';

interface Request {
  key: string;
  kind: string;
  answered: number | null;
}

describe('yamori alerts deliver killed between storing an alert and sending it', () => {
  const dir = makeTempDir('delivery');
  const db = join(dir, 'y.duckdb');
  const config = join(dir, 'yamori.yaml');
  const requests: Request[] = [];
  const hung: ServerResponse[] = [];
  let onRequest: () => void = () => undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind: string };
      const request: Request = {
        key: String(req.headers['idempotency-key']),
        kind: body.kind,
        answered: null,
      };
      requests.push(request);
      if (requests.length === 1) {
        // The first attempt never gets an answer: the process is killed while it waits.
        hung.push(res);
        onRequest();
        return;
      }
      request.answered = 200;
      res.writeHead(200).end('ok');
    });
  });
  let alertId = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    writeFileSync(
      config,
      [
        'detect:',
        '  builtin_rules: true',
        'intel:',
        '  feeds: {}',
        'alert:',
        '  channels:',
        '    hook:',
        '      type: webhook',
        `      url: http://127.0.0.1:${port}/hook`,
        '  routes:',
        '    - name: everything',
        '      when: "true"',
        '      notify: [hook]',
        '  delivery:',
        '    timeout_s: 60',
        '',
      ].join('\n'),
    );
    const store = await openDuckDbStore({ database: { path: db }, maxBatchRows: 100, flushIntervalMs: 1000 });
    const now = Date.now() * 1000;
    await store.writeAlerts([
      {
        ruleId: 'intel-outbound-to-c2-address',
        ruleVersion: 'v1',
        severity: 'high',
        title: 'laptop contacted C2 203.0.113.9',
        dedupKey: 'remote_addr=203.0.113.9',
        firstSeenAt: now,
        lastSeenAt: now,
        count: 1,
        deviceMac: null,
        deviceName: 'laptop',
        remoteAddr: '203.0.113.9',
        indicatorIds: [],
        indicatorSources: ['feodo'],
        evidence: [{ remote_addr: '203.0.113.9' }],
        provenance: [],
        suppressForUs: 0,
        maxEvidenceRows: 20,
      },
    ]);
    alertId = (await store.listAlerts())[0]!.id;
    await store.close();
  });
  afterAll(async () => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the alert once after a restart, with the same idempotency key', async () => {
    const child = startYamori(['--db', db, '--config', config, 'alerts', 'deliver']);
    onRequest = () => child.kill('SIGKILL');
    const killed = await collect(child, 60_000);
    expect(killed.signal, describeRun(killed)).toBe('SIGKILL');
    expect(requests).toHaveLength(1);

    const restarted = await runYamori(['--db', db, '--config', config, 'alerts', 'deliver']);
    expect(restarted.code, describeRun(restarted)).toBe(0);
    expect(restarted.stdout).toMatch(/alerts routed 0 .* sent 1, to retry 0, given up 0/);

    const again = await runYamori(['--db', db, '--config', config, 'alerts', 'deliver']);
    expect(again.code, describeRun(again)).toBe(0);

    const key = `alert:${alertId}:hook`;
    expect(requests.map((r) => [r.key, r.kind, r.answered])).toEqual([
      [key, 'alert', null],
      [key, 'alert', 200],
    ]);
    const shown = await runYamori(['--db', db, '--config', config, 'alerts', 'show', alertId, '--json']);
    expect(shown.code, describeRun(shown)).toBe(0);
    const [alert] = jsonLines<{
      routing: { routes: string[] };
      deliveries: { state: string; channel: string }[];
    }>(shown.stdout);
    expect(alert!.routing.routes).toEqual(['everything']);
    expect(alert!.deliveries.map((d) => [d.channel, d.state])).toEqual([['hook', 'sent']]);
  });
});
