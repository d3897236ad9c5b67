import { formatIpv4, formatIpv6 } from './ip/format-ip.js';
import { HEX_BYTE } from './link/format-mac.js';
import { dnsRcodeName, dnsTypeName } from './dns-names.js';

export interface DnsQuestion {
  /** Lowercase, without the trailing dot; `''` for the root. Bytes outside printable ASCII are `\xNN`. */
  name: string;
  type: number;
  typeName: string;
  /** The class field as sent; mDNS puts its unicast-response bit in the top bit. */
  class: number;
}

export interface DnsAnswer {
  /** Owner name, written like `DnsQuestion.name`. */
  name: string;
  type: number;
  typeName: string;
  /** The class field as sent; mDNS puts its cache-flush bit in the top bit. */
  class: number;
  /** Seconds, unsigned. */
  ttl: number;
  /**
   * A: dotted quad. AAAA: RFC 5952 text. CNAME, NS, PTR, DNAME: the target name. Null for every
   * other type, and for a record whose data does not have the size or shape its type requires.
   */
  data: string | null;
}

/** One DNS message (RFC 1035 section 4); mDNS and LLMNR use the same layout. */
export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  /** The 4-bit header RCODE (the EDNS extension bits in an OPT record are not applied). */
  rcode: number;
  rcodeName: string;
  /** Header bits 0–15 as sent (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE). */
  flags: number;
  isAuthoritative: boolean;
  isTruncated: boolean;
  isRecursionDesired: boolean;
  isRecursionAvailable: boolean;
  questions: DnsQuestion[];
  /** The answer section only; authority and additional records are counted, not decoded. */
  answers: DnsAnswer[];
  answerCount: number;
  authorityCount: number;
  additionalCount: number;
  /**
   * False when the answer section ended early (the capture cut the message or a record is
   * malformed); `answers` then holds the records before that point.
   */
  isComplete: boolean;
}

const HEADER_BYTES = 12;
const MAX_NAME_BYTES = 255;
const MAX_POINTERS = 64;

/** Where the last name read ended: one object per message, so reading a name allocates only its string. */
interface Cursor {
  pos: number;
}

/**
 * Reads the possibly compressed name at `start` and leaves `cursor.pos` just after it in the
 * message. Each compression pointer must point before every byte read so far for this name, which
 * makes a loop impossible; the pointer count and name length limits bound the work besides.
 */
function readName(bytes: Uint8Array, start: number, cursor: Cursor): string | null {
  const length = bytes.length;
  let pos = start;
  let lowest = start;
  let end = -1;
  let pointers = 0;
  let wireBytes = 1;
  let name = '';
  for (;;) {
    if (pos >= length) return null;
    const labelLength = bytes[pos]!;
    if (labelLength === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = labelLength & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= length) return null;
      const target = ((labelLength & 0x3f) << 8) | bytes[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (target >= lowest || ++pointers > MAX_POINTERS) return null;
      lowest = target;
      pos = target;
      continue;
    }
    // 0x40 and 0x80 are the retired extended and binary label types.
    if (kind !== 0) return null;
    wireBytes += labelLength + 1;
    if (wireBytes > MAX_NAME_BYTES || pos + 1 + labelLength > length) return null;
    if (name.length > 0) name += '.';
    for (let i = pos + 1; i <= pos + labelLength; i++) {
      const c = bytes[i]!;
      if (c >= 0x41 && c <= 0x5a) name += String.fromCharCode(c + 0x20);
      else if (c >= 0x20 && c <= 0x7e) name += String.fromCharCode(c);
      else name += '\\x' + HEX_BYTE[c]!;
    }
    pos += 1 + labelLength;
  }
  cursor.pos = end;
  return name;
}

function readRecordData(
  bytes: Uint8Array,
  type: number,
  start: number,
  dataLength: number,
  cursor: Cursor,
): string | null {
  switch (type) {
    case 1:
      return dataLength === 4 ? formatIpv4(bytes, start) : null;
    case 28:
      return dataLength === 16 ? formatIpv6(bytes, start) : null;
    case 2:
    case 5:
    case 12:
    case 39: {
      const name = readName(bytes, start, cursor);
      // The name's own bytes must lie inside the record, even when its suffix is a pointer elsewhere.
      return name !== null && cursor.pos <= start + dataLength ? name : null;
    }
    default:
      return null;
  }
}

function decode(bytes: Uint8Array): DnsMessage | null {
  if (bytes.length < HEADER_BYTES) return null;
  const flags = (bytes[2]! << 8) | bytes[3]!;
  const questionCount = (bytes[4]! << 8) | bytes[5]!;
  const answerCount = (bytes[6]! << 8) | bytes[7]!;
  const rcode = flags & 0xf;
  const cursor: Cursor = { pos: HEADER_BYTES };

  const questions: DnsQuestion[] = [];
  for (let i = 0; i < questionCount; i++) {
    const name = readName(bytes, cursor.pos, cursor);
    if (name === null || cursor.pos + 4 > bytes.length) return null;
    const type = (bytes[cursor.pos]! << 8) | bytes[cursor.pos + 1]!;
    const qclass = (bytes[cursor.pos + 2]! << 8) | bytes[cursor.pos + 3]!;
    questions.push({ name, type, typeName: dnsTypeName(type), class: qclass });
    cursor.pos += 4;
  }

  const answers: DnsAnswer[] = [];
  let isComplete = true;
  for (let i = 0; i < answerCount; i++) {
    const name = readName(bytes, cursor.pos, cursor);
    const fixed = cursor.pos;
    if (name === null || fixed + 10 > bytes.length) {
      isComplete = false;
      break;
    }
    const type = (bytes[fixed]! << 8) | bytes[fixed + 1]!;
    const rclass = (bytes[fixed + 2]! << 8) | bytes[fixed + 3]!;
    const ttl =
      ((bytes[fixed + 4]! << 24) |
        (bytes[fixed + 5]! << 16) |
        (bytes[fixed + 6]! << 8) |
        bytes[fixed + 7]!) >>>
      0;
    const dataLength = (bytes[fixed + 8]! << 8) | bytes[fixed + 9]!;
    const dataStart = fixed + 10;
    if (dataStart + dataLength > bytes.length) {
      isComplete = false;
      break;
    }
    const data = readRecordData(bytes, type, dataStart, dataLength, cursor);
    answers.push({ name, type, typeName: dnsTypeName(type), class: rclass, ttl, data });
    cursor.pos = dataStart + dataLength;
  }

  return {
    id: (bytes[0]! << 8) | bytes[1]!,
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode,
    rcodeName: dnsRcodeName(rcode),
    flags,
    isAuthoritative: (flags & 0x0400) !== 0,
    isTruncated: (flags & 0x0200) !== 0,
    isRecursionDesired: (flags & 0x0100) !== 0,
    isRecursionAvailable: (flags & 0x0080) !== 0,
    questions,
    answers,
    answerCount,
    authorityCount: (bytes[8]! << 8) | bytes[9]!,
    additionalCount: (bytes[10]! << 8) | bytes[11]!,
    isComplete,
  };
}

/**
 * Decodes one DNS message (a UDP payload, or one message from `splitDnsOverTcp`). Returns null
 * when the header or the question section cannot be read; a cut or malformed answer section gives
 * a message with `isComplete: false` instead. Never throws.
 */
export function decodeDnsMessage(bytes: Uint8Array): DnsMessage | null {
  try {
    return decode(bytes);
  } catch {
    return null;
  }
}
