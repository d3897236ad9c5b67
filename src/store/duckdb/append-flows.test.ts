import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packFlows, type DnsRecord, type FlowRecord } from '../../records/index.js';
import { addressToNumber } from '../address-number.js';
import type { Store } from '../store.js';
import { buildDnsRecord, buildFlow, FLOW_OPTIONALS_NULL, openMemoryStore, TEST_EPOCH } from '../testing.js';

// Every column as text, so values past 2^53 and 128-bit numbers compare exactly.
const FLOW_TEXT = `SELECT id, protocol, src_addr, dst_addr, src_port::VARCHAR AS src_port, dst_port::VARCHAR AS dst_port,
  epoch_us(first_seen_at)::VARCHAR AS first_seen_at, epoch_us(last_seen_at)::VARCHAR AS last_seen_at,
  src_bytes::VARCHAR AS src_bytes, dst_bytes::VARCHAR AS dst_bytes, src_packets::VARCHAR AS src_packets,
  dst_packets::VARCHAR AS dst_packets, status, ip_proto::VARCHAR AS ip_proto, ip_version::VARCHAR AS ip_version,
  src_payload_bytes::VARCHAR AS src_payload_bytes, dst_payload_bytes::VARCHAR AS dst_payload_bytes,
  end_reason, community_id, sensor, interface, src_mac, dst_mac, vlan::VARCHAR AS vlan,
  inner_vlan::VARCHAR AS inner_vlan, direction, server_name, dns_name, ja3, ja4, tls_cert_sha1, tls_version,
  alpn, src_tcp_flags::VARCHAR AS src_tcp_flags, dst_tcp_flags::VARCHAR AS dst_tcp_flags,
  epoch_us(ingested_at)::VARCHAR AS ingested_at, src_addr_num::VARCHAR AS src_addr_num,
  dst_addr_num::VARCHAR AS dst_addr_num, sampling_rate::VARCHAR AS sampling_rate,
  counts_estimated::VARCHAR AS counts_estimated
  FROM flows ORDER BY id`;

const INGESTED_AT = TEST_EPOCH + 987_654_321;

// BigInt spells whole numbers past 2^53 digit for digit (String(2 ** 62) rounds).
const text = (value: number | null | undefined): string | null =>
  value === null || value === undefined ? null : BigInt(value).toString();

/** The row FLOW_TEXT should give back for a flow. */
function expectedRow(f: FlowRecord): Record<string, string | null> {
  return {
    id: f.id,
    protocol: f.protocol,
    src_addr: f.srcAddr,
    dst_addr: f.dstAddr,
    src_port: text(f.srcPort),
    dst_port: text(f.dstPort),
    first_seen_at: text(f.firstSeenAt),
    last_seen_at: text(f.lastSeenAt),
    src_bytes: text(f.srcBytes),
    dst_bytes: text(f.dstBytes),
    src_packets: text(f.srcPackets),
    dst_packets: text(f.dstPackets),
    status: f.status,
    ip_proto: text(f.ipProto),
    ip_version: text(f.ipVersion),
    src_payload_bytes: text(f.srcPayloadBytes),
    dst_payload_bytes: text(f.dstPayloadBytes),
    end_reason: f.endReason,
    community_id: f.communityId,
    sensor: f.sensor,
    interface: f.interface,
    src_mac: f.srcMac,
    dst_mac: f.dstMac,
    vlan: text(f.vlan),
    inner_vlan: text(f.innerVlan),
    direction: f.direction,
    server_name: f.serverName,
    dns_name: f.dnsName,
    ja3: f.ja3,
    ja4: f.ja4,
    tls_cert_sha1: f.tlsCertSha1,
    tls_version: f.tlsVersion,
    alpn: f.alpn,
    src_tcp_flags: text(f.srcTcpFlags),
    dst_tcp_flags: text(f.dstTcpFlags),
    ingested_at: text(INGESTED_AT),
    src_addr_num: addressToNumber(f.srcAddr)?.toString() ?? null,
    dst_addr_num: addressToNumber(f.dstAddr)?.toString() ?? null,
    sampling_rate: text(f.samplingRate ?? 1),
    counts_estimated: String(f.countsEstimated ?? false),
  };
}

