import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMicros, RuleFinding, RuleRunCommit } from '../records/index.js';
import type { Store } from '../store/index.js';
import { buildDeviceObservation, openMemoryStore } from '../store/testing.js';
import { createAlertWriter } from './alert-writer.js';

const HOUR = 3_600_000_000;
const NOW = Date.UTC(2026, 0, 15, 12) * 1000;

let store: Store;
beforeEach(async () => {
  store = await openMemoryStore({ now: () => NOW });
  await store.observeDevices([
    buildDeviceObservation({ mac: 'f4:f5:d8:01:02:03', addr: '192.168.1.20', hostname: 'living-room-tv' }),
    buildDeviceObservation({ mac: '00:11:32:aa:bb:cc', addr: '192.168.1.30' }),
  ]);
});
afterEach(async () => {
  await store.close();
});

const finding = (overrides: Partial<RuleFinding> = {}, at: EpochMicros = NOW - HOUR): RuleFinding => ({
  row: {
    device_addr: '192.168.1.20',
    remote_addr: '203.0.113.9',
    sources: ['feodo'],
    threat: 'botnet_cc',
    first_seen_at: 'x',
    last_seen_at: 'y',
  },
  firstSeenAt: at,
  lastSeenAt: at + 1_000_000,
  deviceMac: null,
  deviceAddr: '192.168.1.20',
  remoteAddr: '203.0.113.9',
  indicatorIds: ['i-1'],
  indicatorSources: ['feodo'],
  provenance: {
    ruleId: 'intel-test',
    ruleVersion: 'v1',
    pass: 'retro-hunt',
    windowStart: NOW - 2 * HOUR,
    windowEnd: NOW,
    indicatorsSince: NOW - HOUR,
    indicatorsUntil: NOW,
    runAt: NOW,
  },
  ...overrides,
});

const commit = (findings: RuleFinding[], runAt: EpochMicros = NOW): RuleRunCommit => ({
  ruleId: 'intel-test',
  ruleVersion: 'v1',
  severity: 'high',
  titleTemplate: '{device_name} contacted {remote_addr}, listed by {sources} as {threat}',
  dedupColumns: ['device_addr', 'remote_addr'],
  suppressForUs: 24 * HOUR,
  findings,
  state: {
    ruleId: 'intel-test',
    ruleVersion: 'v1',
    runAt,
    status: 'ok',
    flowWatermark: runAt,
    indicatorWatermark: runAt,
    errorCode: null,
    errorMessage: null,
    durationMs: 1,
    rows: findings.length,
  },
});

describe('createAlertWriter', () => {
  const writer = () => createAlertWriter({ maxEvidenceRows: 2 }, { store });

  it('writes an alert naming the device by hostname, with the rendered title, evidence and provenance', async () => {
    expect(await writer().commit(commit([finding()]))).toEqual({ created: 1, updated: 0 });
    const [alert] = await store.listAlerts();
    expect(alert).toMatchObject({
      ruleId: 'intel-test',
      ruleVersion: 'v1',
      severity: 'high',
      status: 'open',
      title: 'living-room-tv contacted 203.0.113.9, listed by feodo as botnet_cc',
      dedupKey: '["192.168.1.20","203.0.113.9"]',
      deviceMac: 'f4:f5:d8:01:02:03',
      deviceName: 'living-room-tv',
      remoteAddr: '203.0.113.9',
      indicatorIds: ['i-1'],
      indicatorSources: ['feodo'],
      count: 1,
      evidence: [finding().row],
      provenance: [finding().provenance],
    });
    expect((await store.listRuleStates())[0]?.flowWatermark).toBe(NOW);
  });

  it('falls back to the vendor, then the MAC, then the address for the device name', async () => {
    await writer().commit(
      commit([
        finding({ deviceAddr: '192.168.1.30', row: { device_addr: '192.168.1.30', remote_addr: 'a' } }),
        finding({
          deviceMac: '02:AA:BB:CC:DD:EE',
          deviceAddr: null,
          row: { device_addr: 'm', remote_addr: 'b' },
        }),
        finding({ deviceAddr: '192.168.1.99', row: { device_addr: '192.168.1.99', remote_addr: 'c' } }),
        finding({ row: { device_addr: 'x', remote_addr: 'd', device_name: 'named by the rule' } }),
      ]),
    );
    const vendor = (await store.listDevices({ mac: '00:11:32:aa:bb:cc' }))[0]?.vendor;
    expect(vendor).toEqual(expect.any(String));
    const byKey = new Map((await store.listAlerts()).map((a) => [a.dedupKey, [a.deviceName, a.deviceMac]]));
    expect(Object.fromEntries(byKey)).toEqual({
      '["192.168.1.30","a"]': [vendor, '00:11:32:aa:bb:cc'],
      '["m","b"]': ['02:aa:bb:cc:dd:ee', '02:aa:bb:cc:dd:ee'],
      '["192.168.1.99","c"]': ['192.168.1.99', null],
      '["x","d"]': ['named by the rule', 'f4:f5:d8:01:02:03'],
    });
  });

  it('turns a repeat within the suppression period into a higher count, not a second alert', async () => {
    await writer().commit(commit([finding()]));
    expect(
      await writer().commit(commit([finding({}, NOW + HOUR), finding({}, NOW + 2 * HOUR)], NOW + 3 * HOUR)),
    ).toEqual({
      created: 0,
      updated: 1,
    });
    const alerts = await store.listAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      count: 3,
      firstSeenAt: NOW - HOUR,
      lastSeenAt: NOW + 2 * HOUR + 1_000_000,
    });
    expect(alerts[0]?.evidence).toHaveLength(2);
  });

  it('starts a new alert for a repeat after the suppression period', async () => {
    await writer().commit(commit([finding()]));
    await writer().commit(commit([finding({}, NOW + 30 * HOUR)], NOW + 31 * HOUR));
    expect((await store.listAlerts()).map((a) => a.count)).toEqual([1, 1]);
  });
});
