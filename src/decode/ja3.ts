import { hash } from 'node:crypto';
import { isGrease } from './tls.js';

export interface Ja3Input {
  legacyVersion: number;
  cipherSuites: readonly number[];
  extensions: readonly number[];
  supportedGroups: readonly number[];
  ecPointFormats: readonly number[];
}

export interface Ja3 {
  /** MD5 hex of `ja3String`. */
  ja3: string;
  ja3String: string;
}

export interface Ja3sInput {
  legacyVersion: number;
  cipherSuite: number;
  extensions: readonly number[];
}

export interface Ja3s {
  ja3s: string;
  ja3sString: string;
}

function joinDecimal(values: readonly number[], skipGrease: boolean): string {
  let text = '';
  for (const value of values) {
    if (skipGrease && isGrease(value)) continue;
    text += text.length > 0 ? `-${value}` : `${value}`;
  }
  return text;
}

// The text is ASCII (digits, commas, dashes), so hashing its UTF-8 bytes hashes its latin1 bytes.
function md5Hex(text: string): string {
  return hash('md5', text, 'hex');
}

/**
 * Salesforce JA3 of a ClientHello: `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`,
 * decimal values joined by `-`, GREASE values (RFC 8701) removed, an absent list left empty.
 * The version is the ClientHello's legacy_version, as the reference implementation reads it.
 */
export function computeJa3(hello: Ja3Input): Ja3 {
  const ja3String =
    `${hello.legacyVersion},${joinDecimal(hello.cipherSuites, true)},${joinDecimal(hello.extensions, true)},` +
    `${joinDecimal(hello.supportedGroups, true)},${joinDecimal(hello.ecPointFormats, false)}`;
  return { ja3: md5Hex(ja3String), ja3String };
}

/** Distinct JA3S texts remembered; a household talks to a few hundred server configurations. */
const MAX_JA3S = 4096;
/** JA3S by its text. Bounded (cleared when full); changes speed only, never results. */
const ja3sByText = new Map<string, string>();

/**
 * Salesforce JA3S of a ServerHello: `SSLVersion,Cipher,SSLExtension`. The hash is remembered by its
 * text: the same servers answer again and again, and a server flight is parsed once per segment
 * until its certificate has arrived, so most calls would hash a text hashed before.
 */
export function computeJa3s(hello: Ja3sInput): Ja3s {
  const ja3sString = `${hello.legacyVersion},${hello.cipherSuite},${joinDecimal(hello.extensions, true)}`;
  let ja3s = ja3sByText.get(ja3sString);
  if (ja3s === undefined) {
    ja3s = md5Hex(ja3sString);
    if (ja3sByText.size >= MAX_JA3S) ja3sByText.clear();
    ja3sByText.set(ja3sString, ja3s);
  }
  return { ja3s, ja3sString };
}