/** Flows at the edges of every column, each id sorting in the order written. */
function edgeFlows(): FlowRecord[] {
  const id = (n: number): string => `flow-${String(n).padStart(5, '0')}`;
  return [
    buildFlow({ id: id(0), ...FLOW_OPTIONALS_NULL }),
    buildFlow({
      id: id(1),
      protocol: 'udp',
      ipProto: 255,
      ipVersion: 6,
      srcAddr: 'fe80::1%eth0',
      dstAddr: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      srcPort: 65535,
      dstPort: 0,
      firstSeenAt: TEST_EPOCH + 1,
      lastSeenAt: TEST_EPOCH + 999_999,
      srcBytes: Number.MAX_SAFE_INTEGER,
      dstBytes: 2 ** 62,
      srcPackets: 2 ** 32,
      dstPackets: 2 ** 32 - 1,
      srcPayloadBytes: 0,
      dstPayloadBytes: 4_294_967_297,
      vlan: 4095,
      innerVlan: 65535,
      srcTcpFlags: 255,
      dstTcpFlags: 0,
      samplingRate: 4_294_967_295,
      countsEstimated: true,
    }),
    buildFlow({
      id: id(2),
      srcAddr: '0.0.0.0',
      dstAddr: '255.255.255.255',
      firstSeenAt: 0,
      lastSeenAt: 1,
      // 12 bytes inline, 13 out of line, non-ASCII both short and long.
      interface: 'abcdefghijkl',
      sensor: 'abcdefghijklm',
      serverName: 'bücher.de',
      dnsName: 'ünïcödé-names-are-longer-than-twelve.example',
      ja3: '',
      alpn: 'h3',
    }),
    buildFlow({
      id: id(3),
      srcAddr: 'not-an-address',
      dstAddr: '::ffff:203.0.113.9',
      ...FLOW_OPTIONALS_NULL,
    }),
    buildFlow({ id: id(4), srcAddr: '2001:db8::1', dstAddr: '10.0.0.1', samplingRate: 100 }),
    // Text that looks nearly like IPv4: the numbers must be addressToNumber's (null for all but one).
    ...[
      ['01.2.3.4', '1.2.3'],
      ['1.2.3.4.5', '256.1.1.1'],
      ['1.2.3.4 ', '.1.2.3'],
      ['1..2.3', '100.64.0.255'],
    ].map(([srcAddr, dstAddr], i) => buildFlow({ id: id(5 + i), srcAddr, dstAddr })),
  ];
}

/** More than two chunks (2048 rows each), with nulls placed across 32- and 64-bit validity words. */
function manyFlows(count: number): FlowRecord[] {
  return Array.from({ length: count }, (_, i) =>
    buildFlow({
      id: `many-${String(i).padStart(6, '0')}`,
      srcAddr: i % 3 === 0 ? `2001:db8::${(i % 65536).toString(16)}` : `192.168.${i % 256}.${(i * 7) % 256}`,
      srcPort: i % 65536,
      firstSeenAt: TEST_EPOCH + i * 1_000_001,
      lastSeenAt: TEST_EPOCH + i * 1_000_001 + 7,
      srcBytes: i * 1_000_003,
      interface: i % 31 === 0 || i % 64 === 63 ? null : `eth${i % 4}`,
      vlan: i % 5 === 0 ? null : i % 4096,
      // Long values that repeat within a chunk share the first row's string (chunk-writer.ts).
      serverName:
        i % 2 === 0 ? null : i % 3 === 0 ? 'a-shared-long-name.example.com' : `host-${i}.example.com`,
      dnsName: i % 4 === 1 ? `ünïcödé-${i % 3}.example` : null,
      ja4: i === 2047 || i === 2048 ? null : 't13d1516h2_8daaf6152771_b0da82dd1658',
    }),
  );
}

