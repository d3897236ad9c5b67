import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../records/index.js';
import { type Endpoint, S, clientHello, dnsResponse, recordingTable, serverFlight, tcp } from './testing.js';

const { SYN, ACK, PSH } = TcpFlag;
const client: Endpoint = { addr: '192.168.1.10', port: 50000 };
const server: Endpoint = { addr: '93.184.216.34', port: 443 };
const T0 = 1_700_000_000 * S;
const ISN_C = 1000;
const ISN_S = 5000;

function open(table: ReturnType<typeof recordingTable>['table'], to: Endpoint = server): void {
  table.add(T0, tcp(client, to, SYN, { tcpSeq: ISN_C }), null);
  table.add(T0, tcp(to, client, SYN | ACK, { tcpSeq: ISN_S }), null);
  table.add(T0, tcp(client, to, ACK, { tcpSeq: ISN_C + 1 }), null);
}

function data(from: Endpoint, to: Endpoint, seq: number, payload: Uint8Array): ReturnType<typeof tcp> {
  return tcp(from, to, PSH | ACK, { tcpSeq: seq, payload, payloadLength: payload.length });
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

describe('inspectTcpPayload: TLS', () => {
  it('takes SNI, ALPN, JA3 and JA4 from a ClientHello in one segment', () => {
    const { table, flows } = recordingTable();
    open(table);
    table.add(T0, data(client, server, ISN_C + 1, clientHello('example.com', 'h2')), null);
    table.flush('shutdown');
    expect(flows[0]).toMatchObject({
      serverName: 'example.com',
      alpn: 'h2',
      ja3: expect.stringMatching(/^[0-9a-f]{32}$/),
      ja4: expect.stringMatching(/^t12d/),
    });
  });

  it('reassembles a ClientHello split over segments, skipping a retransmission and an out-of-order segment', () => {
    const hello = clientHello('split.example.org');
    const { table, flows } = recordingTable();
    open(table);
    table.add(T0, data(client, server, ISN_C + 1, hello.subarray(0, 20)), null);
    table.add(T0, data(client, server, ISN_C + 1, hello.subarray(0, 20)), null);
    table.add(T0, data(client, server, ISN_C + 41, hello.subarray(40)), null);
    table.add(T0, data(client, server, ISN_C + 21, hello.subarray(20, 40)), null);
    table.add(T0, data(client, server, ISN_C + 41, hello.subarray(40)), null);
    table.flush('shutdown');
    expect(flows[0]!.serverName).toBe('split.example.org');
  });

  it('does not copy bytes the payload view points to: a later change to the buffer does not alter the name', () => {
    const hello = clientHello('stable.example');
    const first = hello.slice(0, 30);
    const { table, flows } = recordingTable();
    open(table);
    table.add(T0, data(client, server, ISN_C + 1, first), null);
    first.fill(0);
    table.add(T0, data(client, server, ISN_C + 31, hello.subarray(30)), null);
    table.flush('shutdown');
    expect(flows[0]!.serverName).toBe('stable.example');
  });

  it('takes the version, negotiated ALPN and leaf certificate SHA1 from a server flight spread over segments', () => {
    const cert = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    const flight = serverFlight(cert);
    const { table, flows } = recordingTable();
    open(table);
    table.add(T0, data(client, server, ISN_C + 1, clientHello('example.com', 'http/1.1')), null);
    for (let at = 0; at < flight.length; at += 1400) {
      table.add(T0, data(server, client, ISN_S + 1 + at, flight.subarray(at, at + 1400)), null);
    }
    table.flush('shutdown');
    expect(flows[0]).toMatchObject({
      tlsVersion: 'TLSv12',
      alpn: 'h2',
      tlsCertSha1: createHash('sha1').update(cert).digest('hex'),
    });
  });

  it('stops reading a stream that is not TLS after all', () => {
    const { table, flows } = recordingTable();
    open(table);
    table.add(
      T0,
      data(client, server, ISN_C + 1, Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0x02, 0x02, 0x00])),
      null,
    );
    table.add(T0, data(client, server, ISN_C + 8, clientHello('late.example')), null);
    table.flush('shutdown');
    expect(flows[0]).toMatchObject({ serverName: null, ja3: null });
  });
});

