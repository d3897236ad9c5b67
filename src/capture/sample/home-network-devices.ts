/**
 * The ground truth of the sample home network: its layout, its devices, and the two planted threats,
 * so tests and the demo can check what Yamori finds against what was put there.
 */
import { buildCertificateDer, sha1Hex } from './x509-certificate.js';

export const HOME_NETWORK_LAYOUT = {
  ipv4Cidr: '192.168.1.0/24',
  ipv6Prefix: 'fd00:1::/64',
  gatewayIpv4: '192.168.1.1',
  gatewayIpv6: 'fd00:1::1',
  /** The router also answers DNS and DHCP. */
  dnsResolver: '192.168.1.1',
  /** The search domain DHCP hands out. */
  domain: 'lan',
} as const;

export interface HomeNetworkDevice {
  name: string;
  description: string;
  mac: string;
  ipv4: string;
  ipv6: string | null;
  /** The vendor the OUI registry (oui-data) gives for the MAC's first three bytes; null for a randomised MAC. */
  vendor: string | null;
  isRandomisedMac: boolean;
  /** DHCP option 12 as the device sends it; null when it sends none. */
  hostname: string | null;
  /** DHCP option 60; null when the device sends none. */
  vendorClass: string | null;
  /** The instance name the device announces over mDNS; null when it announces nothing. */
  mdnsName: string | null;
  /** Whether the device asks DHCP for its address in the capture (the NAS only renews). */
  joinsWithDhcp: boolean;
}

export const HOME_NETWORK_DEVICES = [
  {
    name: 'router',
    description: 'ASUS router: gateway, DHCP server and DNS resolver',
    mac: '04:d9:f5:3c:71:a0',
    ipv4: '192.168.1.1',
    ipv6: 'fd00:1::1',
    vendor: 'ASUSTek COMPUTER INC.',
    isRandomisedMac: false,
    hostname: null,
    vendorClass: null,
    mdnsName: null,
    joinsWithDhcp: false,
  },
  {
    name: 'nas',
    description: 'Synology NAS with an SSH server',
    mac: '00:11:32:8e:4f:12',
    ipv4: '192.168.1.10',
    ipv6: null,
    vendor: 'Synology Incorporated',
    isRandomisedMac: false,
    hostname: 'homenas',
    vendorClass: 'udhcp 1.32.1',
    mdnsName: null,
    joinsWithDhcp: false,
  },
  {
    name: 'iphone',
    description: 'Apple iPhone',
    mac: 'f0:18:98:2b:6e:91',
    ipv4: '192.168.1.23',
    ipv6: 'fd00:1::1c8e:7a3f:52d1:9b04',
    vendor: 'Apple, Inc.',
    isRandomisedMac: false,
    hostname: 'Emmas-iPhone',
    vendorClass: null,
    mdnsName: null,
    joinsWithDhcp: true,
  },
  {
    name: 'laptop',
    description: 'Dell laptop running Windows',
    mac: 'f8:bc:12:a4:07:5d',
    ipv4: '192.168.1.31',
    ipv6: 'fd00:1::8d2:4f1e:a63b:27c0',
    vendor: 'Dell Inc.',
    isRandomisedMac: false,
    hostname: 'DESKTOP-7Q2LM4K',
    vendorClass: 'MSFT 5.0',
    mdnsName: null,
    joinsWithDhcp: true,
  },
  {
    name: 'tv',
    description: 'Samsung smart TV, streaming video',
    mac: '8c:79:f5:61:d2:38',
    ipv4: '192.168.1.40',
    ipv6: null,
    vendor: 'Samsung Electronics Co.,Ltd',
    isRandomisedMac: false,
    hostname: 'Samsung-QE55Q80',
    vendorClass: 'udhcp 1.30.1',
    mdnsName: null,
    joinsWithDhcp: true,
  },
  {
    name: 'speaker',
    description: 'Google Nest Mini smart speaker',
    mac: '54:60:09:c4:1b:7e',
    ipv4: '192.168.1.52',
    ipv6: null,
    vendor: 'Google, Inc.',
    isRandomisedMac: false,
    hostname: 'Google-Nest-Mini',
    vendorClass: null,
    mdnsName: 'Kitchen speaker',
    joinsWithDhcp: true,
  },
  {
    name: 'camera',
    description: 'Hikvision IP camera, uploading video, and beaconing to a C2 server',
    mac: '44:19:b6:0d:93:e5',
    ipv4: '192.168.1.60',
    ipv6: null,
    vendor: 'Hangzhou Hikvision Digital Technology Co.,Ltd.',
    isRandomisedMac: false,
    hostname: 'HIKVISION',
    vendorClass: null,
    mdnsName: null,
    joinsWithDhcp: true,
  },
  {
    name: 'android',
    description: 'Android phone with a randomised (locally administered) MAC',
    mac: 'da:7c:41:9e:05:b3',
    ipv4: '192.168.1.77',
    ipv6: null,
    vendor: null,
    isRandomisedMac: true,
    hostname: null,
    vendorClass: 'android-dhcp-14',
    mdnsName: null,
    joinsWithDhcp: true,
  },
] as const satisfies readonly HomeNetworkDevice[];

export type HomeNetworkDeviceName = (typeof HOME_NETWORK_DEVICES)[number]['name'];

export function homeNetworkDevice(name: HomeNetworkDeviceName): HomeNetworkDevice {
  const device = HOME_NETWORK_DEVICES.find((candidate) => candidate.name === name);
  if (!device) throw new RangeError(`no sample device named ${name}`);
  return device;
}

/**
 * The C2 server's certificate: a default-looking self-signed one, as much commodity malware uses. Its
 * key and dates are fixed, so its SHA1 is the same for every seed and start time.
 */
export const C2_CERTIFICATE = buildCertificateDer({
  commonName: 'localhost',
  organization: 'Internet Widgits Pty Ltd',
  serial: 0x5a17c2,
  notBeforeMs: Date.UTC(2024, 2, 1),
  notAfterMs: Date.UTC(2034, 1, 27),
  keySeed: Buffer.alloc(32, 0xc2),
});

/** What the sample hides for the demo's detections. */
export const SAMPLE_INDICATORS = {
  /** The camera connects here every `beaconIntervalS` (± 2 s); a sample Feodo-format list names it. */
  c2Address: '198.51.100.23',
  c2Port: 8443,
  beaconIntervalS: 60,
  beaconDevice: 'camera',
  /** SHA1 of the C2 server's TLS certificate, for an SSLBL-style certificate indicator. */
  c2CertSha1: sha1Hex(C2_CERTIFICATE),
  /** The laptop resolves and visits this name over HTTP; a sample URLhaus-format list names it. */
  badDomain: 'update-check.badexample.net',
  badDomainAddress: '203.0.113.66',
  badUrl: 'http://update-check.badexample.net/v2/check?id=7f3a9c',
  badDomainDevice: 'laptop',
} as const;
