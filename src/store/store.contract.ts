/**
 * The behaviour every Store backend must show, run by each backend's test file against a fresh,
 * empty store per test. SQL here is plain enough for any engine; engine-specific statements are
 * tested beside the engine.
 */
import { afterEach, beforeEach, describe, expect, it as vitestIt } from 'vitest';
import { FLOW_LOG_COLUMNS, type EpochMicros, type FlowRecord } from '../records/index.js';
import { describeFeedStoreContract } from './feed-store.contract.js';
import { describeIndicatorMatchContract } from './indicator-match.contract.js';
import { describeIndicatorContract } from './indicator-store.contract.js';
import { describeRuleStoreContract } from './rule-store.contract.js';
import type { FlowFilter, Store } from './store.js';
import { buildDeviceObservation, buildDnsRecord, buildFlow, TEST_EPOCH } from './testing.js';

export type OpenStore = (deps: { now: () => EpochMicros }) => Promise<Store>;

const SECOND = 1_000_000;
const INGEST_TIME = TEST_EPOCH + 3_600 * SECOND;

/** Which parts of the contract a backend's test file runs, and the cases an engine cannot do. */
export interface StoreContractOptions {
  /** The parts to run; all of them when left out. */
  parts?: readonly ('core' | 'indicators' | 'indicator-match' | 'feeds' | 'rules')[];
  /**
   * Core cases to skip, by their exact name, each with the engine difference that makes it fail
   * (shown in the skipped case's name).
   */
  skip?: Readonly<Record<string, string>>;
}

