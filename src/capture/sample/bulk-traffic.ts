/**
 * Millions of packets of plausible home traffic for benchmarks: many concurrent flows interleaved at
 * random, each an HTTPS connection (handshake, ClientHello, server flight, request/response rounds
 * with delayed ACKs, FIN close) or a DNS query and answer. IPv4 only.
 *
 * Speed comes from templates: every packet shape is built once with frame-builder, and each packet is
 * a copy with its MACs, addresses, ports, sequence numbers and IP id patched in. Both checksums stay
 * right: the sum over a template's fixed bytes is computed once, and only the patched words are added.
 */
import { buildDnsQuery, buildDnsResponse } from './dns-message.js';
import { buildFrame, foldChecksum, onesComplementSum } from './frame-builder.js';
import type { TimedFrame } from './pcap-writer.js';
import { SeededRandom } from './seeded-random.js';
import { buildApplicationData, buildClientHello, buildServerHelloTls13 } from './tls-handshake.js';

export interface BulkTrafficOptions {
  /** Exactly this many packets are yielded; flows still open at the end are cut off, as in a real capture. */
  packets: number;
  seed: number;
  /** How many flows are in progress at once. */
  flows: number;
  /** Default 2024-05-14T18:00:00Z. */
  startUs?: number;
  /** Mean packet rate, which spaces the timestamps; default 20 000. */
  packetsPerSecond?: number;
}

export function generateBulkTraffic(options: BulkTrafficOptions): Iterable<TimedFrame> {
  const { packets, flows } = options;
  if (!Number.isSafeInteger(packets) || packets < 0)
    throw new RangeError('packets must be a whole number ≥ 0');
  if (!Number.isSafeInteger(flows) || flows < 1) throw new RangeError('flows must be a whole number ≥ 1');
  return { [Symbol.iterator]: () => bulkFrames(options) };
}

const ETH = 0;
const IP = 14;
const L4 = 34;
const CLIENT_TTL = 64;
const SERVER_TTL = 53;
const ROUTER_MAC = Uint8Array.of(0x04, 0xd9, 0xf5, 0x3c, 0x71, 0xa0);
/** Vendors of the client MACs, so a vendor lookup has something to find. */
const CLIENT_OUIS = [
  [0xf0, 0x18, 0x98],
  [0xf8, 0xbc, 0x12],
  [0x8c, 0x79, 0xf5],
  [0x54, 0x60, 0x09],
  [0x44, 0x19, 0xb6],
  [0x00, 0x11, 0x32],
] as const;
const SERVER_NAMES = [
  'www.google.com',
  'www.youtube.com',
  'api.github.com',
  'www.wikipedia.org',
  'outlook.office365.com',
  'gateway.icloud.com',
  'www.netflix.com',
  'static.xx.fbcdn.net',
  'www.amazon.com',
  'cdn.jsdelivr.net',
  'api.spotify.com',
  'www.bbc.co.uk',
];
const SERVER_PORTS = [443, 443, 443, 443, 443, 443, 443, 443, 993, 5228];
const DNS_NAMES = [
  'www.google.com',
  'time.apple.com',
  'www.instagram.com',
  'api.github.com',
  'example.com',
  'ntp.ubuntu.com',
];
/** Sizes of requests and of the last segment of a response: TLS records of typical lengths. */
const SMALL_SIZES = [64, 120, 250, 400, 640, 900, 1_100, 1_300];
const MSS = 1448;
const DNS_RESOLVER = 0xc0a80101; // 192.168.1.1

/** A packet shape, and the one's-complement sums of its fixed bytes. */
interface Template {
  frame: Buffer;
  isUdp: boolean;
  payloadLength: number;
  /** IPv4 header words except id, TTL/protocol, checksum and addresses. */
  ipSum: number;
  protocol: number;
  /** Transport header and payload except ports, seq, ack, window (or DNS id) and checksum; plus pseudo-header length and protocol. */
  l4Sum: number;
  hasAck: boolean;
  /** A SYN's window is fixed per shape; other windows depend on the direction. */
  synWindow: number | null;
}

interface Templates {
  syn: Template;
  synAck: Template;
  ack: Template;
  fin: Template;
  clientHellos: Template[];
  serverFlight: Template;
  serverFlightEnd: Template;
  full: Template;
  small: Template[];
  dnsQueries: Template[];
  dnsResponses: Template[];
}

const enum Phase {
  Syn,
  SynAck,
  Ack,
  ClientHello,
  ServerFlight,
  ServerFlightEnd,
  FlightAck,
  Request,
  Response,
  ResponseAck,
  Fin,
  FinAck,
  LastAck,
  DnsQuery,
  DnsResponse,
}

