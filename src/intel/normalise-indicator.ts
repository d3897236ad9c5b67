/**
 * Canonical text for indicator values, shared by every feed parser so the same thing listed by two
 * feeds (or twice by one) has one spelling, and matching never has to normalise again.
 *
 * - IPv4: dotted decimal. Leading zeros are refused, as some tools read them as octal.
 * - IPv6: RFC 5952 (lowercase, no leading zeros, the longest run of zero groups as "::"). Zone ids
 *   ("%eth0") are refused. An IPv4-mapped address (::ffff:1.2.3.4) becomes the IPv4 address, as the
 *   store gives both the same number.
 * - CIDR: the network address with the host bits cleared ("1.2.3.4/24" → "1.2.3.0/24"). A host
 *   prefix (/32, /128) becomes a plain ipv4/ipv6 value, so "1.2.3.4/32" and "1.2.3.4" are one key.
 * - Domain: lowercase ASCII (IDNA via domainToASCII), no trailing dot, at least two labels, labels of
 *   1–63 letters, digits, "-" or "_" (real phishing hosts use "_"), a TLD that is not all digits.
 * - URL: undefanged, scheme and host lowercased, the host normalised as above, default port dropped,
 *   an empty path written "/"; path, query and fragment kept byte for byte.
 * - Hashes, JA3, certificate SHA1: lowercase hex of the right length. ASN: decimal digits ("AS932" → "932").
 * Every function returns null for text that is not a valid value; none throws.
 */
import { domainToASCII } from 'node:url';
import type { IndicatorType } from '../records/index.js';

export interface NormalisedValue {
  type: IndicatorType;
  value: string;
}

/** Longest text accepted as a URL; longer "URLs" are junk (or a 10 MB line) and are refused before any work. */
export const MAX_URL_LENGTH = 8192;
const MAX_DOMAIN_LENGTH = 253;

// ---------------------------------------------------------------- text clean-up

/** The text without a leading byte-order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Undoes the usual defanging: hxxp/hXXp schemes, "[.]", "(.)", "{.}", "[dot]", "[:]", "[://]", "[@]".
 * Cheap for the common case: text with none of the markers is returned as is.
 */
export function undefang(text: string): string {
  let out = text;
  if (
    (out.charCodeAt(0) | 0x20) === 0x68 &&
    (out.charCodeAt(1) | 0x20) === 0x78 &&
    (out.charCodeAt(2) | 0x20) === 0x78 &&
    (out.charCodeAt(3) | 0x20) === 0x70
  ) {
    // Only a scheme: "hxxpfoo.com" is a domain and stays as it is.
    const next =
      (out.charCodeAt(4) === 0x73 || out.charCodeAt(4) === 0x53 ? out.charCodeAt(5) : out.charCodeAt(4)) | 0;
    if (next === 0x3a || next === 0x5b) out = 'http' + out.slice(4);
  }
  if (out.indexOf('[') === -1 && out.indexOf('(') === -1 && out.indexOf('{') === -1) return out;
  return out
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/\[:\]/g, ':')
    .replace(/\[@\]/g, '@');
}

// ---------------------------------------------------------------- IP addresses

/**
 * The canonical text of an IPv4 address in text[start, end), or null. Returns `text` itself (no
 * allocation) when it is exactly the address already.
 */
export function normaliseIpv4(text: string, start = 0, end = text.length): string | null {
  const len = end - start;
  if (len < 7 || len > 15) return null;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return null;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return null;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return null;
      octet = 0;
      digits = 0;
    } else {
      return null;
    }
  }
  if (digits === 0 || dots !== 3) return null;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** An IPv4 address as a 32-bit unsigned number, or -1. */
function ipv4Number(text: string, start: number, end: number): number {
  if (normaliseIpv4(text, start, end) === null) return -1;
  let value = 0;
  let octet = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + (c - 48);
    }
  }
  return value * 256 + octet;
}

function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses RFC 4291 text in text[start, end) into 8 groups; false when it is not an IPv6 address. */
function parseIpv6Groups(text: string, start: number, end: number, groups: Uint16Array): boolean {
  const len = end - start;
  if (len < 2 || len > 45) return false;
  let count = 0;
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      groups.fill(0);
      return true;
    }
  }
  while (i < end) {
    const groupStart = i;
    let value = 0;
    while (i < end && i - groupStart < 5) {
      const c = text.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
      if (d < 0) break;
      value = value * 16 + d;
      i++;
    }
    const width = i - groupStart;
    if (i < end && text.charCodeAt(i) === 46) {
      // An IPv4 tail takes the last two groups.
      if (count > 6) return false;
      const v4 = ipv4Number(text, groupStart, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (width === 0 || width > 4 || count === 8) return false;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = count;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false;
    }
  }
  if (gap === -1) return count === 8;
  if (count > 7) return false;
  const tail = count - gap;
  for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

/** RFC 5952 text of 8 groups. */
function formatIpv6(groups: Uint16Array): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLength - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += groups[i]!.toString(16);
  }
  return out;
}

