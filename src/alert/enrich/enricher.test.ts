import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDnsResponse } from '../../capture/sample/dns-message.js';
import type { EnrichConfig } from '../../config/index.js';
import { decodeDnsMessage } from '../../decode/index.js';
import { buildDeviceObservation, openMemoryStore } from '../../store/testing.js';
import { createEnricher, type Enricher } from './enricher.js';
import { openGeoData, type GeoData } from './geo-data.js';

const BASE: EnrichConfig = {
  geoip: true,
  reverseDns: false,
  dnsServers: [],
  reverseDnsTimeoutMs: 1_000,
  cacheSize: 100,
  cacheTtlS: 3_600,
  homeNetworks: ['192.168.0.0/16', 'fd00::/8'],
};

/** A DNS server on 127.0.0.1 that answers PTR questions from a table and counts what it was asked. */
interface PtrServer {
  address: string;
  questions: string[];
  /** Names it does not answer at all (so the client times out). */
  silent: Set<string>;
  close(): Promise<void>;
}

async function startPtrServer(names: Record<string, string>): Promise<PtrServer> {
  const socket: Socket = createSocket('udp4');
  const server: PtrServer = {
    address: '',
    questions: [],
    silent: new Set(),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (bytes, peer) => {
    const query = decodeDnsMessage(bytes);
    const question = query?.questions[0];
    if (!query || !question) return;
    server.questions.push(question.name);
    if (server.silent.has(question.name)) return;
    const target = question.typeName === 'PTR' ? names[question.name] : undefined;
    const response = buildDnsResponse({
      id: query.id,
      question: { name: question.name, type: 'PTR' },
      answers: target ? [{ name: question.name, ttl: 300, data: { type: 'PTR', target } }] : [],
      rcode: target ? 'NOERROR' : 'NXDOMAIN',
    });
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  server.address = `127.0.0.1:${socket.address().port}`;
  return server;
}

let geoData: GeoData;
let loads = 0;
const openCounted = (): Promise<GeoData> => {
  loads++;
  return Promise.resolve(geoData);
};

beforeAll(async () => {
  geoData = await openGeoData();
}, 60_000);

let enricher: Enricher | undefined;
afterEach(() => {
  enricher?.close();
  loads = 0;
});

describe('createEnricher with the open data packages', () => {
  // Long-standing allocations: the organisations have held these blocks for over a decade.
  it.each([
    ['8.8.8.8', 15169, /google/i, 'US'],
    ['9.9.9.9', 19281, /quad9/i, 'US'],
    ['193.0.6.139', 3333, /RIPE/, 'NL'],
    ['17.253.144.10', 714, /apple/i, 'US'],
    ['2001:4860:4860::8888', 15169, /google/i, 'US'],
    ['2001:67c:2e8:22::c100:68b', 3333, /RIPE/, 'NL'],
  ] as const)('knows %s: AS%i, country %s', async (addr, asn, org, country) => {
    enricher = createEnricher(BASE, { openGeoData: openCounted });
    const facts = await enricher.enrich(addr);
    expect(facts).toMatchObject({ asn, country, ptr: null });
    expect(facts.asOrg).toMatch(org);
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address', async () => {
    enricher = createEnricher(BASE, { openGeoData: openCounted });
    expect(await enricher.enrich('::ffff:8.8.4.4')).toMatchObject({ asn: 15169, country: 'US' });
  });

  it.each([
    '192.168.1.1',
    '10.0.0.1',
    '127.0.0.1',
    '169.254.1.1',
    'fd00::1',
    'fe80::1',
    '::1',
    '203.0.113.9',
    'not-an-ip',
  ])('never looks up %s (private, reserved, or not an address)', async (addr) => {
    enricher = createEnricher(BASE, { openGeoData: openCounted });
    expect(await enricher.enrich(addr)).toEqual({ asn: null, asOrg: null, country: null, ptr: null });
    expect(loads).toBe(0);
  });

  it('never looks up an address on a configured home network, even a public one', async () => {
    enricher = createEnricher({ ...BASE, homeNetworks: ['8.8.8.0/24'] }, { openGeoData: openCounted });
    expect(await enricher.enrich('8.8.8.8')).toMatchObject({ asn: null, country: null });
    expect(await enricher.enrich('8.8.4.4')).toMatchObject({ asn: 15169 });
  });

  it('loads the data once, on the first public address, and not at all with geoip off', async () => {
    enricher = createEnricher(BASE, { openGeoData: openCounted });
    expect(loads).toBe(0);
    await Promise.all([enricher.enrich('8.8.8.8'), enricher.enrich('1.1.1.1'), enricher.enrich('9.9.9.9')]);
    expect(loads).toBe(1);
    enricher.close();
    loads = 0;
    enricher = createEnricher({ ...BASE, geoip: false }, { openGeoData: openCounted });
    expect(await enricher.enrich('8.8.8.8')).toEqual({ asn: null, asOrg: null, country: null, ptr: null });
    expect(loads).toBe(0);
  });

  it('leaves the facts empty and warns once when the data cannot be opened', async () => {
    const warnings: string[] = [];
    const log = {
      warn: (message: string) => warnings.push(message),
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warnLimited: () => undefined,
      counts: () => new Map<string, number>(),
    };
    enricher = createEnricher(BASE, {
      openGeoData: () => openGeoData({ countryMmdb: '/nonexistent.mmdb', asn: { ipv4: '/x', ipv6: '/y' } }),
      log,
    });
    expect(await enricher.enrich('8.8.8.8')).toEqual({ asn: null, asOrg: null, country: null, ptr: null });
    expect(await enricher.enrich('1.1.1.1')).toEqual({ asn: null, asOrg: null, country: null, ptr: null });
    expect(warnings).toEqual(['enrichment data unavailable, ASN and country stay empty']);
  });
});

describe('createEnricher reverse DNS', () => {
  let server: PtrServer;
  beforeAll(async () => {
    server = await startPtrServer({
      '8.8.8.8.in-addr.arpa': 'dns.google',
      '8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa': 'dns.google',
      '1.1.1.1.in-addr.arpa': 'one.one.one.one',
    });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    server.questions.length = 0;
    server.silent.clear();
  });

  const withDns = (overrides: Partial<EnrichConfig> = {}): EnrichConfig => ({
    ...BASE,
    reverseDns: true,
    dnsServers: [server.address],
    ...overrides,
  });

  it('asks only the configured resolver, and adds the name beside ASN and country', async () => {
    enricher = createEnricher(withDns(), { openGeoData: openCounted });
    expect(await enricher.enrich('8.8.8.8')).toEqual({
      asn: 15169,
      asOrg: 'Google LLC',
      country: 'US',
      ptr: 'dns.google',
    });
    expect(await enricher.enrich('2001:4860:4860::8888')).toMatchObject({ ptr: 'dns.google' });
    expect(await enricher.enrich('9.9.9.9')).toMatchObject({ asn: 19281, ptr: null });
    expect(server.questions).toEqual([
      '8.8.8.8.in-addr.arpa',
      '8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa',
      '9.9.9.9.in-addr.arpa',
    ]);
  });

  it('asks nothing while reverse_dns is off (the default)', async () => {
    enricher = createEnricher({ ...withDns(), reverseDns: false }, { openGeoData: openCounted });
    expect(await enricher.enrich('8.8.8.8')).toMatchObject({ asn: 15169, ptr: null });
    expect(server.questions).toEqual([]);
  });

  it('asks nothing about private addresses', async () => {
    enricher = createEnricher(withDns(), { openGeoData: openCounted });
    await enricher.enrich('192.168.1.10');
    await enricher.enrich('fe80::1');
    expect(server.questions).toEqual([]);
  });

  it('reuses an answer until the cache TTL passes, then asks again', async () => {
    let nowMs = 1_000_000;
    enricher = createEnricher(withDns({ cacheTtlS: 60 }), { openGeoData: openCounted, now: () => nowMs });
    await enricher.enrich('1.1.1.1');
    nowMs += 59_000;
    expect(await enricher.enrich('1.1.1.1')).toMatchObject({ ptr: 'one.one.one.one' });
    expect(server.questions).toHaveLength(1);
    nowMs += 2_000;
    expect(await enricher.enrich('1.1.1.1')).toMatchObject({ ptr: 'one.one.one.one' });
    expect(server.questions).toHaveLength(2);
  });

  it('keeps at most cache_size addresses, dropping the least recently used', async () => {
    enricher = createEnricher(withDns({ cacheSize: 2 }), { openGeoData: openCounted });
    for (const addr of ['8.8.8.8', '1.1.1.1', '8.8.8.8', '9.9.9.9', '8.8.8.8', '1.1.1.1'])
      await enricher.enrich(addr);
    // 1.1.1.1 was the least recently used when 9.9.9.9 arrived, so it is asked twice; 8.8.8.8 once.
    expect(server.questions.filter((q) => q.startsWith('8.8.8.8.'))).toHaveLength(1);
    expect(server.questions.filter((q) => q.startsWith('1.1.1.1.'))).toHaveLength(2);
  });

  it('gives up on a resolver that does not answer within the timeout', async () => {
    server.silent.add('8.8.8.8.in-addr.arpa');
    enricher = createEnricher(withDns({ reverseDnsTimeoutMs: 300 }), { openGeoData: openCounted });
    const started = Date.now();
    expect(await enricher.enrich('8.8.8.8')).toMatchObject({ asn: 15169, ptr: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.questions).toEqual(['8.8.8.8.in-addr.arpa']);
  });

  it('refuses a resolver that is not an address', () => {
    expect(() => createEnricher(withDns({ dnsServers: ['resolver.example'] }))).toThrow(
      expect.objectContaining({ code: 'ENRICH_DNS_SERVER_INVALID' }),
    );
  });
});

describe('createEnricher describeRemote and describeDevice', () => {
  it('describes the remote side as notifiers show it', async () => {
    enricher = createEnricher(BASE, { openGeoData: openCounted });
    expect(await enricher.describeRemote('8.8.8.8', ['dns.google'])).toEqual({
      addr: '8.8.8.8',
      names: ['dns.google'],
      asn: 15169,
      asOrg: 'Google LLC',
      country: 'US',
      ptr: null,
    });
  });

  it('names a device by hostname, else vendor, else MAC, from the store', async () => {
    const store = await openMemoryStore();
    try {
      await store.observeDevices([
        buildDeviceObservation({
          mac: 'f4:f5:d8:01:02:03',
          addr: '192.168.1.20',
          hostname: 'living-room-tv',
        }),
        buildDeviceObservation({ mac: 'f4:f5:d8:0a:0b:0c', addr: '192.168.1.21' }),
      ]);
      enricher = createEnricher(BASE, { listDevices: (filter) => store.listDevices(filter) });
      const tv = await enricher.describeDevice({ mac: null, addr: '192.168.1.20' });
      expect(tv).toMatchObject({
        mac: 'f4:f5:d8:01:02:03',
        name: 'living-room-tv',
        addresses: ['192.168.1.20'],
      });
      expect(tv?.vendor).toMatch(/google/i);
      const unnamed = await enricher.describeDevice({ mac: 'F4:F5:D8:0A:0B:0C', addr: null });
      expect(unnamed).toMatchObject({ mac: 'f4:f5:d8:0a:0b:0c', name: tv?.vendor });
      expect(await enricher.describeDevice({ mac: null, addr: '192.168.1.99', name: null })).toEqual({
        mac: null,
        name: '192.168.1.99',
        vendor: null,
        addresses: ['192.168.1.99'],
      });
      expect(await enricher.describeDevice({ mac: null, addr: null })).toBeNull();
    } finally {
      await store.close();
    }
  });
});
