import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_HOME_NETWORKS } from '../config/index.js';
import type {
  DeviceObservation,
  DnsRecord,
  EpochMicros,
  FlowDirection,
  FlowRecord,
  IndicatorDraft,
  IndicatorType,
} from '../records/index.js';
import { addressToNumber, cidrToRange, type AllowlistEntry, type Store } from '../store/index.js';
import type { FixtureRow } from './fixture-rows.js';
import { writeDnsResolvers } from './detect-settings.js';
import type { FixtureTables } from './rule-tests.js';

/** The store's clock while fixtures load: each batch is stamped with the time it "arrived". */
export interface FixtureClock {
  now: EpochMicros;
}

const SECOND = 1_000_000;
const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmp6: 58, sctp: 132 };
const HOME = DEFAULT_HOME_NETWORKS.map((cidr) => cidrToRange(cidr)!);

/**
 * Writes fixture tables through the store's own write paths, so a rule test sees rows exactly as
 * capture and feeds leave them. Flows and DNS answers are written in batches by `ingested_at` (default:
 * when the flow ended), with the store clock set to it; indicators become feed snapshots at every
 * start and end of a listing period; devices become observations at their first and last sighting.
 */
export async function loadFixtures(
  store: Store,
  clock: FixtureClock,
  tables: FixtureTables,
  now: EpochMicros,
): Promise<void> {
  const settings = tables['settings']?.[0];
  const grace = settings?.['intel.grace_period_h'];
  if (typeof grace === 'number') await store.setIndicatorGracePeriod(grace);
  const domainMatch = Object.entries(settings ?? {}).filter(([key]) => key.startsWith('intel.domain_match.'));
  if (domainMatch.length > 0) {
    await store.replaceSettings(
      'intel.domain_match.',
      Object.fromEntries(domainMatch.map(([key, value]) => [key, String(value)])),
    );
  }
  const resolvers = settings?.['detect.dns_resolvers'];
  if (Array.isArray(resolvers)) await writeDnsResolvers(store, resolvers);
  if (tables['allowlist']) await store.setAllowlist(tables['allowlist'].map(allowlistEntry));
  if (tables['devices'])
    await store.observeDevices(tables['devices'].flatMap((row) => observations(row, now)));
  await writeIndicators(store, tables['indicators'] ?? [], now);
  const flows = (tables['flows'] ?? []).map((row, index) => flowRecord(row, index, now));
  await writeByArrival(clock, flows, (batch) => store.writeFlows(batch.map((f) => f.record)));
  const dns = (tables['dns'] ?? []).map((row) => dnsRecord(row, now));
  await writeByArrival(clock, dns, (batch) => store.writeDns(batch.map((d) => d.record)));
}

async function writeByArrival<T extends { ingestedAt: EpochMicros }>(
  clock: FixtureClock,
  rows: readonly T[],
  write: (batch: T[]) => Promise<void>,
): Promise<void> {
  const batches = new Map<EpochMicros, T[]>();
  for (const row of rows) batches.set(row.ingestedAt, [...(batches.get(row.ingestedAt) ?? []), row]);
  const saved = clock.now;
  for (const at of [...batches.keys()].sort((a, b) => a - b)) {
    clock.now = at;
    await write(batches.get(at)!);
  }
  clock.now = saved;
}

const text = (row: FixtureRow, column: string): string | null => {
  const value = row[column];
  return typeof value === 'string' ? value : null;
};
const int = (row: FixtureRow, column: string): number | null => {
  const value = row[column];
  return typeof value === 'number' ? value : null;
};

