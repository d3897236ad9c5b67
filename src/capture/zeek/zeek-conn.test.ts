import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../../records/index.js';
import { historyFlags, readZeekConnection, statusFromHistory } from './zeek-conn.js';
import { readZeekDns } from './zeek-dns.js';
import { ZeekLine, ZeekLogParser } from './zeek-log-parser.js';
import { readZeekHttp, readZeekSsl } from './zeek-names.js';

/** A parser positioned on one JSON record. */
function record(fields: Record<string, unknown>): ZeekLogParser {
  const parser = new ZeekLogParser();
  expect(parser.parseLine(JSON.stringify(fields))).toBe(ZeekLine.RECORD);
  return parser;
}

const CONN = {
  ts: 1300475167.096535,
  uid: 'CHhAvVGS1DHFjwGM9',
  'id.orig_h': '192.168.1.20',
  'id.orig_p': 51234,
  'id.resp_h': '203.0.113.9',
  'id.resp_p': 443,
  proto: 'tcp',
  service: 'ssl',
  duration: 2.5,
  orig_bytes: 1100,
  resp_bytes: 11560,
  conn_state: 'SF',
  history: 'ShADadFf',
  orig_pkts: 14,
  orig_ip_bytes: 1840,
  resp_pkts: 16,
  resp_ip_bytes: 12400,
};

describe('readZeekConnection', () => {
  it('maps a conn record onto a flow: originator as src, IP bytes, payload, times in microseconds', () => {
    const read = readZeekConnection(record(CONN));
    expect(read).toMatchObject({
      uid: 'CHhAvVGS1DHFjwGM9',
      service: 'ssl',
      flow: {
        protocol: 'tcp',
        ipProto: 6,
        ipVersion: 4,
        srcAddr: '192.168.1.20',
        srcPort: 51234,
        dstAddr: '203.0.113.9',
        dstPort: 443,
        firstSeenAt: 1300475167096535,
        lastSeenAt: 1300475169596535,
        srcPackets: 14,
        dstPackets: 16,
        srcBytes: 1840,
        dstBytes: 12400,
        srcPayloadBytes: 1100,
        dstPayloadBytes: 11560,
        status: 'closed',
        endReason: 'fin',
        communityId: null,
        isIcmpCodeAsPort: false,
        srcTcpFlags: TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN,
        dstTcpFlags: TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN,
      },
    });
  });

  it('keeps the Community ID, VLANs, MACs and cluster node that logging policies add', () => {
    const read = readZeekConnection(
      record({
        ...CONN,
        community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
        vlan: 13,
        inner_vlan: 10,
        orig_l2_addr: 'f4:f5:d8:01:02:03',
        resp_l2_addr: '00:11:22:33:44:55',
        _node_name: 'worker-1',
      }),
    );
    expect(read).toMatchObject({
      flow: {
        communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
        vlan: 13,
        innerVlan: 10,
        srcMac: 'f4:f5:d8:01:02:03',
        dstMac: '00:11:22:33:44:55',
        sensor: 'worker-1',
      },
    });
  });

  it('derives the payload of an untimed datagram from its IP bytes, as Zeek leaves it unset', () => {
    const read = readZeekConnection(
      record({
        ...CONN,
        proto: 'udp',
        history: 'D',
        conn_state: 'S0',
        duration: undefined,
        orig_bytes: undefined,
        resp_bytes: undefined,
        orig_pkts: 2,
        orig_ip_bytes: 92,
        resp_pkts: 0,
        resp_ip_bytes: 0,
      }),
    );
    expect(read).toMatchObject({
      flow: { srcPayloadBytes: 36, dstPayloadBytes: 0, status: 'unanswered', lastSeenAt: 1300475167096535 },
    });
  });

  it('reads ICMPv6 from the addresses and takes ports as Zeek logs them (type and counterpart)', () => {
    const read = readZeekConnection(
      record({
        ...CONN,
        proto: 'icmp',
        'id.orig_h': 'fd00:1::2',
        'id.resp_h': 'fd00:1::1',
        'id.orig_p': 128,
        'id.resp_p': 129,
        history: undefined,
        conn_state: 'OTH',
      }),
    );
    expect(read).toMatchObject({
      flow: {
        protocol: 'icmp6',
        ipProto: 58,
        ipVersion: 6,
        srcPort: 128,
        dstPort: 129,
        status: 'established',
      },
    });
  });

  it('takes the protocol number from ip_proto for transports Zeek does not name', () => {
    const read = readZeekConnection(
      record({ ...CONN, proto: 'unknown_transport', ip_proto: 47, 'id.orig_p': 0, 'id.resp_p': 0 }),
    );
    expect(read).toMatchObject({ flow: { protocol: 'gre', ipProto: 47 } });
  });

  const badCases: { description: string; fields: Record<string, unknown>; reason: RegExp }[] = [
    { description: 'no ts', fields: { ts: undefined }, reason: /without ts/ },
    { description: 'a masked ts', fields: { ts: 'XXXXXXXXXX.XXXXXX' }, reason: /is not a time/ },
    {
      description: 'an address that is not one',
      fields: { 'id.orig_h': 'host.example' },
      reason: /not a pair of IP addresses/,
    },
    {
      description: 'IPv4 talking to IPv6',
      fields: { 'id.resp_h': '2001:db8::1' },
      reason: /not a pair of IP addresses/,
    },
    { description: 'an unknown protocol', fields: { proto: 'carrier-pigeon' }, reason: /is not a protocol/ },
    { description: 'a port above 65535', fields: { 'id.orig_p': 70000 }, reason: /not a number/ },
    { description: 'a negative count', fields: { orig_pkts: -1 }, reason: /not a number/ },
  ];
  for (const c of badCases) {
    it(`refuses a record with ${c.description}`, () => {
      const read = readZeekConnection(record({ ...CONN, ...c.fields }));
      expect(read).toMatch(c.reason);
    });
  }
});

