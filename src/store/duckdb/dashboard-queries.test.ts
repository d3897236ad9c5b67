import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { buildFlow, openMemoryStore, TEST_EPOCH } from '../testing.js';

describe('the dashboard readers', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore();
  });
  afterEach(async () => store.close());

  it('pages flows newest first by keyset, across flows that share a start time, each exactly once', async () => {
    // Three flows per instant, so a page boundary falls between flows with equal first_seen_at.
    const flows = Array.from({ length: 30 }, (_, index) =>
      buildFlow({ firstSeenAt: TEST_EPOCH + Math.floor(index / 3) * 1_000_000, srcPort: 40_000 + index }),
    );
    await store.writeFlows(flows);
    const seen: string[] = [];
    let page = await store.pageFlows({ limit: 4 });
    for (;;) {
      seen.push(...page.flows.map((f) => f.id));
      if (page.next === null) break;
      page = await store.pageFlows({ limit: 4, before: page.next });
    }
    const expected = [...flows]
      .sort((a, b) => b.firstSeenAt - a.firstSeenAt || (a.id < b.id ? 1 : -1))
      .map((f) => f.id);
    expect(seen).toEqual(expected);
  });

  it('pages the same flows when they lie hours, days and weeks apart (the page windows widen)', async () => {
    // Gaps of 40 minutes to 10 days: pages must be filled across the 1 h, 1 d and 7 d windows.
    const gapsS = [0, 2_400, 2_400, 90_000, 3_600, 700_000, 864_000, 60, 86_400, 1_000_000];
    let at = TEST_EPOCH;
    const flows = gapsS.map((gap, index) => {
      at += gap * 1_000_000;
      return buildFlow({ firstSeenAt: at, srcPort: 41_000 + index, dstPort: index % 2 === 0 ? 443 : 80 });
    });
    await store.writeFlows(flows);
    const pages = async (filter: { port?: number; until?: number }): Promise<string[][]> => {
      const out: string[][] = [];
      let page = await store.pageFlows({ ...filter, limit: 2 });
      for (;;) {
        out.push(page.flows.map((f) => f.srcPort.toString()));
        if (page.next === null) return out;
        page = await store.pageFlows({ ...filter, limit: 2, before: page.next });
      }
    };
    const newestFirst = [...flows].reverse();
    const expected = (keep: (index: number) => boolean): string[][] => {
      const ports = newestFirst.filter((_, i) => keep(flows.length - 1 - i)).map((f) => f.srcPort.toString());
      return Array.from({ length: Math.ceil(ports.length / 2) }, (_, i) => ports.slice(i * 2, i * 2 + 2));
    };
    expect(await pages({})).toEqual(expected(() => true));
    expect(await pages({ port: 443 })).toEqual(expected((i) => i % 2 === 0));
    expect(await pages({ until: flows[5]!.firstSeenAt })).toEqual(expected((i) => i <= 5));
  });

  it('filters flows by name text and device, binding request text as values', async () => {
    await store.writeFlows([
      buildFlow({ serverName: 'cdn.example.org', dnsName: null }),
      buildFlow({
        serverName: null,
        dnsName: 'tracker.example.net',
        srcAddr: '192.168.1.30',
        srcMac: 'aa:bb:cc:00:00:01',
      }),
    ]);
    expect((await store.pageFlows({ name: 'EXAMPLE.ORG' })).flows.map((f) => f.serverName)).toEqual([
      'cdn.example.org',
    ]);
    expect((await store.pageFlows({ name: 'tracker' })).flows.map((f) => f.srcAddr)).toEqual([
      '192.168.1.30',
    ]);
    expect((await store.pageFlows({ device: 'aa:bb:cc:00:00:01' })).flows).toHaveLength(1);
    expect((await store.pageFlows({ name: "' OR 1=1 --" })).flows).toEqual([]);
    expect((await store.pageFlows({ device: "x' OR '1'='1" })).flows).toEqual([]);
  });

  it('sums traffic per bucket from the home side, and ranks remote hosts by bytes', async () => {
    await store.writeFlows([
      buildFlow({ firstSeenAt: TEST_EPOCH + 10_000_000, srcBytes: 100, dstBytes: 1000 }),
      buildFlow({
        firstSeenAt: TEST_EPOCH + 70_000_000,
        srcBytes: 5,
        dstBytes: 7,
        dstAddr: '198.51.100.1',
        serverName: null,
        dnsName: null,
      }),
      // Inbound: the home side is the responder.
      buildFlow({
        firstSeenAt: TEST_EPOCH + 70_000_000,
        direction: 'inbound',
        srcAddr: '198.51.100.2',
        dstAddr: '192.168.1.20',
        srcBytes: 30,
        dstBytes: 40,
      }),
    ]);
    const overview = await store.dashboardOverview({
      since: TEST_EPOCH,
      until: TEST_EPOCH + 120_000_000,
      buckets: 2,
    });
    expect(overview.bucketUs).toBe(60_000_000);
    expect(overview.traffic).toEqual([
      { at: TEST_EPOCH, bytesOut: 100, bytesIn: 1000, flows: 1 },
      { at: TEST_EPOCH + 60_000_000, bytesOut: 5 + 40, bytesIn: 7 + 30, flows: 2 },
    ]);
    expect(overview.topRemotes.map((r) => [r.addr, r.bytes, r.name])).toEqual([
      ['203.0.113.9', 1100, 'example.com'],
      ['198.51.100.2', 70, 'example.com'],
      ['198.51.100.1', 12, null],
    ]);
    expect(overview.flows).toBe(3);
  });

  it('reads settings by prefix', async () => {
    await store.replaceSettings('web.token.a/', { 'web.token.a/': '1' });
    await store.replaceSettings('web.token.ab/', { 'web.token.ab/': '2' });
    expect(await store.readSettings('web.token.')).toEqual({ 'web.token.a/': '1', 'web.token.ab/': '2' });
    expect(await store.readSettings("web.token.' OR 1=1")).toEqual({});
  });
});