class Flow {
  phase = Phase.Syn;
  clientIp = 0;
  serverIp = 0;
  clientPort = 0;
  serverPort = 0;
  clientMac: Uint8Array = ROUTER_MAC;
  clientSeq = 0;
  serverSeq = 0;
  clientIpId = 0;
  serverIpId = 0;
  roundsLeft = 0;
  segmentsLeft = 0;
  sinceAck = 0;
  lastSize = 0;
  nameIndex = 0;
  dnsId = 0;
}

function* bulkFrames(options: BulkTrafficOptions): Generator<TimedFrame> {
  const rng = new SeededRandom(options.seed);
  const templates = buildTemplates(rng);
  const clientMacs = Array.from({ length: 253 }, (_, i) => {
    const oui = CLIENT_OUIS[i % CLIENT_OUIS.length]!;
    return Uint8Array.of(oui[0], oui[1], oui[2], 0x10 + (i >> 8), (i * 37) & 0xff, i & 0xff);
  });
  const flows = Array.from({ length: options.flows }, () => startFlow(new Flow(), rng, clientMacs));
  const meanGapUs = 1_000_000 / (options.packetsPerSecond ?? 20_000);
  let nowUs = options.startUs ?? Date.UTC(2024, 4, 14, 18, 0, 0) * 1000;
  for (let emitted = 0; emitted < options.packets; emitted++) {
    const flow = flows[Math.floor(rng.next() * flows.length)]!;
    nowUs += Math.max(1, Math.round(-Math.log(1 - rng.next()) * meanGapUs));
    yield { timestampUs: nowUs, frame: nextPacket(flow, templates, rng) };
    if (flow.phase === Phase.Syn || flow.phase === Phase.DnsQuery) startFlow(flow, rng, clientMacs);
  }
}

/** Resets a slot to a new flow: one in seven is a DNS lookup, the rest HTTPS-like connections. */
function startFlow(flow: Flow, rng: SeededRandom, clientMacs: readonly Uint8Array[]): Flow {
  const client = rng.int(0, 252);
  flow.clientIp = 0xc0a80102 + client;
  flow.clientMac = clientMacs[client]!;
  flow.clientPort = rng.int(32_768, 60_999);
  flow.clientIpId = rng.int(0, 0xffff);
  flow.serverIpId = rng.int(0, 0xffff);
  if (rng.next() < 1 / 7) {
    flow.phase = Phase.DnsQuery;
    flow.serverIp = DNS_RESOLVER;
    flow.serverPort = 53;
    flow.nameIndex = rng.int(0, DNS_NAMES.length - 1);
    flow.dnsId = rng.int(0, 0xffff);
    return flow;
  }
  const network = rng.pick([0xc0000200, 0xc6336400, 0xcb007100]); // 192.0.2/24, 198.51.100/24, 203.0.113/24
  flow.phase = Phase.Syn;
  flow.serverIp = network + rng.int(1, 254);
  flow.serverPort = rng.pick(SERVER_PORTS);
  flow.clientSeq = rng.uint32();
  flow.serverSeq = rng.uint32();
  flow.nameIndex = rng.int(0, SERVER_NAMES.length - 1);
  flow.roundsLeft = rng.int(1, 6);
  return flow;
}

