import { protocolName, TcpFlag, type FlowEndReason, type FlowStatus } from '../../records/index.js';
import type { LoggedFlow } from '../logged-flow.js';
import { parseLogCount, parseLogInterval, parseLogTime } from '../log-fields.js';
import type { ZeekLogParser } from './zeek-log-parser.js';

/** One conn.log record: the flow, and what joins other logs onto it. */
export interface ZeekConnection {
  /** Zeek's connection id, which ssl.log and http.log repeat; null when the log has none. */
  uid: string | null;
  /** Zeek's `service` ("ssl", "http", "dns,ssl"…); null when unknown. */
  service: string | null;
  flow: LoggedFlow;
}

const PROTO_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };
/** IPv4 and IPv6 headers without options, plus the 8-byte UDP or ICMP header. */
const V4_HEADERS = 28;
const V6_HEADERS = 48;

/**
 * Reads the current conn.log record as a flow: Zeek's originator is `src`, `*_ip_bytes` are the IP-layer
 * bytes FlowRecord counts, `*_bytes` the payload. Status and end reason follow from `history` the way
 * the flow table decides them from packets (see `statusFromHistory`), so an imported conn.log and an
 * imported capture of the same traffic agree; without a history, from `conn_state`.
 * Returns the reason as text when a field the flow needs is missing or malformed.
 */
export function readZeekConnection(log: ZeekLogParser): ZeekConnection | string {
  const ts = log.get('ts');
  const srcAddr = log.get('id.orig_h');
  const dstAddr = log.get('id.resp_h');
  const protoName = log.get('proto');
  if (ts === null || srcAddr === null || dstAddr === null || protoName === null) {
    return 'a conn record without ts, id.orig_h, id.resp_h or proto';
  }
  const firstSeenAt = parseLogTime(ts);
  if (Number.isNaN(firstSeenAt)) return `ts "${ts}" is not a time`;
  const ipVersion = srcAddr.includes(':') ? 6 : 4;
  if (!isAddress(srcAddr) || !isAddress(dstAddr) || dstAddr.includes(':') !== (ipVersion === 6)) {
    return `"${srcAddr}" → "${dstAddr}" is not a pair of IP addresses`;
  }
  const ipProto = protocolNumber(protoName, log.get('ip_proto'), ipVersion);
  if (ipProto === -1) return `proto "${protoName}" is not a protocol`;
  const srcPort = countOr(log.get('id.orig_p'), 0);
  const dstPort = countOr(log.get('id.resp_p'), 0);
  const duration = log.get('duration');
  const durationUs = duration === null ? 0 : parseLogInterval(duration);
  const srcPackets = countOr(log.get('orig_pkts'), 0);
  const dstPackets = countOr(log.get('resp_pkts'), 0);
  const srcBytes = countOr(log.get('orig_ip_bytes'), 0);
  const dstBytes = countOr(log.get('resp_ip_bytes'), 0);
  if (
    srcPort > 65_535 ||
    dstPort > 65_535 ||
    Number.isNaN(durationUs + srcPackets + dstPackets + srcBytes + dstBytes + srcPort + dstPort)
  ) {
    return 'a port, count or duration that is not a number';
  }
  const headers = ipVersion === 6 ? V6_HEADERS : V4_HEADERS;
  const history = log.get('history');
  const state = log.get('conn_state');
  const status =
    ipProto === 6 ? tcpStatus(history, state, dstPackets) : dstPackets > 0 ? 'established' : 'unanswered';
  const vlan = countOr(log.get('vlan'), Number.NaN);
  const innerVlan = countOr(log.get('inner_vlan'), Number.NaN);
  const flow: LoggedFlow = {
    protocol: protocolName(ipProto),
    ipProto,
    ipVersion,
    srcAddr,
    dstAddr,
    srcPort,
    dstPort,
    firstSeenAt,
    lastSeenAt: firstSeenAt + durationUs,
    srcBytes,
    dstBytes,
    srcPackets,
    dstPackets,
    srcPayloadBytes: payloadBytes(log.get('orig_bytes'), ipProto, srcBytes, srcPackets, headers),
    dstPayloadBytes: payloadBytes(log.get('resp_bytes'), ipProto, dstBytes, dstPackets, headers),
    status,
    endReason: endReasonOf(status),
    communityId: log.get('community_id'),
    isIcmpCodeAsPort: false,
    sensor: log.get('_node_name'),
    interface: null,
    srcMac: log.get('orig_l2_addr'),
    dstMac: log.get('resp_l2_addr'),
    vlan: Number.isNaN(vlan) ? null : vlan,
    innerVlan: Number.isNaN(innerVlan) ? null : innerVlan,
    serverName: null,
    dnsName: null,
    ja3: null,
    ja4: null,
    tlsCertSha1: null,
    tlsVersion: null,
    alpn: null,
    srcTcpFlags: ipProto === 6 ? historyFlags(history, true) : 0,
    dstTcpFlags: ipProto === 6 ? historyFlags(history, false) : 0,
  };
  return { uid: log.get('uid'), service: log.get('service'), flow };
}

