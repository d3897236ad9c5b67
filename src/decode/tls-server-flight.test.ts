import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSamplePackets, sharedPath, tcpStreams } from './sample-captures.testing.js';
import type { TlsServerInfo } from './tls.js';
import { parseTlsServerFlight } from './tls-server-flight.js';
import {
  alpnExtension,
  certificateMessage,
  extension,
  handshakeMessage,
  records,
  serverHello,
  u16ListExtension,
} from './tls-messages.testing.js';
import { concat, u16 } from './testing.js';

const LEAF = Array.from({ length: 700 }, (_, i) => (i * 7) & 0xff);
const INTERMEDIATE = Array.from({ length: 500 }, (_, i) => (i * 13) & 0xff);
const LEAF_SHA1 = createHash('sha1').update(Uint8Array.from(LEAF)).digest('hex');
const SERVER_HELLO_DONE = handshakeMessage(14, []);
const CHANGE_CIPHER_SPEC = records(20, [1]);

const TLS12_HELLO = serverHello({
  cipher: 0xc02f,
  extensions: [extension(0xff01, [0]), alpnExtension(['h2'])],
});
const TLS12_FLIGHT = [...TLS12_HELLO, ...certificateMessage([LEAF, INTERMEDIATE]), ...SERVER_HELLO_DONE];

function value(stream: Uint8Array): TlsServerInfo {
  const result = parseTlsServerFlight(stream);
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value;
}

