/**
 * A scripted capture of a small home network, as a mirror port beside the router would record it.
 * HOME_NETWORK_DEVICES and SAMPLE_INDICATORS (home-network-devices.ts) say what it contains.
 *
 * Every public address comes from the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32), never a real host's. Names are real services' names so the capture
 * reads like a real one.
 */
import { buildHttpRequest, buildHttpResponse } from './app-payloads.js';
import { httpVisit, httpsVisit, sshSession } from './app-sessions.js';
import {
  C2_CERTIFICATE,
  HOME_NETWORK_LAYOUT,
  SAMPLE_INDICATORS,
  homeNetworkDevice,
  type HomeNetworkDevice,
} from './home-network-devices.js';
import {
  FIREFOX_HEADERS,
  GENERATE_204,
  certificateFor,
  generate204Request,
  lanPeer,
  remotePeer,
} from './home-network-hosts.js';
import { HomeNetworkPlanner, profileOf } from './home-network-planner.js';
import { arpLookup, dhcpRenew, mdnsAnnouncement } from './lan-sessions.js';
import type { TimedFrame } from './pcap-writer.js';
import { SeededRandom } from './seeded-random.js';
import { mergeSessions } from './session-scheduler.js';
import { TcpConversation, pingExchange, type Peer } from './tcp-conversation.js';
import { buildApplicationData } from './tls-handshake.js';

export interface HomeNetworkCaptureOptions {
  /** When the capture starts, in microseconds since the epoch. */
  startUs: number;
  /** How long it runs; sessions that would not finish in time are left out. */
  durationS: number;
  seed: number;
}

/**
 * The capture as frames in timestamp order. Iterating again regenerates it, byte for byte. Ten minutes
 * come to a few thousand packets and under 2 MB. Throws RangeError for a negative start, a duration that
 * is not positive, or a seed that is not an integer.
 */