describe('statusFromHistory', () => {
  // The same decisions the flow table makes from packets (src/flow/flow-state.ts, status()).
  const cases: { history: string; responderPackets: number; status: string }[] = [
    { history: 'ShADadFf', responderPackets: 7, status: 'closed' },
    { history: 'S', responderPackets: 0, status: 'unanswered' },
    { history: 'Sr', responderPackets: 1, status: 'rejected' },
    { history: 'ShADadR', responderPackets: 3, status: 'reset' },
    { history: 'ShADadr', responderPackets: 3, status: 'reset' },
    { history: 'ShADad', responderPackets: 3, status: 'established' },
    { history: 'ShADadF', responderPackets: 3, status: 'established' },
    { history: '^hADdFaf', responderPackets: 10, status: 'partial' },
    { history: 'Dd', responderPackets: 1, status: 'partial' },
  ];
  for (const c of cases) {
    it(`calls history ${c.history} ${c.status}`, () => {
      expect(statusFromHistory(c.history, c.responderPackets)).toBe(c.status);
    });
  }

  it('falls back to conn_state when there is no history', () => {
    const read = readZeekConnection(record({ ...CONN, history: undefined, conn_state: 'REJ' }));
    expect(read).toMatchObject({ flow: { status: 'rejected', endReason: 'rst' } });
  });
});

describe('historyFlags', () => {
  it('gives each side only the flags its letters prove', () => {
    expect(historyFlags('ShAFr', true)).toBe(TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN);
    expect(historyFlags('ShAFr', false)).toBe(TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST);
    expect(historyFlags(null, true)).toBe(0);
  });
});