function flowRecord(
  row: FixtureRow,
  index: number,
  now: EpochMicros,
): { record: FlowRecord; ingestedAt: EpochMicros } {
  const srcAddr = text(row, 'src_addr') ?? '192.168.1.20';
  const dstAddr = text(row, 'dst_addr') ?? '198.51.100.7';
  const protocol = text(row, 'protocol') ?? 'tcp';
  const ipProto = int(row, 'ip_proto') ?? PROTOCOLS[protocol] ?? 6;
  const firstSeenAt = int(row, 'first_seen_at') ?? now - 300 * SECOND;
  const lastSeenAt = int(row, 'last_seen_at') ?? firstSeenAt + SECOND;
  const isTcp = ipProto === 6;
  const srcPackets = int(row, 'src_packets') ?? 10;
  const dstPackets = int(row, 'dst_packets') ?? 12;
  const srcBytes = int(row, 'src_bytes') ?? 1_200;
  const dstBytes = int(row, 'dst_bytes') ?? 5_400;
  const record: FlowRecord = {
    id: text(row, 'id') ?? `fixture-flow-${index + 1}`,
    protocol,
    ipProto,
    ipVersion: (int(row, 'ip_version') ?? (srcAddr.includes(':') ? 6 : 4)) === 6 ? 6 : 4,
    srcAddr,
    dstAddr,
    srcPort: int(row, 'src_port') ?? 50_000,
    dstPort: int(row, 'dst_port') ?? 443,
    firstSeenAt,
    lastSeenAt,
    srcBytes,
    dstBytes,
    srcPackets,
    dstPackets,
    srcPayloadBytes: int(row, 'src_payload_bytes') ?? Math.max(0, srcBytes - 40 * srcPackets),
    dstPayloadBytes: int(row, 'dst_payload_bytes') ?? Math.max(0, dstBytes - 40 * dstPackets),
    status: (text(row, 'status') ?? 'established') as FlowRecord['status'],
    endReason: (text(row, 'end_reason') ?? 'idle_timeout') as FlowRecord['endReason'],
    communityId: text(row, 'community_id') ?? '1:fixture',
    sensor: text(row, 'sensor') ?? 'test',
    interface: text(row, 'interface'),
    srcMac: text(row, 'src_mac'),
    dstMac: text(row, 'dst_mac'),
    vlan: int(row, 'vlan'),
    innerVlan: int(row, 'inner_vlan'),
    direction: (text(row, 'direction') ?? directionOf(srcAddr, dstAddr)) as FlowDirection,
    serverName: text(row, 'server_name'),
    dnsName: text(row, 'dns_name'),
    ja3: text(row, 'ja3'),
    ja4: text(row, 'ja4'),
    tlsCertSha1: text(row, 'tls_cert_sha1'),
    tlsVersion: text(row, 'tls_version'),
    alpn: text(row, 'alpn'),
    srcTcpFlags: int(row, 'src_tcp_flags') ?? (isTcp ? 0x1b : 0),
    dstTcpFlags: int(row, 'dst_tcp_flags') ?? (isTcp ? 0x1b : 0),
    samplingRate: int(row, 'sampling_rate') ?? 1,
    countsEstimated: row['counts_estimated'] === true,
  };
  return { record, ingestedAt: int(row, 'ingested_at') ?? lastSeenAt };
}

function isHome(addr: string): boolean {
  const number = addressToNumber(addr);
  return number !== null && HOME.some((range) => number >= range.first && number <= range.last);
}

function directionOf(src: string, dst: string): FlowDirection {
  const srcHome = isHome(src);
  const dstHome = isHome(dst);
  if (srcHome && dstHome) return 'internal';
  if (srcHome) return 'outbound';
  if (dstHome) return 'inbound';
  return 'external';
}

function dnsRecord(row: FixtureRow, now: EpochMicros): { record: DnsRecord; ingestedAt: EpochMicros } {
  const seenAt = int(row, 'seen_at') ?? now - 300 * SECOND;
  const queryName = (text(row, 'query_name') ?? 'example.com').toLowerCase();
  const answer = text(row, 'answer') ?? '93.184.216.34';
  const record: DnsRecord = {
    seenAt,
    clientAddr: text(row, 'client_addr') ?? '192.168.1.20',
    serverAddr: text(row, 'server_addr') ?? '192.168.1.1',
    queryName,
    answerName: (text(row, 'answer_name') ?? queryName).toLowerCase(),
    answerType: text(row, 'answer_type') ?? (isIPv4(answer) ? 'A' : isIPv6(answer) ? 'AAAA' : 'CNAME'),
    answer,
    ttl: int(row, 'ttl') ?? 300,
    rcode: text(row, 'rcode') ?? 'NOERROR',
    transport: text(row, 'transport') === 'tcp' ? 'tcp' : 'udp',
    sensor: text(row, 'sensor') ?? 'test',
  };
  return { record, ingestedAt: int(row, 'ingested_at') ?? seenAt };
}

