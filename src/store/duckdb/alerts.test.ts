import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertWrite, EpochMicros, RunProvenance } from '../../records/index.js';
import type { Store } from '../store.js';
import { openMemoryStore } from '../testing.js';

const SECOND = 1_000_000;
const HOUR = 3_600 * SECOND;
const NOW: EpochMicros = Date.UTC(2026, 10, 28, 12) * 1000;

const provenance = (runAt: EpochMicros): RunProvenance => ({
  ruleId: 'test-rule',
  ruleVersion: 'v1',
  pass: 'retro-hunt',
  windowStart: runAt - 30 * 24 * HOUR,
  windowEnd: runAt - HOUR,
  indicatorsSince: runAt - HOUR,
  indicatorsUntil: runAt,
  runAt,
});

const write = (n: number, overrides: Partial<AlertWrite> = {}): AlertWrite => ({
  ruleId: 'test-rule',
  ruleVersion: 'v1',
  severity: 'high',
  title: `device ${n} contacted 203.0.113.${n % 250}`,
  dedupKey: JSON.stringify([`192.168.1.${n % 250}`, `203.0.113.${n}`]),
  firstSeenAt: NOW - 3 * 24 * HOUR + n,
  lastSeenAt: NOW - 2 * 24 * HOUR + n * SECOND,
  count: 1,
  deviceMac: n % 2 === 0 ? null : 'f4:f5:d8:01:02:03',
  deviceName: `device ${n}`,
  remoteAddr: `203.0.113.${n}`,
  indicatorIds: [`i-${n}`, `j-${n}`],
  indicatorSources: ['feodo'],
  evidence: [{ row: n, bytes: '123456789012345678', ports: [443, 80] }],
  provenance: [provenance(NOW)],
  suppressForUs: 24 * HOUR,
  maxEvidenceRows: 3,
  ...overrides,
});

const state = (runAt: EpochMicros) => ({
  ruleId: 'test-rule',
  ruleVersion: 'v1',
  runAt,
  status: 'ok' as const,
  flowWatermark: runAt,
  indicatorWatermark: runAt,
  errorCode: null,
  errorMessage: null,
  durationMs: 1,
  rows: 1,
});

describe('writeAlerts (DuckDB)', () => {
  let store: Store;
  let now = NOW;
  beforeEach(async () => {
    now = NOW;
    store = await openMemoryStore({ now: () => now });
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores every field of a thousand and one alerts as written, across statements', async () => {
    const writes = Array.from({ length: 1001 }, (_, n) => write(n));
    expect(await store.commitRuleRun(writes, state(NOW))).toEqual({ created: 1001, updated: 0 });
    const alerts = await store.listAlerts({ limit: 2000 });
    expect(alerts).toHaveLength(1001);
    const byKey = new Map(alerts.map((alert) => [alert.dedupKey, alert]));
    for (const expected of writes) {
      expect(byKey.get(expected.dedupKey)).toMatchObject({
        ruleId: expected.ruleId,
        ruleVersion: expected.ruleVersion,
        severity: expected.severity,
        title: expected.title,
        firstSeenAt: expected.firstSeenAt,
        lastSeenAt: expected.lastSeenAt,
        count: 1,
        status: 'open',
        createdAt: NOW,
        updatedAt: NOW,
        deviceMac: expected.deviceMac,
        deviceName: expected.deviceName,
        remoteAddr: expected.remoteAddr,
        indicatorIds: expected.indicatorIds,
        indicatorSources: expected.indicatorSources,
        evidence: expected.evidence,
        provenance: expected.provenance,
      });
    }
  });

  it('updates a thousand and one repeats in place, keeping their first sighting and adding evidence', async () => {
    const first = Array.from({ length: 1001 }, (_, n) => write(n));
    await store.commitRuleRun(first, state(NOW));
    now = NOW + HOUR;
    const repeats = first.map((w, n) =>
      write(n, {
        firstSeenAt: w.lastSeenAt + SECOND,
        lastSeenAt: w.lastSeenAt + 2 * SECOND,
        indicatorIds: [`k-${n}`],
        evidence: [{ row: 1000 + n }],
        provenance: [provenance(NOW + HOUR)],
      }),
    );
    expect(await store.commitRuleRun(repeats, state(NOW + HOUR))).toEqual({ created: 0, updated: 1001 });
    const byKey = new Map((await store.listAlerts({ limit: 2000 })).map((alert) => [alert.dedupKey, alert]));
    expect(byKey.size).toBe(1001);
    first.forEach((w, n) => {
      expect(byKey.get(w.dedupKey)).toMatchObject({
        firstSeenAt: w.firstSeenAt,
        lastSeenAt: w.lastSeenAt + 2 * SECOND,
        count: 2,
        updatedAt: NOW + HOUR,
        indicatorIds: [`i-${n}`, `j-${n}`, `k-${n}`],
        evidence: [...w.evidence, { row: 1000 + n }],
        provenance: [provenance(NOW), provenance(NOW + HOUR)],
      });
    });
  });

  it('keeps any text a title or name holds: quotes, controls, NUL, non-ASCII; a lone surrogate as U+FFFD', async () => {
    const texts = ['a"b\\c\nd\te', 'nul\u0000inside', 'é€😀 名前', 'lone \ud800 high', 'lone \udc00 low'];
    const writes = texts.map((text, n) =>
      write(n, { title: text, deviceName: text, remoteAddr: text, indicatorSources: [text] }),
    );
    await store.commitRuleRun(writes, state(NOW));
    const byKey = new Map((await store.listAlerts()).map((alert) => [alert.dedupKey, alert]));
    const stored = (text: string) => text.replace('\ud800', '\ufffd').replace('\udc00', '\ufffd');
    writes.forEach((w, n) => {
      const text = stored(texts[n]!);
      expect(byKey.get(w.dedupKey)).toMatchObject({
        title: text,
        deviceName: text,
        remoteAddr: text,
        indicatorSources: [text],
      });
    });
  });
});