/** Builds the flow's next packet and advances its state; a finished flow is left at Syn or DnsQuery. */
function nextPacket(flow: Flow, t: Templates, rng: SeededRandom): Buffer {
  switch (flow.phase) {
    case Phase.Syn:
      flow.phase = Phase.SynAck;
      return emit(t.syn, flow, true, 1);
    case Phase.SynAck:
      flow.phase = Phase.Ack;
      return emit(t.synAck, flow, false, 1);
    case Phase.Ack:
      flow.phase = Phase.ClientHello;
      return emit(t.ack, flow, true, 0);
    case Phase.ClientHello: {
      flow.phase = Phase.ServerFlight;
      const hello = t.clientHellos[flow.nameIndex]!;
      return emit(hello, flow, true, hello.payloadLength);
    }
    case Phase.ServerFlight:
      flow.phase = Phase.ServerFlightEnd;
      return emit(t.serverFlight, flow, false, MSS);
    case Phase.ServerFlightEnd:
      flow.phase = Phase.FlightAck;
      return emit(t.serverFlightEnd, flow, false, t.serverFlightEnd.payloadLength);
    case Phase.FlightAck:
      flow.phase = Phase.Request;
      return emit(t.ack, flow, true, 0);
    case Phase.Request: {
      flow.phase = Phase.Response;
      flow.segmentsLeft = responseSegments(rng);
      flow.sinceAck = 0;
      flow.lastSize = rng.int(0, SMALL_SIZES.length - 1);
      const request = t.small[rng.int(1, 5)]!;
      return emit(request, flow, true, request.payloadLength);
    }
    case Phase.Response: {
      flow.segmentsLeft--;
      flow.sinceAck++;
      const isLast = flow.segmentsLeft === 0;
      if (isLast || flow.sinceAck === 2) flow.phase = Phase.ResponseAck;
      const segment = isLast ? t.small[flow.lastSize]! : t.full;
      return emit(segment, flow, false, segment.payloadLength);
    }
    case Phase.ResponseAck:
      flow.sinceAck = 0;
      if (flow.segmentsLeft > 0) flow.phase = Phase.Response;
      else flow.phase = --flow.roundsLeft > 0 ? Phase.Request : Phase.Fin;
      return emit(t.ack, flow, true, 0);
    case Phase.Fin:
      flow.phase = Phase.FinAck;
      return emit(t.fin, flow, true, 1);
    case Phase.FinAck:
      flow.phase = Phase.LastAck;
      return emit(t.fin, flow, false, 1);
    case Phase.LastAck:
      flow.phase = Phase.Syn;
      return emit(t.ack, flow, true, 0);
    case Phase.DnsQuery:
      flow.phase = Phase.DnsResponse;
      return emit(t.dnsQueries[flow.nameIndex]!, flow, true, 0);
    case Phase.DnsResponse:
      flow.phase = Phase.DnsQuery;
      return emit(t.dnsResponses[flow.nameIndex]!, flow, false, 0);
  }
}

/** Most responses fit in a segment or two; some are pages, a few are downloads. */
function responseSegments(rng: SeededRandom): number {
  const roll = rng.next();
  if (roll < 0.6) return rng.int(1, 2);
  if (roll < 0.9) return rng.int(3, 12);
  return rng.int(20, 120);
}

/**
 * Copies a template and patches in the flow's addresses, ports, sequence numbers and ids, with both
 * checksums. Advances the sender's sequence number by `seqAdvance`.
 */
function emit(template: Template, flow: Flow, fromClient: boolean, seqAdvance: number): Buffer {
  const out = Buffer.allocUnsafe(template.frame.length);
  template.frame.copy(out);
  const srcIp = fromClient ? flow.clientIp : flow.serverIp;
  const dstIp = fromClient ? flow.serverIp : flow.clientIp;
  const srcPort = fromClient ? flow.clientPort : flow.serverPort;
  const dstPort = fromClient ? flow.serverPort : flow.clientPort;
  const ttl = fromClient ? CLIENT_TTL : SERVER_TTL;
  const ipId = fromClient ? flow.clientIpId++ & 0xffff : flow.serverIpId++ & 0xffff;
  out.set(fromClient ? ROUTER_MAC : flow.clientMac, ETH);
  out.set(fromClient ? flow.clientMac : ROUTER_MAC, ETH + 6);

  out.writeUInt16BE(ipId, IP + 4);
  out[IP + 8] = ttl;
  out.writeUInt32BE(srcIp >>> 0, IP + 12);
  out.writeUInt32BE(dstIp >>> 0, IP + 16);
  const addressSum = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff);
  out.writeUInt16BE(
    foldChecksum(template.ipSum + ipId + ((ttl << 8) | template.protocol) + addressSum),
    IP + 10,
  );

  out.writeUInt16BE(srcPort, L4);
  out.writeUInt16BE(dstPort, L4 + 2);
  let sum = template.l4Sum + addressSum + srcPort + dstPort;
  if (template.isUdp) {
    out.writeUInt16BE(flow.dnsId, L4 + 8);
    sum += flow.dnsId;
    const checksum = foldChecksum(sum);
    out.writeUInt16BE(checksum === 0 ? 0xffff : checksum, L4 + 6);
    return out;
  }
  const seq = fromClient ? flow.clientSeq : flow.serverSeq;
  const ack = template.hasAck ? (fromClient ? flow.serverSeq : flow.clientSeq) : 0;
  const window = template.synWindow ?? (fromClient ? 502 : 501);
  out.writeUInt32BE(seq, L4 + 4);
  out.writeUInt32BE(ack, L4 + 8);
  out.writeUInt16BE(window, L4 + 14);
  sum += (seq >>> 16) + (seq & 0xffff) + (ack >>> 16) + (ack & 0xffff) + window;
  out.writeUInt16BE(foldChecksum(sum), L4 + 16);
  if (fromClient) flow.clientSeq = (flow.clientSeq + seqAdvance) >>> 0;
  else flow.serverSeq = (flow.serverSeq + seqAdvance) >>> 0;
  return out;
}