describe('parseTlsServerFlight', () => {
  it('reads the ServerHello and the SHA1 of the leaf certificate of a TLS 1.2 flight in one record', () => {
    expect(value(records(22, TLS12_FLIGHT))).toEqual({
      legacyVersion: 0x0303,
      version: 0x0303,
      versionName: 'TLSv12',
      cipherSuite: 0xc02f,
      extensions: [0xff01, 0x0010],
      alpn: 'h2',
      ja3s: createHash('md5').update('771,49199,65281-16').digest('hex'),
      ja3sString: '771,49199,65281-16',
      certSha1: LEAF_SHA1,
    });
  });

  it('reassembles the flight from records of any size', () => {
    for (const size of [1, 5, 64, 1000])
      expect(value(records(22, TLS12_FLIGHT, size)).certSha1).toBe(LEAF_SHA1);
  });

  it('says incomplete, with the ServerHello as partial, until the leaf certificate has arrived', () => {
    const fragment = 300;
    const stream = records(22, TLS12_FLIGHT, fragment);
    const streamOffset = (handshakeOffset: number): number =>
      Math.floor(handshakeOffset / fragment) * (fragment + 5) + 5 + (handshakeOffset % fragment);
    const helloEnd = streamOffset(TLS12_HELLO.length - 1) + 1;
    // The leaf follows the Certificate header (4 bytes), the list length (3) and its own length (3).
    const leafEnd = streamOffset(TLS12_HELLO.length + 10 + LEAF.length - 1) + 1;
    for (let cut = 0; cut <= stream.length; cut++) {
      const result = parseTlsServerFlight(stream.subarray(0, cut));
      if (cut < helloEnd) expect(result, `cut ${cut}`).toEqual({ status: 'incomplete' });
      else if (cut < leafEnd)
        expect(result, `cut ${cut}`).toMatchObject({
          status: 'incomplete',
          partial: { cipherSuite: 0xc02f, certSha1: null },
        });
      // Once the leaf is complete the intermediate is not waited for.
      else expect(result, `cut ${cut}`).toMatchObject({ status: 'ok', value: { certSha1: LEAF_SHA1 } });
    }
  });

  it('takes the version from supported_versions and expects no certificate from TLS 1.3', () => {
    const hello = serverHello({
      cipher: 0x1301,
      extensions: [u16ListExtension(0x0033, [0x001d]), extension(0x002b, u16(0x0304))],
    });
    for (const stream of [
      records(22, hello),
      concat(records(22, hello), CHANGE_CIPHER_SPEC, records(23, [1, 2, 3])),
    ]) {
      expect(value(stream)).toMatchObject({
        legacyVersion: 0x0303,
        version: 0x0304,
        versionName: 'TLSv13',
        certSha1: null,
        alpn: null,
      });
    }
  });

  it('gives no certificate for a resumed TLS 1.2 session (ChangeCipherSpec right after the ServerHello)', () => {
    expect(
      value(concat(records(22, TLS12_HELLO), CHANGE_CIPHER_SPEC, records(22, [0x14, 0x99, 0x88]))),
    ).toMatchObject({
      certSha1: null,
      versionName: 'TLSv12',
    });
  });

  it('gives no certificate when another message follows the ServerHello (anonymous or PSK suites)', () => {
    expect(value(records(22, [...TLS12_HELLO, ...SERVER_HELLO_DONE])).certSha1).toBeNull();
    expect(value(records(22, [...TLS12_HELLO, 12, 0, 1])).certSha1).toBeNull();
  });

  it('gives no certificate for an empty certificate list', () => {
    expect(value(records(22, [...TLS12_HELLO, ...certificateMessage([])])).certSha1).toBeNull();
  });

  it('reads a ServerHello without extensions', () => {
    expect(
      value(records(22, [...serverHello({ legacyVersion: 0x0301, cipher: 0x0005 }), ...SERVER_HELLO_DONE])),
    ).toMatchObject({
      version: 0x0301,
      versionName: 'TLSv10',
      extensions: [],
      ja3sString: '769,5,',
    });
  });

  const invalid: [string, Uint8Array][] = [
    ['an alert instead of a ServerHello', new Uint8Array([0x15, 3, 3, 0, 2, 2, 40])],
    ['a ClientHello where the ServerHello belongs', records(22, handshakeMessage(1, [3, 3]))],
    ['a ServerHello shorter than its fixed fields', records(22, handshakeMessage(2, [3, 3, 0]))],
    ['plain text', new Uint8Array(Buffer.from('HTTP/1.1 200 OK\r\n'))],
  ];

  it.each(invalid)('says invalid for %s', (_, stream) => {
    expect(parseTlsServerFlight(stream).status).toBe('invalid');
  });

  it('never throws on random bytes or on a flight with one byte changed', () => {
    const flight = records(22, TLS12_FLIGHT, 400);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(),
        (random, at, byte, cut) => {
          expect(['ok', 'incomplete', 'invalid']).toContain(parseTlsServerFlight(random).status);
          const changed = flight.slice(0, 1 + (cut % flight.length));
          changed[at % changed.length] = byte;
          expect(['ok', 'incomplete', 'invalid']).toContain(parseTlsServerFlight(changed).status);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

// JA3S and the leaf certificate SHA1 from tshark 4.0.17 (`-e tls.handshake.ja3s`, and
// `-e tls.handshake.certificate` piped through sha1sum).
const realFlights = [
  {
    file: 'pcaps/zeek/tls_tls-conn-with-extensions/tls-conn-with-extensions.pcap',
    dstPort: 62045,
    tlsStart: 0,
    expected: {
      versionName: 'TLSv10',
      cipherSuite: 0xc011,
      ja3s: 'e07f21892995126f4b539c02215c8456',
      ja3sString: '769,49169,0-65281-11-35-13172',
      certSha1: '82437e7830614e2500679d121590d25381de1dac',
    },
  },
  {
    file: 'pcaps/samples/pcapplusplus_pcapng-example.pcapng',
    dstPort: 40304,
    // MySQL: the server greeting (103 bytes) comes before TLS.
    tlsStart: 103,
    expected: {
      versionName: 'TLSv10',
      cipherSuite: 0x0039,
      ja3s: '7a2f70a16da750662fc0291d88ebddf8',
      ja3sString: '769,57,65281-35-15',
      certSha1: 'd774685b5314957010df924bb5fc9a92aeb03e2e',
    },
  },
  {
    file: 'pcaps/samples/pcapplusplus_many_interfaces-1.pcapng',
    dstPort: 50981,
    tlsStart: 0,
    // A resumed session: ChangeCipherSpec follows the ServerHello.
    expected: {
      versionName: 'TLSv12',
      cipherSuite: 0xc02b,
      ja3s: '96681175a9547081bf3d417f1a572091',
      alpn: 'h2',
      certSha1: null,
    },
  },
];

describe.skipIf(!existsSync(sharedPath('pcaps')))(
  'parseTlsServerFlight on real captures (needs ../shared)',
  () => {
    it.each(realFlights)(
      'matches tshark for the server flight to port $dstPort in $file',
      ({ file, dstPort, tlsStart, expected }) => {
        const stream = tcpStreams(readSamplePackets(sharedPath(file))).find(
          (s) => s.dstPort === dstPort,
        )!.bytes;
        expect(value(stream.subarray(tlsStart))).toMatchObject(expected);
      },
    );
  },
);