function isIpv4Mapped(groups: Uint16Array): boolean {
  return (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  );
}

const scratch = new Uint16Array(8);

/** An IPv4 or IPv6 address in canonical text with its type, or null (zone ids, prefixes and ports are refused). */
export function normaliseIp(text: string): NormalisedValue | null {
  const v4 = normaliseIpv4(text);
  if (v4 !== null) return { type: 'ipv4', value: v4 };
  if (text.indexOf(':') === -1 || !parseIpv6Groups(text, 0, text.length, scratch)) return null;
  if (isIpv4Mapped(scratch)) return { type: 'ipv4', value: ipv4Text(scratch[6]! * 65536 + scratch[7]!) };
  return { type: 'ipv6', value: formatIpv6(scratch) };
}

/**
 * A network in canonical form: "a.b.c.d/n" or "x::/n" with host bits cleared, typed `cidr`; a host
 * prefix (/32, /128) or a bare address comes back as `ipv4`/`ipv6`. Null for anything else. The
 * prefix is 1–3 decimal digits; /0 is syntactically valid and passed on (the allow-list decides).
 */
export function normaliseCidr(text: string): NormalisedValue | null {
  const slash = text.indexOf('/');
  if (slash === -1) return normaliseIp(text);
  const prefixLength = text.length - slash - 1;
  if (prefixLength < 1 || prefixLength > 3) return null;
  let prefix = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    prefix = prefix * 10 + (c - 48);
  }
  const v4 = ipv4Number(text, 0, slash);
  if (v4 >= 0) {
    if (prefix > 32) return null;
    if (prefix === 32) return { type: 'ipv4', value: ipv4Text(v4) };
    const network = prefix === 0 ? 0 : (v4 & (~0 << (32 - prefix))) >>> 0;
    // Feeds write canonical networks; keep their text (a flat slice) rather than rebuilding it.
    if (network === v4 && (prefixLength === 1 || text.charCodeAt(slash + 1) !== 48))
      return { type: 'cidr', value: text };
    return { type: 'cidr', value: `${ipv4Text(network)}/${prefix}` };
  }
  if (!parseIpv6Groups(text, 0, slash, scratch) || prefix > 128) return null;
  for (let g = 0; g < 8; g++) {
    const keep = Math.min(16, Math.max(0, prefix - g * 16));
    scratch[g] = keep === 0 ? 0 : scratch[g]! & (0xffff << (16 - keep));
  }
  if (isIpv4Mapped(scratch) && prefix >= 96) {
    const mapped = `${ipv4Text(scratch[6]! * 65536 + scratch[7]!)}`;
    return prefix === 128
      ? { type: 'ipv4', value: mapped }
      : { type: 'cidr', value: `${mapped}/${prefix - 96}` };
  }
  const address = formatIpv6(scratch);
  return prefix === 128 ? { type: 'ipv6', value: address } : { type: 'cidr', value: `${address}/${prefix}` };
}

// ---------------------------------------------------------------- domains and URLs

/** Lowercase ASCII domain without trailing dot, or null. See the module comment for the rules. */
export function normaliseDomain(text: string): string | null {
  let end = text.length;
  if (end === 0 || end > MAX_DOMAIN_LENGTH + 1) return null;
  if (text.charCodeAt(end - 1) === 46) end--;
  if (end === 0 || end > MAX_DOMAIN_LENGTH) return null;
  let hasUpper = false;
  let labelStart = 0;
  let labels = 0;
  let lastLabelDigitsOnly = true;
  let hasAce = false;
  for (let i = 0; i <= end; i++) {
    const c = i === end ? 46 : text.charCodeAt(i);
    if (c === 46) {
      const labelLength = i - labelStart;
      if (labelLength === 0 || labelLength > 63) return null;
      if (
        labelLength > 4 &&
        text.charCodeAt(labelStart + 2) === 45 &&
        text.charCodeAt(labelStart + 3) === 45 &&
        (text.charCodeAt(labelStart) | 0x20) === 120 &&
        (text.charCodeAt(labelStart + 1) | 0x20) === 110
      ) {
        hasAce = true;
      }
      labels++;
      labelStart = i + 1;
      if (i < end) lastLabelDigitsOnly = true;
      continue;
    }
    if (c >= 48 && c <= 57) continue;
    lastLabelDigitsOnly = false;
    if ((c >= 97 && c <= 122) || c === 45 || c === 95) continue;
    if (c >= 65 && c <= 90) {
      hasUpper = true;
      continue;
    }
    if (c > 127) return normaliseInternationalDomain(text.slice(0, end));
    return null;
  }
  if (labels < 2 || lastLabelDigitsOnly) return null;
  let out = end === text.length ? text : text.slice(0, end);
  if (hasUpper) out = out.toLowerCase();
  // domainToASCII refuses malformed punycode ("xn--zz") by returning "".
  if (hasAce && domainToASCII(out) !== out) return null;
  return out;
}

