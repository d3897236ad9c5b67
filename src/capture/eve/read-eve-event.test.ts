import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEveEvent, type EveEvent } from './read-eve-event.js';

const fixtures = path.resolve(process.cwd(), 'test/fixtures/eve');
const OPTIONS = { linkHeaderBytes: 14 };

function events(file: string): EveEvent[] {
  return readFileSync(path.join(fixtures, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => readEveEvent(line, OPTIONS));
}

/** 2024-01-15T12:00:00Z in microseconds. */
const NOON = Date.UTC(2024, 0, 15, 12) * 1000;

describe('readEveEvent on flow events', () => {
  const all = events('eve-suricata7-tls-http-dns-flows.json');
  const flows = all.filter((e): e is Extract<EveEvent, { type: 'flow' }> => e.type === 'flow');

  it('reads a closed TLS flow: opener as src, times from the +0100 offset, IP bytes without Ethernet headers', () => {
    expect(flows[1]).toEqual({
      type: 'flow',
      flowId: '2020410425418843',
      appProto: 'tls',
      flow: expect.objectContaining({
        protocol: 'tcp',
        srcAddr: '192.168.1.20',
        srcPort: 51234,
        dstAddr: '35.212.0.44',
        dstPort: 443,
        firstSeenAt: NOON + 200_000,
        lastSeenAt: NOON + 2_700_000,
        srcPackets: 14,
        dstPackets: 16,
        srcBytes: 2036 - 14 * 14,
        dstBytes: 12624 - 16 * 14,
        srcPayloadBytes: 0,
        status: 'closed',
        endReason: 'fin',
        srcTcpFlags: 0x1b,
        dstTcpFlags: 0x1b,
        sensor: 'attic-ids',
        interface: 'eth0',
        vlan: 20,
        innerVlan: null,
        srcMac: 'f4:f5:d8:01:02:03',
        dstMac: '00:11:22:33:44:55',
        communityId: null,
      }),
    });
  });

  it('keeps the Community ID Suricata logged', () => {
    expect(flows[0]?.flow.communityId).toBe('1:Hn3oSRo6CEJzW3XpWMG8KHO3ltA=');
  });

  const statusCases: { description: string; at: number; status: string; endReason: string }[] = [
    {
      description: 'a UDP exchange answered both ways',
      at: 0,
      status: 'established',
      endReason: 'idle_timeout',
    },
    { description: 'TCP with a RST after the FINs', at: 2, status: 'closed', endReason: 'fin' },
    { description: 'a SYN answered by RST-ACK', at: 3, status: 'rejected', endReason: 'rst' },
    { description: 'ICMPv6 ended at shutdown', at: 4, status: 'established', endReason: 'shutdown' },
    { description: 'one-way UDP ended by force', at: 5, status: 'unanswered', endReason: 'evicted' },
  ];
  for (const c of statusCases) {
    it(`gives ${c.description} status ${c.status} and end reason ${c.endReason}`, () => {
      expect(flows[c.at]?.flow).toMatchObject({ status: c.status, endReason: c.endReason });
    });
  }

  it('takes ICMP type and code as ports and leaves the counterpart rule to the sink', () => {
    expect(flows[4]?.flow).toMatchObject({
      protocol: 'icmp6',
      ipVersion: 6,
      srcPort: 128,
      dstPort: 0,
      isIcmpCodeAsPort: true,
    });
  });

  it('keeps a flow_id beyond 2^53 exactly, as written', () => {
    const line = readFileSync(path.join(fixtures, 'eve-flow-before-its-tls-event.json'), 'utf8')
      .split('\n')[0]!
      .replace('"flow_id":7777', '"flow_id":18446744073709551557');
    expect(readEveEvent(line, OPTIONS)).toMatchObject({ type: 'flow', flowId: '18446744073709551557' });
  });

  it('counts frames as IP bytes unchanged when told there is no link-layer header', () => {
    const line = readFileSync(path.join(fixtures, 'eve-suricata7-tls-http-dns-flows.json'), 'utf8').split(
      '\n',
    )[3]!;
    expect(readEveEvent(line, { linkHeaderBytes: 0 })).toMatchObject({
      flow: { srcBytes: 2036, dstBytes: 12624 },
    });
  });
});

describe('readEveEvent on tls and http events', () => {
  const all = events('eve-suricata7-tls-http-dns-flows.json');

  it('turns a tls event into names for its flow: SNI, JA3, JA4, SHA1, version in Zeek spelling, ALPN', () => {
    expect(all[1]).toEqual({
      type: 'names',
      flowId: '2020410425418843',
      names: {
        serverName: 'www.suricata.io',
        ja3: 'e7d705a3286e19ea42f587b344ee6865',
        ja4: 't13d1516h2_8daaf6152771_b0da82dd1658',
        tlsCertSha1: '8f511206a0cc4ecde8a38b38f88759e5af95cacd',
        tlsVersion: 'TLSv12',
        alpn: 'h2',
      },
    });
  });

  it("names a flow with its first HTTP request's Host, lowercase without port, and ignores later ones", () => {
    expect(all[4]).toMatchObject({
      type: 'names',
      flowId: '908112543187211',
      names: { serverName: 'example.com' },
    });
    expect(all[5]).toEqual({ type: 'other' });
  });

  it('leaves alerts and stats aside as nothing to store', () => {
    expect(all[7]).toEqual({ type: 'other' });
    expect(all[11]).toEqual({ type: 'other' });
  });
});

describe('readEveEvent on dns events', () => {
  const all = events('eve-dns-versions-1-2-3.json');
  const answers = (at: number): unknown[] => {
    const event = all[at];
    return event?.type === 'dns'
      ? event.records.map((r) => [
          r.clientAddr,
          r.serverAddr,
          r.queryName,
          r.rcode,
          r.answerName,
          r.answerType,
          r.answer,
          r.ttl,
          r.transport,
        ])
      : [];
  };

  it('leaves queries aside (v1 "query", v3 "request")', () => {
    expect(all[0]).toEqual({ type: 'other' });
    expect(all[5]).toEqual({ type: 'other' });
  });

  it('reads version 1: one event per answer record', () => {
    expect(answers(1)).toEqual([
      ['192.168.1.20', '192.168.1.1', 'twitter.com', 'NOERROR', 'twitter.com', 'A', '199.16.156.6', 8, 'udp'],
    ]);
    expect(answers(2)).toEqual([
      [
        '192.168.1.20',
        '192.168.1.1',
        'twitter.com',
        'NOERROR',
        'twitter.com',
        'A',
        '199.16.156.70',
        8,
        'udp',
      ],
    ]);
  });

  it('keeps a version 1 NXDOMAIN as one answerless record', () => {
    expect(answers(3)).toEqual([
      [
        '192.168.1.20',
        '192.168.1.1',
        'no-such-name.example',
        'NXDOMAIN',
        'no-such-name.example',
        'A',
        '',
        0,
        'udp',
      ],
    ]);
  });

  it('reads version 2 grouped answers, which carry neither owners nor TTLs', () => {
    expect(answers(4)).toEqual([
      [
        '192.168.1.21',
        '192.168.1.1',
        'www.suricata.io',
        'NOERROR',
        'www.suricata.io',
        'A',
        '192.0.78.24',
        0,
        'udp',
      ],
      [
        '192.168.1.21',
        '192.168.1.1',
        'www.suricata.io',
        'NOERROR',
        'www.suricata.io',
        'A',
        '192.0.78.25',
        0,
        'udp',
      ],
      [
        '192.168.1.21',
        '192.168.1.1',
        'www.suricata.io',
        'NOERROR',
        'www.suricata.io',
        'CNAME',
        'suricata.io',
        0,
        'udp',
      ],
    ]);
  });

  it('reads version 3 with the responder as src_ip, and skips answers without rdata (SOA)', () => {
    expect(answers(6)).toEqual([
      [
        '192.168.1.22',
        '192.168.1.1',
        'www.suricata.io',
        'NOERROR',
        'www.suricata.io',
        'CNAME',
        'suricata.io',
        3597,
        'udp',
      ],
      [
        '192.168.1.22',
        '192.168.1.1',
        'www.suricata.io',
        'NOERROR',
        'suricata.io',
        'A',
        '35.212.0.44',
        597,
        'udp',
      ],
    ]);
  });

  it('leaves out mDNS, and reads DNS over TCP and IPv6', () => {
    expect(all[7]).toEqual({ type: 'other' });
    expect(answers(8)).toEqual([
      [
        'fd00:1::20',
        '2001:db8::53',
        'ipv6.example',
        'NOERROR',
        'ipv6.example',
        'AAAA',
        '2001:db8::80',
        300,
        'tcp',
      ],
    ]);
  });
});

describe('readEveEvent on hostile lines', () => {
  it('reports each broken line with its reason and reads the good ones around them', () => {
    const read = events('eve-hostile-lines.json');
    expect(read.map((e) => e.type)).toEqual([
      'flow',
      'bad',
      'bad',
      'bad',
      'bad',
      'bad',
      'bad',
      'bad',
      'flow',
    ]);
    expect(read.filter((e) => e.type === 'bad').map((e) => (e as { reason: string }).reason)).toEqual([
      expect.stringMatching(/^not JSON/),
      'a flow event without flow, src_ip, dest_ip or proto',
      'a JSON value that is not an object',
      'an object without "event_type"',
      'flow packet or byte counts that are not numbers',
      expect.stringMatching(/mixes IPv4 and IPv6/),
      'flow.start or flow.end is not a time',
    ]);
    expect(read[0]).toMatchObject({ flow: { status: 'unanswered', srcBytes: 60 } });
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ event_type: 'flow', flow: v, dns: v, tls: v })),
        ),
        (line) => {
          const event = readEveEvent(line, OPTIONS);
          expect(['flow', 'dns', 'names', 'other', 'bad']).toContain(event.type);
        },
      ),
    );
  });

  it('survives events whose nested objects have the wrong shapes', () => {
    for (const type of ['flow', 'dns', 'tls', 'http']) {
      for (const inner of [
        'null',
        '[]',
        '"x"',
        '{"answers":{"a":1},"queries":5,"grouped":[1]}',
        '{"type":"response","queries":[null]}',
      ]) {
        const line = `{"event_type":"${type}","timestamp":"2024-01-15T12:00:00Z","src_ip":"1.2.3.4","dest_ip":"5.6.7.8","src_port":53,"dest_port":53,"proto":"UDP","flow_id":1,"${type}":${inner}}`;
        expect(() => readEveEvent(line, OPTIONS)).not.toThrow();
      }
    }
  });
});
