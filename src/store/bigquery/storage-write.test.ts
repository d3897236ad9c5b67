import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { grpc } from 'google-gax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BigQueryConfig } from '../../config/index.js';
import type { DnsRecord, FlowRecord } from '../../records/index.js';
import type { Store } from '../store.js';
import { buildDnsRecord, buildFlow, TEST_EPOCH } from '../testing.js';
import { BIGQUERY_VIEWS, openBigQueryStore, usesStorageWrite } from './bigquery-store.js';
import { createBigQueryConnection } from './connection.js';
import { flowRow } from './flow-rows.js';
import { deleteDataset, TABLES } from './schema.js';
import { encodedSizeBound, requestChunks, StorageWriter, type StorageWriteRow } from './storage-write.js';
import { emulatorBigQueryConfig, useBigQueryEmulator } from './testing.js';

const INGEST_TIME = TEST_EPOCH + 3_600_000_001;
const FLOWS = TABLES.find((table) => table.name === 'flows')!;

describe('requestChunks', () => {
  const row = (id: string): StorageWriteRow => ({ id, n: 1, ok: true, gone: null });

  it('cuts rows into requests whose size bound stays under the limit, in order', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(`r${i}`));
    const size = encodedSizeBound(rows[0]!);
    const chunks = [...requestChunks(rows, size * 3)];
    expect(chunks.map((chunk) => chunk.length)).toEqual([3, 3, 3, 1]);
    expect(chunks.flat()).toEqual(rows);
  });

  it('sends a row larger than the limit alone rather than dropping it', () => {
    const big: StorageWriteRow = { id: 'x'.repeat(500) };
    const chunks = [...requestChunks([row('a'), big, row('b')], 100)];
    expect(chunks).toEqual([[row('a')], [big], [row('b')]]);
  });

  it('counts text in UTF-8 bytes, not characters', () => {
    expect(encodedSizeBound({ s: 'ü'.repeat(10) }) - encodedSizeBound({ s: '' })).toBe(20);
  });
});

describe('usesStorageWrite', () => {
  const base: BigQueryConfig = { project: 'p', dataset: 'd', location: 'US', keyFile: null, endpoint: null };

  it('writes with the Storage Write API unless told insert_all, or given an emulator without its gRPC port', () => {
    expect(usesStorageWrite(base)).toBe(true);
    expect(usesStorageWrite({ ...base, writeMethod: 'insert_all' })).toBe(false);
    expect(usesStorageWrite({ ...base, endpoint: 'http://127.0.0.1:9050' })).toBe(false);
    expect(
      usesStorageWrite({ ...base, endpoint: 'http://127.0.0.1:9050', storageEndpoint: '127.0.0.1:9060' }),
    ).toBe(true);
  });
});

/** Flows with every kind of value: nulls, counts past 32 bits, microsecond instants, IPv6. */
function sampleFlows(): FlowRecord[] {
  return [
    buildFlow({ id: 'v4', firstSeenAt: TEST_EPOCH + 1, lastSeenAt: TEST_EPOCH + 999_999 }),
    buildFlow({
      id: 'v6',
      protocol: 'udp',
      ipProto: 17,
      ipVersion: 6,
      srcAddr: '2001:db8::20',
      dstAddr: '2001:db8:1::9',
      srcPort: 5353,
      dstPort: 65535,
      firstSeenAt: TEST_EPOCH - 1,
      lastSeenAt: TEST_EPOCH + 86_400_000_000 + 7,
      srcBytes: 2 ** 50 + 3,
      dstBytes: 0,
      srcPackets: 2 ** 40,
      srcPayloadBytes: 2 ** 50 - 100,
      dstPayloadBytes: 0,
      interface: null,
      srcMac: null,
      dstMac: null,
      vlan: 4094,
      innerVlan: null,
      serverName: null,
      dnsName: null,
      ja3: null,
      ja4: null,
      tlsVersion: null,
      alpn: null,
      direction: 'internal',
      srcTcpFlags: 0,
      dstTcpFlags: 0xff,
      samplingRate: 4_000_000_000,
      countsEstimated: true,
    }),
  ];
}