function observations(row: FixtureRow, now: EpochMicros): DeviceObservation[] {
  const port = int(row, 'service_port');
  const base = {
    mac: text(row, 'mac') ?? 'f4:f5:d8:01:02:03',
    addr: text(row, 'addr'),
    hostname: text(row, 'hostname'),
    vendorClass: text(row, 'vendor_class'),
    service: port === null ? null : { port, protocol: text(row, 'service_protocol') ?? 'tcp' },
    sensor: 'test',
  };
  const first = int(row, 'first_seen_at') ?? now - 86_400 * SECOND;
  const last = int(row, 'last_seen_at') ?? now - 60 * SECOND;
  return [
    { ...base, seenAt: first },
    { ...base, seenAt: last },
  ];
}

/** The indicator type a value is written as, when the row does not say. */
export function inferIndicatorType(value: string): IndicatorType {
  if (value.includes('/') && !value.includes('://')) return 'cidr';
  if (isIPv4(value)) return 'ipv4';
  if (isIPv6(value)) return 'ipv6';
  if (value.includes('://')) return 'url';
  return 'domain';
}

interface Listing {
  source: string;
  key: string;
  draft: IndicatorDraft;
  from: EpochMicros;
  until: EpochMicros | null;
}

/**
 * Each row is one listing period of an indicator; rows with the same source, type, value and port
 * are periods of one indicator. Every feed gets a complete snapshot at each instant a period of it
 * starts or ends, so the store records exactly those periods.
 */
async function writeIndicators(store: Store, rows: readonly FixtureRow[], now: EpochMicros): Promise<void> {
  const listings: Listing[] = rows.map((row) => {
    const value = (text(row, 'value') ?? '203.0.113.9').trim();
    const type = (text(row, 'type') ?? inferIndicatorType(value)) as IndicatorType;
    const normalised = type === 'domain' ? value.toLowerCase().replace(/\.$/, '') : value;
    const port = int(row, 'port');
    const draft: IndicatorDraft = {
      type,
      value: normalised,
      port,
      threat: text(row, 'threat'),
      malwareFamily: text(row, 'malware_family'),
      confidence: int(row, 'confidence'),
      tags: (row['tags'] as string[] | null | undefined) ?? [],
      reference: text(row, 'reference'),
      sourceFirstSeenAt: int(row, 'source_first_seen_at'),
      sourceLastSeenAt: int(row, 'source_last_seen_at'),
      validFrom: int(row, 'valid_from'),
      validUntil: int(row, 'valid_until'),
      revoked: false,
      raw: { fixture: true },
    };
    return {
      source: text(row, 'source') ?? 'test-feed',
      key: `${type}\u0000${normalised}\u0000${port ?? ''}`,
      draft,
      from: int(row, 'listed_from') ?? now - 3_600 * SECOND,
      until: int(row, 'listed_until'),
    };
  });
  for (const source of new Set(listings.map((l) => l.source))) {
    const ofSource = listings.filter((l) => l.source === source);
    const instants = new Set<EpochMicros>();
    for (const listing of ofSource) {
      instants.add(listing.from);
      if (listing.until !== null) instants.add(listing.until);
    }
    for (const at of [...instants].sort((a, b) => a - b)) {
      const listed = new Map<string, IndicatorDraft>();
      for (const l of ofSource)
        if (l.from <= at && (l.until === null || at < l.until)) listed.set(l.key, l.draft);
      await store.applyFeedSnapshot(source, [...listed.values()], { startedAt: at, complete: true });
    }
  }
}

function allowlistEntry(row: FixtureRow): AllowlistEntry {
  const value = text(row, 'value') ?? '';
  return {
    type: (text(row, 'type') ?? inferIndicatorType(value)) as IndicatorType,
    value,
    reason: text(row, 'reason') ?? 'allow-listed in the test',
    source: 'user',
    matchOverlapping: row['match_overlapping'] === true,
  };
}