function normaliseInternationalDomain(text: string): string | null {
  // domainToASCII percent-decodes and maps full-width dots; refuse what an ASCII host could not hold.
  if (text.indexOf('%') !== -1 || /[\s/\\?#@:]/.test(text)) return null;
  const ascii = domainToASCII(text);
  if (ascii === '' || ascii === text || /[^\x21-\x7e]/.test(ascii)) return null;
  return normaliseDomain(ascii);
}

/** The host part of a URL typed as ipv4, ipv6 or domain, normalised; null when the authority is not one. */
function normaliseHost(host: string): NormalisedValue | null {
  if (host.charCodeAt(0) === 91 /* [ */) {
    if (host.charCodeAt(host.length - 1) !== 93) return null;
    const ip = normaliseIp(host.slice(1, -1));
    return ip !== null && ip.type === 'ipv6' ? ip : null;
  }
  const v4 = normaliseIpv4(host);
  if (v4 !== null) return { type: 'ipv4', value: v4 };
  const domain = normaliseDomain(host);
  return domain === null ? null : { type: 'domain', value: domain };
}

const DEFAULT_PORTS: ReadonlyMap<string, string> = new Map([
  ['http', '80'],
  ['https', '443'],
]);

/**
 * A URL in canonical text, or null. Needs a scheme and a host; see the module comment for what
 * changes. Control characters and text longer than MAX_URL_LENGTH are refused.
 */
export function normaliseUrl(text: string): string | null {
  if (text.length > MAX_URL_LENGTH || text.length < 8) return null;
  const url = undefang(text);
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 1 || schemeEnd > 16) return null;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return null;
    if (i < schemeEnd) {
      const l = c | 0x20;
      const ok =
        (l >= 97 && l <= 122) || (i > 0 && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46));
      if (!ok) return null;
    }
  }
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  const authorityStart = schemeEnd + 3;
  let authorityEnd = url.length;
  for (let i = authorityStart; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      authorityEnd = i;
      break;
    }
  }
  const at = url.lastIndexOf('@', authorityEnd - 1);
  const hostStart = at >= authorityStart ? at + 1 : authorityStart;
  let hostEnd = authorityEnd;
  let port = '';
  const lastColon = url.lastIndexOf(':', authorityEnd - 1);
  const closeBracket = url.lastIndexOf(']', authorityEnd - 1);
  if (lastColon >= hostStart && lastColon > closeBracket) {
    hostEnd = lastColon;
    const portText = url.slice(lastColon + 1, authorityEnd);
    if (portText.length > 0) {
      const portNumber = normalisePort(portText);
      if (portNumber === null) return null;
      port = String(portNumber);
      if (DEFAULT_PORTS.get(scheme) === port) port = '';
    }
  }
  const hostSource = url.slice(hostStart, hostEnd);
  const host = normaliseHost(hostSource);
  if (host === null) return null;
  const hostText = host.type === 'ipv6' ? `[${host.value}]` : host.value;
  const hasPath = authorityEnd < url.length && url.charCodeAt(authorityEnd) === 47;
  const portEnd = port === '' ? hostEnd : hostEnd + 1 + port.length;
  // Most feed URLs are canonical already: return them as they are, a flat string that hashes and
  // stores without first flattening a concatenation.
  if (hasPath && hostText === hostSource && portEnd === authorityEnd && url.startsWith(scheme)) return url;
  let rest = url.slice(authorityEnd);
  if (!hasPath) rest = '/' + rest;
  const userinfo = hostStart > authorityStart ? url.slice(authorityStart, hostStart) : '';
  return `${scheme}://${userinfo}${hostText}${port === '' ? '' : ':' + port}${rest}`;
}

/** The host of a URL that normaliseUrl produced, typed ipv4, ipv6 or domain. */
export function hostFromUrl(url: string): NormalisedValue | null {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return null;
  const start = schemeEnd + 3;
  let end = url.indexOf('/', start);
  if (end === -1) end = url.length;
  const at = url.lastIndexOf('@', end - 1);
  const hostStart = at >= start ? at + 1 : start;
  let hostEnd = end;
  if (url.charCodeAt(hostStart) === 91) {
    hostEnd = url.indexOf(']', hostStart) + 1;
    if (hostEnd === 0 || hostEnd > end) return null;
  } else {
    const colon = url.indexOf(':', hostStart);
    if (colon !== -1 && colon < end) hostEnd = colon;
  }
  return normaliseHost(url.slice(hostStart, hostEnd));
}

