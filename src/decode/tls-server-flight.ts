import { createHash } from 'node:crypto';
import { computeJa3s } from './ja3.js';
import { readHelloStart, readU16, readU24, tlsVersionName, walkExtensions } from './tls.js';
import type { TlsParse, TlsServerInfo } from './tls.js';
import { readTlsHandshake } from './tls-handshake-reader.js';

const SERVER_HELLO = 2;
const CERTIFICATE = 11;
const ALERT = 21;

/** TLS 1.3 and its drafts (0x7fxx) encrypt everything after the ServerHello. */
function isTls13OrLater(version: number): boolean {
  return version > 0x0303 && version < 0xfe00;
}

function readServerHello(body: Uint8Array): TlsServerInfo | string {
  const end = body.length;
  const start = readHelloStart(body, 'ServerHello');
  if (typeof start === 'string') return start;
  const { legacyVersion } = start;
  let at = start.at;
  if (at + 3 > end) return 'ServerHello cut before cipher suite';
  const cipherSuite = readU16(body, at);
  at += 3; // cipher suite and compression method
  const extensions: number[] = [];
  let version = legacyVersion;
  let alpn: string | null = null;
  if (at !== end) {
    const problem = walkExtensions(body, at, end, (type, dataStart, dataEnd) => {
      extensions.push(type);
      if (type === 0x002b && dataEnd - dataStart === 2) version = readU16(body, dataStart);
      // ALPN in a ServerHello: a list holding exactly the selected protocol.
      if (type === 0x0010 && dataEnd - dataStart >= 3) {
        const length = body[dataStart + 2]!;
        if (dataStart + 3 + length <= dataEnd) {
          alpn = String.fromCharCode(...body.subarray(dataStart + 3, dataStart + 3 + length));
        }
      }
    });
    if (problem !== null) return problem;
  }
  const { ja3s, ja3sString } = computeJa3s({ legacyVersion, cipherSuite, extensions });
  return {
    legacyVersion,
    version,
    versionName: tlsVersionName(version),
    cipherSuite,
    extensions,
    alpn,
    ja3s,
    ja3sString,
    certSha1: null,
  };
}

/**
 * SHA1 of the first certificate in a Certificate body (RFC 5246 section 7.4.2), which may be only
 * the beginning of the message: undefined while the first certificate has not fully arrived, null
 * when the list is empty or malformed.
 */
function leafCertSha1(body: Uint8Array, isWholeMessage: boolean): string | null | undefined {
  if (body.length < 6) return isWholeMessage ? null : undefined;
  const listLength = readU24(body, 0);
  if (listLength === 0) return null;
  const certLength = readU24(body, 3);
  if (certLength === 0 || 6 + certLength > 3 + listLength) return null;
  if (6 + certLength > body.length) return isWholeMessage ? null : undefined;
  return createHash('sha1')
    .update(body.subarray(6, 6 + certLength))
    .digest('hex');
}

function parse(stream: Uint8Array): TlsParse<TlsServerInfo> {
  const read = readTlsHandshake(stream);
  if (read.status === 'invalid') return read;
  const first = read.messages[0];
  if (first === undefined) {
    if (read.pendingType >= 0 && read.pendingType !== SERVER_HELLO) {
      return {
        status: 'invalid',
        reason: `first handshake message is type ${read.pendingType}, not ServerHello`,
      };
    }
    if (read.isClosed) {
      return {
        status: 'invalid',
        reason: read.closingContentType === ALERT ? 'server answered with an alert' : 'no ServerHello',
      };
    }
    return { status: 'incomplete' };
  }
  if (first.type !== SERVER_HELLO) {
    return { status: 'invalid', reason: `first handshake message is type ${first.type}, not ServerHello` };
  }
  const info = readServerHello(first.body);
  if (typeof info === 'string') return { status: 'invalid', reason: info };
  if (isTls13OrLater(info.version)) return { status: 'ok', value: info };

  // TLS ≤ 1.2: a full handshake sends Certificate right after ServerHello; a resumed session
  // goes straight to ChangeCipherSpec, and anonymous or PSK suites to another message.
  const second = read.messages[1];
  if (second !== undefined) {
    if (second.type === CERTIFICATE) info.certSha1 = leafCertSha1(second.body, true) ?? null;
    return { status: 'ok', value: info };
  }
  if (read.pendingType === CERTIFICATE) {
    const sha1 = leafCertSha1(read.pendingBody, false);
    if (sha1 !== undefined) {
      info.certSha1 = sha1;
      return { status: 'ok', value: info };
    }
  } else if (read.pendingType >= 0 || read.isClosed) {
    return { status: 'ok', value: info };
  }
  return read.isClosed ? { status: 'ok', value: info } : { status: 'incomplete', partial: info };
}

/**
 * Parses the start of the responder's TCP payload: the ServerHello (chosen version, cipher suite,
 * ALPN, JA3S) and, for TLS ≤ 1.2, the SHA1 of the leaf certificate. Says `incomplete` (with the
 * ServerHello as `partial` once it is known) while the first certificate has not fully arrived.
 * Never throws.
 */
export function parseTlsServerFlight(stream: Uint8Array): TlsParse<TlsServerInfo> {
  try {
    return parse(stream);
  } catch {
    return { status: 'invalid', reason: 'internal decoder error' };
  }
}
