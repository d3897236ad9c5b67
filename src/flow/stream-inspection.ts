/**
 * Reads names and fingerprints from the first bytes of each TCP direction: the TLS ClientHello (SNI,
 * JA3, JA4, ALPN) and server flight (version, certificate SHA1), the HTTP Host header, and DNS
 * messages over TCP. Only in-order segments are used: a segment whose sequence number is not the one
 * expected next (a retransmission, or one after a gap) is skipped, which is enough for handshakes.
 */
import { decodeDnsMessage } from '../decode/index.js';
import { splitDnsOverTcp } from '../decode/index.js';
import { parseHttpRequestStart } from '../decode/index.js';
import { parseTlsClientHello } from '../decode/index.js';
import { parseTlsServerFlight } from '../decode/index.js';
import { TcpFlag } from '../records/index.js';
import { ByteBuffer } from './byte-buffer.js';
import { reportDnsResponse } from './dns-answers.js';
import type { InspectionContext } from './inspection-context.js';

/** The parts of a live flow that inspection reads and writes (the flow table hands in a view of one). */
export interface InspectedFlow {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Addresses as text; read only by DNS over TCP. */
  readonly srcAddr: string;
  readonly dstAddr: string;
  /** Next expected sequence number per direction, for in-order payload inspection; -1 unknown. */
  srcNextSeq: number;
  dstNextSeq: number;
  /** Payload parsing in progress, or null when there is none (not started, or finished and freed). */
  inspection: StreamInspection | null;
  inspectionDone: boolean;
  serverName: string | null;
  ja3: string | null;
  ja4: string | null;
  alpn: string | null;
  tlsVersion: string | null;
  tlsCertSha1: string | null;
}

/** A ClientHello larger than this (post-quantum key shares reach ~2 KB) is not a ClientHello. */
export const CLIENT_TLS_CAP_BYTES = 16 * 1024;
/** Server hello, certificate chain and the rest of the first flight. */
export const SERVER_TLS_CAP_BYTES = 64 * 1024;
/** HTTP request headers worth waiting for. */
export const HTTP_CAP_BYTES = 8 * 1024;
/** One DNS message (64 KiB) plus its length prefix. */
export const DNS_TCP_CAP_BYTES = 65_537;

const TLS = 1;
const HTTP = 2;
const DNS = 3;

/** Per-flow parsing state; dropped (set to null on the flow) as soon as both directions are done. */
export class StreamInspection {
  srcBuffer: ByteBuffer | null = null;
  dstBuffer: ByteBuffer | null = null;
  srcDone: boolean;
  dstDone: boolean;

  constructor(
    readonly mode: number,
    isDnsServerSrc: boolean,
  ) {
    // HTTP is read from the initiator only; DNS answers only from the server's side.
    this.srcDone = mode === DNS ? !isDnsServerSrc : false;
    this.dstDone = mode === HTTP || (mode === DNS && isDnsServerSrc);
  }
}

/**
 * Looks at one TCP segment of a flow whose inspection is not finished. `payload` is the captured part
 * of the segment's payload, `payloadLength` the length its headers state.
 */
export function inspectTcpPayload(
  flow: InspectedFlow,
  fromSrc: boolean,
  tcpFlags: number,
  tcpSeq: number,
  payload: Uint8Array,
  payloadLength: number,
  timestampUs: number,
  ctx: InspectionContext,
): void {
  const isSyn = (tcpFlags & TcpFlag.SYN) !== 0;
  const seq = isSyn ? (tcpSeq + 1) >>> 0 : tcpSeq;
  if (payloadLength === 0) {
    if (isSyn) setNextSeq(flow, fromSrc, seq);
    return;
  }
  let state = flow.inspection;
  if (state === null) {
    state = startInspection(flow, fromSrc, payload);
    if (state === null) {
      finish(flow);
      return;
    }
    flow.inspection = state;
  }
  if (fromSrc ? state.srcDone : state.dstDone) return;
  const expected = fromSrc ? flow.srcNextSeq : flow.dstNextSeq;
  if (expected !== -1 && seq !== expected) return;
  setNextSeq(flow, fromSrc, (seq + payloadLength) >>> 0);
  const isCut = payload.length < payloadLength;

  if (state.mode === TLS) {
    if (fromSrc) inspectClientHello(flow, state, payload, isCut);
    else inspectServerFlight(flow, state, payload, isCut);
  } else if (state.mode === HTTP) {
    inspectHttpRequest(flow, state, payload, isCut);
  } else {
    inspectDnsStream(flow, state, fromSrc, payload, isCut, timestampUs, ctx);
  }
  if (state.srcDone && state.dstDone) finish(flow);
}

function setNextSeq(flow: InspectedFlow, fromSrc: boolean, seq: number): void {
  if (fromSrc) flow.srcNextSeq = seq;
  else flow.dstNextSeq = seq;
}

function finish(flow: InspectedFlow): void {
  flow.inspection = null;
  flow.inspectionDone = true;
}

/** Decides from the first payload what, if anything, is worth reading on this connection. */
function startInspection(
  flow: InspectedFlow,
  fromSrc: boolean,
  payload: Uint8Array,
): StreamInspection | null {
  if (flow.srcPort === 53 || flow.dstPort === 53) return new StreamInspection(DNS, flow.srcPort === 53);
  // Protocols where the server speaks first (SMTP, SSH, FTP) carry none of the names read here.
  if (!fromSrc || payload.length === 0) return null;
  if (payload[0] === 0x16) return new StreamInspection(TLS, false);
  const first = payload[0] ?? 0;
  if (first >= 0x41 && first <= 0x5a) return new StreamInspection(HTTP, false);
  return null;
}

