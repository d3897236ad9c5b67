import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSamplePackets, sharedPath, tcpStreams } from './sample-captures.testing.js';
import type { TcpStream } from './sample-captures.testing.js';
import type { TlsClientHello } from './tls.js';
import { parseTlsClientHello } from './tls-client-hello.js';
import {
  alpnExtension,
  clientHello,
  extension,
  pointFormatsExtension,
  records,
  sniExtension,
  u16ListExtension,
} from './tls-messages.testing.js';
import { concat } from './testing.js';

// The ClientHello of FoxIO's JA4 example (technical_details/JA4.md): these ciphers, these
// extensions in this order, these signature algorithms, ALPN h2 first.
const SPEC_CIPHERS = [
  0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
  0x002f, 0x0035,
];
const SPEC_SIGNATURES = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
const GREASE = 0x2a2a;

function specExtensions(o: { grease: boolean; signatures?: number[] }): number[][] {
  const ext = (type: number): number[] => {
    switch (type) {
      case 0x0000:
        return sniExtension('Content-Autofill.googleapis.com');
      case 0x0010:
        return alpnExtension(['h2', 'http/1.1']);
      case 0x000a:
        return u16ListExtension(
          0x000a,
          o.grease ? [GREASE, 0x001d, 0x0017, 0x0018] : [0x001d, 0x0017, 0x0018],
        );
      case 0x000b:
        return pointFormatsExtension([0]);
      case 0x000d:
        return u16ListExtension(0x000d, o.signatures ?? SPEC_SIGNATURES);
      case 0x002b:
        return u16ListExtension(0x002b, o.grease ? [GREASE, 0x0304, 0x0303] : [0x0304, 0x0303], 1);
      default:
        return extension(type);
    }
  };
  const order = [
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
    0x000b, 0x000a, 0x0015,
  ];
  const built = order.map(ext);
  return o.grease ? [extension(0x0a0a), ...built, extension(0xfafa, [0])] : built;
}

function hello(o: Parameters<typeof clientHello>[0], maxFragment?: number): Uint8Array {
  return records(0x16, clientHello(o), maxFragment, 0x0301);
}

function parsedValue(stream: Uint8Array): TlsClientHello {
  const result = parseTlsClientHello(stream);
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value;
}

const SPEC_HELLO = hello({ ciphers: SPEC_CIPHERS, extensions: specExtensions({ grease: false }) });

interface OkCase {
  description: string;
  stream: Uint8Array;
  expected: Partial<TlsClientHello>;
}

