/**
 * Application payloads for the sample captures: HTTP/1.1, DHCP (RFC 2131/2132), NTPv4 (RFC 5905) and the
 * clear-text start of SSH (RFC 4253). DNS is in dns-message.ts and TLS in tls-handshake.ts.
 */
import { ByteWriter } from './byte-writer.js';
import { parseIpv4, parseMac } from './frame-builder.js';

export interface HttpRequestOptions {
  /** Default GET. */
  method?: string;
  host: string;
  path: string;
  /** Sent after Host, in order. */
  headers?: readonly (readonly [string, string])[];
  body?: Uint8Array;
}

export function buildHttpRequest(options: HttpRequestOptions): Buffer {
  const lines = [`${options.method ?? 'GET'} ${options.path} HTTP/1.1`, `Host: ${options.host}`];
  for (const [name, value] of options.headers ?? []) lines.push(`${name}: ${value}`);
  if (options.body) lines.push(`Content-Length: ${options.body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return options.body ? Buffer.concat([head, options.body]) : head;
}

export interface HttpResponseOptions {
  status: number;
  reason: string;
  headers?: readonly (readonly [string, string])[];
  body?: Uint8Array;
}

/** A response with Content-Length set from the body. */
export function buildHttpResponse(options: HttpResponseOptions): Buffer {
  const body = options.body ?? Buffer.alloc(0);
  const lines = [`HTTP/1.1 ${options.status} ${options.reason}`];
  for (const [name, value] of options.headers ?? []) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type DhcpMessageTypeName = keyof typeof DhcpMessageType;

export interface DhcpMessageOptions {
  type: DhcpMessageTypeName;
  xid: number;
  clientMac: string;
  secs?: number;
  /** Ask the server to broadcast its reply. */
  broadcast?: boolean;
  /** ciaddr: the client's address while it renews. */
  clientAddr?: string;
  /** yiaddr: the address the server offers. */
  yourAddr?: string;
  /** Option 61 as type 1 + MAC, as most clients send it. */
  sendClientId?: boolean;
  /** Option 50. */
  requestedAddr?: string | null;
  /** Option 12. */
  hostname?: string | null;
  /** Option 60. */
  vendorClass?: string | null;
  /** Option 55. */
  parameterRequestList?: readonly number[];
  /** Option 57. */
  maxMessageSize?: number;
  /** Option 54. */
  serverId?: string | null;
  /** Option 51; with it the server also sends T1 (58) and T2 (59) at 1/2 and 7/8. */
  leaseTimeS?: number;
  /** Options 1, 3, 6, 15. */
  subnetMask?: string;
  router?: string;
  dnsServers?: readonly string[];
  domainName?: string;
}

const DHCP_MAGIC_COOKIE = 0x63825363;
/** RFC 1542: BOOTP relays may drop messages shorter than the original 300-byte BOOTP packet. */
const BOOTP_MIN_BYTES = 300;

export function buildDhcpMessage(options: DhcpMessageOptions): Buffer {
  const isReply = options.type === 'OFFER' || options.type === 'ACK' || options.type === 'NAK';
  const zeroAddr = '0.0.0.0';
  const w = new ByteWriter();
  w.u8(isReply ? 2 : 1)
    .u8(1)
    .u8(6)
    .u8(0); // op, Ethernet, hardware length 6, hops
  w.u32(options.xid)
    .u16(options.secs ?? 0)
    .u16(options.broadcast ? 0x8000 : 0);
  w.bytes(parseIpv4(options.clientAddr ?? zeroAddr));
  w.bytes(parseIpv4(options.yourAddr ?? zeroAddr));
  w.bytes(parseIpv4(zeroAddr)).bytes(parseIpv4(zeroAddr)); // siaddr, giaddr
  w.bytes(parseMac(options.clientMac)).zeros(10);
  w.zeros(64 + 128); // sname, file
  w.u32(DHCP_MAGIC_COOKIE);

  const option = (code: number, body: (writer: ByteWriter) => void): void => {
    w.u8(code).block(1, body);
  };
  option(53, (o) => o.u8(DhcpMessageType[options.type]));
  if (options.sendClientId) option(61, (o) => o.u8(1).bytes(parseMac(options.clientMac)));
  if (options.serverId) option(54, (o) => o.bytes(parseIpv4(options.serverId!)));
  if (options.requestedAddr) option(50, (o) => o.bytes(parseIpv4(options.requestedAddr!)));
  if (options.maxMessageSize) option(57, (o) => o.u16(options.maxMessageSize!));
  if (options.hostname) option(12, (o) => o.ascii(options.hostname!));
  if (options.vendorClass) option(60, (o) => o.ascii(options.vendorClass!));
  if (options.parameterRequestList) {
    option(55, (o) => {
      for (const code of options.parameterRequestList!) o.u8(code);
    });
  }
  if (options.leaseTimeS) {
    const lease = options.leaseTimeS;
    option(51, (o) => o.u32(lease));
    option(58, (o) => o.u32(Math.floor(lease / 2)));
    option(59, (o) => o.u32(Math.floor((lease * 7) / 8)));
  }
  if (options.subnetMask) option(1, (o) => o.bytes(parseIpv4(options.subnetMask!)));
  if (options.router) option(3, (o) => o.bytes(parseIpv4(options.router!)));
  if (options.dnsServers?.length) {
    option(6, (o) => {
      for (const server of options.dnsServers!) o.bytes(parseIpv4(server));
    });
  }
  if (options.domainName) option(15, (o) => o.ascii(options.domainName!));
  w.u8(255);
  if (w.offset < BOOTP_MIN_BYTES) w.zeros(BOOTP_MIN_BYTES - w.offset);
  return w.finish();
}

/** Seconds from the NTP era (1900) to the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2208988800;

export interface NtpPacketOptions {
  mode: 'client' | 'server';
  /** Default 2 for a server, 0 for a client. */
  stratum?: number;
  /** log2 seconds; default 6. */
  poll?: number;
  /** log2 seconds; default -20 for a client, -25 for a server. */
  precision?: number;
  /** Four ASCII characters for stratum 1, else the upstream server's IPv4 address. */
  referenceId?: string;
  referenceUs?: number;
  /** The client's transmit time, echoed by a server. */
  originUs?: number;
  receiveUs?: number;
  transmitUs: number;
}

export function buildNtpPacket(options: NtpPacketOptions): Buffer {
  const isServer = options.mode === 'server';
  const w = new ByteWriter();
  w.u8((0 << 6) | (4 << 3) | (isServer ? 4 : 3)); // leap indicator 0, version 4, mode
  w.u8(options.stratum ?? (isServer ? 2 : 0));
  w.u8(options.poll ?? 6);
  w.u8((options.precision ?? (isServer ? -25 : -20)) & 0xff);
  w.u32(isServer ? 0x00000120 : 0).u32(isServer ? 0x00000a10 : 0); // root delay, dispersion (16.16 s)
  const referenceId = options.referenceId ?? '';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(referenceId)) w.bytes(parseIpv4(referenceId));
  else w.bytes(Buffer.from(referenceId.padEnd(4, '\0').slice(0, 4), 'latin1'));
  writeNtpTime(w, options.referenceUs);
  writeNtpTime(w, options.originUs);
  writeNtpTime(w, options.receiveUs);
  writeNtpTime(w, options.transmitUs);
  return w.finish();
}

function writeNtpTime(w: ByteWriter, us: number | undefined): void {
  if (us === undefined) {
    w.u32(0).u32(0);
    return;
  }
  const seconds = Math.floor(us / 1_000_000);
  w.u32(seconds + NTP_UNIX_OFFSET_S).u32(Math.floor(((us - seconds * 1_000_000) * 2 ** 32) / 1_000_000));
}

/** The identification line each SSH side sends first, e.g. "SSH-2.0-OpenSSH_9.6". */
export function buildSshIdentification(version: string): Buffer {
  return Buffer.from(`${version}\r\n`, 'latin1');
}

export const SshMessage = { NEWKEYS: 21, KEXINIT: 20, KEX_ECDH_INIT: 30, KEX_ECDH_REPLY: 31 } as const;

/**
 * One unencrypted binary packet (RFC 4253 §6): length, padding length, payload, padding. The padding
 * (at least 4 bytes) brings the packet to a multiple of 8; its bytes come from `padding`, reused cyclically.
 */
export function buildSshPacket(payload: Uint8Array, padding: Uint8Array): Buffer {
  let paddingLength = 8 - ((5 + payload.length) % 8);
  if (paddingLength < 4) paddingLength += 8;
  const w = new ByteWriter();
  w.u32(1 + payload.length + paddingLength)
    .u8(paddingLength)
    .bytes(payload);
  for (let i = 0; i < paddingLength; i++) w.u8(padding[i % Math.max(padding.length, 1)] ?? 0);
  return w.finish();
}

export interface SshKexInitOptions {
  /** 16 random bytes. */
  cookie: Uint8Array;
  kexAlgorithms: readonly string[];
  hostKeyAlgorithms: readonly string[];
  ciphers: readonly string[];
  macs: readonly string[];
}

/** The SSH_MSG_KEXINIT payload (wrap it with buildSshPacket). */
export function buildSshKexInit(options: SshKexInitOptions): Buffer {
  const w = new ByteWriter();
  w.u8(SshMessage.KEXINIT).bytes(options.cookie);
  const nameList = (names: readonly string[]): void => {
    w.block(4, (list) => list.ascii(names.join(',')));
  };
  nameList(options.kexAlgorithms);
  nameList(options.hostKeyAlgorithms);
  nameList(options.ciphers);
  nameList(options.ciphers);
  nameList(options.macs);
  nameList(options.macs);
  nameList(['none', 'zlib@openssh.com']);
  nameList(['none', 'zlib@openssh.com']);
  nameList([]);
  nameList([]);
  w.u8(0).u32(0); // first_kex_packet_follows, reserved
  return w.finish();
}

/** SSH_MSG_KEX_ECDH_INIT with the client's ephemeral Curve25519 key. */
export function buildSshEcdhInit(clientKey: Uint8Array): Buffer {
  return new ByteWriter()
    .u8(SshMessage.KEX_ECDH_INIT)
    .block(4, (w) => w.bytes(clientKey))
    .finish();
}

/** SSH_MSG_KEX_ECDH_REPLY with an ssh-ed25519 host key and signature. */
export function buildSshEcdhReply(options: {
  hostKey: Uint8Array;
  serverKey: Uint8Array;
  signature: Uint8Array;
}): Buffer {
  const sshString = (w: ByteWriter, bytes: Uint8Array | string): void => {
    w.block(4, (s) => (typeof bytes === 'string' ? s.ascii(bytes) : s.bytes(bytes)));
  };
  const w = new ByteWriter().u8(SshMessage.KEX_ECDH_REPLY);
  w.block(4, (blob) => {
    sshString(blob, 'ssh-ed25519');
    sshString(blob, options.hostKey);
  });
  sshString(w, options.serverKey);
  w.block(4, (blob) => {
    sshString(blob, 'ssh-ed25519');
    sshString(blob, options.signature);
  });
  return w.finish();
}
