/**
 * Test helpers other folders' tests may use: record builders with plausible defaults and an
 * in-memory store. Not shipped (tsconfig.build.json leaves testing.ts out).
 */
import { randomUUID } from 'node:crypto';
import type {
  DeviceObservation,
  DnsRecord,
  EpochMicros,
  FlowRecord,
  IndicatorDraft,
} from '../records/index.js';
import { openDuckDbStore, type DuckDbStoreDeps } from './duckdb/duckdb-store.js';
import type { Store } from './store.js';

/** 2024-01-15T12:00:00Z, a fixed instant tests count from. */
export const TEST_EPOCH: EpochMicros = Date.UTC(2024, 0, 15, 12) * 1000;

/** Every optional field of a flow null: spread into buildFlow's overrides. */
export const FLOW_OPTIONALS_NULL = {
  interface: null,
  srcMac: null,
  dstMac: null,
  vlan: null,
  innerVlan: null,
  serverName: null,
  dnsName: null,
  ja3: null,
  ja4: null,
  tlsCertSha1: null,
  tlsVersion: null,
  alpn: null,
} satisfies Partial<FlowRecord>;

/** An outbound HTTPS flow from 192.168.1.20 to 203.0.113.9 at TEST_EPOCH; override any field. */
export function buildFlow(overrides: Partial<FlowRecord> = {}): FlowRecord {
  return {
    id: randomUUID(),
    protocol: 'tcp',
    ipProto: 6,
    ipVersion: 4,
    srcAddr: '192.168.1.20',
    dstAddr: '203.0.113.9',
    srcPort: 51234,
    dstPort: 443,
    firstSeenAt: TEST_EPOCH,
    lastSeenAt: TEST_EPOCH + 2_500_000,
    srcBytes: 1_840,
    dstBytes: 12_400,
    srcPackets: 14,
    dstPackets: 16,
    srcPayloadBytes: 1_100,
    dstPayloadBytes: 11_560,
    status: 'closed',
    endReason: 'fin',
    communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
    sensor: 'home',
    interface: 'eth0',
    srcMac: 'f4:f5:d8:01:02:03',
    dstMac: '00:11:22:33:44:55',
    vlan: null,
    innerVlan: null,
    direction: 'outbound',
    serverName: 'example.com',
    dnsName: 'example.com',
    ja3: null,
    ja4: 't13d1516h2_8daaf6152771_b0da82dd1658',
    tlsCertSha1: null,
    tlsVersion: '1.3',
    alpn: 'h2',
    srcTcpFlags: 0x1b,
    dstTcpFlags: 0x1b,
    ...overrides,
  };
}

/** An A answer for example.com given to 192.168.1.20; override any field. */
export function buildDnsRecord(overrides: Partial<DnsRecord> = {}): DnsRecord {
  return {
    seenAt: TEST_EPOCH,
    clientAddr: '192.168.1.20',
    serverAddr: '192.168.1.1',
    queryName: 'example.com',
    answerName: 'example.com',
    answerType: 'A',
    answer: '93.184.216.34',
    ttl: 300,
    rcode: 'NOERROR',
    transport: 'udp',
    sensor: 'home',
    ...overrides,
  };
}

/** A sighting of a Google-prefixed MAC at 192.168.1.20 with no name; override any field. */
export function buildDeviceObservation(overrides: Partial<DeviceObservation> = {}): DeviceObservation {
  return {
    mac: 'f4:f5:d8:01:02:03',
    addr: '192.168.1.20',
    seenAt: TEST_EPOCH,
    hostname: null,
    vendorClass: null,
    service: null,
    sensor: 'home',
    ...overrides,
  };
}

/** A Feodo-style C2 address, 203.0.113.9:443 (QakBot), first seen by the source at TEST_EPOCH; override any field. */
export function buildIndicatorDraft(overrides: Partial<IndicatorDraft> = {}): IndicatorDraft {
  return {
    type: 'ipv4',
    value: '203.0.113.9',
    port: 443,
    threat: 'botnet_cc',
    malwareFamily: 'QakBot',
    confidence: 75,
    tags: ['c2'],
    reference: 'https://feodotracker.abuse.ch/browse/host/203.0.113.9/',
    sourceFirstSeenAt: TEST_EPOCH,
    sourceLastSeenAt: null,
    validFrom: null,
    validUntil: null,
    revoked: false,
    raw: {
      first_seen_utc: '2024-01-15 12:00:00',
      dst_ip: '203.0.113.9',
      dst_port: '443',
      c2_status: 'online',
      last_online: '2024-01-15',
      malware: 'QakBot',
    },
    ...overrides,
  };
}

/** A fresh in-memory DuckDB store; close it after the test. */
export function openMemoryStore(deps: DuckDbStoreDeps = {}): Promise<Store> {
  return openDuckDbStore(
    { database: { path: ':memory:' }, maxBatchRows: 50_000, flushIntervalMs: 2_000 },
    deps,
  );
}