function countOr(text: string | null, fallback: number): number {
  return text === null ? fallback : parseLogCount(text);
}

/** An IPv4 dotted quad or an IPv6 text form: only the characters they use, in a plausible length. */
function isAddress(text: string): boolean {
  const length = text.length;
  if (length < 2 || length > 45) return false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    const isDigit = c >= 0x30 && c <= 0x39;
    const isHex = (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
    if (!isDigit && !isHex && c !== 0x2e && c !== 0x3a) return false;
  }
  return text.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(text);
}

/** Zeek's `proto` names only tcp, udp and icmp; `ip_proto` (Zeek 6+) has the number for the rest. */
function protocolNumber(name: string, ipProto: string | null, ipVersion: 4 | 6): number {
  if (ipProto !== null) {
    const number = parseLogCount(ipProto);
    if (number <= 255) return number;
  }
  const known = PROTO_NUMBERS[name];
  if (known === undefined) return -1;
  return known === 1 && ipVersion === 6 ? 58 : known;
}

/**
 * Payload bytes per direction. Zeek leaves them unset for connections it did not time (a single
 * datagram, a lone SYN-ACK): then UDP and ICMP payload is the IP bytes less the IP and 8-byte headers
 * (assuming no IP options), and a TCP side that sent no data has none.
 */
function payloadBytes(
  logged: string | null,
  ipProto: number,
  ipBytes: number,
  packets: number,
  headers: number,
): number {
  if (logged !== null) {
    const bytes = parseLogCount(logged);
    if (!Number.isNaN(bytes)) return bytes;
  }
  if (ipProto === 6) return 0;
  return Math.max(0, ipBytes - packets * headers);
}

/**
 * TCP status as the flow table decides it, read from Zeek's `history` (upper case: originator, lower
 * case: responder; S SYN, H SYN-ACK, D data, F FIN, R RST): a connection whose first packet was not the
 * originator's SYN is `partial`, one the responder never answered `unanswered`, a SYN answered only by
 * a RST `rejected`, FIN both ways `closed`, any RST `reset`.
 */
export function statusFromHistory(history: string, responderPackets: number): FlowStatus {
  if (history[0] !== 'S') return 'partial';
  if (responderPackets === 0) return 'unanswered';
  const responderSyn = history.includes('h') || history.includes('s');
  const responderRst = history.includes('r');
  if (!responderSyn && responderRst && !history.includes('d')) return 'rejected';
  if (history.includes('F') && history.includes('f')) return 'closed';
  if (history.includes('R') || responderRst) return 'reset';
  return 'established';
}

/** Without a history: the conn_state definitions of Zeek's conn.log documentation. */
const STATE_STATUS: Record<string, FlowStatus> = {
  S0: 'unanswered',
  SH: 'unanswered',
  RSTOS0: 'unanswered',
  S1: 'established',
  S2: 'established',
  S3: 'established',
  SF: 'closed',
  REJ: 'rejected',
  RSTO: 'reset',
  RSTR: 'reset',
  RSTRH: 'partial',
  SHR: 'partial',
  OTH: 'partial',
};

function tcpStatus(history: string | null, state: string | null, responderPackets: number): FlowStatus {
  if (history !== null && history !== '') return statusFromHistory(history, responderPackets);
  return STATE_STATUS[state ?? ''] ?? (responderPackets > 0 ? 'established' : 'unanswered');
}

/** A conn.log record is written when Zeek considers the connection over: by FIN, by RST, or by timeout. */
function endReasonOf(status: FlowStatus): FlowEndReason {
  if (status === 'closed') return 'fin';
  if (status === 'reset' || status === 'rejected') return 'rst';
  return 'idle_timeout';
}

/**
 * The TCP flags one side's history letters prove: SYN, SYN-ACK, ACK, FIN, RST. PSH, URG, ECE and CWR
 * leave no letter, so they are never set; a capture of the same traffic may show more.
 */
export function historyFlags(history: string | null, isOriginator: boolean): number {
  if (history === null) return 0;
  // Upper case is the originator, lower case (32 more) the responder.
  const offset = isOriginator ? 0 : 32;
  let flags = 0;
  for (let i = 0; i < history.length; i++) {
    switch (history.charCodeAt(i) - offset) {
      case 0x53 /* S */:
        flags |= TcpFlag.SYN;
        break;
      case 0x48 /* H */:
        flags |= TcpFlag.SYN | TcpFlag.ACK;
        break;
      case 0x41 /* A */:
        flags |= TcpFlag.ACK;
        break;
      case 0x46 /* F */:
        flags |= TcpFlag.FIN;
        break;
      case 0x52 /* R */:
        flags |= TcpFlag.RST;
        break;
    }
  }
  return flags;
}