export function generateHomeNetworkCapture(options: HomeNetworkCaptureOptions): Iterable<TimedFrame> {
  const { startUs, durationS, seed } = options;
  if (!Number.isSafeInteger(startUs) || startUs < 0)
    throw new RangeError(`startUs must be a whole number ≥ 0`);
  if (!Number.isFinite(durationS) || durationS <= 0) throw new RangeError(`durationS must be > 0`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer`);
  const endUs = startUs + Math.round(durationS * 1_000_000);
  return {
    [Symbol.iterator]: () => {
      const planner = new HomeNetworkPlanner(startUs, endUs, new SeededRandom(seed));
      for (const plan of DEVICE_PLANS) plan(planner, planner.plan.between(0, 1));
      return mergeSessions(planner.sessions, endUs);
    },
  };
}

/** The first beacon's nominal offset from the start of the capture; later ones follow every interval. */
const FIRST_BEACON_S = 20;
const BEACON_JITTER_S = 2;

const router = homeNetworkDevice('router');
const nas = homeNetworkDevice('nas');

/** Each device's day, given the planner and a random fraction of a second to stagger its joining. */
const DEVICE_PLANS: ((p: HomeNetworkPlanner, stagger: number) => void)[] = [
  // The iPhone: iCloud, Instagram and Google over IPv6, and a push connection that never gets an answer.
  (p, stagger) => {
    const iphone = homeNetworkDevice('iphone');
    const at = 2 + stagger;
    p.schedule(at, p.join(iphone));
    p.schedule(at + 1.5, p.ntp(iphone, 'time.apple.com'));
    const sites = ['gateway.icloud.com', 'www.instagram.com', 'www.google.com'];
    p.every(at + 5, 40, 110, (i) => p.browse(iphone, sites[i % sites.length]!, { maxExchanges: 3 }));
    p.schedule(at + 30, function* (clock, rng) {
      yield* new TcpConversation(
        p.client(iphone, rng),
        remotePeer('192.0.2.200', 5223),
        clock,
        rng,
        30_000,
      ).unanswered(2);
    });
  },

  // The laptop: Windows start-up chatter, browsing, an SSH session to the NAS, and the bad domain.
  (p, stagger) => {
    const laptop = homeNetworkDevice('laptop');
    const at = 4 + stagger;
    p.schedule(at, p.join(laptop));
    p.schedule(at + 1, (clock, rng) => p.lookup(laptop, 'wpad.lan', clock, rng));
    p.schedule(at + 2, function* (clock, rng) {
      const payload = Buffer.from('abcdefghijklmnopqrstuvwabcdefghi'); // what Windows ping sends
      const options = { count: 4, identifier: 1, intervalUs: 1_000_000, rttUs: rng.int(600, 2_000), payload };
      yield* pingExchange(lanPeer(laptop, 0), lanPeer(router, 0), clock, rng, options);
      const v6 = (device: HomeNetworkDevice): Peer => ({ ...lanPeer(device, 0), addr: device.ipv6 ?? '' });
      yield* pingExchange(v6(laptop), v6(router), clock, rng, { ...options, count: 2, identifier: 2 });
    });
    p.schedule(
      at + 2.5,
      p.http(laptop, 'detectportal.firefox.com', FIREFOX_CAPTIVE_CHECK, FIREFOX_CANONICAL),
    );
    p.schedule(at + 3, p.ntp(laptop, 'time.windows.com'));
    const sites = ['www.wikipedia.org', 'github.com', 'outlook.office365.com'];
    p.every(at + 8, 30, 90, (i) => p.browse(laptop, sites[i % sites.length]!, { maxExchanges: 4 }));
    p.schedule(at + 40, function* (clock, rng) {
      yield* arpLookup(laptop, nas, clock, rng);
      clock.us += rng.int(200, 1_000);
      const tcp = new TcpConversation(
        p.client(laptop, rng),
        lanPeer(nas, 22),
        clock,
        rng,
        rng.int(500, 1_500),
      );
      yield* sshSession({ tcp, rng, endUs: Math.min(clock.us + 300_000_000, p.endUs - 20_000_000) });
    });
    p.schedule(p.durationS * 0.4, function* (clock, rng) {
      const [address] = yield* p.lookup(laptop, SAMPLE_INDICATORS.badDomain, clock, rng);
      if (!address) return;
      const response = buildHttpResponse({
        status: 200,
        reason: 'OK',
        headers: [
          ['Server', 'nginx'],
          ['Content-Type', 'application/octet-stream'],
          ['Connection', 'close'],
        ],
        body: rng.bytes(1_337),
      });
      clock.us += rng.int(500, 5_000);
      const server = remotePeer(address, 80);
      const tcp = new TcpConversation(p.client(laptop, rng), server, clock, rng, rng.int(60_000, 120_000));
      yield* httpVisit(tcp, rng, BAD_URL_REQUEST, response);
    });
  },

  // The TV: YouTube's front page, then a video stream on one long connection, a segment every ~8 s.
  (p, stagger) => {
    const tv = homeNetworkDevice('tv');
    const at = 6 + stagger;
    p.schedule(at, p.join(tv));
    p.schedule(at + 3, p.browse(tv, 'www.youtube.com', { maxExchanges: 3 }));
    p.schedule(at + 8, function* (clock, rng) {
      const serverName = 'rr2---sn-4g5e6nsz.googlevideo.com';
      const [address] = yield* p.lookup(tv, serverName, clock, rng);
      if (!address) return;
      const server = remotePeer(address, 443);
      const tcp = new TcpConversation(p.client(tv, rng), server, clock, rng, rng.int(8_000, 18_000));
      const exchanges = [[700, 12_000]] as const;
      yield* httpsVisit({ conversation: tcp, rng, serverName, exchanges, thinkUs: 0, closeBy: 'none' });
      const stopUs = p.endUs - 15_000_000;
      while (clock.us + 9_000_000 < stopUs) {
        const request = buildApplicationData(rng.bytes(rng.int(600, 800)));
        yield* tcp.clientSends(request, { delayUs: rng.int(7_000_000, 9_000_000), acked: false });
        const segment = buildApplicationData(rng.bytes(rng.int(6_000, 10_000)));
        yield* tcp.serverSends(segment, {
          delayUs: tcp.rttUs + rng.int(1_000, 10_000),
          bitsPerSecond: 80_000_000,
        });
      }
      yield* tcp.closeFromClient(rng.int(100_000, 1_000_000));
    });
  },

  // The speaker: time, connectivity checks, and Google APIs now and then.
  (p, stagger) => {
    const speaker = homeNetworkDevice('speaker');
    const at = 8 + stagger;
    const check = 'clients3.google.com';
    p.schedule(at, p.join(speaker));
    p.schedule(at + 1, (clock) =>
      mdnsAnnouncement({
        device: speaker,
        clock,
        service: '_googlecast._tcp',
        instanceName: speaker.mdnsName ?? speaker.name,
        hostName: '7f3c1a9e-2b4d-4c6f-8e1a-5d9b3c7e2f10',
        port: 8009,
        txt: [
          'id=7f3c1a9e2b4d4c6f8e1a5d9b3c7e2f10',
          `fn=${speaker.mdnsName}`,
          'md=Google Nest Mini',
          'ca=199172',
          'st=0',
        ],
      }),
    );
    p.schedule(at + 2, p.ntp(speaker, 'time.google.com'));
    p.every(at + 4, 100, 140, () => p.http(speaker, check, generate204Request(check), GENERATE_204));
    p.every(at + 30, 150, 250, () => p.browse(speaker, 'www.googleapis.com', { maxExchanges: 2 }));
  },

  // The camera: time, a steady upload to its cloud, and the C2 beacon.
  (p, stagger) => {
    const camera = homeNetworkDevice('camera');
    const at = 10 + stagger;
    p.schedule(at, p.join(camera));
    p.schedule(at + 3, p.ntp(camera, 'pool.ntp.org'));
    p.schedule(at + 5, function* (clock, rng) {
      const serverName = 'litedev.hik-connect.com';
      const [address] = yield* p.lookup(camera, serverName, clock, rng);
      if (!address) return;
      const server = remotePeer(address, 443);
      const tcp = new TcpConversation(p.client(camera, rng), server, clock, rng, rng.int(25_000, 40_000));
      const exchanges = [[300, 200]] as const;
      yield* httpsVisit({
        conversation: tcp,
        rng,
        serverName,
        alpn: [],
        grease: false,
        exchanges,
        thinkUs: 0,
        closeBy: 'none',
      });
      const stopUs = p.endUs - 12_000_000;
      for (let chunk = 1; clock.us + 5_500_000 < stopUs; chunk++) {
        const video = buildApplicationData(rng.bytes(rng.int(1_800, 2_600)));
        yield* tcp.clientSends(video, { delayUs: rng.int(4_500_000, 5_500_000), bitsPerSecond: 20_000_000 });
        if (chunk % 12 === 0) yield* tcp.serverSends(buildApplicationData(rng.bytes(rng.int(60, 120))));
      }
      yield* tcp.closeFromClient(rng.int(10_000, 100_000));
    });
    const { c2Address, c2Port, beaconIntervalS } = SAMPLE_INDICATORS;
    for (
      let nominalS = FIRST_BEACON_S;
      nominalS + BEACON_JITTER_S + 5 < p.durationS;
      nominalS += beaconIntervalS
    ) {
      p.schedule(nominalS + p.plan.between(-BEACON_JITTER_S, BEACON_JITTER_S), function* (clock, rng) {
        const server = remotePeer(c2Address, c2Port);
        const tcp = new TcpConversation(p.client(camera, rng), server, clock, rng, rng.int(90_000, 140_000));
        yield* httpsVisit({
          conversation: tcp,
          rng,
          serverName: null,
          alpn: [],
          grease: false,
          tls12Certificate: C2_CERTIFICATE,
          exchanges: [[rng.int(150, 260), rng.int(40, 120)]],
          thinkUs: 0,
          closeBy: 'client',
        });
      });
    }
  },

  // The Android phone: connectivity check, Google services, browsing, and a refused connection to the NAS.
  (p, stagger) => {
    const android = homeNetworkDevice('android');
    const at = 12 + stagger;
    const check = 'connectivitycheck.gstatic.com';
    p.schedule(at, p.join(android));
    p.schedule(at + 2, p.http(android, check, generate204Request(check), GENERATE_204));
    p.schedule(at + 4, p.browse(android, 'mtalk.google.com', { maxExchanges: 2, port: 5228 }));
    const sites = ['www.google.com', 'www.instagram.com'];
    p.every(at + 10, 60, 150, (i) => p.browse(android, sites[i % sites.length]!, { maxExchanges: 3 }));
    p.schedule(at + 45, function* (clock, rng) {
      yield* arpLookup(android, nas, clock, rng);
      clock.us += rng.int(200, 1_000);
      yield* new TcpConversation(
        p.client(android, rng),
        lanPeer(nas, 8096),
        clock,
        rng,
        rng.int(500, 1_500),
      ).refused();
    });
  },

  // The NAS: already on the network; it renews its lease and checks for updates over TLS 1.2.
  (p) => {
    const domain = HOME_NETWORK_LAYOUT.domain;
    p.schedule(15, (clock, rng) =>
      dhcpRenew({ device: nas, router, clock, rng, ...profileOf(nas), leaseTimeS: 86_400, domain }),
    );
    p.schedule(25, function* (clock, rng) {
      const serverName = 'update7.synology.com';
      const [address] = yield* p.lookup(nas, serverName, clock, rng);
      if (!address) return;
      const server = remotePeer(address, 443);
      const tcp = new TcpConversation(p.client(nas, rng), server, clock, rng, rng.int(150_000, 200_000));
      yield* httpsVisit({
        conversation: tcp,
        rng,
        serverName,
        alpn: ['http/1.1'],
        tls12Certificate: certificateFor(serverName),
        exchanges: [[420, 2_600]],
        thinkUs: 0,
        closeBy: 'server',
      });
    });
  },
];

const FIREFOX_CAPTIVE_CHECK = buildHttpRequest({
  host: 'detectportal.firefox.com',
  path: '/canonical.html',
  headers: FIREFOX_HEADERS,
});

const FIREFOX_CANONICAL = buildHttpResponse({
  status: 200,
  reason: 'OK',
  headers: [
    ['Content-Type', 'text/html'],
    ['Cache-Control', 'public,must-revalidate,max-age=0,s-maxage=3600'],
  ],
  body: Buffer.from(
    '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>',
  ),
});

const badUrl = new URL(SAMPLE_INDICATORS.badUrl);
const BAD_URL_REQUEST = buildHttpRequest({
  host: badUrl.host,
  path: badUrl.pathname + badUrl.search,
  headers: [
    ['User-Agent', 'Microsoft-CryptoAPI/10.0'],
    ['Accept', '*/*'],
    ['Connection', 'close'],
  ],
});