const okCases: OkCase[] = [
  {
    description: "gives FoxIO's published JA4 for the ClientHello of its example",
    stream: SPEC_HELLO,
    expected: {
      ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1',
      legacyVersion: 0x0303,
      version: 0x0304,
      serverName: 'content-autofill.googleapis.com',
      alpn: ['h2', 'http/1.1'],
      supportedGroups: [0x001d, 0x0017, 0x0018],
      ecPointFormats: [0],
      signatureAlgorithms: SPEC_SIGNATURES,
      supportedVersions: [0x0304, 0x0303],
    },
  },
  {
    description: 'leaves GREASE out of JA4 and JA3 while keeping it in the lists as sent',
    stream: hello({ ciphers: [GREASE, ...SPEC_CIPHERS], extensions: specExtensions({ grease: true }) }),
    expected: {
      ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1',
      ja3String:
        '771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,' +
        '27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0',
      cipherSuites: [GREASE, ...SPEC_CIPHERS],
      supportedVersions: [GREASE, 0x0304, 0x0303],
      version: 0x0304,
    },
  },
  {
    description:
      'hashes the extension list without a trailing underscore when there are no signature algorithms (JA4.md example)',
    stream: hello({ ciphers: SPEC_CIPHERS, extensions: specExtensions({ grease: false, signatures: [] }) }),
    expected: { ja4: 't13d1516h2_8daaf6152771_6d807ffa2a79', signatureAlgorithms: [] },
  },
  {
    description: "gives the JA3 of Salesforce's README example",
    stream: hello({
      legacyVersion: 0x0301,
      ciphers: [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
      extensions: [
        sniExtension('example.com'),
        u16ListExtension(10, [23, 24, 25]),
        pointFormatsExtension([0]),
      ],
    }),
    expected: {
      ja3String: '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0',
      ja3: 'ada70206e40642a3e4461f35503241d5',
      version: 0x0301,
    },
  },
  {
    description:
      'accepts a ClientHello without extensions, with empty JA3 fields and an all-zero JA4 extension hash',
    stream: hello({ legacyVersion: 0x0301, sessionIdLength: 0, ciphers: [0x002f] }),
    expected: {
      ja3String: '769,47,,,',
      ja4: 't10i010000_ba72b8082249_000000000000',
      extensions: [],
      serverName: null,
      alpn: [],
    },
  },
  {
    description: 'writes 000000000000 for an empty cipher list',
    stream: hello({ ciphers: [], extensions: [u16ListExtension(0x000a, [0x001d])] }),
    expected: { ja4: 't12i000100_000000000000_a8f3e973773c' },
  },
  {
    description: 'falls back to legacy_version when supported_versions holds only GREASE',
    stream: hello({
      legacyVersion: 0x0303,
      ciphers: [0x1301],
      extensions: [u16ListExtension(0x002b, [GREASE], 1)],
    }),
    expected: { version: 0x0303 },
  },
  {
    description: 'uses the hex form for an ALPN value that starts or ends with a non-alphanumeric byte',
    stream: hello({ ciphers: [0x1301], extensions: [alpnExtension([[0x30, 0xab], 'h2'])] }),
    expected: { ja4: 't12i01013b_0f2cb44170f4_000000000000', alpn: ['0\xab', 'h2'] },
  },
];

describe('parseTlsClientHello', () => {
  it.each(okCases)('$description', ({ stream, expected }) => {
    expect(parsedValue(stream)).toMatchObject(expected);
  });

  it('writes 99 for more than 99 ciphers', () => {
    const value = parsedValue(hello({ ciphers: Array.from({ length: 120 }, (_, i) => 0x0100 + i) }));
    expect(value.ja4.slice(0, 10)).toBe('t12i990000');
  });

  it('reads a ClientHello split over several records the same as one in a single record', () => {
    const whole = parsedValue(SPEC_HELLO);
    for (const size of [1, 7, 100, 511]) {
      expect(
        parsedValue(hello({ ciphers: SPEC_CIPHERS, extensions: specExtensions({ grease: false }) }, size)),
      ).toEqual(whole);
    }
  });

  it('says incomplete for every strict prefix of a valid ClientHello, split into records or not', () => {
    for (const stream of [
      SPEC_HELLO,
      hello({ ciphers: SPEC_CIPHERS, extensions: specExtensions({ grease: true }) }, 90),
    ]) {
      for (let cut = 0; cut < stream.length; cut++) {
        expect(parseTlsClientHello(stream.subarray(0, cut)), `cut at ${cut}`).toEqual({
          status: 'incomplete',
        });
      }
      expect(parseTlsClientHello(stream).status).toBe('ok');
    }
  });

  it('ignores application data after the ClientHello', () => {
    expect(parsedValue(concat(SPEC_HELLO, [0x17, 3, 3, 0, 2, 9, 9]))).toEqual(parsedValue(SPEC_HELLO));
  });

  const invalid: [string, Uint8Array][] = [
    ['an HTTP request', new Uint8Array(Buffer.from('GET / HTTP/1.1\r\n'))],
    ['an application data record', new Uint8Array([0x17, 3, 3, 0, 1, 0])],
    ['a record whose version is not 3.x', new Uint8Array([0x16, 2, 0])],
    ['a record with minor version 9', new Uint8Array([0x16, 3, 9])],
    ['an SSLv2 ClientHello', new Uint8Array([0x80, 0x2e, 1, 0, 2])],
    ['a zero-length handshake record', new Uint8Array([0x16, 3, 1, 0, 0])],
    ['a ServerHello where a ClientHello belongs', records(0x16, [2, 0, 0, 4, 3, 3, 0, 0])],
    ['a stated ClientHello length over 64 KiB', new Uint8Array([0x16, 3, 1, 0, 4, 1, 1, 0, 0])],
    [
      'a session id longer than 32 bytes',
      records(0x16, clientHello({ sessionIdLength: 33, ciphers: [0x2f] })),
    ],
    [
      'an alert in the middle of the ClientHello',
      concat(SPEC_HELLO.subarray(0, 50), [0x15, 3, 3, 0, 2, 2, 40]).map((b, i) => (i === 4 ? 45 : b)),
    ],
    [
      'an odd cipher suites length',
      records(0x16, [1, 0, 0, 38, 3, 3, ...new Array<number>(32).fill(0), 0, 0, 1, 0x2f, 1, 0]),
    ],
    [
      'an extension that runs past the extensions block',
      records(0x16, clientHello({ ciphers: [0x2f], extensions: [[0, 0, 0, 9]] })),
    ],
  ];

  it.each(invalid)('says invalid for %s', (_, stream) => {
    expect(parseTlsClientHello(stream).status).toBe('invalid');
  });

  it('says incomplete for nothing at all, and for a lone handshake content type byte', () => {
    expect(parseTlsClientHello(new Uint8Array(0))).toEqual({ status: 'incomplete' });
    expect(parseTlsClientHello(new Uint8Array([0x16]))).toEqual({ status: 'incomplete' });
  });

  it('never throws on random bytes, with or without a valid record header in front', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 700 }), (withHeader, tail) => {
        const stream = withHeader
          ? concat([0x16, 3, 1, tail.length >> 8, tail.length & 0xff, 1], tail)
          : tail;
        expect(['ok', 'incomplete', 'invalid']).toContain(parseTlsClientHello(stream).status);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on valid ClientHellos with one byte changed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (at, value, cut) => {
        const stream = SPEC_HELLO.slice(0, 1 + (cut % SPEC_HELLO.length));
        stream[at % stream.length] = value;
        expect(['ok', 'incomplete', 'invalid']).toContain(parseTlsClientHello(stream).status);
      }),
      { numRuns: 3000 },
    );
  });
});

