/**
 * Who is who on the sample home network beyond the ground truth: the DNS zone the router answers from
 * (names of real services, addresses from the documentation ranges only), how each device's software
 * behaves on the wire, and the peers and certificates the sessions use.
 */
import { buildHttpRequest, buildHttpResponse } from './app-payloads.js';
import {
  SAMPLE_INDICATORS,
  homeNetworkDevice,
  type HomeNetworkDevice,
  type HomeNetworkDeviceName,
} from './home-network-devices.js';
import type { DnsZoneEntry } from './lan-sessions.js';
import { SeededRandom } from './seeded-random.js';
import { TCP_STACKS, type Peer, type TcpStack } from './tcp-conversation.js';
import { buildCertificateDer } from './x509-certificate.js';

export const HOME_NETWORK_ZONE: ReadonlyMap<string, DnsZoneEntry> = new Map<string, DnsZoneEntry>([
  ['gateway.icloud.com', { a: ['203.0.113.10'], aaaa: ['2001:db8:10::10'], ttl: 60 }],
  ['time.apple.com', { cnames: ['time.g.aaplimg.com'], a: ['192.0.2.123'], ttl: 300 }],
  [
    'www.instagram.com',
    {
      cnames: ['z-p42-instagram.c10r.instagram.com'],
      a: ['203.0.113.21'],
      aaaa: ['2001:db8:21::21'],
      ttl: 60,
    },
  ],
  ['time.windows.com', { cnames: ['twc.trafficmanager.net'], a: ['192.0.2.124'], ttl: 300 }],
  ['time.google.com', { a: ['192.0.2.125'], ttl: 300 }],
  ['pool.ntp.org', { a: ['192.0.2.126', '198.51.100.126', '203.0.113.126'], ttl: 130 }],
  [
    'detectportal.firefox.com',
    {
      cnames: ['detectportal.prod.mozaws.net', 'prod.detectportal.prod.cloudops.mozgcp.net'],
      a: ['192.0.2.80'],
      ttl: 60,
    },
  ],
  [
    'www.wikipedia.org',
    { cnames: ['dyna.wikimedia.org'], a: ['198.51.100.224'], aaaa: ['2001:db8:224::224'], ttl: 600 },
  ],
  ['github.com', { a: ['198.51.100.113'], ttl: 60 }],
  [
    'outlook.office365.com',
    {
      cnames: ['outlook.ha.office365.com', 'outlook.ms-acdc.office.com'],
      a: ['203.0.113.30', '203.0.113.31'],
      ttl: 30,
    },
  ],
  ['www.youtube.com', { cnames: ['youtube-ui.l.google.com'], a: ['203.0.113.14'], ttl: 300 }],
  [
    'rr2---sn-4g5e6nsz.googlevideo.com',
    { cnames: ['rr2.sn-4g5e6nsz.googlevideo.com'], a: ['198.51.100.140'], ttl: 1800 },
  ],
  ['litedev.hik-connect.com', { a: ['203.0.113.90'], ttl: 600 }],
  ['clients3.google.com', { cnames: ['clients.l.google.com'], a: ['203.0.113.15'], ttl: 300 }],
  ['connectivitycheck.gstatic.com', { a: ['203.0.113.16'], ttl: 300 }],
  ['www.googleapis.com', { a: ['203.0.113.17'], ttl: 300 }],
  ['www.google.com', { a: ['203.0.113.18'], aaaa: ['2001:db8:18::18'], ttl: 300 }],
  ['mtalk.google.com', { cnames: ['mobile-gtalk.l.google.com'], a: ['203.0.113.19'], ttl: 300 }],
  ['update7.synology.com', { a: ['198.51.100.77'], ttl: 3600 }],
  [SAMPLE_INDICATORS.badDomain, { a: [SAMPLE_INDICATORS.badDomainAddress], ttl: 300 }],
  ['wpad.lan', { nxdomain: true, ttl: 0 }],
]);

/** How each device's software behaves on the wire. */
export interface DeviceProfile {
  stack: TcpStack;
  ttl: number;
  parameterRequestList: readonly number[];
  sendClientId: boolean;
  maxMessageSize?: number;
  ednsUdpSize?: number;
  /** The NTP client's source port: 123 for ntpd-style clients, else ephemeral. */
  ntpFixedPort: boolean;
}

