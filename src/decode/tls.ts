/**
 * Types and small helpers shared by the TLS handshake decoders (`tls-client-hello.ts`,
 * `tls-server-flight.ts`) and the fingerprints (`ja3.ts`, `ja4.ts`).
 */

/**
 * Outcome of parsing the start of one side of a TLS connection.
 * - `incomplete`: what arrived so far is a valid beginning; call again with more bytes (the caller
 *   decides how much to buffer). `partial` carries what is already known where that is useful.
 * - `invalid`: this is not TLS, or not a handshake this decoder understands; stop buffering.
 */
export type TlsParse<T> =
  { status: 'ok'; value: T } | { status: 'incomplete'; partial?: T } | { status: 'invalid'; reason: string };

export interface TlsClientHello {
  /** `legacy_version` of the ClientHello body (not the record layer's). */
  legacyVersion: number;
  /** The supported_versions extension (0x002b) as sent, GREASE included; empty without it. */
  supportedVersions: number[];
  /** Highest non-GREASE value of supported_versions, else `legacyVersion`. */
  version: number;
  /** Cipher suites as sent, GREASE included. */
  cipherSuites: number[];
  /** Extension types in the order sent, GREASE included. */
  extensions: number[];
  /** server_name host_name (SNI), lowercase; null when absent. */
  serverName: string | null;
  /** ALPN protocol names in order, each byte as one character (latin1). */
  alpn: string[];
  /** supported_groups (formerly elliptic_curves, 0x000a) as sent. */
  supportedGroups: number[];
  /** ec_point_formats (0x000b) as sent. */
  ecPointFormats: number[];
  /** signature_algorithms (0x000d) in the order sent. */
  signatureAlgorithms: number[];
  /** Salesforce JA3: MD5 hex of `ja3String`. */
  ja3: string;
  /** `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`, GREASE removed. */
  ja3String: string;
  /** FoxIO JA4 TLS client fingerprint (TCP), e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`. */
  ja4: string;
}

export interface TlsServerInfo {
  /** `legacy_version` of the ServerHello body. */
  legacyVersion: number;
  /** The version the server chose: its supported_versions extension when present, else `legacyVersion`. */
  version: number;
  /** Zeek-style name of `version`: `TLSv12`, `TLSv13`, `SSLv3`, … */
  versionName: string;
  cipherSuite: number;
  /** Extension types in the order sent. */
  extensions: number[];
  /** The ALPN protocol the server selected, or null (TLS 1.3 sends it encrypted). */
  alpn: string | null;
  /** Salesforce JA3S: MD5 hex of `ja3sString`. */
  ja3s: string;
  /** `SSLVersion,Cipher,SSLExtension`. */
  ja3sString: string;
  /**
   * SHA1 hex of the first (leaf) certificate DER, when the server sent its Certificate in
   * cleartext (TLS ≤ 1.2). Null for TLS 1.3 (encrypted), resumed sessions and anonymous suites.
   */
  certSha1: string | null;
}

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a, … 0xfafa. Fingerprints leave them out. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

const VERSION_NAMES: Readonly<Record<number, string>> = {
  0x0002: 'SSLv2',
  0x0300: 'SSLv3',
  0x0301: 'TLSv10',
  0x0302: 'TLSv11',
  0x0303: 'TLSv12',
  0x0304: 'TLSv13',
  0xfeff: 'DTLSv10',
  0xfefd: 'DTLSv12',
  0xfefc: 'DTLSv13',
};

/** Zeek's spelling of a protocol version (`TLSv12`), or `unknown-<n>` as Zeek writes others. */
export function tlsVersionName(version: number): string {
  return VERSION_NAMES[version] ?? `unknown-${version}`;
}

/** Big-endian 16-bit read; the caller has checked the bounds. */
export function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** Big-endian 24-bit read; the caller has checked the bounds. */
export function readU24(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
}

/**
 * The start ClientHello and ServerHello share: legacy version, 32-byte random, session id. Gives the
 * version and the offset after the session id, or what is wrong.
 */
export function readHelloStart(
  body: Uint8Array,
  message: 'ClientHello' | 'ServerHello',
): { legacyVersion: number; at: number } | string {
  if (body.length < 35) return `${message} too short`;
  const sessionIdLength = body[34]!;
  if (sessionIdLength > 32) return 'session id longer than 32 bytes';
  return { legacyVersion: readU16(body, 0), at: 35 + sessionIdLength };
}

/**
 * Walks the extensions block of a Hello that starts at `at` (its 2-byte length) and hands each
 * extension's type and data bounds to `visit`, in order. Gives what is wrong with the framing, or null.
 */
export function walkExtensions(
  body: Uint8Array,
  at: number,
  end: number,
  visit: (type: number, dataStart: number, dataEnd: number) => void,
): string | null {
  if (at + 2 > end) return 'bad extensions length';
  const extensionsEnd = at + 2 + readU16(body, at);
  if (extensionsEnd > end) return 'bad extensions length';
  for (let next = at + 2; next < extensionsEnd;) {
    if (next + 4 > extensionsEnd) return 'extension header cut short';
    const type = readU16(body, next);
    const dataStart = next + 4;
    const dataEnd = dataStart + readU16(body, next + 2);
    if (dataEnd > extensionsEnd) return `extension 0x${type.toString(16)} overruns the extensions`;
    visit(type, dataStart, dataEnd);
    next = dataEnd;
  }
  return null;
}