export function describeStoreContract(
  backend: string,
  open: OpenStore,
  options: StoreContractOptions = {},
): void {
  const runs = (part: NonNullable<StoreContractOptions['parts']>[number]): boolean =>
    options.parts === undefined || options.parts.includes(part);
  // Cases are declared through this `it`, so a backend can skip one naming the reason.
  const it = Object.assign(
    (name: string, body: () => Promise<void>): void => {
      const reason = options.skip?.[name];
      if (reason === undefined) vitestIt(name, body);
      else vitestIt.skip(`${name} (skipped on ${backend}: ${reason})`, body);
    },
    { skip: vitestIt.skip },
  );
  describe.runIf(runs('core'))(`Store contract: ${backend}`, () => {
    let store: Store;
    let now: EpochMicros;

    beforeEach(async () => {
      now = INGEST_TIME;
      store = await open({ now: () => now });
    });

    afterEach(async () => {
      await store.close();
    });

    describe('flows', () => {
      it('round-trips every field of a flow and stamps ingestedAt from the store clock', async () => {
        const flows: FlowRecord[] = [
          buildFlow({ firstSeenAt: TEST_EPOCH + 123_457, lastSeenAt: TEST_EPOCH + 9_876_543 }),
          buildFlow({
            protocol: 'udp',
            ipProto: 17,
            ipVersion: 6,
            srcAddr: '2001:db8::20',
            dstAddr: 'fe80::1%eth0',
            srcPort: 5353,
            dstPort: 65535,
            firstSeenAt: TEST_EPOCH - 1,
            lastSeenAt: TEST_EPOCH - 1,
            srcBytes: 2 ** 40,
            dstBytes: 0,
            srcPackets: 3,
            dstPackets: 0,
            srcPayloadBytes: 2 ** 40 - 100,
            dstPayloadBytes: 0,
            status: 'unanswered',
            endReason: 'idle_timeout',
            interface: null,
            srcMac: null,
            dstMac: null,
            vlan: 4094,
            innerVlan: 7,
            direction: 'internal',
            serverName: null,
            dnsName: null,
            ja3: 'e7d705a3286e19ea42f587b344ee6865',
            ja4: null,
            tlsCertSha1: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
            tlsVersion: null,
            alpn: null,
            srcTcpFlags: 0,
            dstTcpFlags: 0xff,
          }),
        ];
        await store.writeFlows(flows);
        const stored = await store.listFlows();
        const expected = flows.map((flow) => ({ ...flow, ingestedAt: INGEST_TIME }));
        expect(sortById(stored)).toEqual(sortById(expected));
      });

      it('keeps every batch, each stamped with the time it was written', async () => {
        await store.writeFlows([buildFlow({ id: 'a' })]);
        now += SECOND;
        await store.writeFlows([buildFlow({ id: 'b' }), buildFlow({ id: 'c' })]);
        const stored = await store.listFlows();
        expect(Object.fromEntries(stored.map((f) => [f.id, f.ingestedAt]))).toEqual({
          a: INGEST_TIME,
          b: INGEST_TIME + SECOND,
          c: INGEST_TIME + SECOND,
        });
      });

      it('stores none of a batch that holds a value no column can take, and says which batch failed', async () => {
        await store.writeFlows([buildFlow({ id: 'kept' })]);
        const bad = [buildFlow({ id: 'ok-in-bad-batch' }), buildFlow({ id: 'bad', srcBytes: 1.5 })];
        await expect(store.writeFlows(bad)).rejects.toMatchObject({
          code: 'STORE_WRITE_FAILED',
          message: expect.stringContaining('2 flows') as unknown,
        });
        expect((await store.listFlows()).map((f) => f.id)).toEqual(['kept']);
        await store.writeFlows([buildFlow({ id: 'after' })]);
        expect(await store.countFlows()).toBe(2);
      });

      it('lists newest first, 100 by default, and counts without the limit', async () => {
        const flows = Array.from({ length: 120 }, (_, i) =>
          buildFlow({ id: `f${String(i).padStart(3, '0')}`, firstSeenAt: TEST_EPOCH + i * SECOND }),
        );
        await store.writeFlows(flows);
        const listed = await store.listFlows();
        expect(listed).toHaveLength(100);
        expect(listed[0]!.id).toBe('f119');
        expect(listed[99]!.id).toBe('f020');
        expect((await store.listFlows({ limit: 3 })).map((f) => f.id)).toEqual(['f119', 'f118', 'f117']);
        expect(await store.countFlows()).toBe(120);
      });

      it('prunes flows that ended before the horizon and keeps the rest, devices and DNS', async () => {
        await store.writeFlows([
          buildFlow({ id: 'old', firstSeenAt: TEST_EPOCH, lastSeenAt: TEST_EPOCH + 10 * SECOND }),
          buildFlow({ id: 'spans', firstSeenAt: TEST_EPOCH, lastSeenAt: TEST_EPOCH + 100 * SECOND }),
          buildFlow({
            id: 'new',
            firstSeenAt: TEST_EPOCH + 200 * SECOND,
            lastSeenAt: TEST_EPOCH + 201 * SECOND,
          }),
        ]);
        await store.writeDns([buildDnsRecord()]);
        await store.observeDevices([buildDeviceObservation()]);
        const dnsBefore = (await store.listDns()).length;
        const devicesBefore = (await store.listDevices()).length;
        expect(await store.pruneFlows(TEST_EPOCH + 50 * SECOND)).toBe(1);
        expect((await store.listFlows()).map((f) => f.id).sort()).toEqual(['new', 'spans']);
        expect(await store.pruneFlows(TEST_EPOCH + 50 * SECOND)).toBe(0);
        expect((await store.listDns()).length).toBe(dnsBefore);
        expect((await store.listDevices()).length).toBe(devicesBefore);
        expect(await store.pruneFlows(TEST_EPOCH + 1_000 * SECOND)).toBe(2);
        expect(await store.countFlows()).toBe(0);
      });

      describe('filters', () => {
        const T = TEST_EPOCH;
        const flows = [
          buildFlow({ id: 'out-https' }),
          buildFlow({
            id: 'in-ssh',
            srcAddr: '198.51.100.7',
            dstAddr: '192.168.1.30',
            srcPort: 40000,
            dstPort: 22,
            direction: 'inbound',
            srcMac: '00:11:22:33:44:55',
            dstMac: '3c:22:fb:00:00:01',
            firstSeenAt: T + 10 * SECOND,
            lastSeenAt: T + 20 * SECOND,
          }),
          buildFlow({
            id: 'dns-udp',
            protocol: 'udp',
            ipProto: 17,
            srcAddr: '192.168.1.30',
            dstAddr: '192.168.1.1',
            srcPort: 53000,
            dstPort: 53,
            direction: 'internal',
            srcMac: '3c:22:fb:00:00:01',
            dstMac: '00:11:22:33:44:55',
            sensor: 'garage',
            firstSeenAt: T + 30 * SECOND,
            lastSeenAt: T + 31 * SECOND,
          }),
          buildFlow({
            id: 'v6-netflow',
            ipVersion: 6,
            srcAddr: '2001:db8:1::5',
            dstAddr: '2606:4700::1111',
            srcMac: null,
            dstMac: null,
            firstSeenAt: T + 40 * SECOND,
            lastSeenAt: T + 100 * SECOND,
          }),
        ];
        const cases: { description: string; filter: FlowFilter; ids: string[] }[] = [
          {
            description: 'addr matches either side',
            filter: { addr: '192.168.1.30' },
            ids: ['dns-udp', 'in-ssh'],
          },
          { description: 'addr takes an IPv4 CIDR', filter: { addr: '198.51.100.0/24' }, ids: ['in-ssh'] },
          { description: 'addr takes an IPv6 CIDR', filter: { addr: '2001:db8::/32' }, ids: ['v6-netflow'] },
          {
            description: 'srcAddr matches the initiator only',
            filter: { srcAddr: '192.168.1.30' },
            ids: ['dns-udp'],
          },
          {
            description: 'dstAddr matches the responder only',
            filter: { dstAddr: '192.168.1.30' },
            ids: ['in-ssh'],
          },
          { description: 'port matches either side', filter: { port: 40000 }, ids: ['in-ssh'] },
          { description: 'port matches the responder port', filter: { port: 53 }, ids: ['dns-udp'] },
          { description: 'protocol by name, any case', filter: { protocol: 'UDP' }, ids: ['dns-udp'] },
          { description: 'protocol by number', filter: { protocol: '17' }, ids: ['dns-udp'] },
          { description: 'sensor', filter: { sensor: 'garage' }, ids: ['dns-udp'] },
          { description: 'direction', filter: { direction: 'inbound' }, ids: ['in-ssh'] },
          {
            description: 'device by MAC (any spelling) finds flows by its MAC and its addresses',
            filter: { device: '3C-22-FB-00-00-01' },
            ids: ['v6-netflow', 'dns-udp', 'in-ssh'],
          },
          {
            description: 'device by hostname finds flows by its MAC and addresses',
            filter: { device: 'Office-Laptop' },
            ids: ['v6-netflow', 'dns-udp', 'in-ssh'],
          },
          {
            description: 'device by one of its addresses',
            filter: { device: '2001:db8:1::5' },
            ids: ['v6-netflow', 'dns-udp', 'in-ssh'],
          },
          {
            description: 'since keeps flows still active at that time',
            filter: { since: T + 31 * SECOND },
            ids: ['v6-netflow', 'dns-udp'],
          },
          {
            description: 'until keeps flows started by then',
            filter: { until: T + 10 * SECOND },
            ids: ['in-ssh', 'out-https'],
          },
          {
            description: 'since and until select overlapping flows',
            filter: { since: T + 15 * SECOND, until: T + 35 * SECOND },
            ids: ['dns-udp', 'in-ssh'],
          },
          { description: 'filters combine', filter: { addr: '192.168.1.30', port: 22 }, ids: ['in-ssh'] },
          { description: 'an unknown address matches nothing', filter: { addr: '10.9.9.9' }, ids: [] },
        ];

        beforeEach(async () => {
          await store.writeFlows(flows);
          // The laptop (Apple MAC) has had an IPv4 and an IPv6 address; its NetFlow record carries no MAC.
          await store.observeDevices([
            buildDeviceObservation({
              mac: '3c:22:fb:00:00:01',
              addr: '192.168.1.30',
              hostname: 'office-laptop',
            }),
            buildDeviceObservation({ mac: '3c:22:fb:00:00:01', addr: '2001:db8:1::5' }),
          ]);
        });

        for (const { description, filter, ids } of cases) {
          it(`${description}`, async () => {
            expect((await store.listFlows(filter)).map((f) => f.id)).toEqual(ids);
            expect(await store.countFlows(filter)).toBe(ids.length);
          });
        }
      });

      it('exposes flow_logs with exactly the 13 original columns, in order', async () => {
        await store.writeFlows([buildFlow({ id: 'x', srcBytes: 77 })]);
        const result = await store.query('SELECT * FROM flow_logs');
        expect(result.columns.map((c) => c.name)).toEqual([...FLOW_LOG_COLUMNS]);
        expect(result.rows).toEqual([
          {
            id: 'x',
            protocol: 'tcp',
            src_addr: '192.168.1.20',
            dst_addr: '203.0.113.9',
            src_port: 51234,
            dst_port: 443,
            first_seen_at: '2024-01-15T12:00:00.000Z',
            last_seen_at: '2024-01-15T12:00:02.500Z',
            src_bytes: 77,
            dst_bytes: 12400,
            src_packets: 14,
            dst_packets: 16,
            status: 'closed',
          },
        ]);
      });
    });

    describe('dns', () => {
      it('round-trips answers, newest first, with ingestedAt from the store clock', async () => {
        const records = [
          buildDnsRecord(),
          buildDnsRecord({
            seenAt: TEST_EPOCH + SECOND,
            queryName: 'www.example.net',
            answerName: 'www.example.net',
            answerType: 'CNAME',
            answer: 'edge.example.net',
            ttl: 4_294_967_295,
            transport: 'tcp',
          }),
        ];
        await store.writeDns(records);
        expect(await store.listDns()).toEqual([
          { ...records[1], ingestedAt: INGEST_TIME },
          { ...records[0], ingestedAt: INGEST_TIME },
        ]);
      });

      it('filters by client, name (text in the query or answer owner), answer and time', async () => {
        await store.writeDns([
          buildDnsRecord({ queryName: 'a.example', answerName: 'a.example', answer: '192.0.2.1' }),
          buildDnsRecord({
            queryName: 'b.example',
            answerName: 'cdn.example',
            answer: '192.0.2.2',
            seenAt: TEST_EPOCH + SECOND,
          }),
          buildDnsRecord({
            clientAddr: '192.168.1.99',
            queryName: 'c.example',
            answerName: 'c.example',
            answer: '192.0.2.3',
            seenAt: TEST_EPOCH + 2 * SECOND,
          }),
        ]);
        const names = async (filter: Parameters<Store['listDns']>[0]): Promise<string[]> =>
          (await store.listDns(filter)).map((r) => r.queryName);
        expect(await names({ clientAddr: '192.168.1.99' })).toEqual(['c.example']);
        expect(await names({ name: 'CDN.example.' })).toEqual(['b.example']);
        expect(await names({ name: 'example' })).toEqual(['c.example', 'b.example', 'a.example']);
        expect(await names({ answer: '192.0.2.1' })).toEqual(['a.example']);
        expect(await names({ since: TEST_EPOCH + SECOND, until: TEST_EPOCH + SECOND })).toEqual([
          'b.example',
        ]);
        expect(await names({ limit: 1 })).toEqual(['c.example']);
      });
    });

    describe('devices', () => {
      const GOOGLE_MAC = 'f4:f5:d8:01:02:03';
      const RANDOM_MAC = 'da:a1:19:5e:00:01';

      it('merges sightings: earliest first seen, latest last seen, per address and per service', async () => {
        await store.observeDevices([
          buildDeviceObservation({ seenAt: TEST_EPOCH + 50 * SECOND, addr: '192.168.1.20' }),
          buildDeviceObservation({
            seenAt: TEST_EPOCH + 10 * SECOND,
            addr: '192.168.1.20',
            service: { port: 8009, protocol: 'TCP' },
          }),
        ]);
        await store.observeDevices([
          buildDeviceObservation({ seenAt: TEST_EPOCH + 5 * SECOND, addr: '192.168.1.21' }),
          buildDeviceObservation({
            seenAt: TEST_EPOCH + 90 * SECOND,
            addr: null,
            service: { port: 8009, protocol: 'tcp' },
          }),
        ]);
        const [device, ...others] = await store.listDevices();
        expect(others).toEqual([]);
        expect(device).toMatchObject({
          mac: GOOGLE_MAC,
          firstSeenAt: TEST_EPOCH + 5 * SECOND,
          lastSeenAt: TEST_EPOCH + 90 * SECOND,
        });
        expect(device!.addresses).toEqual([
          {
            addr: '192.168.1.20',
            firstSeenAt: TEST_EPOCH + 10 * SECOND,
            lastSeenAt: TEST_EPOCH + 50 * SECOND,
          },
          { addr: '192.168.1.21', firstSeenAt: TEST_EPOCH + 5 * SECOND, lastSeenAt: TEST_EPOCH + 5 * SECOND },
        ]);
        expect(device!.services).toEqual([
          {
            port: 8009,
            protocol: 'tcp',
            firstSeenAt: TEST_EPOCH + 10 * SECOND,
            lastSeenAt: TEST_EPOCH + 90 * SECOND,
          },
        ]);
      });

      it('keeps the latest non-null hostname and vendor class, even when an older one arrives later', async () => {
        await store.observeDevices([
          buildDeviceObservation({
            seenAt: TEST_EPOCH,
            hostname: 'old-name',
            vendorClass: 'android-dhcp-13',
          }),
          buildDeviceObservation({ seenAt: TEST_EPOCH + 20 * SECOND, hostname: 'new-name' }),
        ]);
        await store.observeDevices([
          buildDeviceObservation({ seenAt: TEST_EPOCH + 30 * SECOND, hostname: null }),
        ]);
        await store.observeDevices([
          buildDeviceObservation({ seenAt: TEST_EPOCH + 10 * SECOND, hostname: 'older-import' }),
        ]);
        const [device] = await store.listDevices();
        expect(device).toMatchObject({ hostname: 'new-name', vendorClass: 'android-dhcp-13' });
        await store.observeDevices([
          buildDeviceObservation({ seenAt: TEST_EPOCH + 40 * SECOND, hostname: 'renamed' }),
        ]);
        expect((await store.listDevices())[0]!.hostname).toBe('renamed');
      });

      it('names the vendor from the IEEE registry and none for a randomised MAC', async () => {
        await store.observeDevices([
          buildDeviceObservation({ mac: GOOGLE_MAC }),
          buildDeviceObservation({ mac: '3C:22:FB:AA:BB:CC', seenAt: TEST_EPOCH + SECOND }),
          buildDeviceObservation({ mac: RANDOM_MAC, seenAt: TEST_EPOCH + 2 * SECOND }),
        ]);
        const devices = await store.listDevices();
        expect(devices.map((d) => [d.mac, d.vendor, d.isRandomisedMac])).toEqual([
          [RANDOM_MAC, null, true],
          ['3c:22:fb:aa:bb:cc', 'Apple, Inc.', false],
          [GOOGLE_MAC, 'Google, Inc.', false],
        ]);
      });

      it('filters devices by MAC, address, hostname and last seen', async () => {
        await store.observeDevices([
          buildDeviceObservation({ mac: GOOGLE_MAC, addr: '192.168.1.20', hostname: 'Kitchen-Speaker' }),
          buildDeviceObservation({ mac: RANDOM_MAC, addr: '192.168.1.40', seenAt: TEST_EPOCH + 60 * SECOND }),
        ]);
        const macs = async (filter: Parameters<Store['listDevices']>[0]): Promise<string[]> =>
          (await store.listDevices(filter)).map((d) => d.mac);
        expect(await macs({ mac: 'DA-A1-19-5E-00-01' })).toEqual([RANDOM_MAC]);
        expect(await macs({ addr: '192.168.1.20' })).toEqual([GOOGLE_MAC]);
        expect(await macs({ hostname: 'kitchen-speaker' })).toEqual([GOOGLE_MAC]);
        expect(await macs({ since: TEST_EPOCH + SECOND })).toEqual([RANDOM_MAC]);
        expect(await macs({ limit: 1 })).toEqual([RANDOM_MAC]);
      });
    });

    describe('query', () => {
      it('returns columns with types and rows as JSON-friendly values', async () => {
        await store.writeFlows([buildFlow({ id: 'q', srcBytes: 2 ** 53 + 2 })]);
        const result = await store.query(
          'SELECT id, src_bytes, dst_port, first_seen_at, src_mac IS NOT NULL AS has_mac FROM flows WHERE id = ?',
          ['q'],
        );
        expect(result.columns.map((c) => c.name)).toEqual([
          'id',
          'src_bytes',
          'dst_port',
          'first_seen_at',
          'has_mac',
        ]);
        expect(result.rows).toEqual([
          {
            id: 'q',
            src_bytes: '9007199254740994',
            dst_port: 443,
            first_seen_at: '2024-01-15T12:00:00.000Z',
            has_mac: true,
          },
        ]);
      });

      it('allows WITH queries', async () => {
        const result = await store.query('WITH n AS (SELECT 1 AS one) SELECT one + 1 AS two FROM n');
        expect(result.rows).toEqual([{ two: 2 }]);
      });

      for (const sql of [
        "INSERT INTO flows (id) VALUES ('x')",
        "UPDATE flows SET status = 'closed'",
        'DELETE FROM flows',
        'CREATE TABLE evil (a INTEGER)',
        'DROP TABLE flows',
      ]) {
        it(`refuses "${sql}" and leaves the data as it was`, async () => {
          await store.writeFlows([buildFlow({ id: 'kept' })]);
          await expect(store.query(sql)).rejects.toMatchObject({ code: 'QUERY_NOT_READ_ONLY' });
          expect((await store.listFlows()).map((f) => f.id)).toEqual(['kept']);
        });
      }

      it('refuses more than one statement, even when each is a SELECT', async () => {
        await expect(store.query('SELECT 1; SELECT 2')).rejects.toMatchObject({
          code: 'QUERY_MULTIPLE_STATEMENTS',
        });
      });

      it('reports an SQL error with the engine message', async () => {
        await expect(store.query('SELECT * FROM no_such_table')).rejects.toMatchObject({
          code: 'QUERY_INVALID',
          message: expect.stringContaining('no_such_table') as unknown,
        });
      });
    });

    it('describes itself: schema version, tables with columns and rows, the time range of flows', async () => {
      const empty = await store.info();
      expect(empty.flowTimeRange).toBeNull();
      expect(empty.schemaVersion).toBeGreaterThan(0);
      await store.writeFlows([
        buildFlow({ firstSeenAt: TEST_EPOCH, lastSeenAt: TEST_EPOCH + SECOND }),
        buildFlow({ firstSeenAt: TEST_EPOCH + 5 * SECOND, lastSeenAt: TEST_EPOCH + 9 * SECOND }),
      ]);
      const info = await store.info();
      expect(info.flowTimeRange).toEqual({ firstSeenAt: TEST_EPOCH, lastSeenAt: TEST_EPOCH + 9 * SECOND });
      const byName = new Map(info.tables.map((t) => [t.name, t]));
      expect(byName.get('flows')?.rows).toBe(2);
      expect(byName.get('dns')?.rows).toBe(0);
      expect(byName.get('flow_logs')).toMatchObject({ kind: 'view', rows: null });
      expect(byName.get('flow_logs')?.columns.map((c) => c.name)).toEqual([...FLOW_LOG_COLUMNS]);
      for (const table of ['devices', 'device_addresses', 'device_services'])
        expect(byName.has(table)).toBe(true);
    });

    it('refuses to be used after close', async () => {
      await store.close();
      await expect(store.listFlows()).rejects.toMatchObject({ code: 'INTERNAL' });
    });
  });
  if (runs('indicators')) describeIndicatorContract(backend, open);
  if (runs('indicator-match')) describeIndicatorMatchContract(backend, open);
  if (runs('feeds')) describeFeedStoreContract(backend, open);
  if (runs('rules')) describeRuleStoreContract(backend, open);
}

function sortById<T extends { id: string }>(flows: T[]): T[] {
  return [...flows].sort((a, b) => a.id.localeCompare(b.id));
}
