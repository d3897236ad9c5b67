import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/index.js';
import {
  buildDeviceObservation,
  buildDnsRecord,
  buildIndicatorDraft,
  openMemoryStore,
  TEST_EPOCH,
} from '../../store/testing.js';
import { createNotificationBuilder } from './notification-builder.js';

describe('createNotificationBuilder', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('names the rule, device, remote (DNS answers, enrichment) and the indicators behind an alert', async () => {
    await store.applyFeedSnapshot('feodo', [buildIndicatorDraft()], {
      startedAt: TEST_EPOCH,
      complete: true,
    });
    const [indicator] = await store.listIndicators({ source: 'feodo' });
    await store.writeDns([buildDnsRecord({ answer: '203.0.113.9', queryName: 'bad.example.' })]);
    await store.observeDevices([buildDeviceObservation()]);
    const [device] = await store.listDevices();
    await store.writeAlerts([
      {
        ruleId: 'intel-outbound-to-c2-address',
        ruleVersion: 'v1',
        severity: 'high',
        title: 'C2 contact',
        dedupKey: 'k',
        firstSeenAt: TEST_EPOCH,
        lastSeenAt: TEST_EPOCH,
        count: 1,
        deviceMac: device!.mac,
        deviceName: 'laptop',
        remoteAddr: '203.0.113.9',
        indicatorIds: [indicator!.id],
        indicatorSources: ['feodo'],
        evidence: [],
        provenance: [],
        suppressForUs: 0,
        maxEvidenceRows: 20,
      },
    ]);
    const [alert] = await store.listAlerts();
    const builder = createNotificationBuilder({
      store,
      ruleInfo: (id) => ({
        id,
        title: 'C2',
        description: 'd',
        triage: 'unplug it',
        references: [],
        tags: ['intel'],
      }),
      enrich: () => Promise.resolve({ asn: 64500, asOrg: 'Example AS', country: 'NL', ptr: null }),
      dashboardUrl: 'http://router.lan:8080/',
    });
    const notification = await builder.build('alert', [alert!], TEST_EPOCH);
    const [notice] = notification.alerts;
    expect(notification).toMatchObject({ kind: 'alert', severity: 'high', title: 'C2 contact' });
    expect(notice!.url).toBe(`http://router.lan:8080/alerts/${alert!.id}`);
    expect(notice!.rule?.triage).toBe('unplug it');
    expect(notice!.device).toMatchObject({ name: 'laptop', mac: device!.mac });
    expect(notice!.remote).toMatchObject({
      addr: '203.0.113.9',
      names: ['bad.example'],
      asn: 64500,
      country: 'NL',
    });
    expect(notice!.indicators).toEqual([
      expect.objectContaining({
        id: indicator!.id,
        source: 'feodo',
        malwareFamily: 'QakBot',
        threat: 'botnet_cc',
      }),
    ]);
  });
});
