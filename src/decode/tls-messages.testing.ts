/**
 * Builders for TLS handshake bytes in tests: each returns plain numbers so a test spells out a
 * ClientHello or server flight field by field. Not shipped.
 */
import { concat, u16 } from './testing.js';

export function u24(value: number): number[] {
  return [(value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function ascii(text: string): number[] {
  return [...Buffer.from(text, 'latin1')];
}

export function extension(type: number, data: number[] = []): number[] {
  return [...u16(type), ...u16(data.length), ...data];
}

export function sniExtension(host: string): number[] {
  const name = ascii(host);
  return extension(0x0000, [...u16(name.length + 3), 0, ...u16(name.length), ...name]);
}

export function alpnExtension(protocols: (string | number[])[]): number[] {
  const list = protocols.flatMap((p) => {
    const bytes = typeof p === 'string' ? ascii(p) : p;
    return [bytes.length, ...bytes];
  });
  return extension(0x0010, [...u16(list.length), ...list]);
}

/** An extension holding a list of 16-bit values behind a 1- or 2-byte length. */
export function u16ListExtension(type: number, values: number[], prefixBytes: 1 | 2 = 2): number[] {
  const body = values.flatMap(u16);
  return extension(type, [...(prefixBytes === 1 ? [body.length] : u16(body.length)), ...body]);
}

export function pointFormatsExtension(formats: number[]): number[] {
  return extension(0x000b, [formats.length, ...formats]);
}

export function handshakeMessage(type: number, body: number[]): number[] {
  return [type, ...u24(body.length), ...body];
}

export interface ClientHelloOptions {
  legacyVersion?: number;
  sessionIdLength?: number;
  ciphers: number[];
  /** Extension blocks as built above; omitted entirely when undefined. */
  extensions?: number[][];
}

export function clientHello(o: ClientHelloOptions): number[] {
  const sessionId = new Array<number>(o.sessionIdLength ?? 32).fill(0x5a);
  const body = [
    ...u16(o.legacyVersion ?? 0x0303),
    ...new Array<number>(32).fill(0x11),
    sessionId.length,
    ...sessionId,
    ...u16(o.ciphers.length * 2),
    ...o.ciphers.flatMap(u16),
    1,
    0,
  ];
  if (o.extensions !== undefined) {
    const extensions = o.extensions.flat();
    body.push(...u16(extensions.length), ...extensions);
  }
  return handshakeMessage(1, body);
}

export interface ServerHelloOptions {
  legacyVersion?: number;
  cipher: number;
  extensions?: number[][];
}

export function serverHello(o: ServerHelloOptions): number[] {
  const body = [
    ...u16(o.legacyVersion ?? 0x0303),
    ...new Array<number>(32).fill(0x22),
    32,
    ...new Array<number>(32).fill(0x33),
  ];
  body.push(...u16(o.cipher), 0);
  if (o.extensions !== undefined) {
    const extensions = o.extensions.flat();
    body.push(...u16(extensions.length), ...extensions);
  }
  return handshakeMessage(2, body);
}

/** A Certificate message (TLS ≤ 1.2) carrying the given DER blobs, leaf first. */
export function certificateMessage(certs: number[][]): number[] {
  const list = certs.flatMap((der) => [...u24(der.length), ...der]);
  return handshakeMessage(11, [...u24(list.length), ...list]);
}

/**
 * Wraps bytes in TLS records of `contentType`, at most `maxFragment` bytes each, so a test can
 * split one handshake message over several records or put several messages in one.
 */
export function records(
  contentType: number,
  bytes: number[],
  maxFragment = 16384,
  version = 0x0303,
): Uint8Array {
  const parts: number[][] = [];
  for (let at = 0; at < bytes.length; at += maxFragment) {
    const fragment = bytes.slice(at, at + maxFragment);
    parts.push([contentType, ...u16(version), ...u16(fragment.length), ...fragment]);
  }
  return concat(...parts);
}