function buildTemplates(rng: SeededRandom): Templates {
  const tcp = (
    flags: number,
    payload?: Uint8Array,
    options?: Parameters<typeof buildFrame>[0]['transport'],
  ) =>
    template(
      buildFrame({
        ethernet: { srcMac: '00:00:00:00:00:00', dstMac: '00:00:00:00:00:00', padToMinimum: true },
        ip: { version: 4, src: '0.0.0.0', dst: '0.0.0.0', ttl: 0 },
        transport: options ?? {
          protocol: 'tcp',
          srcPort: 0,
          dstPort: 0,
          seq: 0,
          ack: 0,
          flags,
          window: 0,
          payload,
        },
      }),
    );
  const synOptions = (window: number, flags: number) =>
    tcp(flags, undefined, {
      protocol: 'tcp',
      srcPort: 0,
      dstPort: 0,
      seq: 0,
      ack: 0,
      flags,
      window,
      options: [
        { kind: 'mss', value: 1460 },
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'sackPermitted' },
        { kind: 'nop' },
        { kind: 'windowScale', shift: 7 },
      ],
    });
  const record = (length: number): Buffer => buildApplicationData(rng.bytes(length - 5));
  const hello = buildServerHelloTls13({
    random: rng.bytes(32),
    sessionId: rng.bytes(32),
    keyShare: rng.bytes(32),
  });
  const udp = (payload: Uint8Array): Template =>
    template(
      buildFrame({
        ethernet: { srcMac: '00:00:00:00:00:00', dstMac: '00:00:00:00:00:00', padToMinimum: true },
        ip: { version: 4, src: '0.0.0.0', dst: '0.0.0.0', ttl: 0 },
        transport: { protocol: 'udp', srcPort: 0, dstPort: 0, payload },
      }),
    );
  return {
    syn: synOptions(64240, 0x02),
    synAck: synOptions(65160, 0x12),
    ack: tcp(0x10),
    fin: tcp(0x11),
    clientHellos: SERVER_NAMES.map((serverName) =>
      tcp(
        0x18,
        buildClientHello({
          serverName,
          random: rng.bytes(32),
          sessionId: rng.bytes(32),
          keyShare: rng.bytes(32),
          greaseSeed: rng.int(0, 15),
        }),
      ),
    ),
    serverFlight: tcp(0x10, Buffer.concat([hello, record(MSS - hello.length)])),
    serverFlightEnd: tcp(0x18, record(rng.int(900, 1_300))),
    full: tcp(0x10, record(MSS)),
    small: SMALL_SIZES.map((size) => tcp(0x18, record(size))),
    dnsQueries: DNS_NAMES.map((name) => udp(buildDnsQuery({ id: 0, name, type: 'A' }))),
    dnsResponses: DNS_NAMES.map((name, i) =>
      udp(
        buildDnsResponse({
          id: 0,
          question: { name, type: 'A' },
          answers: [{ name, ttl: 300, data: { type: 'A', address: `203.0.113.${100 + i}` } }],
        }),
      ),
    ),
  };
}

/**
 * Records a built frame's fixed sums. Frames are built with zero addresses, ports, ids, TTL, seq and ack,
 * so what the checksums cover sums to the fixed bytes alone once the window is taken out.
 */
function template(frame: Buffer): Template {
  const protocol = frame[IP + 9]!;
  const isUdp = protocol === 17;
  const l4Length = frame.readUInt16BE(IP + 2) - 20;
  frame.writeUInt16BE(0, IP + 10);
  const ipSum = onesComplementSum(frame, IP, IP + 20) - protocol;
  frame.writeUInt16BE(0, L4 + (isUdp ? 6 : 16));
  const flags = isUdp ? 0 : frame[L4 + 13]!;
  const window = isUdp ? 0 : frame.readUInt16BE(L4 + 14);
  const l4Sum = onesComplementSum(frame, L4, L4 + l4Length) + protocol + l4Length - window;
  return {
    frame,
    isUdp,
    payloadLength: l4Length - (isUdp ? 8 : (frame[L4 + 12]! >> 4) * 4),
    ipSum,
    protocol,
    l4Sum,
    hasAck: (flags & 0x10) !== 0,
    synWindow: flags & 0x02 ? window : null,
  };
}
