export interface TlsHandshakeMessage {
  /** HandshakeType: 1 ClientHello, 2 ServerHello, 11 Certificate, … */
  type: number;
  body: Uint8Array;
}

export type TlsHandshakeRead =
  | {
      status: 'ok';
      /** Complete handshake messages, in order. */
      messages: TlsHandshakeMessage[];
      /** Type of the message after the last complete one when only its start has arrived, else -1. */
      pendingType: number;
      /** Its stated body length when its 4-byte header has arrived, else -1. */
      pendingLength: number;
      /** The part of its body that has arrived (empty when its header has not). */
      pendingBody: Uint8Array;
      /**
       * True when a record of another content type (ChangeCipherSpec, alert, application data)
       * follows the handshake records: no more cleartext handshake bytes will come.
       */
      isClosed: boolean;
      /** Content type of the first record that was not a handshake record, else -1. */
      closingContentType: number;
    }
  | { status: 'invalid'; reason: string };

const HANDSHAKE = 22;
const RECORD_HEADER_BYTES = 5;
// TLSCiphertext may exceed the 2^14 plaintext limit by 2048 bytes (RFC 5246 section 6.2.3).
const MAX_RECORD_BYTES = 16384 + 2048;

function isRecordVersion(major: number, minor: number): boolean {
  return major === 3 && minor <= 4;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Reads the cleartext handshake messages at the start of one direction of a TLS connection: the
 * records from byte 0 up to the first record of another type, messages reassembled across records
 * (a message may span records, and one record may hold several). A record cut off at the end of
 * `stream` contributes the bytes that are there. Never throws.
 */
export function readTlsHandshake(stream: Uint8Array): TlsHandshakeRead {
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  let isClosed = false;
  let closingContentType = -1;

  while (pos < stream.length) {
    const contentType = stream[pos]!;
    if (contentType !== HANDSHAKE) {
      if (pos === 0) {
        return {
          status: 'invalid',
          reason:
            contentType & 0x80
              ? 'SSLv2 record format'
              : `first record is not a handshake (type ${contentType})`,
        };
      }
      if (contentType < 20 || contentType > 24)
        return { status: 'invalid', reason: `unknown record type ${contentType}` };
      isClosed = true;
      closingContentType = contentType;
      break;
    }
    if (pos + 1 < stream.length && stream[pos + 1] !== 3)
      return { status: 'invalid', reason: 'record version is not 3.x' };
    if (pos + 2 < stream.length && !isRecordVersion(3, stream[pos + 2]!)) {
      return { status: 'invalid', reason: 'record version is not 3.x' };
    }
    if (pos + RECORD_HEADER_BYTES > stream.length) break;
    const recordLength = (stream[pos + 3]! << 8) | stream[pos + 4]!;
    if (recordLength === 0 || recordLength > MAX_RECORD_BYTES) {
      return { status: 'invalid', reason: `bad handshake record length ${recordLength}` };
    }
    const fragmentStart = pos + RECORD_HEADER_BYTES;
    const fragmentEnd = Math.min(fragmentStart + recordLength, stream.length);
    parts.push(stream.subarray(fragmentStart, fragmentEnd));
    total += fragmentEnd - fragmentStart;
    pos = fragmentStart + recordLength;
  }

  const handshake = concat(parts, total);
  const messages: TlsHandshakeMessage[] = [];
  let at = 0;
  let pendingType = -1;
  let pendingLength = -1;
  let pendingBody = handshake.subarray(handshake.length);
  while (at < handshake.length) {
    if (at + 4 > handshake.length) {
      pendingType = handshake[at]!;
      break;
    }
    const length = (handshake[at + 1]! << 16) | (handshake[at + 2]! << 8) | handshake[at + 3]!;
    if (at + 4 + length > handshake.length) {
      pendingType = handshake[at]!;
      pendingLength = length;
      pendingBody = handshake.subarray(at + 4);
      break;
    }
    messages.push({ type: handshake[at]!, body: handshake.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return { status: 'ok', messages, pendingType, pendingLength, pendingBody, isClosed, closingContentType };
}
