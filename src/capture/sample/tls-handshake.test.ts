import { describe, expect, it } from 'vitest';
import {
  buildApplicationData,
  buildClientHello,
  buildServerHelloTls13,
  buildTls12ClientFinish,
  buildTls12ServerFlight,
} from './tls-handshake.js';

const bytes = (length: number, fill: number): Buffer => Buffer.alloc(length, fill);

/** Splits a byte stream into TLS records, checking each length. */
function records(stream: Buffer): { type: number; version: number; body: Buffer }[] {
  const out = [];
  for (let at = 0; at < stream.length;) {
    const length = stream.readUInt16BE(at + 3);
    out.push({
      type: stream[at]!,
      version: stream.readUInt16BE(at + 1),
      body: stream.subarray(at + 5, at + 5 + length),
    });
    at += 5 + length;
    expect(at).toBeLessThanOrEqual(stream.length);
  }
  return out;
}

/** The ClientHello's cipher suites and extensions (type → body), walked by their length fields. */
function parseClientHello(record: Buffer) {
  const [only] = records(record);
  const hs = only!.body;
  expect(hs[0]).toBe(1);
  expect(hs.readUIntBE(1, 3)).toBe(hs.length - 4);
  let at = 4 + 2 + 32;
  const sessionId = hs.subarray(at + 1, at + 1 + hs[at]!);
  at += 1 + hs[at]!;
  const suiteBytes = hs.readUInt16BE(at);
  const suites = Array.from({ length: suiteBytes / 2 }, (_, i) => hs.readUInt16BE(at + 2 + i * 2));
  at += 2 + suiteBytes;
  at += 1 + hs[at]!;
  const end = at + 2 + hs.readUInt16BE(at);
  expect(end).toBe(hs.length);
  const extensions: [number, Buffer][] = [];
  for (at += 2; at < end;) {
    const length = hs.readUInt16BE(at + 2);
    extensions.push([hs.readUInt16BE(at), hs.subarray(at + 4, at + 4 + length)]);
    at += 4 + length;
  }
  expect(at).toBe(end);
  return { sessionId, suites, extensions, ext: new Map(extensions) };
}

const isGrease = (value: number): boolean => (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);

describe('buildClientHello', () => {
  const hello = buildClientHello({
    serverName: 'www.wikipedia.org',
    random: bytes(32, 1),
    sessionId: bytes(32, 2),
    keyShare: bytes(32, 3),
    greaseSeed: 5,
  });
  const parsed = parseClientHello(hello);

  it('frames one handshake record with the TLS 1.0 record version, as browsers do', () => {
    expect(hello[0]).toBe(22);
    expect(hello.readUInt16BE(1)).toBe(0x0301);
    expect(parsed.sessionId).toEqual(bytes(32, 2));
  });

  it('names the server in the SNI extension', () => {
    const sni = parsed.ext.get(0)!;
    expect(sni.readUInt16BE(0)).toBe(sni.length - 2);
    expect(sni[2]).toBe(0); // host_name
    expect(sni.toString('ascii', 5)).toBe('www.wikipedia.org');
  });

  it('offers h2 and http/1.1, TLS 1.3 and 1.2, and an X25519 key share', () => {
    expect(parsed.ext.get(16)!.toString('latin1')).toBe('\x00\x0c\x02h2\x08http/1.1');
    const versions = parsed.ext.get(43)!;
    expect(versions.subarray(3).toString('hex')).toBe('03040303');
    const keyShare = parsed.ext.get(51)!;
    expect(keyShare.subarray(-36).toString('hex')).toBe('001d0020' + '03'.repeat(32));
    expect(parsed.ext.get(45)!.toString('hex')).toBe('0101');
    expect(parsed.ext.get(11)!.toString('hex')).toBe('0100');
    expect(parsed.ext.has(13)).toBe(true);
  });

  it('puts GREASE first among the cipher suites and extensions, and last among the extensions', () => {
    expect(isGrease(parsed.suites[0]!)).toBe(true);
    expect(parsed.suites.slice(1, 4)).toEqual([0x1301, 0x1302, 0x1303]);
    expect(isGrease(parsed.extensions[0]![0])).toBe(true);
    expect(isGrease(parsed.extensions.at(-1)![0])).toBe(true);
    expect(isGrease(parsed.ext.get(10)!.readUInt16BE(2))).toBe(true);
  });

  it('sends no SNI, no ALPN and no GREASE for a bare-IP client built without them', () => {
    const bare = parseClientHello(
      buildClientHello({
        serverName: null,
        alpn: [],
        grease: false,
        random: bytes(32, 1),
        sessionId: Buffer.alloc(0),
        keyShare: bytes(32, 3),
      }),
    );
    expect(bare.ext.has(0)).toBe(false);
    expect(bare.ext.has(16)).toBe(false);
    expect(bare.suites.some(isGrease)).toBe(false);
    expect(bare.extensions.some(([type]) => isGrease(type))).toBe(false);
    expect(bare.sessionId.length).toBe(0);
  });

  it('is the same bytes for the same inputs', () => {
    const again = buildClientHello({
      serverName: 'www.wikipedia.org',
      random: bytes(32, 1),
      sessionId: bytes(32, 2),
      keyShare: bytes(32, 3),
      greaseSeed: 5,
    });
    expect(again).toEqual(hello);
  });
});

