/**
 * TLS records as browsers and servers send them: a Chromium-shaped TLS 1.3 ClientHello (GREASE, SNI,
 * ALPN, key share, …), a TLS 1.3 ServerHello, and a full TLS 1.2 handshake whose Certificate message
 * carries the leaf certificate in the clear, so a reader can fingerprint it. Encrypted parts are opaque
 * bytes of the right length, framed as the protocol frames them.
 */
import { ByteWriter } from './byte-writer.js';

export const TlsContentType = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
} as const;

const HandshakeType = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  CERTIFICATE: 11,
  SERVER_KEY_EXCHANGE: 12,
  SERVER_HELLO_DONE: 14,
  CLIENT_KEY_EXCHANGE: 16,
} as const;

const Extension = {
  SERVER_NAME: 0,
  STATUS_REQUEST: 5,
  SUPPORTED_GROUPS: 10,
  EC_POINT_FORMATS: 11,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  SIGNED_CERTIFICATE_TIMESTAMP: 18,
  PADDING: 21,
  EXTENDED_MASTER_SECRET: 23,
  COMPRESS_CERTIFICATE: 27,
  SESSION_TICKET: 35,
  SUPPORTED_VERSIONS: 43,
  PSK_KEY_EXCHANGE_MODES: 45,
  KEY_SHARE: 51,
  RENEGOTIATION_INFO: 0xff01,
} as const;

const X25519 = 0x001d;
const TLS12 = 0x0303;
const TLS13 = 0x0304;
/** TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: the suite an Ed25519 (EdDSA) certificate is used with. */
const ECDHE_ECDSA_AES128_GCM = 0xc02b;
const ED25519_SIGNATURE = 0x0807;

const CLIENT_CIPHER_SUITES = [
  0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
  0x002f, 0x0035,
];
const CLIENT_SIGNATURE_ALGORITHMS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

export interface ClientHelloOptions {
  /** The SNI; none is sent when null or absent (as when connecting to a bare IP address). */
  serverName?: string | null;
  /** ALPN protocols; default ['h2', 'http/1.1']; none is sent when empty. */
  alpn?: readonly string[];
  /** 32 bytes. */
  random: Uint8Array;
  /** 32 bytes in TLS 1.3 middlebox-compatibility mode, or empty. */
  sessionId: Uint8Array;
  /** The 32-byte X25519 public key. */
  keyShare: Uint8Array;
  /** Send GREASE values as Chromium does (default true). */
  grease?: boolean;
  /** Chooses which GREASE values appear (any integer). */
  greaseSeed?: number;
}

