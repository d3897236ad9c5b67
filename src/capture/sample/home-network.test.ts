import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIpv6 } from './frame-builder.js';
import { generateHomeNetworkCapture } from './home-network.js';
import {
  C2_CERTIFICATE,
  HOME_NETWORK_DEVICES,
  HOME_NETWORK_LAYOUT,
  SAMPLE_INDICATORS,
} from './home-network-devices.js';
import { writePcapFile, type TimedFrame } from './pcap-writer.js';
import {
  capinfosPacketCount,
  hasCapinfos,
  hasTshark,
  temporaryFolder,
  tshark,
  tsharkFields,
  tsharkProblems,
} from './testing.js';

const START_US = Date.UTC(2024, 4, 14, 18, 0, 0) * 1000;
const TEN_MINUTES = { startUs: START_US, durationS: 600, seed: 42 };

function digest(frames: Iterable<TimedFrame>): string {
  const hash = createHash('sha256');
  const time = Buffer.alloc(8);
  for (const { timestampUs, frame } of frames) {
    time.writeDoubleBE(timestampUs);
    hash.update(time).update(frame);
  }
  return hash.digest('hex');
}

/** The IPv4 or IPv6 source and destination of a frame, read by offset (no VLAN tags in the sample). */
function addressesOf(frame: Uint8Array): string[] {
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const etherType = bytes.readUInt16BE(12);
  if (etherType === 0x0800)
    return [bytes.subarray(26, 30), bytes.subarray(30, 34)].map((a) => [...a].join('.'));
  if (etherType === 0x86dd)
    return [bytes.subarray(22, 38), bytes.subarray(38, 54)].map((a) => a.toString('hex'));
  return [];
}

const ipv6Hex = (text: string): string => Buffer.from(parseIpv6(text)).toString('hex');

/** Where a sample address may be: the home LAN, DHCP's unspecified and broadcast, or documentation ranges. */
function isAllowedAddress(address: string): boolean {
  if (address.includes('.')) {
    return (
      /^192\.168\.1\.\d+$/.test(address) ||
      address === '0.0.0.0' ||
      address === '255.255.255.255' ||
      address === '224.0.0.251' ||
      /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/.test(address)
    );
  }
  return address.startsWith(ipv6Hex('fd00:1::').slice(0, 16)) || address.startsWith('20010db8');
}

describe('HOME_NETWORK_DEVICES', () => {
  const ouis = createRequire(import.meta.url)('oui-data') as Record<string, string>;

  it.each(HOME_NETWORK_DEVICES.filter((device) => !device.isRandomisedMac))(
    'gives the $name a MAC whose OUI belongs to $vendor in the OUI registry',
    (device) => {
      const oui = device.mac.replace(/:/g, '').slice(0, 6).toUpperCase();
      expect(ouis[oui]?.split('\n')[0]).toBe(device.vendor);
    },
  );

  it('gives the Android phone a locally administered unicast MAC and no vendor', () => {
    const randomised = HOME_NETWORK_DEVICES.filter((device) => device.isRandomisedMac);
    expect(randomised.map((device) => device.name)).toEqual(['android']);
    const firstOctet = parseInt(randomised[0]!.mac.slice(0, 2), 16);
    expect(firstOctet & 0b10).toBe(0b10);
    expect(firstOctet & 0b01).toBe(0);
    expect(randomised[0]!.vendor).toBeNull();
  });

  it('puts every device on 192.168.1.0/24 and fd00:1::/64, each with its own MAC and address', () => {
    for (const device of HOME_NETWORK_DEVICES) {
      expect(device.ipv4).toMatch(/^192\.168\.1\.\d+$/);
      if (device.ipv6) expect(ipv6Hex(device.ipv6).slice(0, 16)).toBe(ipv6Hex('fd00:1::').slice(0, 16));
    }
    expect(new Set(HOME_NETWORK_DEVICES.map((d) => d.mac)).size).toBe(HOME_NETWORK_DEVICES.length);
    expect(new Set(HOME_NETWORK_DEVICES.map((d) => d.ipv4)).size).toBe(HOME_NETWORK_DEVICES.length);
    expect(HOME_NETWORK_DEVICES.find((d) => d.name === 'router')?.ipv4).toBe(HOME_NETWORK_LAYOUT.gatewayIpv4);
  });
});