function sampleDns(): DnsRecord[] {
  return [
    buildDnsRecord({ seenAt: TEST_EPOCH + 123_457 }),
    buildDnsRecord({
      seenAt: TEST_EPOCH - 1,
      answerType: 'AAAA',
      answer: '2001:db8::53',
      ttl: 2 ** 32 - 1,
      transport: 'tcp',
    }),
    buildDnsRecord({ seenAt: TEST_EPOCH + 5, answerType: 'CNAME', answer: 'edge.example.net', ttl: 0 }),
  ];
}

const emulator = useBigQueryEmulator();

describe.skipIf(emulator.skipReason !== null)(
  'Storage Write API on the emulator',
  { timeout: 120_000 },
  () => {
    const opened: { store: Store; config: BigQueryConfig }[] = [];
    const open = async (overrides: Partial<BigQueryConfig> = {}): Promise<Store> => {
      const config = { ...emulatorBigQueryConfig(emulator.get()), ...overrides };
      const store = await openBigQueryStore(config, { now: () => INGEST_TIME });
      opened.push({ store, config });
      return store;
    };
    afterAll(async () => {
      for (const { store, config } of opened.splice(0)) {
        await store.close();
        await deleteDataset(createBigQueryConnection(config), BIGQUERY_VIEWS);
      }
    });

    describe.each(['storage_write', 'insert_all'] as const)('write_method %s', (writeMethod) => {
      let store: Store;
      beforeAll(async () => {
        store = await open({ writeMethod });
      });

      it('reads flows back equal: nulls, 64-bit counts, microsecond instants, address hex', async () => {
        const flows = sampleFlows();
        await store.writeFlows(flows);
        const stored = await store.listFlows();
        const expected = flows.map(({ samplingRate: _rate, countsEstimated: _estimated, ...flow }) => ({
          ...flow,
          ingestedAt: INGEST_TIME,
        }));
        expect([...stored].sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected);
        const raw = await store.query(
          'SELECT id, src_bytes, src_addr_num, dst_addr_num, sampling_rate, counts_estimated, inner_vlan FROM flows ORDER BY id',
        );
        expect(raw.rows).toEqual([
          {
            id: 'v4',
            src_bytes: 1_840,
            src_addr_num: '00000000000000000000ffffc0a80114',
            dst_addr_num: '00000000000000000000ffffcb007109',
            sampling_rate: 1,
            counts_estimated: false,
            inner_vlan: null,
          },
          {
            id: 'v6',
            src_bytes: 2 ** 50 + 3,
            src_addr_num: '20010db8000000000000000000000020',
            dst_addr_num: '20010db8000100000000000000000009',
            sampling_rate: 4_000_000_000,
            counts_estimated: true,
            inner_vlan: null,
          },
        ]);
      });

      it('reads DNS answers back equal, with the address number only for A and AAAA', async () => {
        const records = sampleDns();
        await store.writeDns(records);
        const stored = await store.listDns();
        const expected = records.map((record) => ({ ...record, ingestedAt: INGEST_TIME }));
        const bySeen = (a: DnsRecord, b: DnsRecord): number => a.seenAt - b.seenAt;
        expect([...stored].sort(bySeen)).toEqual([...expected].sort(bySeen));
        const numbers = await store.query('SELECT answer, answer_addr_num FROM dns ORDER BY seen_at');
        expect(numbers.rows).toEqual([
          { answer: '2001:db8::53', answer_addr_num: '20010db8000000000000000000000053' },
          { answer: 'edge.example.net', answer_addr_num: null },
          { answer: '93.184.216.34', answer_addr_num: '00000000000000000000ffff5db8d822' },
        ]);
      });
    });

    it('stores nothing of a batch when a later request of it is refused, and the next batch whole', async () => {
      const config = { ...emulatorBigQueryConfig(emulator.get()) };
      const store = await open(config);
      const writer = new StorageWriter({
        project: config.project!,
        dataset: config.dataset!,
        keyFile: null,
        storageEndpoint: config.storageEndpoint!,
        timestampsAsText: true,
      });
      try {
        const rows = ['a', 'b', 'c', 'd'].map((id) => flowRow(buildFlow({ id }), INGEST_TIME));
        // A required column left out: BigQuery refuses the row (a row error of its append); the
        // emulator refuses the whole request ("required field root.protocol not set"). Either way the
        // pending stream is never committed.
        const refused = { ...rows[3]!, protocol: null };
        const size = encodedSizeBound(rows[0]!);
        const batch = [rows[0]!, rows[1]!, rows[2]!, refused];
        expect([...requestChunks(batch, size * 2)].length).toBe(2);
        await expect(writer.write(FLOWS, batch, { maxRequestBytes: size * 2 })).rejects.toMatchObject({
          code: 'STORE_BIGQUERY_FAILED',
          message: expect.stringContaining('protocol') as unknown,
        });
        expect((await store.query('SELECT COUNT(*) AS n FROM flows')).rows).toEqual([{ n: 0 }]);
        await writer.write(FLOWS, rows, { maxRequestBytes: size * 2 });
        const ids = await store.query('SELECT id FROM flows ORDER BY id');
        expect(ids.rows.map((row) => row['id'])).toEqual(['a', 'b', 'c', 'd']);
      } finally {
        await writer.close();
      }
    });

    it('talks to the emulator on loopback only: no credential lookup, no metadata server', async () => {
      const store = await open();
      const targets = new Set<string>();
      const lookups: string[] = [];
      const onSocket = (message: unknown): void => {
        const socket = (message as { socket: Socket }).socket;
        socket.once('connect', () => targets.add(`${socket.remoteAddress}:${socket.remotePort}`));
        socket.once('lookup', (_error: unknown, _address: unknown, _family: unknown, host: string) =>
          lookups.push(host),
        );
      };
      subscribe('net.client.socket', onSocket);
      try {
        await store.writeFlows([buildFlow({ id: 'local' })]);
      } finally {
        unsubscribe('net.client.socket', onSocket);
      }
      const grpcPort = emulator.get().storageEndpoint.split(':')[1];
      expect(targets).toContain(`127.0.0.1:${grpcPort}`);
      for (const target of targets) expect(target).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(lookups).toEqual([]);
      expect((await store.listFlows()).map((flow) => flow.id)).toEqual(['local']);
    });

    it('says the Storage Write API was refused, and how to enable it or fall back, when BigQuery refuses it', async () => {
      // A gRPC server on loopback that answers as BigQuery does for a project without the API enabled.
      const server = new grpc.Server();
      const refuse: grpc.handleUnaryCall<Buffer, Buffer> = (_call, callback) => {
        callback({
          code: grpc.status.PERMISSION_DENIED,
          details:
            'BigQuery Storage API has not been used in project yamori-test before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/bigquerystorage.googleapis.com/overview?project=yamori-test then retry.',
        });
      };
      const raw = (buffer: Buffer): Buffer => buffer;
      server.addService(
        {
          CreateWriteStream: {
            path: '/google.cloud.bigquery.storage.v1.BigQueryWrite/CreateWriteStream',
            requestStream: false,
            responseStream: false,
            requestSerialize: raw,
            requestDeserialize: raw,
            responseSerialize: raw,
            responseDeserialize: raw,
          },
        },
        { CreateWriteStream: refuse },
      );
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      try {
        const store = await open({ storageEndpoint: `127.0.0.1:${port}` });
        const failure = store.writeFlows([buildFlow({ id: 'refused' })]);
        await expect(failure).rejects.toMatchObject({
          code: 'STORE_BIGQUERY_WRITE_API_REFUSED',
          message: expect.stringMatching(/has not been used.*Nothing of the batch was stored/) as unknown,
          hint: expect.stringMatching(
            /bigquerystorage\.googleapis\.com.*write_method: insert_all/,
          ) as unknown,
        });
        expect((await store.query('SELECT COUNT(*) AS n FROM flows')).rows).toEqual([{ n: 0 }]);
      } finally {
        server.forceShutdown();
      }
    });
  },
);
