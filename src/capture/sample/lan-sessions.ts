/**
 * The LAN housekeeping of the home-network script: a DHCP join or renewal, an ARP lookup, a DNS lookup
 * answered by the router, and an NTP query. Each is a generator of frames in time order that advances
 * the session's clock.
 */
import { buildDhcpMessage, buildNtpPacket } from './app-payloads.js';
import { buildDnsQuery, buildDnsResponse, type DnsResourceRecord } from './dns-message.js';
import { buildArpFrame } from './frame-builder.js';
import type { TimedFrame } from './pcap-writer.js';
import type { SeededRandom } from './seeded-random.js';
import { udpFrame, type Clock, type Peer } from './tcp-conversation.js';

const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** Placeholder TCP stack for peers that only ever send UDP. */
const NO_TCP = {
  mss: 1460,
  windowScale: 0,
  synWindow: 0,
  window: 0,
  timestamps: false,
  synOptionOrder: [],
} as const;

export interface DnsZoneEntry {
  /** CNAME chain from the queried name, in order; the addresses belong to the last name. */
  cnames?: readonly string[];
  a?: readonly string[];
  aaaa?: readonly string[];
  ttl: number;
  nxdomain?: boolean;
}

export interface LanHost {
  mac: string;
  ipv4: string;
}

export interface DhcpJoinOptions {
  device: LanHost & { hostname: string | null; vendorClass: string | null };
  router: LanHost;
  clock: Clock;
  rng: SeededRandom;
  parameterRequestList: readonly number[];
  sendClientId: boolean;
  maxMessageSize?: number;
  leaseTimeS: number;
  domain: string;
}

/** DISCOVER, OFFER, REQUEST, ACK, then the ARP for the gateway that follows every join. */
export function* dhcpJoin(options: DhcpJoinOptions): Generator<TimedFrame> {
  const { device, router, clock, rng } = options;
  const xid = rng.uint32();
  const clientPeer = (addr: string): Peer => ({ ...device, addr, port: 68, ttl: 64, stack: NO_TCP });
  const broadcast: Peer = { mac: BROADCAST_MAC, addr: '255.255.255.255', port: 67, ttl: 64, stack: NO_TCP };
  const server: Peer = { mac: router.mac, addr: router.ipv4, port: 67, ttl: 64, stack: NO_TCP };
  const toClient: Peer = { mac: device.mac, addr: device.ipv4, port: 68, ttl: 64, stack: NO_TCP };
  const common = {
    xid,
    clientMac: device.mac,
    sendClientId: options.sendClientId,
    hostname: device.hostname,
    vendorClass: device.vendorClass,
    parameterRequestList: options.parameterRequestList,
    maxMessageSize: options.maxMessageSize,
  };
  const reply = {
    xid,
    clientMac: device.mac,
    yourAddr: device.ipv4,
    serverId: router.ipv4,
    leaseTimeS: options.leaseTimeS,
    subnetMask: '255.255.255.0',
    router: router.ipv4,
    dnsServers: [router.ipv4],
    domainName: options.domain,
  };
  yield udpFrame(
    clientPeer('0.0.0.0'),
    broadcast,
    buildDhcpMessage({ type: 'DISCOVER', ...common }),
    clock.us,
    0,
    false,
  );
  clock.us += rng.int(1_000, 4_000);
  yield udpFrame(
    server,
    toClient,
    buildDhcpMessage({ type: 'OFFER', ...reply }),
    clock.us,
    rng.int(0, 0xffff),
    false,
  );
  clock.us += rng.int(5_000, 30_000);
  const request = buildDhcpMessage({
    type: 'REQUEST',
    ...common,
    secs: 1,
    requestedAddr: device.ipv4,
    serverId: router.ipv4,
  });
  yield udpFrame(clientPeer('0.0.0.0'), broadcast, request, clock.us, 0, false);
  clock.us += rng.int(1_000, 4_000);
  yield udpFrame(
    server,
    toClient,
    buildDhcpMessage({ type: 'ACK', ...reply }),
    clock.us,
    rng.int(0, 0xffff),
    false,
  );
  clock.us += rng.int(20_000, 200_000);
  yield* arpLookup(device, router, clock, rng);
}