/** A ClientHello in one TLS record, as Chromium sends it (fixed extension order, so output is deterministic). */
export function buildClientHello(options: ClientHelloOptions): Buffer {
  const useGrease = options.grease ?? true;
  const grease = (index: number): number => {
    const nibble = ((options.greaseSeed ?? 0) + index * 5) & 0x0f;
    return (nibble << 12) | 0x0a00 | (nibble << 4) | 0x0a;
  };
  const alpn = options.alpn ?? ['h2', 'http/1.1'];
  const hello = new ByteWriter();
  hello.u16(TLS12).bytes(options.random);
  hello.block(1, (w) => w.bytes(options.sessionId));
  hello.block(2, (w) => {
    if (useGrease) w.u16(grease(0));
    for (const suite of CLIENT_CIPHER_SUITES) w.u16(suite);
  });
  hello.u8(1).u8(0); // compression methods: null only
  hello.block(2, (w) => {
    if (useGrease) w.u16(grease(1)).u16(0);
    if (options.serverName) {
      const name = Buffer.from(options.serverName, 'ascii');
      extension(w, Extension.SERVER_NAME, (e) =>
        e.block(2, (list) => list.u8(0).block(2, (n) => n.bytes(name))),
      );
    }
    extension(w, Extension.EXTENDED_MASTER_SECRET, () => undefined);
    extension(w, Extension.RENEGOTIATION_INFO, (e) => e.u8(0));
    extension(w, Extension.SUPPORTED_GROUPS, (e) =>
      e.block(2, (list) => {
        if (useGrease) list.u16(grease(2));
        list.u16(X25519).u16(0x0017).u16(0x0018);
      }),
    );
    extension(w, Extension.EC_POINT_FORMATS, (e) => e.u8(1).u8(0));
    extension(w, Extension.SESSION_TICKET, () => undefined);
    if (alpn.length > 0) {
      extension(w, Extension.ALPN, (e) =>
        e.block(2, (list) => {
          for (const protocol of alpn) list.block(1, (p) => p.ascii(protocol));
        }),
      );
    }
    extension(w, Extension.STATUS_REQUEST, (e) => e.u8(1).u16(0).u16(0));
    extension(w, Extension.SIGNATURE_ALGORITHMS, (e) =>
      e.block(2, (list) => {
        for (const algorithm of CLIENT_SIGNATURE_ALGORITHMS) list.u16(algorithm);
      }),
    );
    extension(w, Extension.SIGNED_CERTIFICATE_TIMESTAMP, () => undefined);
    extension(w, Extension.KEY_SHARE, (e) =>
      e.block(2, (list) => {
        if (useGrease) list.u16(grease(2)).u16(1).u8(0);
        list.u16(X25519).block(2, (k) => k.bytes(options.keyShare));
      }),
    );
    extension(w, Extension.PSK_KEY_EXCHANGE_MODES, (e) => e.u8(1).u8(1)); // psk_dhe_ke
    extension(w, Extension.SUPPORTED_VERSIONS, (e) =>
      e.block(1, (list) => {
        if (useGrease) list.u16(grease(3));
        list.u16(TLS13).u16(TLS12);
      }),
    );
    extension(w, Extension.COMPRESS_CERTIFICATE, (e) => e.block(1, (list) => list.u16(2))); // brotli
    if (useGrease) extension(w, grease(4), (e) => e.u8(0));
  });
  return record(TlsContentType.HANDSHAKE, handshake(HandshakeType.CLIENT_HELLO, hello.finish()), 0x0301);
}

export interface ServerHelloTls13Options {
  random: Uint8Array;
  /** Echo of the client's session id. */
  sessionId: Uint8Array;
  keyShare: Uint8Array;
  /** Default TLS_AES_128_GCM_SHA256. */
  cipherSuite?: number;
}

/** ServerHello then the middlebox-compatibility ChangeCipherSpec; everything after is encrypted. */
export function buildServerHelloTls13(options: ServerHelloTls13Options): Buffer {
  const hello = new ByteWriter();
  hello.u16(TLS12).bytes(options.random);
  hello.block(1, (w) => w.bytes(options.sessionId));
  hello.u16(options.cipherSuite ?? 0x1301).u8(0);
  hello.block(2, (w) => {
    extension(w, Extension.KEY_SHARE, (e) => e.u16(X25519).block(2, (k) => k.bytes(options.keyShare)));
    extension(w, Extension.SUPPORTED_VERSIONS, (e) => e.u16(TLS13));
  });
  return Buffer.concat([
    record(TlsContentType.HANDSHAKE, handshake(HandshakeType.SERVER_HELLO, hello.finish())),
    changeCipherSpec(),
  ]);
}

export interface Tls12ServerFlightOptions {
  random: Uint8Array;
  sessionId: Uint8Array;
  /** DER certificates, leaf first. */
  certificates: readonly Uint8Array[];
  /** The server's ephemeral X25519 public key. */
  keyShare: Uint8Array;
  /** 64 bytes standing in for the Ed25519 signature over the key exchange. */
  signature: Uint8Array;
  /** The ALPN protocol chosen, if any. */
  alpn?: string | null;
}