describe('readZeekDns', () => {
  const DNS = {
    ts: 1300475168.1,
    uid: 'C1',
    'id.orig_h': '141.142.220.118',
    'id.orig_p': 48649,
    'id.resp_h': '141.142.2.2',
    'id.resp_p': 53,
    proto: 'udp',
    query: 'Meta.Wikimedia.org.',
    qtype_name: 'A',
    rcode_name: 'NOERROR',
    answers: ['text.wikimedia.org', 'text.pmtpa.wikimedia.org', '208.80.152.2'],
    TTLs: [723.0, 593.0, 2141.0],
  };

  it('gives one answer per record, owners following the CNAME chain from the query', () => {
    const records = readZeekDns(record(DNS));
    expect(records).toEqual([
      expect.objectContaining({
        queryName: 'meta.wikimedia.org',
        answerName: 'meta.wikimedia.org',
        answerType: 'CNAME',
        answer: 'text.wikimedia.org',
        ttl: 723,
      }),
      expect.objectContaining({
        answerName: 'text.wikimedia.org',
        answerType: 'CNAME',
        answer: 'text.pmtpa.wikimedia.org',
        ttl: 593,
      }),
      expect.objectContaining({
        answerName: 'text.pmtpa.wikimedia.org',
        answerType: 'A',
        answer: '208.80.152.2',
        ttl: 2141,
        rcode: 'NOERROR',
        transport: 'udp',
        clientAddr: '141.142.220.118',
        serverAddr: '141.142.2.2',
      }),
    ]);
  });

  it('keeps a failed lookup as one record with an empty answer', () => {
    expect(
      readZeekDns(record({ ...DNS, rcode_name: 'NXDOMAIN', answers: undefined, TTLs: undefined })),
    ).toEqual([
      expect.objectContaining({
        queryName: 'meta.wikimedia.org',
        answerType: 'A',
        answer: '',
        rcode: 'NXDOMAIN',
        ttl: 0,
      }),
    ]);
  });

  it('types a name answer by the query type when it is not an address lookup', () => {
    expect(
      readZeekDns(record({ ...DNS, qtype_name: 'PTR', answers: ['Host.Example.'], TTLs: [60] })),
    ).toEqual([expect.objectContaining({ answerType: 'PTR', answer: 'host.example' })]);
  });

  it('leaves out what is not a resolver answer: mDNS, and a query with no response', () => {
    expect(readZeekDns(record({ ...DNS, 'id.resp_p': 5353 }))).toEqual([]);
    expect(readZeekDns(record({ ...DNS, rcode_name: undefined }))).toEqual([]);
  });
});

describe('readZeekSsl and readZeekHttp', () => {
  it('takes SNI, version, ALPN and JA3/JA4 from ssl.log, and a certificate fingerprint only when it is SHA1', () => {
    const sha1 = 'aa'.repeat(20);
    expect(
      readZeekSsl(
        record({
          uid: 'C1',
          server_name: 'ssl.gstatic.com',
          version: 'TLSv12',
          cipher: 'x',
          next_protocol: 'h2',
          ja3: 'abc',
          ja4: 't13d',
          cert_chain_fps: [sha1, 'bb'.repeat(20)],
        }),
      ),
    ).toEqual({
      uid: 'C1',
      names: {
        serverName: 'ssl.gstatic.com',
        ja3: 'abc',
        ja4: 't13d',
        tlsCertSha1: sha1,
        tlsVersion: 'TLSv12',
        alpn: 'h2',
      },
    });
    expect(
      readZeekSsl(
        record({ uid: 'C1', server_name: 'a', version: 'TLSv13', cert_chain_fps: ['cc'.repeat(32)] }),
      )?.names.tlsCertSha1,
    ).toBeNull();
  });

  it("takes the first request's Host, lowercase and without its port", () => {
    expect(
      readZeekHttp(
        record({ uid: 'C2', trans_depth: 1, method: 'GET', host: 'Bits.Wikimedia.org:8080', uri: '/' }),
      )?.names.serverName,
    ).toBe('bits.wikimedia.org');
    expect(
      readZeekHttp(record({ uid: 'C2', trans_depth: 2, method: 'GET', host: 'other.example', uri: '/' })),
    ).toBeNull();
  });
});