/** A lease renewal: REQUEST unicast to the server from the address held, and the ACK. */
export function* dhcpRenew(options: DhcpJoinOptions): Generator<TimedFrame> {
  const { device, router, clock, rng } = options;
  const xid = rng.uint32();
  const client: Peer = { mac: device.mac, addr: device.ipv4, port: 68, ttl: 64, stack: NO_TCP };
  const server: Peer = { mac: router.mac, addr: router.ipv4, port: 67, ttl: 64, stack: NO_TCP };
  const request = buildDhcpMessage({
    type: 'REQUEST',
    xid,
    clientMac: device.mac,
    clientAddr: device.ipv4,
    sendClientId: options.sendClientId,
    hostname: device.hostname,
    vendorClass: device.vendorClass,
    parameterRequestList: options.parameterRequestList,
  });
  yield udpFrame(client, server, request, clock.us, rng.int(0, 0xffff), false);
  clock.us += rng.int(1_000, 4_000);
  const ack = buildDhcpMessage({
    type: 'ACK',
    xid,
    clientMac: device.mac,
    clientAddr: device.ipv4,
    yourAddr: device.ipv4,
    serverId: router.ipv4,
    leaseTimeS: options.leaseTimeS,
    subnetMask: '255.255.255.0',
    router: router.ipv4,
    dnsServers: [router.ipv4],
    domainName: options.domain,
  });
  yield udpFrame(server, client, ack, clock.us, rng.int(0, 0xffff), false);
}

/** Who-has from `asker` for `target`'s address, and the reply. */
export function* arpLookup(
  asker: LanHost,
  target: LanHost,
  clock: Clock,
  rng: SeededRandom,
): Generator<TimedFrame> {
  yield {
    timestampUs: clock.us,
    frame: buildArpFrame({
      ethernet: { srcMac: asker.mac, dstMac: BROADCAST_MAC },
      operation: 1,
      senderMac: asker.mac,
      senderAddr: asker.ipv4,
      targetMac: '00:00:00:00:00:00',
      targetAddr: target.ipv4,
    }),
  };
  clock.us += rng.int(200, 2_000);
  yield {
    timestampUs: clock.us,
    frame: buildArpFrame({
      ethernet: { srcMac: target.mac, dstMac: asker.mac },
      operation: 2,
      senderMac: target.mac,
      senderAddr: target.ipv4,
      targetMac: asker.mac,
      targetAddr: asker.ipv4,
    }),
  };
}

export interface DnsLookupOptions {
  client: Peer;
  resolver: Peer;
  clock: Clock;
  rng: SeededRandom;
  name: string;
  type: 'A' | 'AAAA';
  zone: ReadonlyMap<string, DnsZoneEntry>;
  ednsUdpSize?: number;
}