/** ServerHello, Certificate, ServerKeyExchange, ServerHelloDone: what a TLS 1.2 server sends in the clear. */
export function buildTls12ServerFlight(options: Tls12ServerFlightOptions): Buffer {
  const hello = new ByteWriter();
  hello.u16(TLS12).bytes(options.random);
  hello.block(1, (w) => w.bytes(options.sessionId));
  hello.u16(ECDHE_ECDSA_AES128_GCM).u8(0);
  hello.block(2, (w) => {
    extension(w, Extension.RENEGOTIATION_INFO, (e) => e.u8(0));
    extension(w, Extension.EXTENDED_MASTER_SECRET, () => undefined);
    extension(w, Extension.EC_POINT_FORMATS, (e) => e.u8(1).u8(0));
    const alpn = options.alpn;
    if (alpn) extension(w, Extension.ALPN, (e) => e.block(2, (list) => list.block(1, (p) => p.ascii(alpn))));
  });

  const certificate = new ByteWriter();
  certificate.block(3, (list) => {
    for (const der of options.certificates) list.block(3, (entry) => entry.bytes(der));
  });

  const keyExchange = new ByteWriter();
  keyExchange.u8(3).u16(X25519); // named_curve
  keyExchange.block(1, (w) => w.bytes(options.keyShare));
  keyExchange.u16(ED25519_SIGNATURE).block(2, (w) => w.bytes(options.signature));

  return Buffer.concat([
    record(TlsContentType.HANDSHAKE, handshake(HandshakeType.SERVER_HELLO, hello.finish())),
    record(TlsContentType.HANDSHAKE, handshake(HandshakeType.CERTIFICATE, certificate.finish())),
    record(TlsContentType.HANDSHAKE, handshake(HandshakeType.SERVER_KEY_EXCHANGE, keyExchange.finish())),
    record(TlsContentType.HANDSHAKE, handshake(HandshakeType.SERVER_HELLO_DONE, Buffer.alloc(0))),
  ]);
}

/** ClientKeyExchange, ChangeCipherSpec and the encrypted Finished (`finished` is its 40 opaque bytes). */
export function buildTls12ClientFinish(options: { keyShare: Uint8Array; finished: Uint8Array }): Buffer {
  const keyExchange = new ByteWriter().block(1, (w) => w.bytes(options.keyShare)).finish();
  return Buffer.concat([
    record(TlsContentType.HANDSHAKE, handshake(HandshakeType.CLIENT_KEY_EXCHANGE, keyExchange)),
    changeCipherSpec(),
    record(TlsContentType.HANDSHAKE, options.finished),
  ]);
}

/** The server's ChangeCipherSpec and encrypted Finished. */
export function buildTls12ServerFinish(options: { finished: Uint8Array }): Buffer {
  return Buffer.concat([changeCipherSpec(), record(TlsContentType.HANDSHAKE, options.finished)]);
}

/** Encrypted application data: `ciphertext` framed as one record per 16 KiB (+256) as TLS allows. */
export function buildApplicationData(ciphertext: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const maxRecord = 16384 + 256;
  for (let at = 0; at < ciphertext.length; at += maxRecord) {
    parts.push(record(TlsContentType.APPLICATION_DATA, ciphertext.subarray(at, at + maxRecord)));
  }
  return Buffer.concat(parts);
}

export function buildTlsRecord(contentType: number, body: Uint8Array, version = TLS12): Buffer {
  return record(contentType, body, version);
}

function changeCipherSpec(): Buffer {
  return record(TlsContentType.CHANGE_CIPHER_SPEC, Buffer.of(1));
}

function record(contentType: number, body: Uint8Array, version = TLS12): Buffer {
  const header = Buffer.alloc(5);
  header[0] = contentType;
  header.writeUInt16BE(version, 1);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}

function handshake(type: number, body: Uint8Array): Buffer {
  return new ByteWriter()
    .u8(type)
    .block(3, (w) => w.bytes(body))
    .finish();
}

function extension(writer: ByteWriter, type: number, body: (writer: ByteWriter) => void): void {
  writer.u16(type).block(2, body);
}
