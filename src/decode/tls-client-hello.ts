import { ClientHelloPrints } from './client-hello-prints.js';
import { isGrease, readHelloStart, readU16, walkExtensions } from './tls.js';
import type { TlsClientHello, TlsParse } from './tls.js';
import { readTlsHandshake } from './tls-handshake-reader.js';

const CLIENT_HELLO = 1;
// Real ClientHellos stay well under this even with post-quantum key shares; a larger stated
// length means the bytes are not a ClientHello, and buffering for it would be wasted.
const MAX_CLIENT_HELLO_BYTES = 65535;

function latin1(bytes: Uint8Array, start: number, end: number, lowercase: boolean): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    text += String.fromCharCode(lowercase && c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return text;
}

/** Reads a list of u16 behind a length of `prefixBytes` (1 or 2); stops quietly at a bad length. */
function readU16List(bytes: Uint8Array, start: number, end: number, prefixBytes: 1 | 2): number[] {
  const values: number[] = [];
  if (start + prefixBytes > end) return values;
  const length = prefixBytes === 1 ? bytes[start]! : readU16(bytes, start);
  const listEnd = Math.min(start + prefixBytes + length, end);
  for (let at = start + prefixBytes; at + 2 <= listEnd; at += 2) values.push(readU16(bytes, at));
  return values;
}

function readServerName(bytes: Uint8Array, start: number, end: number): string | null {
  if (start + 2 > end) return null;
  const listEnd = Math.min(start + 2 + readU16(bytes, start), end);
  for (let at = start + 2; at + 3 <= listEnd;) {
    const nameType = bytes[at]!;
    const length = readU16(bytes, at + 1);
    if (at + 3 + length > listEnd) return null;
    if (nameType === 0) return latin1(bytes, at + 3, at + 3 + length, true);
    at += 3 + length;
  }
  return null;
}

function readAlpn(bytes: Uint8Array, start: number, end: number): string[] {
  const values: string[] = [];
  if (start + 2 > end) return values;
  const listEnd = Math.min(start + 2 + readU16(bytes, start), end);
  for (let at = start + 2; at + 1 <= listEnd;) {
    const length = bytes[at]!;
    if (at + 1 + length > listEnd) break;
    values.push(latin1(bytes, at + 1, at + 1 + length, false));
    at += 1 + length;
  }
  return values;
}

/**
 * Reads a ClientHello body (RFC 8446 section 4.1.2). The outer structure must be exact; the
 * contents of the extensions we read are taken leniently (a bad inner length ends that list), as
 * a fingerprint of an odd client is still worth having.
 */
function readClientHelloBody(body: Uint8Array): TlsClientHello | string {
  const end = body.length;
  const start = readHelloStart(body, 'ClientHello');
  if (typeof start === 'string') return start;
  const { legacyVersion } = start;
  let at = start.at;
  if (at + 2 > end) return 'ClientHello cut before cipher suites';
  const cipherBytes = readU16(body, at);
  at += 2;
  if (cipherBytes % 2 !== 0 || at + cipherBytes > end) return 'bad cipher suites length';
  const cipherSuites: number[] = [];
  for (let i = at; i < at + cipherBytes; i += 2) cipherSuites.push(readU16(body, i));
  at += cipherBytes;
  if (at + 1 > end) return 'ClientHello cut before compression methods';
  at += 1 + body[at]!;
  if (at > end) return 'bad compression methods length';

  // The fingerprints are filled in once the fields are known; the one object is what the caller gets.
  const hello: TlsClientHello = {
    legacyVersion,
    supportedVersions: [],
    version: legacyVersion,
    cipherSuites,
    extensions: [],
    serverName: null,
    alpn: [],
    supportedGroups: [],
    ecPointFormats: [],
    signatureAlgorithms: [],
    ja3: '',
    ja3String: '',
    ja4: '',
  };
  if (at === end) return hello;
  const problem = walkExtensions(body, at, end, (type, dataStart, dataEnd) => {
    hello.extensions.push(type);
    switch (type) {
      case 0x0000:
        hello.serverName ??= readServerName(body, dataStart, dataEnd);
        break;
      case 0x000a:
        hello.supportedGroups = readU16List(body, dataStart, dataEnd, 2);
        break;
      case 0x000b:
        if (dataStart < dataEnd) {
          const formatsEnd = Math.min(dataStart + 1 + body[dataStart]!, dataEnd);
          for (let i = dataStart + 1; i < formatsEnd; i++) hello.ecPointFormats.push(body[i]!);
        }
        break;
      case 0x000d:
        hello.signatureAlgorithms = readU16List(body, dataStart, dataEnd, 2);
        break;
      case 0x0010:
        hello.alpn = readAlpn(body, dataStart, dataEnd);
        break;
      case 0x002b:
        hello.supportedVersions = readU16List(body, dataStart, dataEnd, 1);
        break;
    }
  });
  if (problem !== null) return problem;
  return hello;
}

function highestVersion(hello: TlsClientHello): number {
  let version = -1;
  for (const value of hello.supportedVersions) {
    if (!isGrease(value) && value > version) version = value;
  }
  return version < 0 ? hello.legacyVersion : version;
}

// Fingerprints of the ClientHellos seen so far. Module state, but pure in effect: it only remembers
// the results of a pure function, within a fixed bound.
const prints = new ClientHelloPrints();

function parse(stream: Uint8Array): TlsParse<TlsClientHello> {
  const read = readTlsHandshake(stream);
  if (read.status === 'invalid') return read;
  const first = read.messages[0];
  if (first === undefined) {
    if (read.pendingType >= 0 && read.pendingType !== CLIENT_HELLO) {
      return {
        status: 'invalid',
        reason: `first handshake message is type ${read.pendingType}, not ClientHello`,
      };
    }
    if (read.pendingLength > MAX_CLIENT_HELLO_BYTES)
      return { status: 'invalid', reason: 'ClientHello length implausible' };
    if (read.isClosed) return { status: 'invalid', reason: 'handshake records end inside the ClientHello' };
    return { status: 'incomplete' };
  }
  if (first.type !== CLIENT_HELLO) {
    return { status: 'invalid', reason: `first handshake message is type ${first.type}, not ClientHello` };
  }
  const fields = readClientHelloBody(first.body);
  if (typeof fields === 'string') return { status: 'invalid', reason: fields };
  fields.version = highestVersion(fields);
  const { ja3, ja3String, ja4 } = prints.of(fields);
  fields.ja3 = ja3;
  fields.ja3String = ja3String;
  fields.ja4 = ja4;
  return { status: 'ok', value: fields };
}

/**
 * Parses the ClientHello at the start of the initiator's TCP payload (`stream` from the first
 * byte of the connection, as much as has arrived), reassembled across TLS records, and computes
 * its JA3 and JA4 fingerprints. Returns `incomplete` while the ClientHello is not all there.
 * Never throws.
 */
export function parseTlsClientHello(stream: Uint8Array): TlsParse<TlsClientHello> {
  try {
    return parse(stream);
  } catch {
    return { status: 'invalid', reason: 'internal decoder error' };
  }
}