/**
 * Runs `parse` on the buffered bytes plus `segment`. The common case, a message in one segment,
 * parses the segment in place; bytes are copied only when a message spans segments.
 */
function withSegment<T>(
  buffer: ByteBuffer | null,
  capBytes: number,
  segment: Uint8Array,
  parse: (bytes: Uint8Array) => T,
): { result: T; buffer: ByteBuffer | null; isFull: boolean } {
  if (buffer === null && segment.length <= capBytes) {
    return { result: parse(segment), buffer: null, isFull: false };
  }
  const target = buffer ?? new ByteBuffer(capBytes);
  const isFull = !target.append(segment) || target.length >= capBytes;
  return { result: parse(target.view()), buffer: target, isFull };
}

function keep(buffer: ByteBuffer | null, capBytes: number, segment: Uint8Array): ByteBuffer {
  if (buffer !== null) return buffer;
  const created = new ByteBuffer(capBytes);
  created.append(segment);
  return created;
}

function inspectClientHello(
  flow: InspectedFlow,
  state: StreamInspection,
  segment: Uint8Array,
  isCut: boolean,
): void {
  const { result, buffer, isFull } = withSegment(
    state.srcBuffer,
    CLIENT_TLS_CAP_BYTES,
    segment,
    parseTlsClientHello,
  );
  if (result.status === 'ok') {
    const hello = result.value;
    flow.serverName = hello.serverName ?? flow.serverName;
    flow.ja3 = hello.ja3;
    flow.ja4 = hello.ja4;
    if (hello.alpn.length > 0) flow.alpn ??= hello.alpn.join(',');
    state.srcDone = true;
    state.srcBuffer = null;
  } else if (result.status === 'invalid' || isFull || isCut) {
    // Not TLS after all, or a hello we cannot complete: the server side will not tell us more.
    state.srcDone = true;
    state.dstDone = true;
    state.srcBuffer = null;
    state.dstBuffer = null;
  } else {
    state.srcBuffer = keep(buffer, CLIENT_TLS_CAP_BYTES, segment);
  }
}

function inspectServerFlight(
  flow: InspectedFlow,
  state: StreamInspection,
  segment: Uint8Array,
  isCut: boolean,
): void {
  const { result, buffer, isFull } = withSegment(
    state.dstBuffer,
    SERVER_TLS_CAP_BYTES,
    segment,
    parseTlsServerFlight,
  );
  const info =
    result.status === 'ok' ? result.value : result.status === 'incomplete' ? result.partial : undefined;
  if (info !== undefined) {
    flow.tlsVersion = info.versionName;
    if (info.certSha1 !== null) flow.tlsCertSha1 = info.certSha1;
    // The protocol the server chose says more than the list the client offered.
    if (info.alpn !== null) flow.alpn = info.alpn;
  }
  if (result.status !== 'incomplete' || isFull || isCut) {
    state.dstDone = true;
    state.dstBuffer = null;
  } else {
    state.dstBuffer = keep(buffer, SERVER_TLS_CAP_BYTES, segment);
  }
}

function inspectHttpRequest(
  flow: InspectedFlow,
  state: StreamInspection,
  segment: Uint8Array,
  isCut: boolean,
): void {
  const { result, buffer, isFull } = withSegment(
    state.srcBuffer,
    HTTP_CAP_BYTES,
    segment,
    parseHttpRequestStart,
  );
  if (result !== null && result.host !== null) flow.serverName = result.host;
  const bytes = buffer === null ? segment : buffer.view();
  if (result === null || result.host !== null || isFull || isCut || hasHeaderEnd(bytes)) {
    state.srcDone = true;
    state.srcBuffer = null;
  } else {
    state.srcBuffer = keep(buffer, HTTP_CAP_BYTES, segment);
  }
}

function hasHeaderEnd(bytes: Uint8Array): boolean {
  for (let i = 1; i < bytes.length; i++) {
    if (
      bytes[i] === 0x0a &&
      (bytes[i - 1] === 0x0a || (bytes[i - 1] === 0x0d && i >= 3 && bytes[i - 2] === 0x0a))
    )
      return true;
  }
  return false;
}

/** DNS over TCP: every complete response on the server's side is reported; the remainder waits. */
function inspectDnsStream(
  flow: InspectedFlow,
  state: StreamInspection,
  fromSrc: boolean,
  segment: Uint8Array,
  isCut: boolean,
  timestampUs: number,
  ctx: InspectionContext,
): void {
  const clientAddr = fromSrc ? flow.dstAddr : flow.srcAddr;
  const serverAddr = fromSrc ? flow.srcAddr : flow.dstAddr;
  let buffer = fromSrc ? state.srcBuffer : state.dstBuffer;
  let bytes = segment;
  let isFull = false;
  if (buffer !== null) {
    isFull = !buffer.append(segment);
    bytes = buffer.view();
  }
  const split = splitDnsOverTcp(bytes);
  for (const message of split.messages) {
    const decoded = decodeDnsMessage(message);
    if (decoded !== null) reportDnsResponse(decoded, clientAddr, serverAddr, timestampUs, 'tcp', ctx);
  }
  if (isCut || isFull) {
    buffer = null;
    if (fromSrc) state.srcDone = true;
    else state.dstDone = true;
  } else if (buffer !== null) {
    buffer.consume(split.consumed);
  } else if (split.consumed < segment.length) {
    buffer = new ByteBuffer(DNS_TCP_CAP_BYTES);
    buffer.append(segment.subarray(split.consumed));
  }
  if (fromSrc) state.srcBuffer = buffer;
  else state.dstBuffer = buffer;
}