describe('SAMPLE_INDICATORS', () => {
  it('uses documentation addresses only', () => {
    expect(isAllowedAddress(SAMPLE_INDICATORS.c2Address)).toBe(true);
    expect(isAllowedAddress(SAMPLE_INDICATORS.badDomainAddress)).toBe(true);
    expect(SAMPLE_INDICATORS.c2Address).toBe('198.51.100.23');
    expect(SAMPLE_INDICATORS.badDomainAddress).toBe('203.0.113.66');
    expect(new URL(SAMPLE_INDICATORS.badUrl).hostname).toBe(SAMPLE_INDICATORS.badDomain);
  });

  it('names the SHA1 of the C2 server certificate, a certificate OpenSSL parses', () => {
    const certificate = new X509Certificate(C2_CERTIFICATE);
    expect(certificate.fingerprint.replace(/:/g, '').toLowerCase()).toBe(SAMPLE_INDICATORS.c2CertSha1);
    expect(certificate.subject).toContain('CN=localhost');
  });
});

describe('generateHomeNetworkCapture', () => {
  const frames = [...generateHomeNetworkCapture(TEN_MINUTES)];

  it('gives byte-identical captures for the same seed, and different ones for another seed', () => {
    const capture = generateHomeNetworkCapture(TEN_MINUTES);
    expect(digest(capture)).toBe(digest(frames));
    expect(digest(capture)).toBe(digest(generateHomeNetworkCapture(TEN_MINUTES))); // iterating again regenerates
    expect(digest(generateHomeNetworkCapture({ ...TEN_MINUTES, seed: 43 }))).not.toBe(digest(frames));
  });

  it('yields frames in timestamp order, all inside the capture window', () => {
    for (let i = 1; i < frames.length; i++)
      expect(frames[i]!.timestampUs).toBeGreaterThanOrEqual(frames[i - 1]!.timestampUs);
    expect(frames[0]!.timestampUs).toBeGreaterThanOrEqual(START_US);
    expect(frames.at(-1)!.timestampUs).toBeLessThan(START_US + 600_000_000);
  });

  it('keeps ten minutes small enough for a quick start: a few thousand packets, under 2 MB', () => {
    const bytes = frames.reduce((total, f) => total + 16 + f.frame.length, 24);
    expect(frames.length).toBeGreaterThan(1_500);
    expect(frames.length).toBeLessThan(6_000);
    expect(bytes).toBeLessThan(2_000_000);
  });

  it('uses no address outside the home network and the documentation ranges', () => {
    const addresses = new Set(frames.flatMap((f) => addressesOf(f.frame)));
    expect([...addresses].filter((address) => !isAllowedAddress(address))).toEqual([]);
    expect(addresses.has(SAMPLE_INDICATORS.c2Address)).toBe(true);
  });

  it('scales with the duration and leaves out what does not fit', () => {
    const minute = [...generateHomeNetworkCapture({ ...TEN_MINUTES, durationS: 60 })];
    expect(minute.length).toBeGreaterThan(100);
    expect(minute.length).toBeLessThan(frames.length / 3);
    expect(minute.every((f) => f.timestampUs < START_US + 60_000_000)).toBe(true);
  });

  it.each([
    [{ ...TEN_MINUTES, durationS: 0 }],
    [{ ...TEN_MINUTES, durationS: Number.NaN }],
    [{ ...TEN_MINUTES, startUs: -1 }],
    [{ ...TEN_MINUTES, seed: 1.5 }],
  ])('refuses options it cannot honour: %o', (options) => {
    expect(() => generateHomeNetworkCapture(options)).toThrow(RangeError);
  });
});