const LINUX_DHCP = [1, 3, 6, 12, 15, 28, 42];
export const DEVICE_PROFILES: Record<HomeNetworkDeviceName, DeviceProfile> = {
  router: {
    stack: TCP_STACKS.linux,
    ttl: 64,
    parameterRequestList: [],
    sendClientId: false,
    ntpFixedPort: true,
  },
  nas: {
    stack: TCP_STACKS.linux,
    ttl: 64,
    parameterRequestList: LINUX_DHCP,
    sendClientId: true,
    ntpFixedPort: true,
  },
  iphone: {
    stack: TCP_STACKS.apple,
    ttl: 64,
    parameterRequestList: [1, 121, 3, 6, 15, 108, 114, 119, 252],
    sendClientId: true,
    maxMessageSize: 1500,
    ntpFixedPort: true,
  },
  laptop: {
    stack: TCP_STACKS.windows,
    ttl: 128,
    parameterRequestList: [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252],
    sendClientId: true,
    ntpFixedPort: true,
  },
  tv: {
    stack: TCP_STACKS.linux,
    ttl: 64,
    parameterRequestList: LINUX_DHCP,
    sendClientId: true,
    ntpFixedPort: false,
  },
  speaker: {
    stack: TCP_STACKS.linux,
    ttl: 64,
    parameterRequestList: [1, 3, 6, 15, 26, 28, 51, 58, 59, 43],
    sendClientId: true,
    maxMessageSize: 1472,
    ednsUdpSize: 1232,
    ntpFixedPort: false,
  },
  camera: {
    stack: TCP_STACKS.linux,
    ttl: 64,
    parameterRequestList: LINUX_DHCP,
    sendClientId: false,
    ntpFixedPort: true,
  },
  android: {
    stack: TCP_STACKS.linux,
    ttl: 64,
    parameterRequestList: [1, 3, 6, 15, 26, 28, 51, 58, 59, 43, 114, 108],
    sendClientId: true,
    maxMessageSize: 1500,
    ednsUdpSize: 1232,
    ntpFixedPort: false,
  },
};

/** Servers on the Internet run Linux-like stacks; their TTL has dropped by the hops to the home. */
export const SERVER_STACK: TcpStack = { ...TCP_STACKS.linux, window: 501 };

export const FIREFOX_HEADERS = [
  ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0'],
  ['Accept', '*/*'],
  ['Cache-Control', 'no-cache'],
  ['Pragma', 'no-cache'],
  ['Connection', 'close'],
] as const;

export const GENERATE_204 = buildHttpResponse({
  status: 204,
  reason: 'No Content',
  headers: [['Date', 'Mon, 01 Jan 2024 00:00:00 GMT']],
});

export function generate204Request(host: string): Buffer {
  return buildHttpRequest({
    host,
    path: '/generate_204',
    headers: [
      ['User-Agent', 'Dalvik/2.1.0 (Linux; U; Android 14)'],
      ['Connection', 'close'],
      ['Accept-Encoding', 'gzip'],
    ],
  });
}

export function lanPeer(device: HomeNetworkDevice, port: number): Peer {
  const profile = DEVICE_PROFILES[device.name as HomeNetworkDeviceName];
  return { mac: device.mac, addr: device.ipv4, port, ttl: profile.ttl, stack: profile.stack };
}

/** A host on the Internet: its frames carry the router's MAC and a TTL lowered by the hops on the way. */
export function remotePeer(addr: string, port: number): Peer {
  let hash = 0;
  for (const char of addr) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return { mac: homeNetworkDevice('router').mac, addr, port, ttl: 64 - 8 - (hash % 12), stack: SERVER_STACK };
}

/** A real, self-signed certificate for a TLS 1.2 server; fixed per name, whatever the seed. */
export function certificateFor(name: string): Buffer {
  let seed = 0;
  for (const char of name) seed = (seed * 33 + char.charCodeAt(0)) >>> 0;
  return buildCertificateDer({
    commonName: name,
    dnsNames: [name],
    serial: seed,
    notBeforeMs: Date.UTC(2024, 0, 15),
    notAfterMs: Date.UTC(2025, 0, 15),
    keySeed: new SeededRandom(seed).bytes(32),
  });
}
