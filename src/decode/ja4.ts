import { hash } from 'node:crypto';
import { isGrease } from './tls.js';

export interface Ja4Input {
  legacyVersion: number;
  supportedVersions: readonly number[];
  cipherSuites: readonly number[];
  /** Extension types in the order sent. */
  extensions: readonly number[];
  /** ALPN values, each byte as one character (latin1). */
  alpn: readonly string[];
  signatureAlgorithms: readonly number[];
}

const EXTENSION_SNI = 0x0000;
const EXTENSION_ALPN = 0x0010;
const EMPTY_HASH = '000000000000';
const HEX = '0123456789abcdef';

const VERSION_CODES: Readonly<Record<number, string>> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
};

function hex4(value: number): string {
  return HEX[(value >> 12) & 0xf]! + HEX[(value >> 8) & 0xf]! + HEX[(value >> 4) & 0xf]! + HEX[value & 0xf]!;
}

function twoDigits(count: number): string {
  const capped = Math.min(count, 99);
  return capped < 10 ? `0${capped}` : `${capped}`;
}

function isAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

// The text is ASCII (hex, commas, an underscore), so its UTF-8 bytes are its latin1 bytes.
function truncatedSha256(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 12);
}

/** The version part: the highest non-GREASE supported_versions value, else legacy_version. */
function versionCode(hello: Ja4Input): string {
  let version = -1;
  for (const value of hello.supportedVersions) {
    if (!isGrease(value) && value > version) version = value;
  }
  if (version < 0) version = hello.legacyVersion;
  return VERSION_CODES[version] ?? '00';
}

/**
 * First and last character of the first ALPN value; when either is not ASCII alphanumeric, the
 * first and last character of the value's hex form instead (`0x30 0xab` → `3b`); `00` without one.
 */
export function ja4AlpnCode(alpn: readonly string[]): string {
  const first = alpn[0];
  if (first === undefined || first.length === 0) return '00';
  const head = first.charCodeAt(0) & 0xff;
  const tail = first.charCodeAt(first.length - 1) & 0xff;
  if (isAlphanumeric(head) && isAlphanumeric(tail)) return String.fromCharCode(head, tail);
  return HEX[head >> 4]! + HEX[tail & 0xf]!;
}

function sortedHexList(values: readonly number[], skip: (value: number) => boolean): string[] {
  const kept: number[] = [];
  for (const value of values) if (!isGrease(value) && !skip(value)) kept.push(value);
  kept.sort((a, b) => a - b);
  return kept.map(hex4);
}

const keepAll = (): boolean => false;
const isSniOrAlpn = (value: number): boolean => value === EXTENSION_SNI || value === EXTENSION_ALPN;

/**
 * FoxIO JA4 TLS client fingerprint (technical_details/JA4.md in FoxIO-LLC/ja4): `a_b_c` where
 * a = transport, version, SNI flag, cipher and extension counts, ALPN code; b = truncated SHA256
 * of the sorted cipher list; c = truncated SHA256 of the sorted extension list without SNI and
 * ALPN, then `_` and the signature algorithms in the order sent. GREASE is left out everywhere.
 */
export function computeJa4(hello: Ja4Input, transport: 't' | 'q' | 'd' = 't'): string {
  let cipherCount = 0;
  for (const value of hello.cipherSuites) if (!isGrease(value)) cipherCount++;
  let extensionCount = 0;
  let hasSni = false;
  for (const value of hello.extensions) {
    if (isGrease(value)) continue;
    extensionCount++;
    if (value === EXTENSION_SNI) hasSni = true;
  }
  const a =
    transport +
    versionCode(hello) +
    (hasSni ? 'd' : 'i') +
    twoDigits(cipherCount) +
    twoDigits(extensionCount) +
    ja4AlpnCode(hello.alpn);

  const ciphers = sortedHexList(hello.cipherSuites, keepAll);
  const b = ciphers.length > 0 ? truncatedSha256(ciphers.join(',')) : EMPTY_HASH;

  const extensions = sortedHexList(hello.extensions, isSniOrAlpn);
  let c = EMPTY_HASH;
  if (extensions.length > 0) {
    const signatures: string[] = [];
    for (const value of hello.signatureAlgorithms) if (!isGrease(value)) signatures.push(hex4(value));
    const text =
      signatures.length > 0 ? `${extensions.join(',')}_${signatures.join(',')}` : extensions.join(',');
    c = truncatedSha256(text);
  }
  return `${a}_${b}_${c}`;
}