describe.skipIf(!hasTshark)('the home-network capture as Wireshark reads it (needs tshark)', () => {
  const folder = temporaryFolder();
  const file = join(folder.path, 'home.pcap');
  let written = 0;
  beforeAll(async () => {
    written = (await writePcapFile(file, generateHomeNetworkCapture(TEN_MINUTES))).packets;
  });
  afterAll(() => folder.remove());

  it('has no malformed packet, no expert error and no bad checksum', () => {
    expect(tsharkProblems(file)).toEqual([]);
  });

  it.skipIf(!hasCapinfos)('holds as many packets as the generator yielded', () => {
    expect(capinfosPacketCount(file)).toBe(written);
    expect(tshark(file, ['-T', 'fields', '-e', 'frame.number'])).toHaveLength(written);
  });

  it('is byte-identical when written again with the same seed', async () => {
    const again = join(folder.path, 'again.pcap');
    await writePcapFile(again, generateHomeNetworkCapture(TEN_MINUTES));
    expect(readFileSync(again).equals(readFileSync(file))).toBe(true);
  });

  it('shows the SNI of every HTTPS visit', () => {
    const names = new Set(
      tsharkFields(file, ['tls.handshake.extensions_server_name'], 'tls.handshake.type == 1').map(([n]) => n),
    );
    for (const name of [
      'gateway.icloud.com',
      'www.wikipedia.org',
      'rr2---sn-4g5e6nsz.googlevideo.com',
      'litedev.hik-connect.com',
      'update7.synology.com',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('shows the DNS answers, CNAME chains and NXDOMAIN', () => {
    const answers = tsharkFields(
      file,
      ['dns.qry.name', 'dns.flags.rcode', 'dns.cname', 'dns.a'],
      'dns.flags.response == 1',
    );
    const byName = new Map(answers.map(([name, ...rest]) => [name, rest]));
    expect(byName.get(SAMPLE_INDICATORS.badDomain)).toEqual(['0', '', SAMPLE_INDICATORS.badDomainAddress]);
    expect(byName.get('detectportal.firefox.com')?.[1]).toBe(
      'detectportal.prod.mozaws.net,prod.detectportal.prod.cloudops.mozgcp.net',
    );
    expect(byName.get('wpad.lan')?.[0]).toBe('3');
    const aaaa = tsharkFields(file, ['dns.aaaa'], 'dns.flags.response == 1 && dns.aaaa').map(([a]) => a);
    expect(aaaa).toContain('2001:db8:224::224');
  });

  it('shows each joining device’s DHCP hostname and vendor class from its own MAC', () => {
    const requests = tsharkFields(
      file,
      ['eth.src', 'dhcp.option.hostname', 'dhcp.option.vendor_class_id'],
      'dhcp.option.dhcp == 3',
    );
    const seen = new Map(
      requests.map(([mac, hostname, vendorClass]) => [mac, [hostname || null, vendorClass || null]]),
    );
    for (const device of HOME_NETWORK_DEVICES.filter((d) => d.name !== 'router')) {
      expect(seen.get(device.mac), device.name).toEqual([device.hostname, device.vendorClass]);
    }
  });

  it('beacons from the camera to the C2 address every 60 s (± 2 s), ten times in ten minutes, without SNI', () => {
    const camera = HOME_NETWORK_DEVICES.find((d) => d.name === 'camera')!;
    const syns = tsharkFields(
      file,
      ['frame.time_epoch', 'ip.src', 'eth.src'],
      `ip.dst == ${SAMPLE_INDICATORS.c2Address} && tcp.dstport == ${SAMPLE_INDICATORS.c2Port} && tcp.flags.syn == 1`,
    );
    expect(syns).toHaveLength(10);
    expect(new Set(syns.map(([, ip, mac]) => `${ip} ${mac}`))).toEqual(
      new Set([`${camera.ipv4} ${camera.mac}`]),
    );
    const times = syns.map(([t]) => Number(t));
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThan(56);
      expect(times[i]! - times[i - 1]!).toBeLessThan(64);
    }
    const hellos = tsharkFields(
      file,
      ['tcp.dstport', 'tls.handshake.extensions_server_name'],
      `ip.dst == ${SAMPLE_INDICATORS.c2Address} && tls.handshake.type == 1`,
    );
    expect(hellos).toEqual(Array.from({ length: 10 }, () => [String(SAMPLE_INDICATORS.c2Port), '']));
  });

  it('shows the C2 server certificate in the clear, with the SHA1 the indicators name', () => {
    const certificates = tsharkFields(
      file,
      ['tls.handshake.certificate'],
      `ip.src == ${SAMPLE_INDICATORS.c2Address} && tls.handshake.type == 11`,
    );
    expect(certificates).toHaveLength(10);
    const sha1s = new Set(
      certificates.map(([hex]) =>
        createHash('sha1')
          .update(Buffer.from(hex!.replace(/:/g, ''), 'hex'))
          .digest('hex'),
      ),
    );
    expect(sha1s).toEqual(new Set([SAMPLE_INDICATORS.c2CertSha1]));
  });

  it('shows the laptop fetching the bad URL over HTTP', () => {
    const laptop = HOME_NETWORK_DEVICES.find((d) => d.name === 'laptop')!;
    const url = new URL(SAMPLE_INDICATORS.badUrl);
    const requests = tsharkFields(
      file,
      ['ip.src', 'ip.dst', 'http.host', 'http.request.uri'],
      'http.request',
    );
    expect(requests).toContainEqual([
      laptop.ipv4,
      SAMPLE_INDICATORS.badDomainAddress,
      url.host,
      url.pathname + url.search,
    ]);
  });

  it('keeps every TCP sequence and acknowledgement consistent', () => {
    const anomalies = tsharkFields(
      file,
      ['frame.number'],
      'tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || tcp.analysis.out_of_order || tcp.analysis.duplicate_ack || tcp.analysis.zero_window',
    );
    expect(anomalies).toEqual([]);
    const retransmitted = tsharkFields(file, ['ip.dst', 'tcp.flags.syn'], 'tcp.analysis.retransmission');
    expect(retransmitted).toEqual([
      ['192.0.2.200', '1'],
      ['192.0.2.200', '1'],
    ]);
  });

  it('shows the refused connection, the SSH session to the NAS, NTP, pings and IPv6 HTTPS', () => {
    const resets = tsharkFields(file, ['ip.src', 'tcp.srcport'], 'tcp.flags.reset == 1');
    expect(resets).toEqual([['192.168.1.10', '8096']]);
    const banners = tsharkFields(file, ['ssh.protocol'], 'ssh.protocol').map(([banner]) => banner);
    expect(banners).toEqual(['SSH-2.0-OpenSSH_8.2p1', 'SSH-2.0-OpenSSH_for_Windows_9.5']);
    const ntpModes = tsharkFields(file, ['ntp.flags.mode'], 'ntp').map(([mode]) => mode);
    expect(ntpModes.filter((m) => m === '3')).toHaveLength(4);
    expect(ntpModes.filter((m) => m === '4')).toHaveLength(4);
    expect(tsharkFields(file, ['icmp.type'], 'icmp')).toHaveLength(8);
    expect(tsharkFields(file, ['icmpv6.type'], 'icmpv6')).toHaveLength(4);
    expect(tsharkFields(file, ['ipv6.src'], 'ipv6 && tls.handshake.type == 1').length).toBeGreaterThan(3);
  });

  it('shows the speaker announcing its name over mDNS', () => {
    const speaker = HOME_NETWORK_DEVICES.find((d) => d.name === 'speaker')!;
    const announcements = tsharkFields(
      file,
      ['ip.src', 'dns.ptr.domain_name', 'dns.srv.port', 'dns.a'],
      'mdns',
    );
    expect(announcements).toEqual([
      [speaker.ipv4, `${speaker.mdnsName}._googlecast._tcp.local`, '8009', speaker.ipv4],
    ]);
  });
});
