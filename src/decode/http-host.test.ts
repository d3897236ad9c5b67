import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseHost, parseHttpRequestHost, parseHttpRequestStart } from './http-host.js';
import type { HttpRequestStart } from './http-host.js';
import { readSamplePackets, sharedPath, tcpStreams } from './sample-captures.testing.js';

function text(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'latin1'));
}

const cases: [string, string, HttpRequestStart | null][] = [
  [
    'reads method, target, version and Host',
    'GET /index.html HTTP/1.1\r\nUser-Agent: x\r\nHost: www.Example.com\r\nAccept: */*\r\n\r\n',
    { method: 'GET', target: '/index.html', version: '1.1', host: 'www.example.com' },
  ],
  [
    'drops the port from Host',
    'POST /api HTTP/1.1\r\nhost: api.example.com:8080\r\n\r\n',
    { method: 'POST', target: '/api', version: '1.1', host: 'api.example.com' },
  ],
  [
    'drops the brackets and port from an IPv6 literal',
    'GET / HTTP/1.1\r\nHOST: [2001:DB8::1]:8443\r\n\r\n',
    { method: 'GET', target: '/', version: '1.1', host: '2001:db8::1' },
  ],
  [
    'accepts bare LF line ends, tabs around the value and a trailing dot',
    'HEAD / HTTP/1.0\nHost:\texample.org.  \n\n',
    { method: 'HEAD', target: '/', version: '1.0', host: 'example.org' },
  ],
  [
    'reads the authority-form target of CONNECT',
    'CONNECT example.net:443 HTTP/1.1\r\nHost: example.net:443\r\n\r\n',
    { method: 'CONNECT', target: 'example.net:443', version: '1.1', host: 'example.net' },
  ],
  [
    'gives a null host when the headers are cut off before Host',
    'GET /a HTTP/1.1\r\nUser-Agent: curl/8\r\nAcc',
    { method: 'GET', target: '/a', version: '1.1', host: null },
  ],
  [
    'gives a null host when the Host line itself is cut off',
    'GET /a HTTP/1.1\r\nHost: www.exam',
    { method: 'GET', target: '/a', version: '1.1', host: null },
  ],
  [
    'gives a null version when the request line is cut off',
    'OPTIONS /long/pa',
    { method: 'OPTIONS', target: '/long/pa', version: null, host: null },
  ],
  [
    'stops at the end of the headers and does not read Host from the body',
    'PUT /x HTTP/1.1\r\nContent-Length: 20\r\n\r\nHost: body.example\r\n',
    { method: 'PUT', target: '/x', version: '1.1', host: null },
  ],
  [
    'does not take X-Host or Hostname for Host',
    'GET / HTTP/1.1\r\nX-Host: a.example\r\nHostname: b.example\r\nHost: c.example\r\n\r\n',
    { method: 'GET', target: '/', version: '1.1', host: 'c.example' },
  ],
  [
    'gives a null host for an empty Host value',
    'GET / HTTP/1.1\r\nHost: \r\n\r\n',
    { method: 'GET', target: '/', version: '1.1', host: null },
  ],
  ['rejects a lowercase method', 'get / HTTP/1.1\r\nHost: a\r\n\r\n', null],
  ['rejects an unknown method', 'BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n', null],
  ['rejects a method without the space after it', 'GETX / HTTP/1.1\r\n\r\n', null],
  ['rejects HTTP/2 and other versions', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', null],
  ['rejects HTTP/0.9 (no version, no headers)', 'GET /\r\n', null],
  ['rejects a TLS record', '\x16\x03\x01\x02\x00\x01', null],
];

describe('parseHttpRequestStart', () => {
  it.each(cases)('%s', (_, payload, expected) => {
    expect(parseHttpRequestStart(text(payload))).toEqual(expected);
  });

  it('never throws on random bytes behind a valid method', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET ', 'POST ', 'PATCH ', 'TRACE ', 'DELETE ', ''),
        fc.uint8Array({ maxLength: 300 }),
        (method, tail) => {
          const result = parseHttpRequestStart(new Uint8Array([...text(method), ...tail]));
          expect(result === null || typeof result.method === 'string').toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never returns a host from a truncated request that it would not return from the whole one', () => {
    const whole = text('GET /p HTTP/1.1\r\nAccept: */*\r\nHost: www.example.com:80\r\nUser-Agent: x\r\n\r\n');
    for (let cut = 0; cut <= whole.length; cut++) {
      expect([null, 'www.example.com']).toContain(parseHttpRequestHost(whole.subarray(0, cut)));
    }
  });
});

describe('normaliseHost', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['[::1]', '::1'],
    ['[::1', null],
    [':80', null],
  ])('normalises %s to %s', (value, expected) => {
    expect(normaliseHost(value)).toBe(expected);
  });
});

/** Host of the first request on each connection to port 80, by client port. */
function firstHosts(file: string): Map<number, string | null> {
  const hosts = new Map<number, string | null>();
  for (const stream of tcpStreams(readSamplePackets(file))) {
    if (stream.dstPort === 80 && stream.bytes.length > 0)
      hosts.set(stream.srcPort, parseHttpRequestHost(stream.bytes));
  }
  return hosts;
}

function zeekFirstHosts(httpLog: string): Map<number, string> {
  const lines = readFileSync(httpLog, 'utf8').split('\n');
  const fields = lines
    .find((l) => l.startsWith('#fields'))!
    .split('\t')
    .slice(1);
  const hosts = new Map<number, string>();
  for (const line of lines.filter((l) => l.length > 0 && !l.startsWith('#'))) {
    const row = line.split('\t');
    if (row[fields.indexOf('trans_depth')] === '1')
      hosts.set(Number(row[fields.indexOf('id.orig_p')]), row[fields.indexOf('host')]!);
  }
  return hosts;
}

describe.skipIf(!existsSync(sharedPath('pcaps')))(
  'parseHttpRequestHost on real captures (needs ../shared)',
  () => {
    it.each([
      ['wikipedia/wikipedia.pcap', 'wikipedia/expected/opt.basic/http.log'],
      ['http_get/get.pcap', 'http_get/expected/core.tcp.reassembly-known-ports/http.log'],
    ])("gives the host of Zeek's http.log for the first request of each connection in %s", (pcap, log) => {
      const ours = firstHosts(sharedPath('pcaps/zeek', pcap));
      const zeek = zeekFirstHosts(sharedPath('pcaps/zeek', log));
      expect(zeek.size).toBeGreaterThan(0);
      for (const [port, host] of zeek) expect({ port, host: ours.get(port) }).toEqual({ port, host });
    });

    it('gives the hosts tshark shows for tcpreplay test.pcap', () => {
      // tshark -Y http.request -e tcp.srcport -e http.host: first request per connection.
      expect(Object.fromEntries(firstHosts(sharedPath('pcaps/samples/tcpreplay_test.pcap')))).toEqual({
        64581: 'slashdot.org',
        43250: 'ipv6.icanhazip.com',
        64582: 'a.fsdn.com',
        64583: 'a.fsdn.com',
        64584: 'a.fsdn.com',
        64585: 'a.fsdn.com',
      });
    });
  },
);