describe('FlowAppender', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore({ now: () => INGESTED_AT });
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores edge values exactly: nulls in every nullable column, maximum ports and counts, IPv4 and IPv6 numbers, microseconds', async () => {
    const flows = edgeFlows();
    await store.writeFlows(flows);
    const rows = (await store.query(FLOW_TEXT)).rows;
    expect(rows).toEqual(flows.map(expectedRow));
    // The address numbers above come from addressToNumber; pin a few by hand as well.
    expect(rows[1]?.dst_addr_num).toBe(((1n << 128n) - 1n).toString());
    expect(rows[2]?.src_addr_num).toBe((0xffffn << 32n).toString());
    expect(rows[3]?.src_addr_num).toBeNull();
    expect(rows[3]?.dst_addr_num).toBe(rows[0]?.dst_addr_num);
  });

  it('stores batches spanning several chunks row for row, and reads them back through listFlows', async () => {
    const flows = manyFlows(4300);
    await store.writeFlows(flows.slice(0, 10));
    await store.writeFlows(flows.slice(10));
    expect((await store.query(FLOW_TEXT)).rows).toEqual(flows.map(expectedRow));
    const read = await store.listFlows({ limit: 10_000 });
    const byId = new Map(read.map((f) => [f.id, f]));
    expect(read).toHaveLength(flows.length);
    for (const f of [flows[0]!, flows[31]!, flows[2047]!, flows[2048]!, flows[4299]!]) {
      expect(byId.get(f.id)).toEqual({ ...f, ingestedAt: INGESTED_AT });
    }
  });

  it('stores packed flows (writeFlowSlices) exactly as writeFlows does, from slices that start and end inside batches', async () => {
    const edge = edgeFlows();
    const edgeBatch = packFlows(edge);
    // Row 0 has every optional text null: row 1's text starts after its last non-null one.
    await store.writeFlowSlices!([{ batch: edgeBatch, from: 0, to: 1 }]);
    await store.writeFlowSlices!([{ batch: edgeBatch, from: 1, to: edge.length }]);
    expect((await store.query(FLOW_TEXT)).rows).toEqual(edge.map(expectedRow));
  });

  it('stores packed slices across batches and chunks in one write, row for row', async () => {
    const many = manyFlows(4300);
    const first = packFlows(many.slice(0, 1000));
    const second = packFlows(many.slice(1000));
    await store.writeFlowSlices!([{ batch: first, from: 0, to: 10 }]);
    // Across two batches and past two chunks of 2048 rows in one write.
    await store.writeFlowSlices!([
      { batch: first, from: 10, to: 1000 },
      { batch: second, from: 0, to: 3300 },
    ]);
    expect((await store.query(FLOW_TEXT)).rows).toEqual(many.map(expectedRow));
  });

  it('refuses a packed batch with a value a column cannot hold, and writes none of it', async () => {
    const flows = manyFlows(3000);
    flows[2500] = { ...flows[2500]!, srcBytes: 1.5 };
    const batch = packFlows(flows);
    await expect(store.writeFlowSlices!([{ batch, from: 0, to: batch.count }])).rejects.toMatchObject({
      code: 'STORE_WRITE_FAILED',
    });
    expect(await store.countFlows()).toBe(0);
  });

  it.each([
    ['a fraction in a count', { srcBytes: 1.5 }],
    ['NaN in a count', { dstPackets: Number.NaN }],
    ['a count past BIGINT', { srcBytes: 2 ** 64 }],
    ['a port past INTEGER', { srcPort: 2 ** 31 }],
    ['a protocol number past UTINYINT', { ipProto: 256 }],
    ['a negative VLAN', { vlan: -1 }],
    ['a fractional timestamp', { firstSeenAt: TEST_EPOCH + 0.5 }],
  ] satisfies [string, Partial<FlowRecord>][])(
    'refuses %s, writes none of the batch, and writes the next batch whole',
    async (_name, bad) => {
      const flows = manyFlows(3000);
      flows[2500] = { ...flows[2500]!, ...bad };
      await expect(store.writeFlows(flows)).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
      expect(await store.countFlows()).toBe(0);
      const good = edgeFlows();
      await store.writeFlows(good);
      expect((await store.query(FLOW_TEXT)).rows).toEqual(good.map(expectedRow));
    },
  );
});

describe('DnsAppender', () => {
  it('stores answers exactly, with an address number for A and AAAA answers only', async () => {
    const store = await openMemoryStore({ now: () => INGESTED_AT });
    try {
      const records: DnsRecord[] = [
        buildDnsRecord({ seenAt: TEST_EPOCH + 1 }),
        buildDnsRecord({ answerType: 'AAAA', answer: '2001:db8::53', ttl: 4_294_967_295 }),
        buildDnsRecord({ answerType: 'CNAME', answer: 'a-long-canonical-name.example.net' }),
        buildDnsRecord({ queryName: 'ünïcödé.example', answerName: 'ünïcödé.example', rcode: 'NXDOMAIN' }),
        ...Array.from({ length: 3000 }, (_, i) =>
          buildDnsRecord({ seenAt: TEST_EPOCH + i, answer: `10.${i % 256}.0.${i % 200}` }),
        ),
      ];
      await store.writeDns(records);
      const rows = (
        await store.query(
          `SELECT epoch_us(seen_at)::VARCHAR AS seen_at, client_addr, server_addr, query_name, answer_name,
             answer_type, answer, ttl::VARCHAR AS ttl, rcode, transport, sensor,
             epoch_us(ingested_at)::VARCHAR AS ingested_at, answer_addr_num::VARCHAR AS answer_addr_num
           FROM dns ORDER BY rowid`,
        )
      ).rows;
      expect(rows).toEqual(
        records.map((r) => ({
          seen_at: String(r.seenAt),
          client_addr: r.clientAddr,
          server_addr: r.serverAddr,
          query_name: r.queryName,
          answer_name: r.answerName,
          answer_type: r.answerType,
          answer: r.answer,
          ttl: String(r.ttl),
          rcode: r.rcode,
          transport: r.transport,
          sensor: r.sensor,
          ingested_at: String(INGESTED_AT),
          answer_addr_num:
            r.answerType === 'A' || r.answerType === 'AAAA'
              ? (addressToNumber(r.answer)?.toString() ?? null)
              : null,
        })),
      );
    } finally {
      await store.close();
    }
  });
});