describe('inspectTcpPayload: HTTP', () => {
  const web: Endpoint = { addr: '93.184.216.34', port: 80 };

  it('takes the Host header of the first request', () => {
    const { table, flows } = recordingTable();
    open(table, web);
    table.add(
      T0,
      data(
        client,
        web,
        ISN_C + 1,
        ascii('GET / HTTP/1.1\r\nHost: WWW.Example.com:8080\r\nAccept: */*\r\n\r\n'),
      ),
      null,
    );
    table.flush('shutdown');
    expect(flows[0]!.serverName).toBe('www.example.com');
  });

  it('waits for a Host header that arrives in the next segment', () => {
    const { table, flows } = recordingTable();
    open(table, web);
    const first = ascii('GET /index.html HTTP/1.1\r\nUser-Agent: test\r\n');
    table.add(T0, data(client, web, ISN_C + 1, first), null);
    table.add(T0, data(client, web, ISN_C + 1 + first.length, ascii('Host: later.example\r\n\r\n')), null);
    table.flush('shutdown');
    expect(flows[0]!.serverName).toBe('later.example');
  });

  it('gives up at the end of headers without a Host', () => {
    const { table, flows } = recordingTable();
    open(table, web);
    const first = ascii('GET / HTTP/1.0\r\n\r\n');
    table.add(T0, data(client, web, ISN_C + 1, first), null);
    table.add(
      T0,
      data(client, web, ISN_C + 1 + first.length, ascii('GET / HTTP/1.1\r\nHost: second.example\r\n\r\n')),
      null,
    );
    table.flush('shutdown');
    expect(flows[0]!.serverName).toBeNull();
  });
});

describe('inspectTcpPayload: DNS over TCP', () => {
  const resolver: Endpoint = { addr: '192.168.1.1', port: 53 };

  function framed(message: Uint8Array): Uint8Array {
    return Uint8Array.from([message.length >> 8, message.length & 0xff, ...message]);
  }

  it('reports every response in the server stream, across segment boundaries', () => {
    const { table, dns } = recordingTable();
    open(table, resolver);
    const stream = Uint8Array.from([
      ...framed(dnsResponse('a.example', ['1.2.3.4'])),
      ...framed(dnsResponse('b.example', ['5.6.7.8', '5.6.7.9'])),
    ]);
    table.add(T0 + S, data(resolver, client, ISN_S + 1, stream.subarray(0, 10)), null);
    table.add(T0 + S, data(resolver, client, ISN_S + 11, stream.subarray(10, 50)), null);
    table.add(T0 + S, data(resolver, client, ISN_S + 51, stream.subarray(50)), null);
    expect(dns.map((d) => [d.queryName, d.answer, d.transport, d.clientAddr, d.serverAddr])).toEqual([
      ['a.example', '1.2.3.4', 'tcp', client.addr, resolver.addr],
      ['b.example', '5.6.7.8', 'tcp', client.addr, resolver.addr],
      ['b.example', '5.6.7.9', 'tcp', client.addr, resolver.addr],
    ]);
  });

  it('names later flows to an address answered over TCP', () => {
    const { table, flows } = recordingTable();
    open(table, resolver);
    table.add(
      T0 + S,
      data(resolver, client, ISN_S + 1, framed(dnsResponse('tcp-answer.example', ['93.184.216.34']))),
      null,
    );
    table.add(T0 + 2 * S, tcp(client, server, SYN), null);
    table.flush('shutdown');
    expect(flows.find((f) => f.dstPort === 443)!.dnsName).toBe('tcp-answer.example');
  });
});