/** The initiator's byte stream of the TCP connection from `srcPort`. */
function clientStream(file: string, srcPort: number): TcpStream {
  const stream = tcpStreams(readSamplePackets(file)).find((s) => s.srcPort === srcPort);
  if (stream === undefined) throw new Error(`no stream from port ${srcPort}`);
  return stream;
}

// Expected JA3 values and strings come from tshark 4.0.17 (`-e tls.handshake.ja3 -e
// tls.handshake.ja3_full`). This tshark has no JA4 field: the JA4 values were computed from
// tshark's dissection of each ClientHello (versions, ciphers, extension types, ALPN, signature
// algorithms) by a separate script following JA4.md, then checked against this decoder.
const realHellos = [
  {
    file: 'pcaps/zeek/tls_tls-conn-with-extensions/tls-conn-with-extensions.pcap',
    srcPort: 62045,
    serverName: 'ssl.gstatic.com',
    ja3: '62351d5ea3cd4f21f697965b10a9bbbe',
    ja3String:
      '769,49162-49172-136-135-57-56-49167-49157-132-53-49159-49161-49169-49171-69-68-102-51-50-49164-49166-49154-49156-150-65-4-5-47-49160-49170-22-19-49165-49155-65279-10,0-65281-10-11-35-13172,23-24-25,0',
    ja4: 't10d360600_b06c425f59b5_eb0e26099a3f',
    alpn: [],
  },
  {
    file: 'pcaps/samples/pcapplusplus_pcapng-example.pcapng',
    srcPort: 40304,
    // MySQL: TLS starts after the server greeting and the client's 36-byte SSL request.
    tlsStart: 36,
    serverName: null,
    ja3: 'b1fbf71983dc2a72277e70ec11e3a979',
    ja3String:
      '771,49200-49196-49192-49188-49172-49162-165-163-161-159-107-106-105-104-57-56-55-54-136-135-134-133-49202-49198-49194-49190-49167-49157-157-61-53-132-49199-49195-49191-49187-49171-49161-164-162-160-158-103-64-63-62-51-50-49-48-154-153-152-151-69-68-67-66-49201-49197-49193-49189-49166-49156-156-60-47-150-65-7-49169-49159-49164-49154-5-4-49170-49160-22-19-16-13-49165-49155-10-21-18-15-12-9-20-17-14-11-8-6-3-255,11-10-35-13-15,14-13-25-28-11-12-27-24-9-10-26-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,0-1-2',
    ja4: 't12i980500_fb65fcf89bd4_a1e935682795',
    alpn: [],
  },
  {
    file: 'pcaps/samples/pcapplusplus_many_interfaces-1.pcapng',
    srcPort: 50981,
    serverName: 'clients6.google.com',
    ja3: '06ac73054dde9c9e7947fed24457fe9c',
    ja3String:
      '771,49195-49199-158-52244-52243-52245-49162-49172-57-49161-49171-51-156-53-47-10-255,0-23-35-13-5-13172-18-16-11-10-21,23-24,0',
    ja4: 't12d1711h1_e1dc9db8be50_5a9823495375',
    alpn: ['http/1.1', 'spdy/3.1', 'h2-14', 'h2'],
  },
  {
    file: 'pcaps/samples/pcapplusplus_many_interfaces-1.pcapng',
    srcPort: 50982,
    serverName: 'clients6.google.com',
    ja3: '624f05d5bd91b08b2d8c395c32358f19',
    ja3String:
      '771,49195-49199-158-52244-52243-52245-49162-49172-57-49161-49171-51-156-53-47-10-255,0-23-35-13-5-13172-18-16-30032-11-10,23-24,0',
    ja4: 't12d1711h1_e1dc9db8be50_c905abbc9856',
    alpn: ['http/1.1', 'spdy/3.1', 'h2-14', 'h2'],
  },
];

describe.skipIf(!existsSync(sharedPath('pcaps')))(
  'parseTlsClientHello on real captures (needs ../shared)',
  () => {
    it.each(realHellos)('matches tshark for the ClientHello from port $srcPort in $file', (want) => {
      const stream = clientStream(sharedPath(want.file), want.srcPort).bytes;
      const tlsStart = want.tlsStart ?? 0;
      if (tlsStart > 0) expect(parseTlsClientHello(stream).status).toBe('invalid');
      const value = parsedValue(stream.subarray(tlsStart));
      expect({
        serverName: value.serverName,
        ja3: value.ja3,
        ja3String: value.ja3String,
        ja4: value.ja4,
        alpn: value.alpn,
      }).toEqual({
        serverName: want.serverName,
        ja3: want.ja3,
        ja3String: want.ja3String,
        ja4: want.ja4,
        alpn: want.alpn,
      });
    });
  },
);
