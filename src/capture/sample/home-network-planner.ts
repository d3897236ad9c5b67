/**
 * Schedules the home network's sessions and offers the recurring kinds (DHCP join, resolve-and-visit
 * over HTTPS, HTTP, NTP) as scripts. Each scheduled session gets its own forked PRNG and its own
 * clock, so what one session draws never shifts another.
 */
import { httpVisit, httpsVisit } from './app-sessions.js';
import { HOME_NETWORK_LAYOUT, homeNetworkDevice, type HomeNetworkDevice } from './home-network-devices.js';
import {
  DEVICE_PROFILES,
  HOME_NETWORK_ZONE,
  lanPeer,
  remotePeer,
  type DeviceProfile,
} from './home-network-hosts.js';
import { dhcpJoin, dnsLookup, ntpQuery } from './lan-sessions.js';
import type { TimedFrame } from './pcap-writer.js';
import type { SeededRandom } from './seeded-random.js';
import type { Session } from './session-scheduler.js';
import { TcpConversation, type Clock, type Peer } from './tcp-conversation.js';

/** One session's behaviour, run from its start time with its own clock and PRNG. */
export type Script = (clock: Clock, rng: SeededRandom) => Generator<TimedFrame, unknown>;

export class HomeNetworkPlanner {
  readonly sessions: Session[] = [];
  readonly durationS: number;
  private readonly router = homeNetworkDevice('router');
  private readonly resolver = lanPeer(this.router, 53);
  private nextWindowsPort = -1;

  constructor(
    readonly startUs: number,
    readonly endUs: number,
    /** Draws schedule times and forks each session's PRNG. */
    readonly plan: SeededRandom,
  ) {
    this.durationS = (endUs - startUs) / 1_000_000;
  }

  /** Runs `script` from `offsetS` seconds into the capture; does nothing past the end. */
  schedule(offsetS: number, script: Script): void {
    if (offsetS < 0 || offsetS >= this.durationS) return;
    const atUs = this.startUs + Math.round(offsetS * 1_000_000);
    const rng = this.plan.fork();
    this.sessions.push({ startUs: atUs, run: () => script({ us: atUs }, rng) });
  }

  /** Schedules a task every `minS`–`maxS` seconds from `fromS` until 20 s before the end. */
  every(fromS: number, minS: number, maxS: number, task: (index: number) => Script): void {
    for (
      let offset = fromS, i = 0;
      offset < this.durationS - 20;
      offset += this.plan.between(minS, maxS), i++
    ) {
      this.schedule(offset, task(i));
    }
  }

  /** The device as a TCP or UDP client on a fresh source port, over IPv6 if asked and it has an address. */
  client(device: HomeNetworkDevice, rng: SeededRandom, ipv6 = false): Peer {
    return {
      ...lanPeer(device, this.ephemeralPort(device, rng)),
      addr: ipv6 && device.ipv6 ? device.ipv6 : device.ipv4,
    };
  }

  /** Source ports: Windows counts up from around 49 700; Apple and Linux pick at random in their ranges. */
  ephemeralPort(device: HomeNetworkDevice, rng: SeededRandom): number {
    if (device.name === 'laptop') {
      if (this.nextWindowsPort < 0) this.nextWindowsPort = 49_700 + rng.int(0, 400);
      return this.nextWindowsPort++;
    }
    return device.name === 'iphone' ? rng.int(49_152, 65_535) : rng.int(32_768, 60_999);
  }

  lookup(device: HomeNetworkDevice, name: string, clock: Clock, rng: SeededRandom, type: 'A' | 'AAAA' = 'A') {
    return dnsLookup({
      client: this.client(device, rng),
      resolver: this.resolver,
      clock,
      rng,
      name,
      type,
      zone: HOME_NETWORK_ZONE,
      ednsUdpSize: profileOf(device).ednsUdpSize,
    });
  }

  /** DISCOVER, OFFER, REQUEST, ACK and the ARP for the gateway. */
  join(device: HomeNetworkDevice): Script {
    const domain = HOME_NETWORK_LAYOUT.domain;
    return (clock, rng) =>
      dhcpJoin({ device, router: this.router, clock, rng, ...profileOf(device), leaseTimeS: 86_400, domain });
  }

  /** Resolve (A, and AAAA for dual-stack devices), then one HTTPS visit, over IPv6 where both ends have it. */
  browse(device: HomeNetworkDevice, name: string, options: { maxExchanges: number; port?: number }): Script {
    return (clock, rng) => this.browseSession(device, name, options, clock, rng);
  }

  ntp(device: HomeNetworkDevice, name: string): Script {
    return (clock, rng) => this.ntpSession(device, name, clock, rng);
  }

  /** Resolve, then one HTTP request and response on port 80. */
  http(device: HomeNetworkDevice, name: string, request: Uint8Array, response: Uint8Array): Script {
    return (clock, rng) => this.httpSession(device, name, request, response, clock, rng);
  }

  private *browseSession(
    device: HomeNetworkDevice,
    name: string,
    options: { maxExchanges: number; port?: number },
    clock: Clock,
    rng: SeededRandom,
  ): Generator<TimedFrame> {
    const v4 = yield* this.lookup(device, name, clock, rng);
    const v6 = device.ipv6 ? yield* this.lookup(device, name, clock, rng, 'AAAA') : [];
    const useV6 = v6.length > 0;
    const address = useV6 ? v6[0] : v4[0];
    if (!address) return;
    clock.us += rng.int(200, 3_000);
    const server = remotePeer(address, options.port ?? 443);
    const tcp = new TcpConversation(
      this.client(device, rng, useV6),
      server,
      clock,
      rng,
      rng.int(12_000, 45_000),
    );
    const exchanges = Array.from(
      { length: rng.int(1, options.maxExchanges) },
      () => [rng.int(200, 900), rng.int(600, 9_000)] as const,
    );
    const thinkUs = rng.int(200_000, 3_000_000);
    yield* httpsVisit({ conversation: tcp, rng, serverName: name, exchanges, thinkUs, closeBy: 'client' });
  }

  private *ntpSession(
    device: HomeNetworkDevice,
    name: string,
    clock: Clock,
    rng: SeededRandom,
  ): Generator<TimedFrame> {
    const [address] = yield* this.lookup(device, name, clock, rng);
    if (!address) return;
    const port = profileOf(device).ntpFixedPort ? 123 : this.ephemeralPort(device, rng);
    yield* ntpQuery(lanPeer(device, port), remotePeer(address, 123), clock, rng, rng.int(15_000, 40_000));
  }

  private *httpSession(
    device: HomeNetworkDevice,
    name: string,
    request: Uint8Array,
    response: Uint8Array,
    clock: Clock,
    rng: SeededRandom,
  ): Generator<TimedFrame> {
    const [address] = yield* this.lookup(device, name, clock, rng);
    if (!address) return;
    clock.us += rng.int(200, 3_000);
    const server = remotePeer(address, 80);
    const tcp = new TcpConversation(this.client(device, rng), server, clock, rng, rng.int(12_000, 40_000));
    yield* httpVisit(tcp, rng, request, response);
  }
}

export function profileOf(device: HomeNetworkDevice): DeviceProfile {
  return DEVICE_PROFILES[device.name as keyof typeof DEVICE_PROFILES];
}