// ---------------------------------------------------------------- hashes, ASNs, e-mail

export type HashType = 'md5' | 'sha1' | 'sha256';

function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Which hash the text is by its length (32, 40 or 64 hex digits), or null. */
export function isHash(text: string): HashType | null {
  const type =
    text.length === 32 ? 'md5' : text.length === 40 ? 'sha1' : text.length === 64 ? 'sha256' : null;
  return type !== null && isHex(text) ? type : null;
}

/** Lowercase hex of exactly `hexLength` digits, or null. */
export function normaliseHex(text: string, hexLength: number): string | null {
  if (text.length !== hexLength || !isHex(text)) return null;
  return text.toLowerCase();
}

/** "AS932", "as932" or "932" (or the number) as "932"; null outside 1..4294967295. */
export function normaliseAsn(input: string | number): string | null {
  let text = typeof input === 'number' ? String(input) : input;
  if ((text.charCodeAt(0) | 0x20) === 97 && (text.charCodeAt(1) | 0x20) === 115) text = text.slice(2);
  if (!/^\d{1,10}$/.test(text)) return null;
  const asn = Number(text);
  return asn >= 1 && asn <= 4294967295 ? String(asn) : null;
}

/** "Local@Example.COM" as "Local@example.com" (the local part is case-sensitive by the RFC), or null. */
export function normaliseEmail(text: string): string | null {
  const at = text.lastIndexOf('@');
  if (at < 1 || text.length > 320 || /[\s<>()[\],;:"\\]/.test(text.slice(0, at))) return null;
  const domain = normaliseDomain(text.slice(at + 1));
  return domain === null ? null : `${text.slice(0, at)}@${domain}`;
}

const JA4 = /^[tqd]\d{2}[di][0-9a-z]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/;

// ---------------------------------------------------------------- by type, and detection

/**
 * Normalises text given as a value of `type`. The type can change where the module comment says so
 * (a /32 CIDR is an ipv4); callers compare `type` when they need exactly the type they asked for.
 */
export function normaliseValue(type: IndicatorType, text: string): NormalisedValue | null {
  switch (type) {
    case 'ipv4':
    case 'ipv6': {
      const ip = normaliseIp(undefang(text));
      return ip !== null && ip.type === type ? ip : null;
    }
    case 'cidr':
      return normaliseCidr(undefang(text));
    case 'domain': {
      const domain = normaliseDomain(undefang(text));
      return domain === null ? null : { type, value: domain };
    }
    case 'url': {
      const url = normaliseUrl(text);
      return url === null ? null : { type, value: url };
    }
    case 'md5':
    case 'ja3':
      return wrap(type, normaliseHex(text, 32));
    case 'sha1':
    case 'cert_sha1':
      return wrap(type, normaliseHex(text.replaceAll(':', ''), 40));
    case 'sha256':
      return wrap(type, normaliseHex(text, 64));
    case 'ja4': {
      const lower = text.toLowerCase();
      return JA4.test(lower) ? { type, value: lower } : null;
    }
    case 'asn':
      return wrap(type, normaliseAsn(text));
    case 'email':
      return wrap(type, normaliseEmail(undefang(text)));
  }
}

function wrap(type: IndicatorType, value: string | null): NormalisedValue | null {
  return value === null ? null : { type, value };
}

/**
 * Guesses what a bare token is: URL (has "://" or a defanged scheme), CIDR, IP, hash (md5/sha1/sha256
 * by length), e-mail, then domain. Null when it is none of them.
 */
export function detectIndicator(token: string): NormalisedValue | null {
  if (token.length > MAX_URL_LENGTH || token.length === 0) return null;
  const text = undefang(token);
  if (text.indexOf('://') !== -1) return wrap('url', normaliseUrl(text));
  if (text.indexOf('/') !== -1) return normaliseCidr(text);
  const c = text.charCodeAt(0);
  if ((c >= 48 && c <= 57) || text.indexOf(':') !== -1) {
    const ip = normaliseIp(text);
    if (ip !== null) return ip;
  }
  const hash = isHash(text);
  if (hash !== null) return { type: hash, value: text.toLowerCase() };
  if (text.indexOf('@') !== -1) return wrap('email', normaliseEmail(text));
  return wrap('domain', normaliseDomain(text));
}

/** A TCP/UDP port written as decimal text (quotes and spaces already removed), or null when not 0–65535. */
export function normalisePort(text: string): number | null {
  if (text.length === 0 || text.length > 5) return null;
  let port = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    port = port * 10 + (c - 48);
  }
  return port <= 65535 ? port : null;
}