/** One query and the resolver's answer; returns the addresses answered (empty for NXDOMAIN or no data). */
export function* dnsLookup(options: DnsLookupOptions): Generator<TimedFrame, string[]> {
  const { client, resolver, clock, rng, name, type } = options;
  const id = rng.int(0, 0xffff);
  const question = { name, type };
  const query = buildDnsQuery({ id, ...question, ednsUdpSize: options.ednsUdpSize });
  yield udpFrame(client, resolver, query, clock.us, rng.int(0, 0xffff));
  const entry = options.zone.get(name);
  // Names the router has cached come back at once; others wait for the upstream resolver.
  clock.us += rng.next() < 0.4 ? rng.int(300, 1_500) : rng.int(9_000, 45_000);
  const answers: DnsResourceRecord[] = [];
  let owner = name;
  for (const cname of entry?.cnames ?? []) {
    answers.push({ name: owner, ttl: rng.int(60, 3_600), data: { type: 'CNAME', target: cname } });
    owner = cname;
  }
  const addresses = (type === 'A' ? entry?.a : entry?.aaaa) ?? [];
  for (const address of addresses) {
    answers.push({
      name: owner,
      ttl: Math.max(1, (entry?.ttl ?? 60) - rng.int(0, 30)),
      data: { type, address },
    });
  }
  const isNxdomain = !entry || entry.nxdomain === true;
  const zoneName = owner.split('.').slice(-2).join('.');
  const authority: DnsResourceRecord[] =
    addresses.length > 0 || zoneName === 'lan'
      ? []
      : [
          {
            name: zoneName,
            ttl: 900,
            data: {
              type: 'SOA',
              mname: `ns1.${zoneName}`,
              rname: `hostmaster.${zoneName}`,
              serial: 2024030101,
              refresh: 7200,
              retry: 3600,
              expire: 1209600,
              minimum: 300,
            },
          },
        ];
  const response = buildDnsResponse({
    id,
    question,
    answers,
    authority,
    rcode: isNxdomain ? 'NXDOMAIN' : 'NOERROR',
    ednsUdpSize: options.ednsUdpSize ? 1232 : undefined,
  });
  yield udpFrame(resolver, client, response, clock.us, rng.int(0, 0xffff));
  return addresses.slice();
}

export interface MdnsAnnouncementOptions {
  device: LanHost;
  clock: Clock;
  /** The service type, e.g. "_googlecast._tcp". */
  service: string;
  /** The instance name people see, e.g. "Kitchen speaker". */
  instanceName: string;
  /** The host name the service runs on, without ".local". */
  hostName: string;
  port: number;
  txt: readonly string[];
}

/**
 * An unsolicited mDNS response (RFC 6762 §8.3) to 224.0.0.251:5353, naming the service instance, its
 * SRV and TXT records and the host's address. Devices send these when they join.
 */
export function* mdnsAnnouncement(options: MdnsAnnouncementOptions): Generator<TimedFrame> {
  const { device, clock } = options;
  const serviceName = `${options.service}.local`;
  const instance = `${options.instanceName}.${serviceName}`;
  const host = `${options.hostName}.local`;
  const payload = buildDnsResponse({
    id: 0,
    authoritative: true,
    recursionAvailable: false,
    answers: [
      { name: serviceName, ttl: 120, data: { type: 'PTR', target: instance } },
      {
        name: instance,
        ttl: 120,
        cacheFlush: true,
        data: { type: 'SRV', priority: 0, weight: 0, port: options.port, target: host },
      },
      { name: instance, ttl: 4500, cacheFlush: true, data: { type: 'TXT', texts: options.txt } },
      { name: host, ttl: 120, cacheFlush: true, data: { type: 'A', address: device.ipv4 } },
    ],
  });
  const from: Peer = { mac: device.mac, addr: device.ipv4, port: 5353, ttl: 255, stack: NO_TCP };
  const group: Peer = { mac: '01:00:5e:00:00:fb', addr: '224.0.0.251', port: 5353, ttl: 255, stack: NO_TCP };
  yield udpFrame(from, group, payload, clock.us, 0, false);
}

/** An NTPv4 client request and the server's reply a round trip later. */
export function* ntpQuery(
  client: Peer,
  server: Peer,
  clock: Clock,
  rng: SeededRandom,
  rttUs: number,
): Generator<TimedFrame> {
  const sentUs = clock.us;
  yield udpFrame(
    client,
    server,
    buildNtpPacket({ mode: 'client', transmitUs: sentUs }),
    sentUs,
    rng.int(0, 0xffff),
  );
  clock.us += rttUs;
  const serverReceiveUs = sentUs + Math.floor(rttUs / 2);
  const response = buildNtpPacket({
    mode: 'server',
    stratum: 2,
    referenceId: '192.0.2.1',
    referenceUs: sentUs - rng.int(10_000_000, 900_000_000),
    originUs: sentUs,
    receiveUs: serverReceiveUs,
    transmitUs: serverReceiveUs + rng.int(5, 60),
  });
  yield udpFrame(server, client, response, clock.us, rng.int(0, 0xffff));
}