describe('buildServerHelloTls13', () => {
  it('selects TLS 1.3 in supported_versions and follows with a ChangeCipherSpec record', () => {
    const flight = records(
      buildServerHelloTls13({ random: bytes(32, 4), sessionId: bytes(32, 2), keyShare: bytes(32, 5) }),
    );
    expect(flight.map((r) => r.type)).toEqual([22, 20]);
    const hello = flight[0]!.body;
    expect(hello[0]).toBe(2);
    expect(hello.subarray(-6).toString('hex')).toBe('002b00020304');
    expect(flight[1]!.body.toString('hex')).toBe('01');
  });
});

describe('buildTls12ServerFlight', () => {
  const certificate = Buffer.from('3082000a' + 'ab'.repeat(10), 'hex');
  const flight = records(
    buildTls12ServerFlight({
      random: bytes(32, 6),
      sessionId: bytes(32, 7),
      certificates: [certificate],
      keyShare: bytes(32, 8),
      signature: bytes(64, 9),
      alpn: 'http/1.1',
    }),
  );

  it('sends ServerHello, Certificate, ServerKeyExchange and ServerHelloDone', () => {
    expect(flight.map((r) => [r.type, r.body[0]])).toEqual([
      [22, 2],
      [22, 11],
      [22, 12],
      [22, 14],
    ]);
  });

  it('carries the certificate unchanged as the first entry of the chain', () => {
    const body = flight[1]!.body;
    expect(body.readUIntBE(4, 3)).toBe(3 + certificate.length);
    expect(body.readUIntBE(7, 3)).toBe(certificate.length);
    expect(body.subarray(10)).toEqual(certificate);
  });

  it('chooses an ECDHE-ECDSA suite and the ALPN it was given', () => {
    const hello = flight[0]!.body;
    expect(hello.readUInt16BE(4 + 2 + 32 + 1 + 32)).toBe(0xc02b);
    expect(hello.includes(Buffer.from('\x08http/1.1', 'latin1'))).toBe(true);
  });
});

describe('buildTls12ClientFinish and buildApplicationData', () => {
  it('sends ClientKeyExchange, ChangeCipherSpec and an encrypted Finished', () => {
    const finish = records(buildTls12ClientFinish({ keyShare: bytes(32, 1), finished: bytes(40, 2) }));
    expect(finish.map((r) => [r.type, r.body.length])).toEqual([
      [22, 4 + 33],
      [20, 1],
      [22, 40],
    ]);
  });

  it('splits long application data into records of at most 16 KiB + 256', () => {
    const data = records(buildApplicationData(bytes(40_000, 3)));
    expect(data.map((r) => [r.type, r.body.length])).toEqual([
      [23, 16_640],
      [23, 16_640],
      [23, 6_720],
    ]);
  });
});
